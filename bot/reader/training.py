"""What the reader learns from, and the model a policy gets: shipped, cached or trained.

A policy learns from three sources (see :func:`training_set`):

- the knowledge pack's corpus (``bot/packs/<name>/corpus.jsonl``) and its own labelled cases
  and example phrases: the bundled judgement;
- the admin's additions: example requests under a category's ``examples`` and every case in
  the policy's ``cases/`` that names a category. They weigh more, so a team's correction wins
  over the corpus it contradicts.

The model for a given training set is looked up by a key (a hash of the format, the encoder, the
options and every text, label and weight): first in the cache directory, then in the seed shipped
with the package (:mod:`bot.reader.seed`). Missing both, a policy with no additions trains from
scratch (~45 s for the bundled pack, which is why the seed ships); a policy with additions starts
from the pack's model and fine-tunes on its additions plus a fixed sample of the corpus (~3 s).
The bundled policy's seed holds its model trained from scratch on everything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from bot.encoder import Encoder
from bot.policy.model import Policy
from bot.reader.cache import MODELS_KEPT, SEED_DIR, cached_encode, prune_cache_files, touch
from bot.reader.features import featurize, word_hashes
from bot.reader.model import FORMAT, ReaderModel, TrainingOptions, train

log = logging.getLogger(__name__)

PACK_CASE_WEIGHT = 2.0  # the pack's cases pin calls an earlier version got wrong
ADDITION_WEIGHT = 4.0  # an admin's example or case outweighs a few corpus lines
FULL = TrainingOptions(l2=3e-5)
FINE_TUNE = TrainingOptions(epochs=3, l2=3e-5)
FINE_TUNE_SAMPLE = 2_000  # corpus lines replayed while fine-tuning, so it does not forget
REPLAY = "corpus-sample+pack-cases"  # what a fine-tune replays (part of its cache key)


@dataclass(frozen=True)
class TrainingSet:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    weights: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def __add__(self, other: TrainingSet) -> TrainingSet:
        return TrainingSet(
            self.texts + other.texts, self.labels + other.labels, self.weights + other.weights
        )

    def key(self, encoder: Encoder, options: TrainingOptions, start: str = "") -> str:
        digest = hashlib.sha256()
        for part in (FORMAT, encoder.name, repr(options), start):
            digest.update(part.encode("utf-8") + b"\0")
        for text, label, weight in zip(self.texts, self.labels, self.weights, strict=True):
            digest.update(f"{text}\0{label}\0{weight}\0".encode())
        return digest.hexdigest()[:32]


def pack_set(policy: Policy) -> TrainingSet:
    """The bundled judgement: the pack's corpus, cases and example phrases."""
    return corpus_set(policy) + pack_cases_set(policy)


def corpus_set(policy: Policy) -> TrainingSet:
    """The pack's labelled corpus."""
    if policy.pack is None:
        return TrainingSet((), (), ())
    rows = read_jsonl(policy.pack.directory / "corpus.jsonl")
    pairs = [(row["text"], row["category"]) for row in rows if row["category"] in policy.categories]
    return _weighted(pairs, 1.0)


def pack_cases_set(policy: Policy) -> TrainingSet:
    """The pack's own cases."""
    pairs = [(c.text, c.category) for c in policy.pack_cases if c.category in policy.categories]
    return _weighted(pairs, PACK_CASE_WEIGHT)


def _weighted(pairs: Sequence[tuple[str, str | None]], weight: float) -> TrainingSet:
    return TrainingSet(
        tuple(t for t, _ in pairs), tuple(str(c) for _, c in pairs), (weight,) * len(pairs)
    )


def additions_set(policy: Policy) -> TrainingSet:
    """The admin's own: example requests of each category, then every case naming a category."""
    pairs = [(p, name) for name, c in policy.categories.items() for p in c.examples.all()]
    pairs += [(c.text, c.category) for c in policy.cases if c.category in policy.categories]
    return TrainingSet(
        tuple(t for t, _ in pairs), tuple(c for _, c in pairs), (ADDITION_WEIGHT,) * len(pairs)
    )


def training_set(policy: Policy) -> TrainingSet:
    return pack_set(policy) + additions_set(policy)


