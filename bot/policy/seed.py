"""Writes the vectors of the bundled policy's phrases that ship with the package.

A first start on a machine would otherwise encode every example phrase and case of the bundled
policy (~1,100 texts, ~0.7 s). The seed maps each phrase to its vector for one encoder (the file
name carries the encoder's name and version), so a stale seed is never wrong, only less useful:
phrases it lacks are encoded as before. Refresh it after editing the bundled policy's examples
or cases, or when the encoder changes::

    uv run python -m bot.policy.seed

``tests/policy/test_seed.py`` fails while the seed is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.policy.similarity import SEED_DIR, Encoder, phrase_cache_name, policy_examples


def seed_texts(policy: Policy) -> list[str]:
    """Every text the similarity layer encodes for ``policy``, in a stable order, no repeats."""
    phrases, _ = policy_examples(policy)
    cases = [c.text for c in policy.cases if c.category in policy.categories]
    return list(dict.fromkeys([*phrases, *cases]))


def write_seed(policy: Policy, encoder: Encoder, directory: Path = SEED_DIR) -> Path:
    texts = seed_texts(policy)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("phrases-*.npz"):
        stale.unlink()
    path = directory / phrase_cache_name(encoder)
    np.savez_compressed(path, phrases=np.array(texts), vectors=encoder.encode(texts))
    return path


def main() -> int:
    from bot.policy.similarity_layer import shared_encoder

    path = write_seed(load_policy(DEFAULT_POLICY_DIR), shared_encoder())
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
