from pathlib import Path

import pytest

from knowledge import KnowledgeBase

from .conftest import write

LODGING = "travel-lodging-standards-2016.md"


def test_table_row_lookup(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("呼和浩特 司局级")
    assert result.answered and result.kind == "search"
    top = result.hits[0].passage
    assert (top.file, top.row) == (LODGING, "内蒙古 呼和浩特市")
    assert "| 800 | 460 | 350 |" in top.text


def test_a_table_question_naming_no_row_asks_which_row(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("出差住宿标准多少？")
    assert result.answered and result.table is not None
    assert result.table.file == LODGING
    assert result.table.label_columns == ("地区", "市县")
    assert result.table.value_columns[:3] == ("一类", "二类", "三类")
    assert result.table.rows > 60
    # Not an arbitrary row: the table from its start, in the document's order.
    rows = [hit.passage.row for hit in result.hits if hit.passage.kind == "row"]
    assert rows[0] == "北京 全市" and rows[1].startswith("天津 6个中心城区")
    # Naming only the document ("差旅住宿费标准") opens it the same way.
    opening = shipped_kb.search("差旅住宿费标准")
    assert opening.table is not None and opening.hits[0].passage.file == LODGING
    for named in ("呼和浩特 司局级", "去北京出差住多少钱"):
        assert shipped_kb.search(named).table is None, named


def test_an_organisations_own_table_is_overviewed_the_same_way(small_folder: Path,
                                                               tmp_path: Path) -> None:
    write(small_folder, "travel.md", """---
title: 测试协会差旅费管理办法
complete: yes
---
# 测试协会差旅费管理办法

| 职级 | 住宿费 | 伙食补助费 |
| --- | --- | --- |
| 会长 | 600 | 100 |
| 部长 | 450 | 100 |
| 其他人员 | 350 | 80 |
""")
    base = KnowledgeBase.load(small_folder, tmp_path / "cache", semantic=False)
    overview = base.search("住宿费标准是多少").table
    assert overview is not None
    assert overview.label_columns == ("职级",)
    assert overview.value_columns == ("住宿费", "伙食补助费")
    assert overview.rows == 3 and overview.example == "会长 住宿费"
    named = base.search("部长出差住宿费多少")
    assert named.table is None and named.hits[0].passage.row == "部长"


def test_unverified_warning_is_carried_by_every_hit(shipped_kb: KnowledgeBase) -> None:
    for question in ("去上海出差住宿费标准多少", "三亚旺季住宿标准", "住宿费标准明细表说明"):
        result = shipped_kb.search(question)
        assert result.answered, question
        for hit in result.hits:
            if hit.passage.file == LODGING:
                assert hit.passage.warning is not None
                assert "财行〔2016〕71号" in hit.passage.warning
                assert "未经核对" in hit.passage.warning


def test_colloquial_question_finds_the_article(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("有人在网上造谣，损害红会的名誉")
    assert result.answered
    top = result.hits[0].passage
    assert (top.file, top.article_number) == ("red-cross-law.md", 27)
    assert "虚假信息" in result.hits[0].matched_terms


def test_synonyms(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("红会收到善款要开什么票据")
    assert result.answered
    assert (result.hits[0].passage.file, result.hits[0].passage.article_number) == (
        "red-cross-law.md", 20)


def test_matched_terms_occur_in_text(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("红十字标志能不能用来做商业广告")
    assert result.answered
    for hit in result.hits:
        assert hit.matched_terms
        for term in hit.matched_terms:
            assert term in hit.passage.text.lower()


def test_hits_are_ordered_and_scored(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("慈善组织公开募捐资格", top=5)
    assert 1 <= len(result.hits) <= 5
    scores = [hit.score for hit in result.hits]
    assert all(0.0 < score <= 1.0 for score in scores)


@pytest.mark.parametrize(
    "question",
    ["今天天气怎么样", "怎么办理护照", "世界杯冠军是谁", "股票怎么开户", "驾照扣分怎么处理"],
)
def test_no_basis(shipped_kb: KnowledgeBase, question: str) -> None:
    result = shipped_kb.search(question)
    assert result.kind == "no_basis"
    assert not result.answered
    assert result.hits == []
    assert result.suggestions


@pytest.mark.parametrize(
    "question",
    ["", " ", "好", "？？？！！", "😀😀😀", "……", "\n\t", "<br/>", "**", "👍"],
)
def test_bad_input(shipped_kb: KnowledgeBase, question: str) -> None:
    result = shipped_kb.search(question)
    assert result.kind == "bad_input"
    assert not result.answered
    assert result.hits == []


def test_very_long_question_does_not_break(shipped_kb: KnowledgeBase) -> None:
    question = "红十字会的捐赠款物怎么公开" + "啊" * 5000
    result = shipped_kb.search(question)
    assert result.kind in ("search", "no_basis")
    noise = "的" * 5000
    assert not shipped_kb.search(noise).answered


def test_markup_in_question(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("<b>红十字会法</b> **第十一条**")
    assert result.kind == "article_lookup"
    assert result.hits[0].passage.article_number == 11
    html = shipped_kb.search("<script>alert(1)</script><p>红会收到善款要开什么票据</p>")
    assert html.answered
    assert html.hits[0].passage.article_number == 20


def test_document_named_without_question(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("慈善法")
    assert result.answered
    assert result.hits[0].passage.file == "charity-law-2023.md"


def test_article_number_without_document(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("第十一条")
    assert not result.answered
    assert result.suggestions


def test_local_rules_need_the_place(shipped_kb: KnowledgeBase) -> None:
    national = shipped_kb.search("谁可以加入红十字会成为会员").hits[0].passage
    assert national.file == "red-cross-law.md"
    local = shipped_kb.search("上海红十字会的会员怎么加入").hits[0].passage
    assert local.file == "shanghai-red-cross-regulations.md"
