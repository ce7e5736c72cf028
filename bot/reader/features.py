"""The reader's sparse features: hashed character and word n-grams of the normalised text.

The sentence encoder reads meaning across languages; these features read spelling. They keep a
misspelt or obfuscated word ("l4wsu1t", "recal", "rappell") close to its plain form, and let the
reader learn short phrases that carry a category ("bad buzz", "fake reviews") from the corpus.

Each text becomes the set of hash buckets of: character n-grams of 2 to 5 characters of the
normalised word form (padded with a space, so word starts and ends are n-grams of their own),
whole words, and word pairs. Hashing (CRC-32, stable across runs and machines) keeps the model a
fixed size whatever the vocabulary. A batch is a CSR pair: all bucket ids, and where each text's
ids start.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.policy.normalize import normalize, word_form

BUCKETS = 1 << 18  # ~260k: collisions stay rare for a vocabulary of tens of thousands of n-grams
_MASK = BUCKETS - 1
CHAR_NGRAMS = (2, 3, 4, 5)
MAX_CHARS = 2_000  # a longer text is read in windows of this size (see bot.reader.layer)


@dataclass(frozen=True)
class SparseBatch:
    """Bucket ids of several texts, CSR style: text ``i`` owns ``ids[starts[i]:starts[i+1]]``."""

    ids: NDArray[np.int64]
    starts: NDArray[np.int64]

    @property
    def lengths(self) -> NDArray[np.int64]:
        return np.diff(self.starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def rows(self, which: NDArray[np.intp]) -> SparseBatch:
        return batch_of([self.ids[self.starts[i] : self.starts[i + 1]] for i in which])


def text_ids(text: str) -> NDArray[np.int64]:
    """The sorted, distinct bucket ids of one text (never empty: the empty text has one)."""
    padded = f" {word_form(normalize(text))} "
    grams: set[str] = set()
    for n in CHAR_NGRAMS:
        grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    words = padded.split()
    grams.update(f"\x01{w}" for w in words)
    grams.update(f"\x02{a} {b}" for a, b in itertools.pairwise(words))
    return _array({_bucket(g) for g in grams} or {0})


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & _MASK


def _array(ids: set[int]) -> NDArray[np.int64]:
    return np.fromiter(sorted(ids), dtype=np.int64, count=len(ids))


def word_hashes(text: str) -> list[int]:
    """The normalised words of a text, hashed, as the reader's vocabulary holds them."""
    return [zlib.crc32(w.encode("utf-8")) for w in word_form(normalize(text)).split()]


def batch_of(per_text: Sequence[NDArray[np.int64]]) -> SparseBatch:
    lengths = np.fromiter((len(x) for x in per_text), dtype=np.int64, count=len(per_text))
    starts = np.zeros(len(per_text) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    ids = np.concatenate(per_text) if per_text else np.zeros(0, dtype=np.int64)
    return SparseBatch(ids=ids, starts=starts)


def featurize(texts: Sequence[str]) -> SparseBatch:
    return batch_of([text_ids(t) for t in texts])
