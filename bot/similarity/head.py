"""A trained reading of the example phrases: softmax regression over their embeddings.

The nearest-neighbour scores (:mod:`bot.similarity.index`) judge a request by the few examples
closest to it; a linear model trained on *all* the examples learns which directions of the
embedding separate the categories, so it also reads requests that sit between examples. The
similarity layer uses it for two narrow calls only (see :mod:`bot.similarity.layer`):

- a request the rules and neighbours would give to AI goes to a person when the head reads a
  human category clearly ahead of every AI category;
- a human hit that rests only on a party's name ("the agency", "our partners": the policy's
  ``weak_keywords``) next to routine task words stops counting when the head reads the request
  clearly as AI work.

Training is deterministic (zero start, full batch, fixed step count), takes ~0.2 s for a
thousand phrases, and its result is cached on disk next to the phrase embeddings, keyed by the
encoder, the phrases and their categories (a digest of them: the file holds only weights), and
pruned to the heads used last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from bot.encoder import Vectors
from bot.policy.model import Route
from bot.similarity.cache import (
    HEADS_KEPT,
    SEED_DIR,
    prune_cache_files,
    save_cache_file,
    touch,
)

L2 = 1e-3  # weight decay: keeps the model from memorising single phrases
STEPS = 200  # Adam steps; the loss is flat well before this on policy-sized data
LEARNING_RATE = 0.1
_FORMAT = "head-1"  # bump when training changes, so old caches are ignored


@dataclass(frozen=True)
class HeadReading:
    """The head's view of one request: its best category of each route, with probabilities.

    ``lead`` is the log-odds of the best human category over the best AI one: 0.5 means the
    human category is read as ~1.65 times as likely.
    """

    human: str
    human_p: float
    ai: str
    ai_p: float

    @property
    def lead(self) -> float:
        return float(np.log(max(self.human_p, 1e-12)) - np.log(max(self.ai_p, 1e-12)))

    def describe(self) -> str:
        return f"trained head reads {self.human} {self.human_p:.2f} vs {self.ai} {self.ai_p:.2f}"


class TrainedHead:
    """Softmax regression from an embedding to the policy's categories."""

    def __init__(
        self,
        categories: Sequence[str],
        routes: Mapping[str, Route],
        weights: NDArray[np.float32],
        bias: NDArray[np.float32],
    ) -> None:
        self.categories = tuple(categories)
        self._weights = weights
        self._bias = bias
        human = [routes[c] == "human" for c in self.categories]
        self._human = np.flatnonzero(human)
        self._ai = np.flatnonzero(np.logical_not(human))

    @property
    def usable(self) -> bool:
        """A head needs at least one category of each route to tell them apart."""
        return len(self._human) > 0 and len(self._ai) > 0

    def probabilities(self, vector: Vectors) -> NDArray[np.float32]:
        logits: NDArray[np.float32] = (vector @ self._weights + self._bias)[None, :]
        probabilities: NDArray[np.float32] = _softmax(logits)[0]
        return probabilities

    def read(self, vector: Vectors) -> HeadReading:
        p = self.probabilities(vector)
        h = int(self._human[np.argmax(p[self._human])])
        a = int(self._ai[np.argmax(p[self._ai])])
        return HeadReading(self.categories[h], float(p[h]), self.categories[a], float(p[a]))

    @classmethod
    def train(
        cls, vectors: Vectors, labels: Sequence[str], routes: Mapping[str, Route]
    ) -> TrainedHead:
        categories = tuple(dict.fromkeys(labels))
        # One BLAS thread: these products are small, and on a busy 2-core machine extra threads
        # made training 30 times slower (5.7 s instead of 0.2 s for ~1,000 phrases).
        with threadpool_limits(1, user_api="blas"):
            weights, bias = _fit(vectors, [categories.index(c) for c in labels], categories)
        return cls(categories, routes, weights, bias)

    @classmethod
    def build(
        cls,
        vectors: Vectors,
        labels: Sequence[str],
        routes: Mapping[str, Route],
        *,
        key: str,
        cache_dir: Path | None,
    ) -> TrainedHead:
        """Trains, or loads the head a previous start trained on the same data (``key``), or
        the one shipped for the bundled policy (bot/similarity/seed)."""
        path = _cache_path(cache_dir, key, labels) if cache_dir is not None else None
        if path is not None:
            cached = _read(path, routes)
            if cached is not None:
                touch(path)  # used now: pruning keeps the heads used last
                return cached
            cached = _read(SEED_DIR / path.name, routes)
            if cached is not None:
                _write(path, cached)
                return cached
        head = cls.train(vectors, labels, routes)
        if path is not None:
            _write(path, head)
        return head


def _fit(
    x: Vectors, y: list[int], categories: Sequence[str]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Full-batch Adam on the mean cross-entropy plus L2; float32 throughout."""
    n, d = x.shape
    k = len(categories)
    target = np.zeros((n, k), dtype=np.float32)
    target[np.arange(n), y] = 1.0
    weights = np.zeros((d, k), dtype=np.float32)
    bias = np.zeros(k, dtype=np.float32)
    state = [np.zeros_like(weights), np.zeros_like(weights)]
    state += [np.zeros_like(bias), np.zeros_like(bias)]
    for step in range(1, STEPS + 1):
        grad = (_softmax(x @ weights + bias) - target) / n
        _adam(weights, x.T @ grad + L2 * weights, state[0], state[1], step)
        _adam(bias, grad.sum(axis=0), state[2], state[3], step)
    return weights, bias


def _adam(
    param: NDArray[np.float32],
    grad: NDArray[np.float32],
    m: NDArray[np.float32],
    v: NDArray[np.float32],
    step: int,
) -> None:
    m *= 0.9
    m += 0.1 * grad
    v *= 0.999
    v += 0.001 * grad * grad
    m_hat = m / (1 - 0.9**step)
    v_hat = v / (1 - 0.999**step)
    param -= LEARNING_RATE * m_hat / (np.sqrt(v_hat) + 1e-8)


def _softmax(z: NDArray[np.float32]) -> NDArray[np.float32]:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: NDArray[np.float32] = (e / e.sum(axis=1, keepdims=True)).astype(np.float32, copy=False)
    return out


def _cache_path(cache_dir: Path, key: str, labels: Sequence[str]) -> Path:
    digest = hashlib.sha256()
    for part in (_FORMAT, str(L2), str(STEPS), str(LEARNING_RATE), key, *labels):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return cache_dir / f"head-{digest.hexdigest()[:32]}.npz"


def _read(path: Path, routes: Mapping[str, Route]) -> TrainedHead | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            categories = [str(c) for c in data["categories"].tolist()]
            weights, bias = data["weights"], data["bias"]
    except (OSError, ValueError, KeyError):
        return None
    if weights.dtype != np.float32 or weights.shape[1:] != (len(categories),):
        return None
    if bias.shape != (len(categories),) or any(c not in routes for c in categories):
        return None
    return TrainedHead(categories, routes, weights, bias.astype(np.float32, copy=False))


def _write(path: Path, head: TrainedHead) -> None:
    # Like the phrase cache: a disk that refuses the file only costs the next start ~0.2 s.
    save_cache_file(
        path,
        "trained head cache",
        categories=np.array(head.categories),
        weights=head._weights,
        bias=head._bias,
    )
    # One head per policy ever loaded would grow without end: keep those used last.
    prune_cache_files(path.parent, "head-*.npz", keep=HEADS_KEPT)