def model_for(
    policy: Policy, encoder: Encoder, cache_dir: Path | None, *, full: bool = False
) -> ReaderModel:
    """The reader for ``policy``: the model trained on all of its data if one is cached or
    shipped; else (or with ``full``) one trained now -- fine-tuned from the pack's model when
    the policy has additions (seconds), from scratch when it has none or ``full`` is set."""
    categories = tuple(policy.categories)
    base, extra = pack_set(policy), additions_set(policy)
    everything = base + extra
    whole_key = everything.key(encoder, FULL)
    found = _load(whole_key, cache_dir)
    if found is not None:
        return found
    if full or not len(extra):
        return _saved(whole_key, cache_dir, _train(everything, categories, encoder, cache_dir))
    base_key = base.key(encoder, FULL)
    tuned_key = everything.key(encoder, FINE_TUNE, start=f"{base_key}:{REPLAY}")
    found = _load(tuned_key, cache_dir)
    if found is not None:
        return found
    start = _load(base_key, cache_dir) or _saved(
        base_key, cache_dir, _train(base, categories, encoder, cache_dir)
    )
    # The pack's cases are replayed whole: they pin calls an earlier version got wrong, and a
    # sample of them let a fine-tune on one harmless addition undo nine (`policy test` failed).
    replay = _sample(corpus_set(policy), FINE_TUNE_SAMPLE) + pack_cases_set(policy)
    tuned = _train(replay + extra, categories, encoder, cache_dir, FINE_TUNE, start)
    return _saved(tuned_key, cache_dir, tuned)


def shipped_model(policy: Policy, encoder: Encoder) -> ReaderModel | None:
    """The model the package's seed holds for ``policy`` trained on all of its data, if any."""
    return _load(training_set(policy).key(encoder, FULL), None)


def pack_model(policy: Policy, encoder: Encoder, cache_dir: Path | None) -> ReaderModel:
    """The model of the pack alone (what a team's additions are fine-tuned from)."""
    key = pack_set(policy).key(encoder, FULL)
    found = _load(key, cache_dir)
    if found is not None:
        return found
    model = _train(pack_set(policy), tuple(policy.categories), encoder, cache_dir)
    return _saved(key, cache_dir, model)


def _load(key: str, cache_dir: Path | None) -> ReaderModel | None:
    for directory in (cache_dir, SEED_DIR):
        if directory is not None:
            found = ReaderModel.load(directory / f"reader-{key}.npz")
            if found is not None:
                if directory == cache_dir:
                    touch(directory / f"reader-{key}.npz")  # used last: pruned last
                return found
    return None


def _saved(key: str, cache_dir: Path | None, model: ReaderModel) -> ReaderModel:
    if cache_dir is not None:
        path = cache_dir / f"reader-{key}.npz"
        try:
            cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            model.save(path)
            prune_cache_files(cache_dir, "reader-*.npz", keep=MODELS_KEPT)
        except OSError as e:  # a cache only saves time
            log.warning("could not write the reader cache %s: %s", path, e)
    return model


def _train(
    data: TrainingSet,
    categories: Sequence[str],
    encoder: Encoder,
    cache_dir: Path | None,
    options: TrainingOptions = FULL,
    start: ReaderModel | None = None,
) -> ReaderModel:
    if start is not None and start.categories != tuple(categories):
        start = None  # the admin added or removed a category: learn it all again
    vectors = cached_encode(encoder, list(data.texts), cache_dir)
    labels = [categories.index(c) for c in data.labels]
    weights: NDArray[np.float32] = np.asarray(data.weights, dtype=np.float32)
    log.info("training the reader on %d texts", len(data))
    # One BLAS thread: the products are small and extra threads only contend on a busy machine.
    with threadpool_limits(1, user_api="blas"):
        model = train(
            vectors,
            featurize(data.texts),
            labels,
            categories,
            sample_weights=weights,
            options=options,
            start=start,
        )
    learnt = {word for text in data.texts for word in word_hashes(text)}
    return replace(model, vocabulary=model.vocabulary | learnt)


def _sample(data: TrainingSet, size: int) -> TrainingSet:
    if len(data) <= size:
        return data
    rows = np.random.default_rng(0).choice(len(data), size=size, replace=False)
    rows.sort()
    return TrainingSet(
        tuple(data.texts[i] for i in rows),
        tuple(data.labels[i] for i in rows),
        tuple(data.weights[i] for i in rows),
    )


def read_jsonl(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
