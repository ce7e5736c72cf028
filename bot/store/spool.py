"""The escalation spool: a request promised to a person, kept on disk until Redis has it.

Before a requester is told "a person must own this", the request is appended here (one JSON
line, fsync'd), so whatever happens next -- the answer's connection drops, Redis is down, the
process gets SIGTERM or is killed -- the escalation can still be opened: by the background
retry while Redis is away, or by the drain at the next start. Once the escalation is stored
in Redis a ``done`` line is appended (not fsync'd: opening twice is harmless, the store refuses
a second escalation for one decision). The file is rewritten with only what is still pending
when it is opened, and emptied whenever nothing is pending.

Each process has its own spool file, ``escalations-<slot>.jsonl``, held with an exclusive lock
on ``escalations-<slot>.lock`` for as long as it runs: ``serve`` and a CLI command started beside
it on the same data directory never rewrite each other's file. A file whose lock nobody holds
belongs to a process that is gone: the next process to start takes over what it still promised
(and a spool written before slots existed, ``escalations.jsonl``, the same way).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.escalations.model import Actor, StatusRef
from bot.policy.model import Decision

log = logging.getLogger(__name__)

LEGACY_FILE = "escalations.jsonl"  # the single spool file of earlier versions
_SLOTS = 64  # processes on one data directory at once (serve, its CLI commands, tests)
_COMPACT_BYTES = 1 << 20  # empty the file once nothing is pending and it has grown past this


@dataclass(frozen=True)
class Promised:
    """An escalation a requester was promised and Redis may not have yet."""

    decision: Decision
    actor: Actor
    text: str
    status_ref: StatusRef | None = None

    def line(self) -> dict[str, Any]:
        return {
            "op": "promise",
            "decision": self.decision.model_dump(mode="json"),
            "actor": self.actor.model_dump(mode="json"),
            "text": self.text,
            "status_ref": self.status_ref.model_dump(mode="json") if self.status_ref else None,
        }

    @classmethod
    def from_line(cls, entry: dict[str, Any]) -> Promised:
        ref = entry.get("status_ref")
        return cls(
            decision=Decision.model_validate_json(json.dumps(entry["decision"])),
            actor=Actor.model_validate(entry["actor"]),
            text=str(entry["text"]),
            status_ref=StatusRef.model_validate(ref) if ref else None,
        )


class EscalationSpool:
    """Append-only JSON lines in ``directory``/escalations.jsonl; see the module docstring."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        slot, self._lock = _take_free_slot(directory)
        self.path = directory / f"escalations-{slot}.jsonl"
        # One writer thread: lines never interleave, and fsync never blocks the event loop.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="should-ai-spool")
        self._pending = _read(self.path)  # a previous owner of this slot is gone
        adopted = self._adopt_orphans(directory, own=slot)
        self._rewrite()
        for orphan, lock in adopted:  # only now that their promises are in our own file
            orphan.unlink(missing_ok=True)
            if lock is not None:  # held until here: a process starting meanwhile could
                os.close(lock)  # take that slot and have its new file deleted under it

    def _adopt_orphans(self, directory: Path, *, own: int) -> list[tuple[Path, int | None]]:
        """Take over the promises of spool files whose process is gone: each file taken, with
        the lock of its slot (None for the single file of earlier versions), still held."""
        adopted: list[tuple[Path, int | None]] = []
        legacy = directory / LEGACY_FILE
        if legacy.exists():
            self._pending.update(_read(legacy))
            adopted.append((legacy, None))
        for slot in range(_SLOTS):
            path = directory / f"escalations-{slot}.jsonl"
            if slot == own or not path.exists():
                continue
            lock = _try_lock(directory, slot)
            if lock is None:  # its process is alive
                continue
            adopted.append((path, lock))
            self._pending.update(_read(path))
        if adopted:
            log.warning(
                "spool: took over %d escalation(s) promised by a process that is gone (%s)",
                len(self._pending),
                ", ".join(p.name for p, _ in adopted),
            )
        return adopted

    def pending(self) -> list[Promised]:
        """What is promised and not yet known to be stored, oldest first."""
        return list(self._pending.values())

    def __len__(self) -> int:
        return len(self._pending)

    async def promise(self, promised: Promised) -> None:
        """Record ``promised`` durably (fsync'd) before the requester is answered."""
        self._pending[promised.decision.decision_id] = promised
        await self._write(promised.line(), sync=True)

    async def card(self, decision_id: str, status_ref: StatusRef) -> None:
        """The status card posted for a promised escalation (so a later open updates it)."""
        promised = self._pending.get(decision_id)
        if promised is None:
            return
        self._pending[decision_id] = Promised(
            decision=promised.decision,
            actor=promised.actor,
            text=promised.text,
            status_ref=status_ref,
        )
        entry = {"op": "card", "decision_id": decision_id, "status_ref": status_ref.model_dump()}
        await self._write(entry, sync=False)

    async def done(self, decision_id: str) -> None:
        """The escalation for ``decision_id`` is stored in Redis."""
        if self._pending.pop(decision_id, None) is None:
            return
        await self._write({"op": "done", "decision_id": decision_id}, sync=False)

    def close(self) -> None:
        self._io.shutdown(wait=True)
        with contextlib.suppress(OSError):
            os.close(self._lock)

    async def _write(self, entry: dict[str, Any], *, sync: bool) -> None:
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        empty = not self._pending
        await asyncio.get_running_loop().run_in_executor(
            self._io, self._append, line.encode(), sync, empty
        )

    def _append(self, data: bytes, sync: bool, empty: bool) -> None:
        if empty and _size(self.path) > _COMPACT_BYTES and not self._pending:
            self._truncate()
            return
        with self.path.open("ab") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())

    def _truncate(self) -> None:
        with self.path.open("wb") as f:
            os.fsync(f.fileno())

    def _rewrite(self) -> None:
        """Keep only the pending promises (atomically: a crash leaves the old file or this)."""
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            for promised in self._pending.values():
                f.write((json.dumps(promised.line(), ensure_ascii=False) + "\n").encode())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)


class SpoolBusy(OSError):
    """Every spool slot of the data directory is held by a running process."""


def _try_lock(directory: Path, slot: int) -> int | None:
    """An fd holding slot ``slot``'s lock, or None if a running process holds it."""
    fd = os.open(directory / f"escalations-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _take_free_slot(directory: Path) -> tuple[int, int]:
    for slot in range(_SLOTS):
        fd = _try_lock(directory, slot)
        if fd is not None:
            return slot, fd
    raise SpoolBusy(f"{_SLOTS} should-ai processes already use the spool in {directory}")


def _read(path: Path) -> dict[str, Promised]:
    pending: dict[str, Promised] = {}
    if not path.exists():
        return pending
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                _apply(pending, json.loads(raw))
            except (ValueError, KeyError, TypeError) as e:  # a line torn by a crash mid-write
                log.warning("%s:%d: skipping an unreadable spool line: %r", path, number, e)
    return pending


def _apply(pending: dict[str, Promised], entry: dict[str, Any]) -> None:
    match entry.get("op"):
        case "promise":
            promised = Promised.from_line(entry)
            pending[promised.decision.decision_id] = promised
        case "card" if entry["decision_id"] in pending:
            old = pending[entry["decision_id"]]
            ref = StatusRef.model_validate(entry["status_ref"])
            pending[entry["decision_id"]] = Promised(old.decision, old.actor, old.text, ref)
        case "done":
            pending.pop(entry["decision_id"], None)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
