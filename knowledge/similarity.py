"""Cosines of a question's vector to every stored vector, fast on one core.

A hybrid search compares the question with every chunk and asking of the folder: about 23,000
vectors of 384 floats (35 MB) for the shipped one. Read in float32 that is memory-bound, about
4.5 ms a search on one core here — a fifth of the latency budget. So the vectors are also kept as
int8 (one scale per vector) and multiplied on ONNX Runtime's integer kernels (MatMulInteger, the
weights packed once when the index is made): about 0.6 ms. Those cosines are off by 5e-4 on
average and 2.5e-3 at most; the rows that decide anything — the best few hundred, where the
ranking and the no-basis gauge look — are computed again exactly in float32.

Without onnxruntime (or if it cannot make the session) the float32 product serves, unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Rows recomputed exactly: the approximate best ones (errors of 2.5e-3 at most cannot move a row
# from far below into the best few dozen that fusion and the gauge use).
EXACT_ROWS = 256
# Below this many rows the float32 product is as fast as the integer one.
MIN_ROWS = 2048
_ZERO_POINT = 128  # the question's int8 values are shifted into uint8 for MatMulInteger


class Cosines:
    """``cosines(vector)``: each row's dot product with a unit vector (float32 array)."""

    def __init__(self, matrix: Any, exact_rows: int = EXACT_ROWS) -> None:
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.exact_rows = exact_rows
        self._session: Any = None
        self._scales: Any = None
        self._weights: Any = None  # the OrtValue the session reads: kept alive with it
        if len(self.matrix) >= MIN_ROWS:
            try:
                self._session = self._integer_session()
            except ImportError:
                pass
            except Exception as error:  # an old or broken runtime: the float product works
                log.warning("knowledge: int8 similarity unavailable (%s); using float32", error)

    @property
    def approximate(self) -> bool:
        return self._session is not None

    def __call__(self, vector: Any) -> Any:
        vector = np.asarray(vector, dtype=np.float32)
        if self._session is None:
            return dot(self.matrix, vector)
        scale = float(np.abs(vector).max()) / 127 or 1.0
        query = (np.rint(vector / scale) + _ZERO_POINT).astype(np.uint8)[None]
        products = self._session.run(None, {"query": query})[0][0]
        cosines = products.astype(np.float32) * (self._scales * np.float32(scale))
        count = min(self.exact_rows, len(cosines))
        best = np.argpartition(-cosines, count - 1)[:count]
        cosines[best] = dot(self.matrix[best], vector)
        return cosines

    def _integer_session(self) -> Any:
        import onnxruntime
        from onnx import TensorProto, helper, numpy_helper

        from knowledge.encoder import runnable

        rows, size = self.matrix.shape
        peaks = np.abs(self.matrix).max(axis=1)
        self._scales = (np.where(peaks > 0, peaks, 1.0) / 127).astype(np.float32)
        quantised = np.rint(self.matrix / self._scales[:, None]).astype(np.int8)
        weights = np.ascontiguousarray(quantised.T)
        # Handed to the session in memory (no copy into a serialised model).
        table = TensorProto()
        table.name = "table"
        table.data_type = TensorProto.INT8
        table.dims.extend(weights.shape)
        table.data_location = TensorProto.EXTERNAL
        for key, value in (("location", "in-memory"), ("offset", "0"),
                           ("length", str(weights.nbytes))):
            entry = table.external_data.add()
            entry.key, entry.value = key, value
        graph = helper.make_graph(
            [helper.make_node("MatMulInteger", ["query", "table", "zero"], ["products"])],
            "cosines",
            [helper.make_tensor_value_info("query", TensorProto.UINT8, [1, size])],
            [helper.make_tensor_value_info("products", TensorProto.INT32, [1, rows])],
            [numpy_helper.from_array(np.array(_ZERO_POINT, dtype=np.uint8), "zero"), table])
        model = runnable(graph, {"": 17})
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # on the searching thread, like the float product
        options.inter_op_num_threads = 1
        self._weights = onnxruntime.OrtValue.ortvalue_from_numpy(weights)
        options.add_external_initializers(["table"], [self._weights])
        return onnxruntime.InferenceSession(model.SerializeToString(), options,
                                            providers=["CPUExecutionProvider"])


def dot(matrix: Any, vector: Any) -> Any:
    """Matrix-vector product without BLAS: its worker threads fight the model's OpenMP threads
    for the cores (measured: p50 of a search 98 ms with ``@`` against 12 ms with this)."""
    return np.einsum("ij,j->i", matrix, np.asarray(vector, dtype=np.float32))
