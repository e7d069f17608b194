import pytest

from knowledge import KnowledgeBase


@pytest.mark.parametrize(
    ("question", "file", "number"),
    [
        ("红十字会法第十一条", "red-cross-law.md", 11),
        ("公益事业捐赠法 第5条", "public-welfare-donation-law.md", 5),
        ("慈善法第二十二条说的什么", "charity-law-2023.md", 22),
        ("红会法第20条", "red-cross-law.md", 20),
        ("《中华人民共和国红十字会法》第十四条", "red-cross-law.md", 14),
        ("民法典第五百条", "civil-code-contracts.md", 500),
        ("民法典第一条", "civil-code-general-provisions.md", 1),
        ("宪法第三十五条", "constitution.md", 35),
        ("捐赠法第十六条", "public-welfare-donation-law.md", 16),
        ("红十字会发第十二条", "red-cross-law.md", 12),
        ("公益事业捐增法第五条", "public-welfare-donation-law.md", 5),
        ("上海市红十字会条例第十三条", "shanghai-red-cross-regulations.md", 13),
    ],
)
def test_direct_lookup(shipped_kb: KnowledgeBase, question: str, file: str, number: int) -> None:
    result = shipped_kb.search(question)
    assert result.kind == "article_lookup"
    assert result.answered
    passage = result.hits[0].passage
    assert (passage.file, passage.article_number) == (file, number)
    assert passage.text.startswith(passage.article or "")


def test_lookup_returns_whole_article(shipped_kb: KnowledgeBase) -> None:
    passage = shipped_kb.search("红十字会法第十一条").hits[0].passage
    assert "（九）协助人民政府开展与其职责相关的其他人道主义服务活动。" in passage.text
    assert passage.chapter == "第三章 职责"
    assert passage.version == "2017年2月24日修订"
    assert passage.warning is None


def test_missing_article_is_structured(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("红十字会法第九十九条")
    assert result.kind == "missing_article"
    assert not result.answered
    assert result.hits == []
    assert result.missing is not None
    assert result.missing.title == "中华人民共和国红十字会法"
    assert result.missing.requested == 99
    assert result.missing.article_count == 30


def test_several_articles_in_one_question(shipped_kb: KnowledgeBase) -> None:
    result = shipped_kb.search("慈善法第二十二条和第二十三条")
    assert [h.passage.article_number for h in result.hits] == [22, 23]


def test_article_and_neighbours(shipped_kb: KnowledgeBase) -> None:
    passage = shipped_kb.article("red-cross-law.md", 11)
    assert passage is not None and passage.article == "第十一条"
    assert len(passage.id) <= 20
    assert shipped_kb.passage(passage.id) == passage
    before, after = shipped_kb.neighbours(passage.id)
    assert before is not None and before.article_number == 10
    assert after is not None and after.article_number == 12
    first = shipped_kb.article("red-cross-law.md", 1)
    assert first is not None
    assert shipped_kb.neighbours(first.id)[0] is None
    assert shipped_kb.article("red-cross-law.md", 99) is None
    assert shipped_kb.passage("nonexistent") is None
    assert shipped_kb.neighbours("nonexistent") == (None, None)


def test_passage_ids_are_unique_and_short(shipped_kb: KnowledgeBase) -> None:
    ids = [pid for doc in shipped_kb.documents for pid in doc.passage_ids]
    assert len(ids) == len(set(ids))
    assert max(len(pid) for pid in ids) <= 20


@pytest.mark.parametrize(
    ("name", "file"),
    [
        ("红十字会法", "red-cross-law.md"),
        ("中华人民共和国红十字会法", "red-cross-law.md"),
        ("慈善法", "charity-law-2023.md"),
        ("捐赠法", "public-welfare-donation-law.md"),
        ("红十字标志使用办法", "red-cross-emblem-measures.md"),
        ("北京市实施《中华人民共和国红十字会法》办法",
         "beijing-red-cross-law-implementing-measures.md"),
        ("财行〔2016〕71号", "travel-lodging-standards-2016.md"),
        ("公益事业捐增法", "public-welfare-donation-law.md"),
    ],
)
def test_find_document(shipped_kb: KnowledgeBase, name: str, file: str) -> None:
    document = shipped_kb.find_document(name)
    assert document is not None and document.file == file


def test_find_document_unknown(shipped_kb: KnowledgeBase) -> None:
    assert shipped_kb.find_document("中国红十字会捐赠工作管理办法") is None
    assert shipped_kb.find_document("") is None
