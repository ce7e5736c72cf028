"""The port the similarity layer encodes through: any sentence encoder that fits it will do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    @property
    def name(self) -> str:
        """Identifies the model and its version; part of the embedding cache key."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...
