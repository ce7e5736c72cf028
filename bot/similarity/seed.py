"""Writes what a first start needs for the bundled policy, shipped with the package.

A first start on a machine would otherwise encode every example phrase and case of the bundled
policy (~1,100 texts, ~0.7 s) and train the similarity layer's head on them (~0.2 s). The seed
holds the phrase vectors (phrase -> vector for one encoder, whose name and version are in the
file name) and the trained head (keyed, like the cache, by every text and label it learnt
from). A stale seed is never wrong, only less useful: phrases it lacks are encoded and a head
for other data is trained, as without it. Refresh it after editing the bundled policy's examples
or cases, or when the encoder changes::

    uv run python -m bot.similarity.seed

``tests/similarity/test_seed.py`` fails while the seed is stale.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from bot.encoder import Encoder
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.similarity.cache import SEED_DIR, cached_encode, phrase_cache_name
from bot.similarity.index import policy_training_data
from bot.similarity.layer import SimilarityLayer, shared_encoder


def seed_texts(policy: Policy) -> list[str]:
    """Every text the similarity layer encodes for ``policy``, in a stable order, no repeats."""
    texts, _, _ = policy_training_data(policy)
    return list(dict.fromkeys(texts))


def write_seed(policy: Policy, encoder: Encoder, directory: Path = SEED_DIR) -> list[Path]:
    """Builds the similarity layer for ``policy`` from scratch, as a first start would, and
    keeps what it cached: the phrase vectors and the trained head."""
    for stale in (*directory.glob("phrases-*.npz"), *directory.glob("head-*.npz")):
        stale.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        SimilarityLayer.for_policy(policy, encoder=encoder, cache_dir=Path(scratch))
        # The user's cache keys vectors by a digest of their text; the seed names its texts
        # (the bundled policy's own), so a test can tell which phrases it covers.
        texts = seed_texts(policy)
        phrases = directory / phrase_cache_name(encoder)
        vectors = cached_encode(encoder, texts, Path(scratch))  # all cached: nothing encoded
        np.savez_compressed(phrases, phrases=np.array(texts), vectors=vectors)
        written = [phrases]
        for built in sorted(Path(scratch).glob("head-*.npz")):
            target = directory / built.name
            with np.load(built, allow_pickle=False) as data:
                np.savez_compressed(target, **{key: data[key] for key in data.files})
            written.append(target)
    return written


def main() -> int:
    for path in write_seed(load_policy(DEFAULT_POLICY_DIR), shared_encoder()):
        print(f"wrote {path.name} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
