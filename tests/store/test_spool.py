"""The escalation spool: promises on disk survive the process, and never another process.

``serve`` and a CLI command started beside it share a data directory; each must keep its own
promises and never rewrite the other's. A process that is gone (killed, crashed) leaves its
promises for the next one to start, which takes them over once.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.escalations.model import Actor
from bot.store.spool import LEGACY_FILE, EscalationSpool, Promised
from tests.ops.conftest import make_decision

ALICE = Actor(platform="slack", user_id="U0ALICE")


def _promise(decision_id: str) -> Promised:
    return Promised(decision=make_decision(decision_id=decision_id), actor=ALICE, text="recall")


def _ids(spool: EscalationSpool) -> list[str]:
    return [p.decision.decision_id for p in spool.pending()]


async def test_a_second_process_on_the_same_directory_leaves_the_first_ones_promises_alone(
    tmp_path: Path,
) -> None:
    serve = EscalationSpool(tmp_path)
    await serve.promise(_promise("d-1"))
    cli = EscalationSpool(tmp_path)  # e.g. `should-ai escalations list` while serve runs
    assert cli.path != serve.path
    assert _ids(cli) == []  # serve is alive: its promises are its own to finish
    await serve.promise(_promise("d-2"))  # after the CLI opened (and rewrote) its own file
    cli.close()

    serve.close()  # serve is gone with both promises pending
    restarted = EscalationSpool(tmp_path)
    assert sorted(_ids(restarted)) == ["d-1", "d-2"]
    restarted.close()


async def test_what_a_gone_process_promised_is_taken_over_once(tmp_path: Path) -> None:
    serve = EscalationSpool(tmp_path)
    gone = EscalationSpool(tmp_path)  # a second process, killed with a promise pending
    await gone.promise(_promise("d-1"))
    await gone.promise(_promise("d-2"))
    await gone.done("d-1")
    gone.close()
    assert _files(tmp_path) == [gone.path.name, serve.path.name]
    serve.close()

    first = EscalationSpool(tmp_path)  # the next start: takes over what `gone` left
    assert _ids(first) == ["d-2"]
    assert _files(tmp_path) == [first.path.name]  # the file taken over is gone
    first.close()
    second = EscalationSpool(tmp_path)  # and it is in `first`'s file now, once
    assert _ids(second) == ["d-2"]
    second.close()


def _files(directory: Path) -> list[str]:
    return sorted((p.name for p in directory.glob("escalations-*.jsonl")), reverse=True)


def test_the_single_spool_file_of_earlier_versions_is_taken_over(tmp_path: Path) -> None:
    line = _promise("d-old").line()
    (tmp_path / LEGACY_FILE).write_text(json.dumps(line) + "\n", encoding="utf-8")

    spool = EscalationSpool(tmp_path)
    assert _ids(spool) == ["d-old"]
    assert not (tmp_path / LEGACY_FILE).exists()
    spool.close()
