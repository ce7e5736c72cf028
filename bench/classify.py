"""Benchmark the policy engine: decisions per second, per-decision latency, peak memory.

    uv run python bench/classify.py                  # rules layer, 20,000 messages
    uv run python bench/classify.py --layers default # rules + whatever default_layers adds
    uv run python bench/classify.py --count 50000 --startup 5
    uv run python bench/classify.py --count 2000 --startup 5  # mostly start-up, warm and cold
    uv run python bench/classify.py --count 2000 --startup 0 --stages 5  # start-up by stage
    uv run python bench/classify.py --layers default --requests ../shared/eval/dev.jsonl

Messages are generated from templates (English and French, human and AI work, harmless
mentions, disguised spellings, short and long), deterministically from --seed. Figures are
printed, not asserted: the machine and its load decide them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.policy.engine import PolicyEngine  # noqa: E402
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy  # noqa: E402
from bot.policy.rules import RulesLayer  # noqa: E402
from bot.reader import build_engine, default_layers  # noqa: E402

VERBS = [
    "draft", "write", "schedule", "post", "reply to", "prepare", "rewrite", "summarise",
    "send", "translate", "update", "analyse", "plan", "rédige", "programme", "prépare",
    "réponds à", "envoie", "analyse", "planifie",
]  # fmt: skip
OBJECTS = [
    "the newsletter", "a LinkedIn post", "the press statement", "an email to customers",
    "the weekly report", "three Instagram captions", "the FAQ entry", "a tweet", "the dashboard",
    "the landing page copy", "la newsletter", "un post LinkedIn", "le communiqué", "un e-mail",
    "le rapport mensuel", "la FAQ", "une légende Instagram", "le tableau de bord",
]  # fmt: skip
TOPICS = [
    "about the spring sale", "about the product recall", "about the data breach",
    "for the partner summit recap", "about our new vegan range",
    "for the 'Crisis Comms 101' webinar",
    "after the outage this morning", "about the influencer contract", "with fake 5-star reviews",
    "for each customer segment", "about shipping times", "about our pricing strategy",
    "for the brand relaunch tagline", "sur la fuite de données", "pour les soldes d'été",
    "sur le bad buzz", "pour chaque segment", "sur la négociation avec le distributeur",
    "pour le lancement de la gamme", "about how to handle a PR crisis", "for Tuesday at 9am",
    "", "", "",
]  # fmt: skip
DISGUISES = [
    lambda s: s,
    lambda s: s.upper(),
    lambda s: s.replace("a", "\u0430"),  # Cyrillic a
    lambda s: s.replace("e", "3"),
    lambda s: s.replace(" ", " \u200b"),
    lambda s: s.title(),
]
FILLER = "Quick one from the team, thanks a lot and let me know if anything is unclear. "


def messages(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TOPICS)}".strip()
        text = rng.choice(DISGUISES)(text)
        if rng.random() < 0.15:
            text = FILLER * rng.randint(1, 12) + text
        out.append(text)
    return out


def measure(engine: PolicyEngine, texts: list[str]) -> tuple[float, list[int], list[int]]:
    """Total wall time, and per decision: wall-clock and CPU (thread) nanoseconds.

    On a shared machine the wall clock includes time other processes held the core; the
    thread's CPU time is what the decision itself cost.
    """
    for text in texts[:200]:  # warm-up
        engine.decide(text)
    wall, cpu = [], []
    started = time.perf_counter()
    for text in texts:
        before, before_cpu = time.perf_counter_ns(), time.thread_time_ns()
        engine.decide(text)
        cpu.append(time.thread_time_ns() - before_cpu)
        wall.append(time.perf_counter_ns() - before)
    return time.perf_counter() - started, wall, cpu


def _percentiles(values: list[int]) -> str:
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"median {statistics.median(ordered) / 1000:.1f} us, p99 {p99 / 1000:.1f} us"


CHECK_TEXT = "Draft the customer email about the data breach"


def startup_seconds(
    runs: int, *flags: str, empty_cache: bool = False
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of whole `should-ai check` processes.

    With ``empty_cache`` every run is a first run: $XDG_CACHE_HOME is a new empty directory, so
    the policy YAML is parsed, the model loaded from its package and the example phrases
    encoded (files the OS has cached in memory stay cached: this is not a cold disk). Without
    it, one unmeasured run first fills the caches that later runs read.
    """
    if not empty_cache:
        _run_check(None, flags)
    wall, cpu = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="should-ai-bench-") as cache:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            _run_check(Path(cache) if empty_cache else None, flags)
            wall.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def _run_check(cache: Path | None, flags: Sequence[str] = (), text: str = CHECK_TEXT) -> None:
    """One `should-ai check` process; ``cache``, if given, is its $XDG_CACHE_HOME."""
    env = dict(os.environ) if cache is None else {**os.environ, "XDG_CACHE_HOME": str(cache)}
    command = [sys.executable, "-m", "bot.cli", "check", *flags, text]
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=env)


