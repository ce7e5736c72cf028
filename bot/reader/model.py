"""The trained reader: probabilities over a policy's categories.

One softmax regression reads two views of a request at once: its sentence embedding (meaning,
across English and French) and its hashed n-grams (spelling; see :mod:`bot.reader.features`).
``logits = embedding @ W + mean-scaled sum of V[ngram buckets] + b``. It is trained on the
labelled corpus of a knowledge pack plus an admin's additions, with mini-batch Adam from a fixed
seed, so the same data always gives the same model. ``temperature`` divides the logits before
the softmax; nothing fits it yet (it is 1.0): the route is calibrated through the human threshold
instead (:mod:`bot.reader.calibrate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.reader.features import BUCKETS, SparseBatch

FORMAT = "reader-3"  # bump when the model's maths or file layout change


@dataclass(frozen=True)
class TrainingOptions:
    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 0.02
    l2: float = 1e-4
    seed: int = 0


@dataclass
class ReaderModel:
    """Weights of one trained reader; :meth:`probabilities` is its whole inference."""

    categories: tuple[str, ...]
    dense: NDArray[np.float32]  # (embedding dims, categories)
    sparse: NDArray[np.float32]  # (BUCKETS, categories)
    bias: NDArray[np.float32]  # (categories,)
    temperature: float = 1.0
    meta: dict[str, str] = field(default_factory=dict)
    # Hashes of the words of the texts it learnt from (see bot.reader.features.word_hash): how
    # much of a request it "knows". Hashes, so a cached model keeps no policy text readable.
    vocabulary: frozenset[int] = frozenset()

    @classmethod
    def zeros(cls, categories: Sequence[str], dims: int) -> ReaderModel:
        k = len(categories)
        return cls(
            categories=tuple(categories),
            dense=np.zeros((dims, k), np.float32),
            sparse=np.zeros((BUCKETS, k), np.float32),
            bias=np.zeros(k, np.float32),
        )

    def logits(self, vectors: NDArray[np.float32], grams: SparseBatch) -> NDArray[np.float32]:
        z = vectors @ self.dense + self.bias
        if len(grams.ids):
            sums = np.add.reduceat(self.sparse[grams.ids], grams.starts[:-1], axis=0)
            z += sums / np.sqrt(grams.lengths + 1.0)[:, None]
        out: NDArray[np.float32] = z.astype(np.float32, copy=False)
        return out

    def probabilities(
        self, vectors: NDArray[np.float32], grams: SparseBatch
    ) -> NDArray[np.float32]:
        return softmax(self.logits(vectors, grams) / self.temperature)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            format=np.array(FORMAT),
            categories=np.array(self.categories),
            dense=self.dense,
            sparse=self.sparse.astype(np.float16),
            bias=self.bias,
            temperature=np.array(self.temperature, dtype=np.float64),
            meta_keys=np.array(list(self.meta)),
            meta_values=np.array(list(self.meta.values())),
            vocabulary=np.array(sorted(self.vocabulary), dtype=np.uint32),
        )

    @classmethod
    def load(cls, path: Path) -> ReaderModel | None:
        """The model saved at ``path``, or None if it is missing, unreadable or of an older
        format (the caller then trains a new one)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["format"]) != FORMAT:
                    return None
                model = cls(
                    categories=tuple(str(c) for c in data["categories"].tolist()),
                    dense=data["dense"].astype(np.float32),
                    sparse=data["sparse"].astype(np.float32),
                    bias=data["bias"].astype(np.float32),
                    temperature=float(data["temperature"]),
                    meta=dict(
                        zip(data["meta_keys"].tolist(), data["meta_values"].tolist(), strict=True)
                    ),
                    vocabulary=frozenset(int(h) for h in data["vocabulary"].tolist()),
                )
        except (OSError, ValueError, KeyError):
            return None
        k = len(model.categories)
        if model.sparse.shape != (BUCKETS, k) or model.dense.shape[1:] != (k,):
            return None
        return model


def softmax(z: NDArray[np.float32]) -> NDArray[np.float32]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: NDArray[np.float32] = (e / e.sum(axis=1, keepdims=True)).astype(np.float32, copy=False)
    return out


