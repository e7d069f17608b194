"""Askings: everyday questions kept beside the documents lead to the article they concern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.askings import SHIPPED_DIR, parse

from .conftest import SHIPPED, SMALL_LAW, write

LINE = re.compile(r"^第[〇零一二三四五六七八九十百千]+条 \| .+$")


def test_parse_reads_title_labels_and_askings() -> None:
    parsed = parse("# 测试协会管理办法\n\n第三条 | 捐来的钱能不能挪用；善款能拿去发奖金吗\n"
                   "第 3 条｜专项的钱能改用途吗\nnot a line\n第十一条 | 协会干什么\n")
    assert parsed.title == "测试协会管理办法"
    assert parsed.by_article[3] == (
        "捐来的钱能不能挪用", "善款能拿去发奖金吗", "专项的钱能改用途吗")
    assert parsed.by_article[11] == ("协会干什么",)


@pytest.mark.parametrize("path", sorted(SHIPPED_DIR.glob("*.txt")), ids=lambda p: p.stem)
def test_every_shipped_askings_file_fits_its_document(shipped_kb: KnowledgeBase,
                                                      path: Path) -> None:
    document = next((d for d in shipped_kb.documents if Path(d.file).stem == path.stem), None)
    assert document is not None, f"no document {path.stem}.md for {path.name}"
    text = path.read_text(encoding="utf-8")
    parsed = parse(text)
    assert parsed.title == document.title
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert all(LINE.match(line) for line in lines), [x for x in lines if not LINE.match(x)]
    assert len(parsed.by_article) == len(lines), "an article is listed twice"
    for number, askings in parsed.by_article.items():
        passage = shipped_kb.article(document.file, number)
        assert passage is not None, f"{path.name}: no article {number}"
        assert passage.askings == askings
        assert all(2 <= len(asking) <= 40 for asking in askings)


def test_askings_are_never_shown_as_the_answer(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("同事把捐来的米拿回家了")
    for hit in result.hits:
        assert not any(asking in hit.passage.text for asking in hit.passage.askings)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    write(folder, "association.md", SMALL_LAW)
    return folder


def test_an_organisations_own_askings_lead_to_its_article(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    base = KnowledgeBase.load(folder, tmp_path / "cache", semantic=False)
    question = "年底协会的账本要不要给会员看"
    assert not base.search(question).answered

    (folder / "askings").mkdir()
    write(folder / "askings", "association.txt",
          "# 测试协会管理办法\n"
          "第三条 | 年底账本要不要给会员和大家看；协会的钱花在哪了要不要公布\n")
    report = base.reload()  # a changed askings file is picked up like a changed document
    assert report.unchanged  # no document changed
    result = base.search(question)
    assert result.answered
    assert result.hits[0].passage.article_number == 3
    # the answer quotes the article, not the asking
    assert result.hits[0].passage.text.startswith("第三条 协会的捐赠款物")


def test_askings_for_another_title_are_ignored(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "askings").mkdir()
    write(folder / "askings", "association.txt",
          "# 另一个协会的章程\n第三条 | 协会的钱花在哪了要不要晒给大家看\n")
    base = KnowledgeBase.load(folder, tmp_path / "cache", semantic=False)
    assert base.article("association.md", 3).askings == ()


def test_askings_folder_is_not_read_as_documents(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "askings").mkdir()
    write(folder / "askings", "association.txt", "第三条 | 钱花哪了\n")
    base = KnowledgeBase.load(folder, tmp_path / "cache", semantic=False)
    assert [d.file for d in base.documents] == ["association.md"]
    assert not base.load_errors


def test_shipped_folder_copy_keeps_the_shipped_askings(tmp_path: Path) -> None:
    # KNOWLEDGE_DIR pointing at a copy of the shipped regulations still gets their askings.
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "red-cross-law.md").write_bytes((SHIPPED / "red-cross-law.md").read_bytes())
    base = KnowledgeBase.load(folder, tmp_path / "cache", semantic=False)
    assert base.article("red-cross-law.md", 11).askings
