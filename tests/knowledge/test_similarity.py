"""The fast cosines: int8 products on ONNX Runtime, exact where the ranking looks."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.similarity import EXACT_ROWS, MIN_ROWS, Cosines, dot

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _unit_rows(count: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, 384)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def matrix() -> np.ndarray:
    # clustered like real embeddings: every row leans the same way, as e5's vectors do
    rows = _unit_rows(6000, 1) * 0.3 + _unit_rows(1, 2)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_best_rows_are_exact_and_the_rest_close(matrix: np.ndarray) -> None:
    cosines = Cosines(matrix)
    assert cosines.approximate
    for query in _unit_rows(5, 3) * 0.2 + matrix[:5]:
        query /= np.linalg.norm(query)
        exact = matrix @ query
        got = cosines(query)
        best = np.argsort(-exact)[:50]
        np.testing.assert_allclose(got[best], exact[best], atol=1e-5)
        assert np.abs(got - exact).max() < 3e-3
        assert int(np.argmax(got)) == int(np.argmax(exact))


def test_small_matrices_use_the_float_product() -> None:
    small = _unit_rows(MIN_ROWS - 1, 4)
    cosines = Cosines(small)
    query = _unit_rows(1, 5)[0]
    assert not cosines.approximate
    np.testing.assert_allclose(cosines(query), dot(small, query), atol=1e-6)


def test_fewer_rows_than_the_exact_share(matrix: np.ndarray) -> None:
    rows = matrix[: MIN_ROWS]
    cosines = Cosines(rows, exact_rows=len(rows) + EXACT_ROWS)
    query = matrix[7]
    np.testing.assert_allclose(cosines(query), rows @ query, atol=1e-5)
