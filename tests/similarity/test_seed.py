"""The phrase vectors shipped for the bundled policy (bot/similarity/seed): current, and used."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import Encoder, Vectors
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.similarity.cache import SEED_DIR, cached_encode, phrase_cache_name
from bot.similarity.head import TrainedHead
from bot.similarity.layer import SimilarityLayer, shared_encoder
from bot.similarity.seed import seed_texts


class _Counting:
    """The real encoder, counting what it is asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self.encoded: list[str] = []

    @property
    def name(self) -> str:
        return self._inner.name

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.encoded.extend(texts)
        return self._inner.encode(texts)


@pytest.fixture(scope="module")
def default_policy() -> Policy:
    return load_policy(DEFAULT_POLICY_DIR)


@pytest.fixture(scope="module")
def seed() -> dict[str, Vectors]:
    path = SEED_DIR / phrase_cache_name(shared_encoder())
    assert path.is_file(), f"{path} is missing: run `uv run python -m bot.similarity.seed`"
    with np.load(path, allow_pickle=False) as data:
        return dict(zip(data["phrases"].tolist(), data["vectors"], strict=True))


def test_the_seed_covers_every_phrase_of_the_bundled_policy(
    default_policy: Policy, seed: dict[str, Vectors]
) -> None:
    missing = [t for t in seed_texts(default_policy) if t not in seed]
    assert not missing, (
        f"{len(missing)} phrases of policies/ are not in the seed (first: {missing[0]!r}); "
        "run `uv run python -m bot.similarity.seed`"
    )


def test_the_seed_holds_this_encoders_vectors(seed: dict[str, Vectors]) -> None:
    texts = list(seed)[:: max(1, len(seed) // 25)]
    fresh = shared_encoder().encode(texts)
    stored = np.stack([seed[t] for t in texts])
    assert stored.dtype == np.float32
    assert np.abs(fresh - stored).max() < 1e-4


def test_a_first_start_encodes_only_what_the_seed_lacks(
    default_policy: Policy, seed: dict[str, Vectors], tmp_path: Path
) -> None:
    encoder = _Counting(shared_encoder())
    new_phrase = "ask the florist who supplies our shops to lower her prices by a tenth"
    texts = [*seed_texts(default_policy), new_phrase]
    vectors = cached_encode(encoder, texts, tmp_path)
    assert encoder.encoded == [new_phrase]
    assert np.array_equal(vectors[0], seed[texts[0]])
    # The user's cache now holds everything: the next start encodes nothing.
    again = _Counting(shared_encoder())
    assert np.array_equal(cached_encode(again, texts, tmp_path), vectors)
    assert again.encoded == []


def test_a_first_start_takes_the_trained_head_from_the_seed(
    default_policy: Policy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def train(*args: object, **kwargs: object) -> TrainedHead:
        raise AssertionError(
            "the head was trained: the seed is stale; run `uv run python -m bot.similarity.seed`"
        )

    monkeypatch.setattr(TrainedHead, "train", train)
    layer = SimilarityLayer.for_policy(default_policy, encoder=shared_encoder(), cache_dir=tmp_path)
    assert layer.head is not None
    assert [p.name for p in tmp_path.glob("head-*.npz")] == [
        p.name for p in SEED_DIR.glob("head-*.npz")
    ]
