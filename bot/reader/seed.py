"""Writes what a first start needs for the bundled policy, shipped with the package (``seed/``).

Without it, a first start on a machine would encode every text of the marketing pack (~9,000,
~9 s) and train the reader on them (~30 s). The seed holds the trained reader of the pack, the
reader fine-tuned for the bundled ``policies/`` (keyed, like the cache, by every text, label and
weight it learnt from) and the texts' vectors in half floats (for `why`'s closest examples and
for fine-tuning on a team's additions). A stale seed is never wrong, only slower: a model for
other data is trained, as without it. Refresh it after editing the pack or the bundled
policy's cases or examples, or when the encoder changes::

    uv run python -m bot.reader.seed

``tests/reader/test_seed.py`` fails while the seed is stale.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from bot.encoder import Encoder
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.model import Policy
from bot.reader.cache import SEED_DIR, cached_encode, phrase_cache_name
from bot.reader.layer import shared_encoder
from bot.reader.training import model_for, pack_model, training_set


def write_seed(policy: Policy, encoder: Encoder, directory: Path = SEED_DIR) -> list[Path]:
    """Builds the reader for ``policy`` from scratch, as a first start would, and keeps what
    it cached: the models and the vectors of every text they learnt from."""
    for stale in (*directory.glob("phrases-*.npz"), *directory.glob("reader-*.npz")):
        stale.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        pack_model(policy, encoder, Path(scratch))
        model_for(policy, encoder, Path(scratch), full=True)
        written = [
            _copy_model(built, directory) for built in sorted(Path(scratch).glob("reader-*.npz"))
        ]
        written.append(_half_float_phrases(encoder, Path(scratch), directory, policy))
    return written


def _copy_model(built: Path, directory: Path) -> Path:
    target = directory / built.name
    target.write_bytes(built.read_bytes())
    return target


def _half_float_phrases(encoder: Encoder, scratch: Path, directory: Path, policy: Policy) -> Path:
    # The user's cache keys vectors by a digest of their text; the seed names its texts (the
    # bundled policy's own), so `why` can quote the closest ones and a test can tell what it has.
    texts = list(dict.fromkeys(training_set(policy).texts))
    vectors = cached_encode(encoder, texts, scratch)  # all cached by the training: nothing encoded
    target = directory / phrase_cache_name(encoder)
    np.savez_compressed(target, phrases=np.array(texts), vectors=vectors.astype(np.float16))
    return target


def main() -> int:
    for path in write_seed(load_policy(DEFAULT_POLICY_DIR), shared_encoder()):
        print(f"wrote {path.name} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
