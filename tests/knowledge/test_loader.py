from pathlib import Path

import docx
import pytest

from knowledge import KnowledgeBase
from knowledge.frontmatter import split_front_matter
from knowledge.loader import DocumentError, list_sources, read_document

from .conftest import SHIPPED, SMALL_LAW, write


def test_front_matter_subset() -> None:
    front, body = split_front_matter(SMALL_LAW)
    assert front["title"] == "测试协会管理办法"
    assert front["history"] == ["2020年1月1日 理事会通过", "2022年5月6日 理事会修订"]
    assert body.lstrip().startswith("# 测试协会管理办法")


def test_articles_with_paragraphs_and_chapters() -> None:
    doc = read_document("association.md", SMALL_LAW.encode())
    assert doc.title == "测试协会管理办法"
    assert doc.version == "2022年5月6日修订"
    assert doc.warning is None
    articles = [u for u in doc.units if u.kind == "article"]
    assert [u.article_number for u in articles] == [1, 2, 3, 4]
    second = articles[1]
    assert second.article == "第二条"
    assert "会费标准由理事会决定" in second.text  # the article keeps its second 款
    assert second.chapter == "第一章 总则"
    assert articles[2].chapter == "第二章 财务"


def test_shipped_folder_structure(shipped_kb: KnowledgeBase) -> None:
    assert shipped_kb.load_errors == []
    names = {doc.file for doc in shipped_kb.documents}
    assert "README.md" not in names
    assert not any(name.endswith(".py") for name in names)
    red_cross = shipped_kb.find_document("红十字会法")
    assert red_cross is not None
    assert red_cross.article_count == 30
    assert red_cross.version == "2017年2月24日修订"
    contracts = shipped_kb.article("civil-code-contracts.md", 463)
    assert contracts is not None
    assert contracts.chapter is not None and "第一章" in contracts.chapter


def test_every_shipped_article_count_matches_front_matter(shipped_kb: KnowledgeBase) -> None:
    for doc in shipped_kb.documents:
        front, _ = split_front_matter((SHIPPED / doc.file).read_text(encoding="utf-8"))
        if "articles" in front:
            assert doc.article_count == int(front["articles"]), doc.file


def test_readme_python_and_hidden_files_are_not_sources(small_folder: Path) -> None:
    write(small_folder, "README.md", "# 说明\n\n这是说明。\n")
    write(small_folder, "helper.py", "print('x')\n")
    write(small_folder, ".hidden.md", "隐藏\n")
    (small_folder / "__pycache__").mkdir()
    write(small_folder / "__pycache__", "x.md", "缓存\n")
    assert [p.name for p in list_sources(small_folder)] == ["association.md"]


def test_table_rows_carry_header_and_label() -> None:
    doc = read_document("travel-lodging-standards-2016.md",
                        (SHIPPED / "travel-lodging-standards-2016.md").read_bytes())
    rows = [u for u in doc.units if u.kind == "row"]
    hohhot = next(u for u in rows if u.row == "内蒙古 呼和浩特市")
    assert hohhot.text.splitlines()[0].startswith("| 序号 | 地区 | 市县 |")
    assert "| 800 | 460 | 350 |" in hohhot.text
    hebei = next(u for u in rows if u.row and "秦皇岛市" in u.row)
    assert "7-8月" in hebei.text  # peak-season continuation rows stay with their region
    assert doc.warning is not None
    assert "财行〔2016〕71号" in doc.warning
    assert "未经核对" in doc.warning


def test_incomplete_document_warns() -> None:
    text = SMALL_LAW.replace("complete: yes", "complete: partial（只有前四条）")
    doc = read_document("part.md", text.encode())
    assert doc.warning is not None and "不完整" in doc.warning


def test_plain_text_document() -> None:
    text = ("某某红十字会财务制度\n\n第一章 总则\n"
            "第一条 本会财务实行统一管理。\n第二条 报销须经会长审批。\n")
    doc = read_document("finance.txt", text.encode("gb18030"))
    assert doc.title == "某某红十字会财务制度"
    articles = [u for u in doc.units if u.kind == "article"]
    assert [u.article_number for u in articles] == [1, 2]
    assert articles[0].chapter == "第一章 总则"


def test_plain_text_without_articles_is_split_into_paragraphs() -> None:
    text = "会议纪要\n\n一、关于捐赠款物公示的要求。\n\n二、关于差旅报销的要求。\n"
    doc = read_document("notes.txt", text.encode())
    assert [u.kind for u in doc.units] == ["paragraph", "paragraph"]


def _docx_bytes(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.core_properties.title = "某某市红十字会差旅费管理办法"
    document.add_heading("第一章 总则", level=1)
    document.add_paragraph("第一条 为规范差旅费管理，制定本办法。")
    document.add_paragraph("第二条 出差住宿按下表标准报销。")
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(table.rows, [("城市", "处级", "科级"), ("郑州", "380", "300"),
                                        ("洛阳", "330", "260")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    path = tmp_path / "travel.docx"
    document.save(str(path))
    return path.read_bytes()


def test_docx_document_with_table(tmp_path: Path) -> None:
    doc = read_document("travel.docx", _docx_bytes(tmp_path))
    assert doc.title == "某某市红十字会差旅费管理办法"
    kinds = [u.kind for u in doc.units]
    assert kinds.count("article") == 2
    rows = [u for u in doc.units if u.kind == "row"]
    assert [u.row for u in rows] == ["郑州", "洛阳"]
    assert "| 城市 | 处级 | 科级 |" in rows[0].text


def test_docx_is_searchable(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "travel.docx").write_bytes(_docx_bytes(tmp_path))
    base = KnowledgeBase.load(folder, tmp_path / "cache")
    result = base.search("洛阳 科级 住宿")
    assert result.answered
    assert result.hits[0].passage.row == "洛阳"


def test_broken_files_raise_document_errors() -> None:
    with pytest.raises(DocumentError):
        read_document("broken.docx", b"not a zip file")
    with pytest.raises(DocumentError):
        read_document("empty.md", b"---\ntitle: x\n---\n")
    with pytest.raises(DocumentError):
        read_document("scan.pdf", b"%PDF-1.4")
