"""Compare the reader's inputs: the sentence embedding alone, the n-grams alone, and both.

    uv run python bench/reader_models.py FILE.jsonl [FILE.jsonl ...] [--threshold 0.3]

Each variant is trained on the bundled policy's training data (the marketing pack's corpus and
cases, then the bundled policy's additions) exactly as the shipped reader is, then scores each
labelled file (the same figures as `should-ai eval`, reader alone: no tripwires, no non-request
check): human-route recall, false escalation, human-category accuracy, per language. Also the
training time and the reading time per request. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy  # noqa: E402
from bot.reader import featurize, shared_encoder, train  # noqa: E402
from bot.reader.cache import cached_encode, default_cache_dir  # noqa: E402
from bot.reader.training import FULL, training_set  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--threshold", type=float, default=0.3)
    args = parser.parse_args()
    policy = load_policy(DEFAULT_POLICY_DIR)
    categories = tuple(policy.categories)
    human = np.array([policy.categories[c].route == "human" for c in categories])
    data = training_set(policy)
    encoder = shared_encoder()
    vectors = cached_encode(encoder, list(data.texts), default_cache_dir())
    labels = [categories.index(c) for c in data.labels]
    weights = np.asarray(data.weights, dtype=np.float32)
    rows = [
        json.loads(line) for f in args.files for line in f.read_text().splitlines() if line.strip()
    ]
    rows = [r for r in rows if r.get("route") in ("human", "ai")]
    texts = [r["text"] for r in rows]
    test_vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    print(
        f"trained on {len(data)} texts; scored on {len(rows)} labelled requests; "
        f"threshold {args.threshold}"
    )
    print(f"{'inputs':<22}{'train s':>8}{'ms/req':>8}  {'all':<22}{'en':<22}{'fr':<22}")
    for name, use_dense, use_grams in (
        ("embedding only", True, False),
        ("n-grams only", False, True),
        ("both (shipped)", True, True),
    ):
        train_x = vectors if use_dense else np.zeros_like(vectors)
        started = time.perf_counter()
        model = train(
            train_x,
            featurize(data.texts if use_grams else [""] * len(data)),
            labels,
            categories,
            sample_weights=weights,
            options=FULL,
        )
        trained = time.perf_counter() - started
        test_x = test_vectors if use_dense else np.zeros_like(test_vectors)
        timings = []
        probabilities = []
        for i, text in enumerate(texts):
            begun = time.perf_counter()
            probabilities.append(
                model.probabilities(test_x[i : i + 1], featurize([text if use_grams else ""]))[0]
            )
            timings.append((time.perf_counter() - begun) * 1000)
        p = np.array(probabilities)
        print(
            f"{name:<22}{trained:>8.1f}{statistics.median(timings):>8.2f}  "
            + "".join(
                f"{_scores(rows, p, human, categories, args.threshold, lang):<22}"
                for lang in (None, "en", "fr")
            )
        )
    print(
        "each cell: recall / false escalation / human-category accuracy "
        "(encoding time not included)"
    )


def _scores(rows, p, human, categories, threshold, lang) -> str:  # type: ignore[no-untyped-def]
    keep = [i for i, r in enumerate(rows) if lang is None or r.get("lang") == lang]
    to_person = p[:, human].sum(axis=1) >= threshold
    best_human = np.array(categories)[np.flatnonzero(human)][p[:, human].argmax(axis=1)]
    h = [i for i in keep if rows[i]["route"] == "human"]
    a = [i for i in keep if rows[i]["route"] == "ai"]
    recall = np.mean([to_person[i] for i in h]) if h else float("nan")
    false = np.mean([to_person[i] for i in a]) if a else float("nan")
    category = np.mean([best_human[i] == rows[i]["category"] for i in h]) if h else float("nan")
    return f"{recall:.3f}/{false:.3f}/{category:.3f}"


if __name__ == "__main__":
    main()