def train(
    vectors: NDArray[np.float32],
    grams: SparseBatch,
    labels: Sequence[int],
    categories: Sequence[str],
    *,
    sample_weights: NDArray[np.float32] | None = None,
    options: TrainingOptions = TrainingOptions(),
    start: ReaderModel | None = None,
) -> ReaderModel:
    """Mini-batch Adam on weighted cross-entropy plus L2 (lazy on the sparse rows a batch
    touches). Deterministic for the same inputs; ``start`` continues from a trained model."""
    n, dims = vectors.shape
    model = _copy(start) if start is not None else ReaderModel.zeros(categories, dims)
    target = np.zeros((n, len(categories)), np.float32)
    target[np.arange(n), np.asarray(labels)] = 1.0
    weights = np.ones(n, np.float32) if sample_weights is None else sample_weights
    adam = _Adam(model, options.learning_rate)
    order_rng = np.random.default_rng(options.seed)
    for _ in range(options.epochs):
        order = order_rng.permutation(n)
        for s in range(0, n, options.batch_size):
            rows = order[s : s + options.batch_size]
            _step(
                model, adam, vectors[rows], grams.rows(rows), target[rows], weights[rows], options
            )
    return model


def _step(
    model: ReaderModel,
    adam: _Adam,
    x: NDArray[np.float32],
    grams: SparseBatch,
    target: NDArray[np.float32],
    weights: NDArray[np.float32],
    options: TrainingOptions,
) -> None:
    grad = (softmax(model.logits(x, grams)) - target) * (weights / len(x))[:, None]
    adam.tick()
    adam.update("dense", model.dense, x.T @ grad + options.l2 * model.dense)
    adam.update("bias", model.bias, grad.sum(axis=0))
    scale = 1.0 / np.sqrt(grams.lengths + 1.0)
    per_id = np.repeat(grad * scale[:, None], grams.lengths, axis=0)
    rows, inverse = np.unique(grams.ids, return_inverse=True)
    g = np.zeros((len(rows), grad.shape[1]), np.float32)
    np.add.at(g, inverse, per_id)
    g += options.l2 * model.sparse[rows]
    adam.update_rows(model.sparse, rows, g)


class _Adam:
    def __init__(self, model: ReaderModel, learning_rate: float) -> None:
        self.lr = learning_rate
        self.t = 0
        self.m = {"dense": np.zeros_like(model.dense), "bias": np.zeros_like(model.bias)}
        self.v = {"dense": np.zeros_like(model.dense), "bias": np.zeros_like(model.bias)}
        self.sm = np.zeros_like(model.sparse)
        self.sv = np.zeros_like(model.sparse)

    def tick(self) -> None:
        self.t += 1

    def _delta(self, m: NDArray[np.float32], v: NDArray[np.float32]) -> NDArray[np.float32]:
        m_hat = m / (1 - 0.9**self.t)
        v_hat = v / (1 - 0.999**self.t)
        out: NDArray[np.float32] = (self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)
        return out

    def update(self, name: str, param: NDArray[np.float32], grad: NDArray[np.float32]) -> None:
        m, v = self.m[name], self.v[name]
        m *= 0.9
        m += 0.1 * grad
        v *= 0.999
        v += 0.001 * grad * grad
        param -= self._delta(m, v)

    def update_rows(
        self, param: NDArray[np.float32], rows: NDArray[np.int64], grad: NDArray[np.float32]
    ) -> None:
        m = 0.9 * self.sm[rows] + 0.1 * grad
        v = 0.999 * self.sv[rows] + 0.001 * grad * grad
        self.sm[rows] = m
        self.sv[rows] = v
        param[rows] -= self._delta(m, v)


def _copy(model: ReaderModel) -> ReaderModel:
    return ReaderModel(
        categories=model.categories,
        dense=model.dense.copy(),
        sparse=model.sparse.copy(),
        bias=model.bias.copy(),
        temperature=model.temperature,
        meta=dict(model.meta),
        vocabulary=model.vocabulary,
    )
