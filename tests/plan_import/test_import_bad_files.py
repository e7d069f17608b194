"""Files that cannot be imported are refused with a reason in Chinese and English; no crash."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bot.services.plan_import import PlanImportError, parse_plan_file
from bot.services.plan_import import reader as reader_module
from tests.plan_import.builders import (
    SAMPLES,
    compound_file,
    docx_from_paragraphs,
    ledger_docx,
    report_lines,
    workbook_bytes,
)

MB = 1024 * 1024


def refusal(source: bytes | Path, name: str, **options: int) -> PlanImportError:
    with pytest.raises(PlanImportError) as caught:
        parse_plan_file(source, name, **options)
    error = caught.value
    assert error.message_zh and error.message_en
    return error


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any parser gets the file: the refusal must come before parsing."""

    def parser_called(*_: object) -> None:
        raise AssertionError("the file reached a parser")

    for name in ("parse_xlsx", "parse_docx", "parse_text", "parse_csv"):
        monkeypatch.setattr(reader_module, name, parser_called)
    monkeypatch.setattr(openpyxl, "load_workbook", parser_called)


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path, no_parsing: None) -> None:
    path = tmp_path / "台账.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(50 * MB)  # sparse: costs no disk and no time
    error = refusal(path, path.name)
    assert error.code == "too_large"
    assert "50.0 MB" in error.message_zh and "20 MB" in error.message_zh


def test_too_large_bytes_and_a_custom_cap(no_parsing: None) -> None:
    data = (SAMPLES / "ledger-sample.xlsx").read_bytes()
    assert refusal(data, "台账.xlsx", max_bytes=1024).code == "too_large"
    assert refusal(b"PK\x03\x04" + bytes(21 * MB), "台账.xlsx").code == "too_large"


def zip_of_zeros(names: list[str], size: int) -> bytes:
    buffer = io.BytesIO()
    chunk = bytes(MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            with archive.open(name, "w", force_zip64=True) as member:
                for _ in range(size // MB):
                    member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("names", "file_name"),
    [
        (["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"], "台账.xlsx"),
        (["[Content_Types].xml", "word/document.xml"], "方案.docx"),
    ],
)
def test_zip_bomb_disguised_as_office_file(
    names: list[str], file_name: str, no_parsing: None
) -> None:
    data = zip_of_zeros(names[-1:], 120 * MB)
    assert len(data) < MB
    error = refusal(data, file_name)
    assert error.code == "zip_bomb"


def test_zip_bomb_by_compression_ratio(no_parsing: None) -> None:
    data = zip_of_zeros(["xl/workbook.xml", "xl/worksheets/sheet1.xml"], 30 * MB)
    assert refusal(data, "台账.xlsx").code == "zip_bomb"


def test_password_protected_xlsx_is_an_ole_file() -> None:
    data = compound_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])
    for name in ("台账.xlsx", "方案.docx", "台账"):
        error = refusal(data, name)
        assert error.code == "encrypted"
        assert "密码" in error.message_zh


def test_old_word_document_says_save_as_docx() -> None:
    error = refusal(compound_file(["WordDocument", "1Table", "\x05SummaryInformation"]), "a.doc")
    assert error.code == "old_word_format"
    assert ".docx" in error.message_zh and ".docx" in error.message_en


def test_old_excel_workbook_says_save_as_xlsx() -> None:
    for stream in ("Workbook", "Book"):
        error = refusal(compound_file([stream]), "台账.xls")
        assert error.code == "old_excel_format"
        assert ".xlsx" in error.message_zh and ".xlsx" in error.message_en
    # the content decides, not the name
    assert refusal(compound_file(["Workbook"]), "台账.xlsx").code == "old_excel_format"


def test_an_xlsx_saved_with_a_wrong_name_is_still_read() -> None:
    data = (SAMPLES / "ledger-sample.xlsx").read_bytes()
    assert len(parse_plan_file(data, "台账.xls").measures) == 32
    assert len(parse_plan_file(data, "台账").measures) == 32


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "方案.pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "截图.png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "照片.jpg"),
        ("{\\rtf1\\ansi 整改方案}".encode(), "方案.rtf"),
        (bytes(range(256)) * 4, "data.bin"),
    ],
)
def test_not_a_plan_file(data: bytes, name: str) -> None:
    assert refusal(data, name).code == "unsupported_type"


def test_a_zip_that_is_not_an_office_file() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(buffer.getvalue(), "台账.xlsx").code == "unsupported_type"


def test_an_opendocument_spreadsheet() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    error = refusal(buffer.getvalue(), "台账.ods")
    assert error.code == "unsupported_type" and ".xlsx" in error.message_zh


def test_corrupt_files() -> None:
    xlsx = (SAMPLES / "ledger-sample.xlsx").read_bytes()
    assert refusal(xlsx[: len(xlsx) // 2], "台账.xlsx").code == "corrupt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml at all <<<")
        archive.writestr("xl/workbook.xml", "<workbook><sheets>")
    assert refusal(buffer.getvalue(), "台账.xlsx").code == "corrupt"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)
    assert refusal(ole, "台账.xls").code == "corrupt"
    assert refusal(b"\x00\x01\x02garbage" * 50, "台账.xlsx").code == "corrupt"


def test_damaged_files_never_crash() -> None:
    sources = [
        ((SAMPLES / "ledger-sample.xlsx").read_bytes(), "台账.xlsx"),
        (ledger_docx(), "台账.docx"),
        (docx_from_paragraphs([(line, None) for line in report_lines()]), "报告.docx"),
        (compound_file(["WordDocument"]), "a.doc"),
    ]
    generator = random.Random(20240601)
    for data, name in sources:
        for _ in range(15):
            damaged = bytearray(data)
            cut = generator.randrange(1, len(data))
            if generator.random() < 0.5:
                damaged = damaged[:cut]
            else:
                for position in generator.sample(range(len(damaged)), 20):
                    damaged[position] = generator.randrange(256)
            try:
                parse_plan_file(bytes(damaged), name)
            except PlanImportError as error:
                assert error.code and error.message_zh and error.message_en


def test_empty_files() -> None:
    assert refusal(b"", "台账.xlsx").code == "empty"
    assert refusal(b" \n\t\r\n", "方案.txt").code == "empty"
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Sheet2")
    error = refusal(workbook_bytes(workbook), "台账.xlsx")
    assert error.code == "empty"
    assert refusal(docx_from_paragraphs([]), "方案.docx").code == "empty"


def test_a_header_with_nothing_under_it() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["序号", "存在问题", "整改措施", "责任领导", "责任人", "整改时限"])
    assert refusal(workbook_bytes(workbook), "台账.xlsx").code == "empty"


def test_a_sheet_without_a_ledger_header() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "工资表"
    sheet.append(["姓名", "基本工资", "绩效", "合计"])
    sheet.append(["张三", 5000, 1200, 6200])
    error = refusal(workbook_bytes(workbook), "台账.xlsx")
    assert error.code == "no_header"
    assert "工资表" in error.message_zh


def test_a_missing_path() -> None:
    assert refusal(Path("/nonexistent/台账.xlsx"), "台账.xlsx").code == "unreadable"
