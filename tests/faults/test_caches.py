"""Issue 12: the caches under ``$XDG_CACHE_HOME/should-ai`` stay bounded and never hold a request.

The encoder's caches grew to 574 MB on a machine that had loaded many policies (then `check`
took 2.4 s and 687 MB to read them back): the phrase cache kept every text as a fixed-width
string array, so one long case made every row as wide as it, and a trained head was kept for
every policy ever loaded. Here: deciding requests writes nothing, long policy texts cost what
their vectors cost, and loading policy after policy leaves as many files as loading a few.
The policy parse cache (``policy/``, written by bot/policy/loader.py) is not the encoder's and is
left out of the sizes below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.policy.loader import load_policy
from bot.reader import build_engine, shared_encoder
from bot.reader.cache import phrase_cache_name

ROOT = Path(__file__).resolve().parents[2]
PARSE_CACHE = "policy"  # bot/policy/loader.py's own cache, keyed by each YAML file's bytes
# The model snapshot (and its staging directory): written once, where this process's shared
# encoder was first built.
NOT_PHRASES = (PARSE_CACHE, "model-", ".snapshot-")


def _files(cache: Path, *, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Every file under ``cache`` -> its size, leaving out top-level entries named ``skip*``."""
    found = {}
    for path in cache.rglob("*"):
        relative = path.relative_to(cache)
        if path.is_file() and not relative.parts[0].startswith(skip):
            found[str(relative)] = path.stat().st_size
    return found


def _contents(path: Path) -> Iterator[bytes]:
    """The file's bytes, and each member of it when it is a zip (.npz, compressed or not)."""
    data = path.read_bytes()
    yield data
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield archive.read(name)


def _holding(cache: Path, marker: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Files under ``cache`` that hold ``marker`` as UTF-8, UTF-16 or UTF-32 (numpy's strings)."""
    forms = [marker.encode(codec) for codec in ("utf-8", "utf-16-le", "utf-32-le")]
    return [
        name
        for name in _files(cache, skip=skip)
        if any(form in data for data in _contents(cache / name) for form in forms)
    ]


def _cli(cache_home: Path, *argv: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        input=stdin,
        capture_output=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home)},
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    return done.stdout


def _request(i: int) -> str:
    # Routine-sounding, so no human rule settles them and every one goes through the encoder.
    templates = (
        "write a quirkle{i} blog post about our spring zanfoo{i} collection",
        "rédige une légende Instagram pour la gamme quirkle{i} de zanfoo{i}",
        "summarise the quirkle{i} webinar and the zanfoo{i} survey answers",
        "draft three subject lines for the quirkle{i} newsletter about zanfoo{i}",
    )
    return templates[i % len(templates)].format(i=i)


@pytest.mark.slow
def test_deciding_2000_distinct_requests_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    cache_home = tmp_path / "cache"
    _cli(cache_home, "check", "--json", "warm the caches up")  # a first start writes them
    cache = cache_home / "should-ai"
    before = _files(cache)
    assert before, "the first start cached nothing: this test would prove nothing"
    batch = "".join(json.dumps({"text": _request(i)}) + "\n" for i in range(2000))
    out = _cli(cache_home, "check", "--json", "--batch", "-", stdin=batch.encode())
    decisions = [json.loads(line) for line in out.splitlines()]
    assert len(decisions) == 2000 and all("route" in d for d in decisions)
    assert any(r["layer"] == "reader" for d in decisions for r in d["reasons"])
    assert _files(cache) == before
    assert _holding(cache, "quirkle") == [] and _holding(cache, "zanfoo") == []


@pytest.fixture
def encoder_ready(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's shared encoder, built and its snapshot written before anything is measured
    (a first build writes the snapshot in the background)."""
    with monkeypatch.context() as scoped:
        scoped.setenv("XDG_CACHE_HOME", str(tmp_path / "model"))
        encoder = shared_encoder()
    wait = getattr(encoder, "wait_for_snapshot", None)
    if wait is not None:
        wait()


def _encoder_cache_size(cache_home: Path, policy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Bytes the phrase and model caches take after building the engine for ``policy_dir``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    build_engine(load_policy(policy_dir))
    cache = cache_home / "should-ai"
    return sum(_files(cache, skip=NOT_PHRASES).values())


@pytest.mark.slow
@pytest.mark.usefixtures("encoder_ready")
def test_a_long_case_costs_its_vector_not_a_copy_per_phrase(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One 8,000-character case made each of the ~1,100 rows of the phrase cache 32 KB wide."""
    (policy_dir / "cases" / "long.yaml").write_text(
        "cases:\n  - {text: 'please draft the spring newsletter', route: ai, category: drafting}\n",
        encoding="utf-8",
    )
    plain = _encoder_cache_size(tmp_path / "plain", policy_dir, monkeypatch)
    long_text = "please draft the newsletter about the mimblewump " + "spring sale " * 660
    (policy_dir / "cases" / "long.yaml").write_text(
        "cases:\n" + f"  - {{text: {json.dumps(long_text)}, route: ai, category: drafting}}\n",
        encoding="utf-8",
    )
    assert any(c.text == long_text for c in load_policy(policy_dir).cases)
    with_long = _encoder_cache_size(tmp_path / "long", policy_dir, monkeypatch)
    assert with_long - plain < 100_000, (plain, with_long)
    # Nor is the text itself kept: the caches hold vectors, keyed by a digest of the text.
    assert _holding(tmp_path / "long" / "should-ai", "mimblewump", skip=(PARSE_CACHE,)) == []


@pytest.mark.slow
@pytest.mark.usefixtures("encoder_ready")
def test_policy_after_policy_leaves_a_bounded_cache(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin editing examples all day, or a test suite: each edit trained and kept a model."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "should-ai"
    counts = []
    for edit in range(7):
        (policy_dir / "cases" / "edits.yaml").write_text(
            "cases:\n"
            f"  - {{text: 'draft the edit {edit} announcement', route: ai, category: drafting}}\n",
            encoding="utf-8",
        )
        build_engine(load_policy(policy_dir))
        counts.append(len(_files(cache, skip=NOT_PHRASES)))
    assert counts[-1] == counts[4], counts
    assert _holding(cache, "announcement", skip=(PARSE_CACHE,)) == []


@pytest.mark.slow
@pytest.mark.usefixtures("encoder_ready")
def test_a_cache_that_held_texts_is_rewritten_without_them(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine upgraded with a cache of the old layout (every text, as wide as the longest)
    gets it rewritten at the next start, texts gone; its vectors are still used."""
    cache = tmp_path / "should-ai"
    cache.mkdir()
    encoder = shared_encoder()
    texts = ["a case pasted from a real chat: the zorblat recall is on the news"]
    np.savez(
        cache / phrase_cache_name(encoder), phrases=np.array(texts), vectors=encoder.encode(texts)
    )
    assert _holding(cache, "zorblat") != []
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (policy_dir / "cases" / "more.yaml").write_text(  # an addition: the phrase cache is used
        "cases:\n  - {text: 'draft the spring sale intro', route: ai, category: drafting}\n"
    )
    build_engine(load_policy(policy_dir))
    assert _holding(cache, "zorblat", skip=(PARSE_CACHE,)) == []
