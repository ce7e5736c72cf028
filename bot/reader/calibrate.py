"""`should-ai policy calibrate`: measure the reader's human threshold, and keep the better one.

The threshold is measured out of fold: the policy's training data (the pack's corpus and cases,
then the admin's additions) is split into ``folds`` parts, each part read by a reader trained on
the others, so every text gets a probability from a model that never saw it. The proposed
threshold is the highest that still sends ``target_recall`` of the human texts to a person.

It is written to the admin's ``policy.yaml`` only if that same measurement shows it better than
the threshold in force: recall reaches the target where it did not, or it does with fewer false
escalations. A measurement that shows it worse leaves the file as it is, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.encoder import Encoder
from bot.policy.loader import load_policy
from bot.policy.model import Policy
from bot.reader.cache import cached_encode, default_cache_dir
from bot.reader.features import featurize
from bot.reader.model import TrainingOptions, train
from bot.reader.training import FULL, training_set

TARGET_RECALL = 0.985
_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
_LINE = re.compile(r"^(?P<lead>[ \t]+human_threshold:[ \t]*)[0-9.eE+-]+", re.MULTILINE)


@dataclass(frozen=True)
class Measure:
    threshold: float
    recall: float
    false_escalation: float

    def describe(self) -> str:
        return (
            f"threshold {self.threshold:.2f}: recall {self.recall:.1%}, "
            f"false escalation {self.false_escalation:.1%}"
        )


@dataclass(frozen=True)
class Calibration:
    current: Measure
    proposed: Measure
    texts: int
    folds: int
    better: bool
    written: bool


def out_of_fold(
    policy: Policy, encoder: Encoder, *, folds: int, options: TrainingOptions = FULL
) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """P(human) of every training text from a reader that did not learn it, and its label."""
    data = training_set(policy)
    categories = tuple(policy.categories)
    vectors = cached_encode(encoder, list(data.texts), default_cache_dir())
    grams = featurize(data.texts)
    labels = np.array([categories.index(c) for c in data.labels])
    weights = np.asarray(data.weights, dtype=np.float32)
    human = np.array([policy.categories[c].route == "human" for c in categories])
    fold = np.random.default_rng(0).permutation(len(data)) % folds
    p_human = np.zeros(len(data), dtype=np.float32)
    for k in range(folds):
        held, kept = np.flatnonzero(fold == k), np.flatnonzero(fold != k)
        model = train(
            vectors[kept],
            grams.rows(kept),
            labels[kept].tolist(),
            categories,
            sample_weights=weights[kept],
            options=options,
        )
        p = model.probabilities(vectors[held], grams.rows(held))
        p_human[held] = p[:, human].sum(axis=1)
    return p_human, human[labels]


def measure(p_human: NDArray[np.float32], is_human: NDArray[np.bool_], threshold: float) -> Measure:
    to_person = p_human >= threshold
    recall = float(to_person[is_human].mean()) if is_human.any() else 1.0
    false = float(to_person[~is_human].mean()) if (~is_human).any() else 0.0
    return Measure(threshold, recall, false)


def propose(p_human: NDArray[np.float32], is_human: NDArray[np.bool_]) -> Measure:
    """The highest threshold on the grid that keeps recall at the target (else the lowest)."""
    measured = [measure(p_human, is_human, float(t)) for t in _GRID]
    reaching = [m for m in measured if m.recall >= TARGET_RECALL]
    return reaching[-1] if reaching else measured[0]


def is_better(proposed: Measure, current: Measure) -> bool:
    if proposed.recall >= TARGET_RECALL > current.recall:
        return True
    if proposed.recall >= TARGET_RECALL and current.recall >= TARGET_RECALL:
        return proposed.false_escalation < current.false_escalation
    return proposed.recall > current.recall


def calibrate_directory(
    directory: Path,
    encoder: Encoder,
    *,
    write: bool,
    folds: int = 5,
    options: TrainingOptions = FULL,
) -> Calibration:
    policy = load_policy(directory)
    p_human, is_human = out_of_fold(policy, encoder, folds=folds, options=options)
    current = measure(p_human, is_human, policy.file.reader.human_threshold)
    proposed = propose(p_human, is_human)
    better = is_better(proposed, current)
    if better and write:
        write_threshold(directory / "policy.yaml", proposed.threshold)
    return Calibration(current, proposed, len(p_human), folds, better, better and write)


def write_threshold(path: Path, threshold: float) -> None:
    """Sets ``reader: human_threshold:`` in the admin's policy file, keeping everything else."""
    text = path.read_text(encoding="utf-8")
    value = f"{threshold:.2f}"
    if _LINE.search(text):
        text = _LINE.sub(lambda m: m.group("lead") + value, text, count=1)
    elif re.search(r"^reader:[ \t]*$", text, re.MULTILINE):
        text = re.sub(
            r"^reader:[ \t]*$",
            f"reader:\n  human_threshold: {value}",
            text,
            count=1,
            flags=re.MULTILINE,
        )
    else:
        text = text.rstrip("\n") + f"\n\nreader:\n  human_threshold: {value}\n"
    path.write_text(text, encoding="utf-8")


def report(result: Calibration) -> str:
    lines = [
        f"measured on {result.texts} texts, {result.folds}-fold (each read by a reader "
        "that did not learn it)",
        f"  in force: {result.current.describe()}",
        f"  proposed: {result.proposed.describe()} (target recall {TARGET_RECALL:.1%})",
    ]
    if not result.better:
        lines.append(
            "the proposed threshold is not better on this measurement: kept the one in force"
        )
    return "\n".join(lines)
