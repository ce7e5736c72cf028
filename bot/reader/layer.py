"""The trained reader as a layer of the policy engine, after the tripwires.

For each request it computes the reader's probabilities over the policy's categories
(:mod:`bot.reader.model`) and adds one hit:

- a tripwire already fired (a counting human hit from the rules): the request goes to a person
  whatever the reading, so nothing on the AI side can outweigh a tripwire. The reading only
  chooses *which* person when it places the request in another human category with
  probability ``RECATEGORISE`` or more (a complaint about "our new logo" going viral is crisis,
  though "new logo" is a creative word); otherwise it is shown and does not count;
- P(any human category) >= ``reader.human_threshold``: the best human category, counted;
- the request resembles nothing the reader was trained on (too few of its n-grams were ever
  seen: gibberish, another language) or the reader cannot run (the encoder failed, the text is
  too long to read whole): an ``uncertain:`` hit that does not count, so the policy's fallback
  owner decides -- never silently AI;
- otherwise the best AI category, counted.

A long request is read in overlapping windows and the window most likely to need a person
decides, so a crisis sentence at character 4,510 is read like one at character 10.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.encoder import Encoder, UseEncoder
from bot.policy.layers import Example, Hit, PreparedText
from bot.policy.model import Policy
from bot.policy.normalize import readable
from bot.policy.rules import compile_pattern
from bot.reader.cache import cached_encode, default_cache_dir
from bot.reader.features import MAX_CHARS, featurize, word_hashes
from bot.reader.model import ReaderModel
from bot.reader.training import model_for, training_set

log = logging.getLogger(__name__)

# Every reason for a request the reader could not place starts with this (the LLM judge looks
# for it; admins read it).
UNCERTAIN_PREFIX = "uncertain: "
WINDOW_STEP = MAX_CHARS - 200  # windows overlap, so no sentence is cut in two in every window
MAX_WINDOWS = 64  # ~115k characters; past that the reader does not guess: a person decides
RECATEGORISE = 0.5  # how sure the reader must be of another human category than a tripwire's


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    """The default encoder, loaded once per process and reused by every policy (re)load."""
    return UseEncoder(cache_dir=default_cache_dir())


@dataclass(frozen=True)
class Reading:
    """The reader's view of one request: every category's probability, best first."""

    probabilities: tuple[tuple[str, float], ...]
    human: float  # P(any human category)
    best_human: str
    best_ai: str
    known: float  # share of the request's words seen in training
    windows: int = 1

    def top(self, n: int = 3) -> str:
        return ", ".join(f"{name} {p:.2f}" for name, p in self.probabilities[:n])


class ReaderLayer:
    """The trained reader for one policy (see module docstring)."""

    name = "reader"

    def __init__(self, policy: Policy, model: ReaderModel, encoder: Encoder) -> None:
        self.model = model
        self.encoder = encoder
        self._policy = policy
        self._examples: tuple[tuple[str, ...], tuple[str, ...], NDArray[np.float32]] | None = None
        self.threshold = policy.file.reader.human_threshold
        self.min_known = policy.file.reader.min_known
        self.min_sure = policy.file.reader.min_sure
        self._vague = [(source, compile_pattern(source)) for source in policy.file.reader.vague]
        routes = [policy.categories[c].route for c in model.categories]
        self._human = np.flatnonzero([r == "human" for r in routes])
        self._human_names = frozenset(model.categories[i] for i in self._human)
        self._ai = np.flatnonzero([r == "ai" for r in routes])

    @classmethod
    def for_policy(
        cls, policy: Policy, *, encoder: Encoder | None = None, cache_dir: Path | None = None
    ) -> ReaderLayer:
        encoder = encoder if encoder is not None else shared_encoder()
        cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        return cls(policy, model_for(policy, encoder, cache_dir), encoder)

    def read(self, text: str) -> Reading:
        """The reading of ``text`` (its likeliest-human window if it is long)."""
        windows = _windows(readable(text))
        vectors = np.asarray(self.encoder.encode(windows), dtype=np.float32)
        p = self.model.probabilities(vectors, featurize(windows))
        human = p[:, self._human].sum(axis=1)
        row = int(np.argmax(human))
        return self._reading(p[row], float(human[row]), windows[row], len(windows))

    def _reading(self, p: NDArray[np.float32], human: float, window: str, windows: int) -> Reading:
        order = np.argsort(-p, kind="stable")
        names = self.model.categories
        return Reading(
            probabilities=tuple((names[i], float(p[i])) for i in order),
            human=human,
            best_human=names[int(self._human[np.argmax(p[self._human])])],
            best_ai=names[int(self._ai[np.argmax(p[self._ai])])],
            known=self._known(window),
            windows=windows,
        )

    def closest(self, text: str, k: int = 3) -> tuple[Example, ...]:
        """The ``k`` labelled texts the reader learnt from that are nearest to ``text`` (cosine
        of the sentence embeddings), for `why`. The first call reads their vectors (shipped in
        the seed for the bundled policy, else cached or encoded once)."""
        texts, labels, vectors = self._labelled()
        if not texts:
            return ()
        request = np.asarray(self.encoder.encode([readable(text)[:MAX_CHARS]]), dtype=np.float32)
        sims = vectors @ request[0]
        top = np.argsort(-sims, kind="stable")[:k]
        return tuple(Example(texts[i], labels[i], round(float(sims[i]), 3)) for i in top)

    def _labelled(self) -> tuple[tuple[str, ...], tuple[str, ...], NDArray[np.float32]]:
        if self._examples is None:
            data = training_set(self._policy)
            vectors = cached_encode(self.encoder, list(data.texts), default_cache_dir())
            self._examples = (data.texts, data.labels, vectors)
        return self._examples

    def _known(self, text: str) -> float:
        """Share of the words of ``text`` the reader learnt (1.0 if it keeps no vocabulary)."""
        words = word_hashes(text)
        if not self.model.vocabulary or not words:
            return 1.0
        return sum(w in self.model.vocabulary for w in words) / len(words)

    def apply(self, text: PreparedText, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
        if not text.words.strip():
            return hits  # nothing to read: the fallback decides
        tripped = {h.category for h in hits if h.counts and h.category in self._human_names}
        if len(text.original) > MAX_WINDOWS * WINDOW_STEP:
            why = f"{len(text.original):,} characters is more than the reader reads whole"
            return (*hits, self._unsure(why))
        try:
            reading = self.read(text.original)
        except Exception as e:  # the reader failing must never route work to AI
            log.exception("the trained reader failed; the request goes to a person")
            return (*hits, self._unsure(f"the trained reader could not read this request ({e})"))
        if tripped:
            return self._after_tripwire(hits, reading, tripped)
        vague = self._vague_match(text.words) if reading.human < self.threshold else None
        if vague is not None:
            why = f"it points at something I cannot see (reader.vague {vague!r})"
            return (*hits, self._unsure(f"{why}; {_detail(reading, self.threshold)}"))
        return (*hits, self._hit(reading))

    def _vague_match(self, words: str) -> str | None:
        """The reader.vague pattern ``words`` matches, if any (only asked of AI readings: a
        request already going to a person needs no second reason)."""
        return next((source for source, regex in self._vague if regex.search(words)), None)

    def _after_tripwire(
        self, hits: tuple[Hit, ...], reading: Reading, tripped: set[str]
    ) -> tuple[Hit, ...]:
        best = reading.best_human
        sure = dict(reading.probabilities)[best]
        decided = f"{_detail(reading, self.threshold)}; a tripwire decided"
        if sure < RECATEGORISE or tripped == {best}:
            return (*hits, Hit("reader", best, decided, reading.human, counts=False))
        # The reader chooses which person: the tripped category it reads, or another it is sure of.
        note = f" (a person owns this; the trained reader places it in {best})"
        kept = tuple(
            replace(h, detail=h.detail + note, counts=False)
            if h.counts and h.category in tripped and h.category != best
            else h
            for h in hits
        )
        if best in tripped:
            return (*kept, Hit("reader", best, decided, reading.human, counts=False))
        detail = f"{_detail(reading, self.threshold)}; a tripwire sent it to a person"
        return (*kept, Hit("reader", best, detail, round(sure, 4)))

    def _hit(self, reading: Reading) -> Hit:
        detail = _detail(reading, self.threshold)
        if reading.known < self.min_known:
            why = f"only {reading.known:.0%} of its words are known to the reader"
            return self._unsure(f"{why}; {detail}", reading.best_human)
        if reading.human < self.threshold and reading.probabilities[0][1] < self.min_sure:
            why = f"the reader cannot tell what this is (at most {reading.probabilities[0][1]:.0%})"
            return self._unsure(f"{why}; {detail}", reading.best_human)
        if reading.human >= self.threshold:
            return Hit("reader", reading.best_human, detail, round(reading.human, 4))
        return Hit("reader", reading.best_ai, detail, round(1.0 - reading.human, 4))

    def _unsure(self, detail: str, category: str | None = None) -> Hit:
        name = category or self.model.categories[int(self._human[0])]
        return Hit("reader", name, UNCERTAIN_PREFIX + detail, 0.0, counts=False)


def _detail(reading: Reading, threshold: float) -> str:
    seen = f"P(person) {reading.human:.2f}, threshold {threshold:.2f}"
    return f"trained reader reads {reading.top()} ({seen})"


def _windows(text: str) -> list[str]:
    """What the reader reads of ``text``: the whole of a short one; of a long one, overlapping
    windows and also each distinct sentence on its own, so one sentence that needs a person is
    not drowned by pages of routine notes around it."""
    if len(text) <= MAX_CHARS:
        return [text]
    windows = [text[start : start + MAX_CHARS] for start in range(0, len(text) - 200, WINDOW_STEP)]
    sentences = dict.fromkeys(
        s.strip() for s in _SENTENCE_END.split(text) if len(s.split()) >= MIN_SENTENCE_WORDS
    )
    return windows + [s[:MAX_CHARS] for s in sentences][:MAX_SENTENCES]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
MIN_SENTENCE_WORDS = 4  # shorter ones ("Thanks.", "See below.") say nothing on their own
MAX_SENTENCES = 256  # bounds the work on a pasted novel; its windows are still all read
