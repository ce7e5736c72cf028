"""The on-disk caches that spare a start-up work: phrase vectors, and the seed shipped for them.

One cache file per encoder maps phrase -> vector (:func:`cached_encode`); the trained reader is
cached beside it (:mod:`bot.reader.training`). Both are also shipped for the bundled policy in
``seed/`` (written by :mod:`bot.reader.seed`), so a first start on a machine
reads them instead of encoding and training. A cache only saves time: one that is missing,
unreadable or unwritable costs a re-encode, nothing else.

Only policy texts (example phrases and cases) are ever encoded through here, never a request,
and the user's cache does not even keep those: each vector is keyed by a 16-byte digest of its
text, so an entry costs the same 2 KB whatever the text's length (a string array is as wide as
its longest text: one 8,000-character case made every row 32 KB), and a case an admin pasted
from a real conversation is not copied to disk. The cache holds at most ``CACHE_MAX_PHRASES``
entries (~41 MB), and the ``MODELS_KEPT`` reader models used last.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.encoder import Encoder, Vectors

log = logging.getLogger(__name__)

CACHE_MAX_PHRASES = 20_000  # phrases kept per encoder across every policy this machine loads
MODELS_KEPT = 4  # reader models kept (~2.7 MB each): the policies loaded last (edits, a rollback)
KEY_BYTES = 16


def text_key(text: str) -> bytes:
    """What the cache keys a text's vector by: a digest, so the text itself is not stored."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()


def cached_encode(encoder: Encoder, phrases: Sequence[str], cache_dir: Path | None) -> Vectors:
    """Embeds ``phrases`` (policy texts, never a request), encoding only those the cache does
    not hold yet.

    One cache file per encoder maps a phrase's key to its vector, so an admin who adds one
    example phrase pays for one phrase at the next load, not for the whole policy.
    """
    if not phrases:
        return np.zeros((0, 1), dtype=np.float32)
    if cache_dir is None:
        return encoder.encode(phrases)
    path = cache_dir / phrase_cache_name(encoder)
    keys = [text_key(p) for p in phrases]
    known, named = _read_cache(path)
    missing = {k: p for k, p in zip(keys, phrases, strict=True) if k not in known}
    if missing:
        known.update(_seeded_or_encoded(encoder, missing))
    if missing or named:  # a cache from before keys held the texts: rewrite it without them
        _write_cache(path, known, keep=keys)
    return np.stack([known[k] for k in keys]).astype(np.float32, copy=False)


def _seeded_or_encoded(encoder: Encoder, missing: dict[bytes, str]) -> dict[bytes, Vectors]:
    """Vectors of the ``missing`` phrases (key -> phrase): from the seed, else encoded."""
    # On a first start, the vectors shipped for the bundled policy's phrases (``seed/``)
    # spare encoding them: ~0.7 s of a ~2 s first start. Phrases an admin wrote are encoded.
    seed, _ = _read_cache(SEED_DIR / phrase_cache_name(encoder))
    found = {k: seed[k] for k in missing if k in seed}
    rest = {k: p for k, p in missing.items() if k not in found}
    if rest:
        found.update(zip(rest, encoder.encode(list(rest.values())), strict=True))
    return found


# What a first start of the bundled policy needs, written by `python -m bot.reader.seed`.
SEED_DIR = Path(__file__).resolve().parent / "seed"


def phrase_cache_name(encoder: Encoder) -> str:
    """The file, in a cache or seed directory, that maps phrases to ``encoder``'s vectors."""
    return f"phrases-{_safe(encoder.name)}.npz"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in name)


def _read_cache(path: Path) -> tuple[dict[bytes, Vectors], bool]:
    """The vectors in ``path`` by text key, and whether the file names its texts: the seed
    does (``phrases``: the bundled policy's own), the user's cache does not (``keys``)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            vectors = data["vectors"]
            named = "phrases" in data.files
            keys = _keys_of_texts(data["phrases"]) if named else _keys_of_rows(data["keys"])
    except (OSError, ValueError, KeyError):
        return {}, False
    # The shipped seed stores half floats (half the size; the reader cannot tell the difference).
    if vectors.ndim != 2 or len(keys) != len(vectors) or vectors.dtype.kind != "f":
        return {}, False
    vectors = vectors.astype(np.float32, copy=False)
    return dict(zip(keys, vectors, strict=True)), named


def _keys_of_texts(phrases: NDArray[np.str_]) -> list[bytes]:
    return [text_key(p) for p in phrases.tolist()]


def _keys_of_rows(rows: NDArray[np.uint8]) -> list[bytes]:
    if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != KEY_BYTES:
        raise ValueError("not a key array")
    raw = rows.tobytes()
    return [raw[i : i + KEY_BYTES] for i in range(0, len(raw), KEY_BYTES)]


def _write_cache(path: Path, known: dict[bytes, Vectors], *, keep: Sequence[bytes]) -> None:
    # The cache only saves start-up time: a read-only disk costs a re-encode, nothing else.
    current = dict.fromkeys(keep)
    others = [k for k in known if k not in current][: max(0, CACHE_MAX_PHRASES - len(current))]
    order = [*current, *others]
    keys = np.frombuffer(b"".join(order), dtype=np.uint8).reshape(len(order), KEY_BYTES)
    vectors = np.stack([known[k] for k in order])
    save_cache_file(path, "phrase cache", keys=keys, vectors=vectors)


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


def prune_cache_files(directory: Path, pattern: str, *, keep: int) -> None:
    """Removes all but the ``keep`` files matching ``pattern`` used last (see :func:`touch`)."""
    try:
        files = sorted(directory.glob(pattern), key=_mtime, reverse=True)
        for stale in files[keep:]:
            stale.unlink(missing_ok=True)
    except OSError as e:
        log.warning("could not prune the cache %s: %s", directory / pattern, e)


def touch(path: Path) -> None:
    """Marks a cache file as used now, so :func:`prune_cache_files` keeps it."""
    with contextlib.suppress(OSError):  # a read-only cache: nothing will prune it either
        os.utime(path)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/should-ai``, else ``~/.cache/should-ai``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "should-ai"