def _print_startup(runs: int) -> None:
    cases = [
        ("default layers", (), False),
        ("--rules-only", ("--rules-only",), False),
        ("default layers, first run, empty cache", (), True),
        ("--rules-only, first run, empty cache", ("--rules-only",), True),
    ]
    for label, flags, empty_cache in cases:
        wall, cpu = startup_seconds(runs, *flags, empty_cache=empty_cache)
        print(
            f"`should-ai check` start-up ({label}, {runs} runs): wall median "
            f"{statistics.median(wall):.2f} s (max {max(wall):.2f} s), "
            f"CPU median {statistics.median(cpu):.2f} s"
        )


def _reference_us() -> float:
    """A fixed pure-Python workload, to compare figures across machines."""
    return min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--layers", choices=["rules", "default"], default="rules")
    parser.add_argument(
        "--startup",
        type=int,
        default=3,
        help="CLI start-up runs, each with warm caches and each with an empty cache (0: skip)",
    )
    parser.add_argument(
        "--stages",
        type=int,
        default=0,
        help="also split N first runs (empty cache) and N warm runs by stage: policy, model...",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs over the messages; best kept")
    parser.add_argument(
        "--requests",
        type=Path,
        default=None,
        help="labelled JSONL (e.g. ../shared/eval/dev.jsonl): also time the full pipeline on it",
    )
    args = parser.parse_args()

    policy = load_policy(DEFAULT_POLICY_DIR)
    layers = (RulesLayer(policy),) if args.layers == "rules" else default_layers(policy)
    engine = PolicyEngine(policy, layers=layers)
    texts = messages(args.count, args.seed)
    # Like timeit, keep the least disturbed of a few runs: on a shared machine the others only
    # add time that other processes took.
    runs = [measure(engine, texts) for _ in range(args.repeat)]
    elapsed, wall, cpu = min(runs, key=lambda run: statistics.median(run[2]))
    routes = [engine.decide(text).route for text in texts[:2000]]

    print(f"layers: {', '.join(layer.name for layer in engine.layers)}; policy {policy.revision}")
    print(
        f"best of {args.repeat} runs; load average now {os.getloadavg()[0]:.1f}; machine speed: "
        f"sum(range(1000)) takes {_reference_us():.1f} us (about 7 us on a 2023 laptop)"
    )
    print(
        f"messages: {len(texts)} (mean {statistics.mean(map(len, texts)):.0f} chars), "
        f"human share of first 2000: {routes.count('human') / len(routes):.0%}"
    )
    per_cpu_second = len(texts) / (sum(cpu) / 1e9)
    print(
        f"throughput: {len(texts) / elapsed:,.0f} decisions/s on one core (wall clock), "
        f"{per_cpu_second:,.0f} per CPU-second"
    )
    print(f"latency per decision, wall: {_percentiles(wall)}")
    print(f"latency per decision, CPU:  {_percentiles(cpu)}")
    megabyte = ("please write the newsletter about our range " * 25_000)[:1_000_000]
    started = time.perf_counter()
    engine.decide(megabyte)
    print(f"1 MB message: {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.startup:
        _print_startup(args.startup)
    if args.stages:
        startup_stages(args.stages)
    if args.requests is not None:
        full_pipeline(args.requests, args.startup)


# --- full pipeline on real requests ([sim], issue 3) ------------------------------------------
# Tripwires + the trained reader (default_layers) on a labelled JSONL file of requests people
# actually type, each decided several times; and `check` start-up with a cold cache (the encoder
# loaded from its wheel, the reader from the shipped seed) and a warm one (model snapshot read
# from the cache).


def full_pipeline(requests: Path, startup_runs: int) -> None:
    policy = load_policy(DEFAULT_POLICY_DIR)
    engine = build_engine(policy)  # default layers: tripwires, then the trained reader
    lines = requests.read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    _, wall, cpu = measure(engine, texts * 5)
    encoded = sum(any(r.layer == "reader" for r in engine.decide(text).reasons) for text in texts)
    print(f"\nfull pipeline on {len(texts)} real requests x5 ({requests.name}):")
    print(f"  latency per decision, wall: {_percentiles(wall)}")
    print(f"  latency per decision, CPU:  {_percentiles(cpu)}")
    print(f"  requests the reader read: {encoded / len(texts):.0%}")
    print(f"  peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if startup_runs:
        with tempfile.TemporaryDirectory() as cache:
            cold = [_startup_with_cache(Path(cache) / str(run)) for run in range(startup_runs)]
            warm = [_startup_with_cache(Path(cache) / "0") for _ in range(startup_runs)]
        print(f"  `should-ai check` start-up, cold cache: median {statistics.median(cold):.2f} s")
        print(f"  `should-ai check` start-up, warm cache: median {statistics.median(warm):.2f} s")


def _startup_with_cache(cache: Path) -> float:
    started = time.perf_counter()
    _run_check(cache, text="Draft the customer email about the outage")
    return time.perf_counter() - started


# --- where a first run's start-up goes (--stages N) ---------------------------------------
# Each run is a fresh `should-ai check` process with an empty cache, in which the functions
# below are wrapped with a timer (inclusive wall time; a stage run in a thread overlaps its
# parent). A function that was renamed shows as "not found" instead of failing the bench.

STAGES = (  # (label, module, attribute), parents before the stages they contain
    ("load_policy", "bot.policy.loader", "load_policy"),
    ("RulesLayer build", "bot.policy.rules", "RulesLayer.__init__"),
    ("ReaderLayer.for_policy", "bot.reader.layer", "ReaderLayer.for_policy"),
    ("  model load (shared_encoder)", "bot.reader.layer", "shared_encoder"),
    ("    tokenizer load", "bot.encoder.tokenizer", "load"),
    ("    model snapshot read", "bot.encoder.snapshot", "load"),
    ("    model snapshot write", "bot.encoder.snapshot", "save"),
    ("  reader model (seed or cache)", "bot.reader.layer", "model_for"),
    ("decision", "bot.policy.engine", "PolicyEngine.decide"),
)
_STAGE_PROBE = """
import contextlib, importlib, io, json, sys, time
started = time.perf_counter()
import bot.cli, bot.policy.engine, bot.policy.loader, bot.policy.rules
import bot.reader.layer
times = {"imports (bot, pydantic, numpy...)": time.perf_counter() - started}

def timed(label, module, path):
    owner = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            times[label] = times.get(label, 0.0) + time.perf_counter() - begun
    setattr(owner, name, wrapper)

for label, module, path in json.loads(sys.argv[1]):
    try:
        timed(label, module, path)
    except (ImportError, AttributeError):
        times[label] = None
with contextlib.redirect_stdout(io.StringIO()):
    bot.cli.main(["check", sys.argv[2]])
times["total in the process"] = time.perf_counter() - started
print(json.dumps(times))
"""


_WHOLE = "whole process (interpreter start too)"


def startup_stages(runs: int) -> None:
    """Median seconds per stage of `runs` first runs (empty cache) and `runs` warm runs."""
    with tempfile.TemporaryDirectory(prefix="should-ai-bench-") as warm_cache:
        cold = [_stage_run(None) for _ in range(runs)]
        _stage_run(Path(warm_cache))  # fills the cache the warm runs read
        warm = [_stage_run(Path(warm_cache)) for _ in range(runs)]
    print(f"\n`should-ai check` start-up by stage (median of {runs} runs, wall seconds):")
    print(f"  {'stage':<40} {'first run':>9} {'warm':>6}")
    labels = ["imports (bot, pydantic, numpy...)", *(label for label, _, _ in STAGES)]
    for label in [*labels, "total in the process", _WHOLE]:
        print(f"  {label:<40} {_stage_median(cold, label):>9} {_stage_median(warm, label):>6}")


def _stage_run(cache: Path | None) -> dict[str, float | None]:
    """One `should-ai check` process with the stage timers; ``cache`` None: a new empty one."""
    with tempfile.TemporaryDirectory(prefix="should-ai-bench-") as empty:
        env = {**os.environ, "XDG_CACHE_HOME": str(cache or empty)}
        stages = json.dumps([list(stage) for stage in STAGES])
        command = [sys.executable, "-c", _STAGE_PROBE, stages, CHECK_TEXT]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True)
        whole = time.perf_counter() - started
    times: dict[str, float | None] = json.loads(done.stdout)
    return {**times, _WHOLE: whole}


def _stage_median(runs: list[dict[str, float | None]], label: str) -> str:
    values = [run.get(label, 0.0) for run in runs]
    if any(value is None for value in values):
        return "not found"
    return f"{statistics.median(value or 0.0 for value in values):.2f}"


if __name__ == "__main__":
    main()
