"""What a file really is, and the checks made before any parser opens it."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Literal

from bot.services.plan_import.errors import PlanImportError
from bot.services.plan_import.ole import OLE_MAGIC, OleError, ole_entry_names

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 100 * 1024 * 1024
# Office XML compresses 5–20 times; a ratio this high on a large member is a zip bomb.
_MAX_RATIO = 200
_RATIO_CHECK_FROM = 10 * 1024 * 1024
_MAX_MEMBERS = 10_000

ZipKind = Literal["xlsx", "docx"]


def too_large(size: int, max_bytes: int) -> PlanImportError:
    limit = max_bytes / 1024 / 1024
    actual = size / 1024 / 1024
    return PlanImportError(
        "too_large",
        f"文件太大（{actual:.1f} MB），最多可导入 {limit:.0f} MB 的文件。",
        f"The file is too large ({actual:.1f} MB); the limit is {limit:.0f} MB.",
    )


def check_zip(data: bytes, max_uncompressed: int) -> ZipKind:
    """An .xlsx or .docx, judged by its declared sizes before anything is decompressed.

    Reading never goes past the declared sizes (zipfile truncates to them and then fails the
    CRC), so checking the declared total is enough to bound memory.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise corrupt() from error
    if len(members) > _MAX_MEMBERS:
        raise PlanImportError(
            "zip_bomb",
            f"文件内含 {len(members)} 个部件，不像正常的 Excel/Word 文件，已拒绝导入。",
            f"The file holds {len(members)} parts; refused as a possible zip bomb.",
        )
    total = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    ratio = total / max(packed, 1)
    if total > max_uncompressed or (total > _RATIO_CHECK_FROM and ratio > _MAX_RATIO):
        raise PlanImportError(
            "zip_bomb",
            f"文件解压后过大（约 {total / 1024 / 1024:.0f} MB，压缩比 {ratio:.0f}:1），"
            "不像正常的 Excel/Word 文件，已拒绝导入。",
            f"The file would expand to {total / 1024 / 1024:.0f} MB (ratio {ratio:.0f}:1); "
            "refused as a possible zip bomb.",
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise _encrypted()
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.bin" in names:
        raise PlanImportError(
            "unsupported_type",
            "这是 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再导入。",
            "Excel binary workbooks (.xlsb) are not supported; save as .xlsx.",
        )
    if "mimetype" in names or "content.xml" in names:
        raise PlanImportError(
            "unsupported_type",
            "这是 WPS/OpenOffice 格式（.ods/.odt），请另存为 .xlsx 或 .docx 后再导入。",
            "OpenDocument files are not supported; save as .xlsx or .docx.",
        )
    raise unsupported()


def check_ole(data: bytes) -> None:
    """Old binary Office files and password-protected ones: always refused, with the reason."""
    try:
        names = ole_entry_names(data)
    except OleError as error:
        raise corrupt() from error
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise _encrypted()
    if "WordDocument" in names:
        raise PlanImportError(
            "old_word_format",
            "这是旧版 Word 文档（.doc）。请在 Word 或 WPS 中“另存为” .docx 格式后再导入。",
            "This is an old Word document (.doc); save it as .docx and import again.",
        )
    if "Workbook" in names or "Book" in names:
        raise PlanImportError(
            "old_excel_format",
            "这是旧版 Excel 表格（.xls）。请在 Excel 或 WPS 中“另存为” .xlsx 格式后再导入。",
            "This is an old Excel workbook (.xls); save it as .xlsx and import again.",
        )
    raise unsupported()


def is_ole(data: bytes) -> bool:
    return data.startswith(OLE_MAGIC)


def is_zip(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def corrupt() -> PlanImportError:
    return PlanImportError(
        "corrupt",
        "文件已损坏或不完整，无法打开。请重新保存或重新下载后再导入。",
        "The file is damaged or incomplete and cannot be opened.",
    )


def _encrypted() -> PlanImportError:
    return PlanImportError(
        "encrypted",
        "文件设置了打开密码。请在 Excel/Word 中取消密码（文件→信息→保护）后再导入。",
        "The file is password-protected; remove the password and import again.",
    )


def unsupported(what_zh: str = "这种文件", what_en: str = "This file type") -> PlanImportError:
    return PlanImportError(
        "unsupported_type",
        f"不支持{what_zh}。请上传 Excel 台账（.xlsx）、Word 方案（.docx）、文本（.txt）"
        "或方案文件（.json）。",
        f"{what_en} is not supported; upload an .xlsx ledger, a .docx or .txt plan, "
        "or a .json plan file.",
    )
