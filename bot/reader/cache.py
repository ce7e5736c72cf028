"""The on-disk caches that spare a start-up work: phrase vectors, and the seed shipped for them.

One cache file per encoder maps phrase -> vector (:func:`cached_encode`); the trained reader is
cached beside it (:mod:`bot.reader.training`). Both are also shipped for the bundled policy in
``seed/`` (written by :mod:`bot.reader.seed`), so a first start on a machine
reads them instead of encoding and training. A cache only saves time: one that is missing,
unreadable or unwritable costs a re-encode, nothing else.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.encoder import Encoder, Vectors

log = logging.getLogger(__name__)

CACHE_MAX_PHRASES = 20_000  # phrases kept per encoder across every policy this machine loads


def cached_encode(encoder: Encoder, phrases: Sequence[str], cache_dir: Path | None) -> Vectors:
    """Embeds ``phrases``, encoding only those the cache does not hold yet.

    One cache file per encoder maps phrase -> vector, so an admin who adds one example phrase
    pays for one phrase at the next load, not for the whole policy.
    """
    if not phrases:
        return np.zeros((0, 1), dtype=np.float32)
    if cache_dir is None:
        return encoder.encode(phrases)
    path = cache_dir / phrase_cache_name(encoder)
    known = _read_cache(path)
    missing = [p for p in dict.fromkeys(phrases) if p not in known]
    if missing:
        # On a first start, the vectors shipped for the bundled policy's phrases (``seed/``)
        # spare encoding them: ~0.7 s of a ~2 s first start. Phrases an admin wrote are encoded.
        seed = _read_cache(SEED_DIR / phrase_cache_name(encoder))
        known.update((p, seed[p]) for p in missing if p in seed)
        missing = [p for p in missing if p not in known]
        if missing:
            known.update(zip(missing, encoder.encode(missing), strict=True))
        _write_cache(path, known, keep=phrases)
    return np.stack([known[p] for p in phrases]).astype(np.float32, copy=False)


# What a first start of the bundled policy needs, written by `python -m bot.reader.seed`.
SEED_DIR = Path(__file__).resolve().parent / "seed"


def phrase_cache_name(encoder: Encoder) -> str:
    """The file, in a cache or seed directory, that maps phrases to ``encoder``'s vectors."""
    return f"phrases-{_safe(encoder.name)}.npz"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in name)


def _read_cache(path: Path) -> dict[str, Vectors]:
    try:
        with np.load(path, allow_pickle=False) as data:
            phrases, vectors = data["phrases"], data["vectors"]
    except (OSError, ValueError, KeyError):
        return {}
    # The shipped seed stores half floats (half the size; the reader cannot tell the difference).
    if vectors.ndim != 2 or len(phrases) != len(vectors) or vectors.dtype.kind != "f":
        return {}
    vectors = vectors.astype(np.float32, copy=False)
    return dict(zip(phrases.tolist(), vectors, strict=True))


def _write_cache(path: Path, known: dict[str, Vectors], *, keep: Sequence[str]) -> None:
    # The cache only saves start-up time: a read-only disk costs a re-encode, nothing else.
    current = dict.fromkeys(keep)
    others = [p for p in known if p not in current][: max(0, CACHE_MAX_PHRASES - len(current))]
    order = [*current, *others]
    vectors = np.stack([known[p] for p in order])
    save_cache_file(path, "phrase cache", phrases=np.array(order), vectors=vectors)


def save_cache_file(path: Path, what: str, **arrays: Any) -> None:
    """Writes ``arrays`` to ``path`` as .npz, atomically, in a directory private to the user.

    A cache only saves start-up time: a disk that refuses the file is logged, nothing else.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            np.savez(f, **arrays)
        os.replace(f.name, path)
    except OSError as e:
        log.warning("could not write the %s %s: %s", what, path, e)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/should-ai``, else ``~/.cache/should-ai``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "should-ai"
