"""The seam between the policy engine and its classification layers.

A layer looks at a prepared request and the hits the layers before it produced, and returns
the hits after it: the earlier ones (it may mark some as not counting, saying why in their
detail) plus its own. The engine runs the layers cheapest first and turns the final hits into a
:class:`~bot.policy.model.Decision`. Layers are pure: no I/O, no clock, no randomness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.policy.model import Layer as LayerName
from bot.policy.normalize import normalize, word_form


@dataclass(frozen=True, slots=True)
class PreparedText:
    """A request as every layer sees it: normalised once, up front."""

    original: str
    normalized: str
    words: str = field(repr=False)

    @classmethod
    def of(cls, text: str) -> PreparedText:
        normalized = normalize(text)
        return cls(original=text, normalized=normalized, words=word_form(normalized))


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence that a request belongs to a category.

    ``detail`` names exactly what matched (the keyword, the pattern and the text it matched,
    the example phrase). ``score`` is in [0, 1]. A hit that does not ``count`` stays visible in
    the decision's reasons but does not route the request.
    """

    layer: LayerName
    category: str
    detail: str
    score: float
    counts: bool = True


class PolicyLayer(Protocol):
    """A classification layer built from one policy (see module docstring)."""

    @property
    def name(self) -> str: ...

    def apply(self, text: PreparedText, hits: tuple[Hit, ...]) -> tuple[Hit, ...]: ...


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled text a layer learnt from, and how close a request is to it (for `why`)."""

    text: str
    category: str
    similarity: float


@runtime_checkable
class ExampleSource(Protocol):
    """A layer that can quote the labelled texts closest to a request (the trained reader)."""

    def closest(self, text: str, k: int) -> tuple[Example, ...]: ...
