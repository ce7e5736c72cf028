"""The similarity layer as a :class:`~bot.policy.layers.PolicyLayer`, run after the rules.

How it weighs its verdict (:func:`bot.similarity.index.judge`) against the rules' hits:

- confident human: adds a counting hit for that category, so a paraphrase the keywords missed,
  or a human request dressed in an AI keyword ("schedule a call to tell our partner we're
  leaving"), goes to its owner; if a human rule already matched, the rules pick the category
  and this hit only explains;
- confident AI: adds an AI hit (counting unless an AI rule already matched: between AI
  categories the rules pick); a human *keyword* hit stops counting only if some AI example
  uses a keyword of that category found in the request and the request is clearly closer to
  the AI examples than to that category's own (``override_margin``): "write a blog post
  about how brands handle a PR crisis" is a counter-weight the admin wrote on purpose, and it
  also clears "queue the posts of the strategy offsite" once an AI example says "strategy";
- uncertain: with a human rule hit the rules decide (the hit only explains). With no rule
  hit, or with only AI rule hits while the request reads like a human category (above that
  category's threshold, ahead of every AI category by the margin: "our founder's old tweets
  resurfaced and people are furious" hits only the AI keyword "tweets"), it adds a counting
  hit to the closest human category whose reason starts with "uncertain: ", so a person gets
  it, never AI silently. A request too far from every example (below ``floor``) is left to
  the fallback.

Then a second reading, by a model trained on all the examples and cases
(:class:`~bot.similarity.head.TrainedHead`), makes two narrow calls, each only when it
leads by ``HEAD_LEAD`` log-odds:

- nothing human counts, the neighbours are not confidently AI either, yet the head reads a
  human category ahead of every AI one (and the rules did not find that category only
  mentioned, and the request resembles some example at all): a counting hit sends the request
  to that category's owner ("post a reply on the thread where people say our ad mocks
  disabled people" only says "post" and "reply");
- the only human evidence is ``weak_keywords`` (a party's name: "book 30 min with the agency
  next week") next to AI rule hits, the neighbours are not confidently human, and the head reads
  the request as AI work: those weak hits stop counting, and the reason says so.

Requests a human rule hit already settles (a pattern, or a keyword no AI example uses) skip the
encoder entirely: nothing this layer could add would change their route or category.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from bot.encoder import Encoder, UseEncoder
from bot.policy.layers import Hit, PreparedText
from bot.policy.model import Policy
from bot.policy.normalize import normalize, word_form
from bot.similarity.cache import cached_encode, default_cache_dir
from bot.similarity.head import HeadReading, TrainedHead
from bot.similarity.index import (
    ExampleIndex,
    SimilarityResult,
    SimilarityVerdict,
    judge,
    policy_training_data,
    thresholds_of,
)

log = logging.getLogger(__name__)

HEAD_LEAD = 0.5  # log-odds the trained head needs to overrule the rules, either way
OVERRIDE_FACTOR = 2.0  # a human keyword is outweighed only by twice the policy's margin
AGAINST_RULES_FACTOR = 1.0  # reading human against AI-only rule hits needs this many margins
FLOOR = 0.2  # below this the request resembles nothing in the policy: the fallback decides


@lru_cache(maxsize=1)
def shared_encoder() -> Encoder:
    """The default encoder, loaded once per process and reused by every policy (re)load."""
    return UseEncoder(cache_dir=default_cache_dir())


@dataclass(frozen=True)
class _Tuning:
    margin: float
    override_margin: float
    against_rules_margin: float
    floor: float


class SimilarityLayer:
    """Example-phrase similarity for one policy; the index is built once, here."""

    name = "similarity"

    def __init__(
        self, policy: Policy, index: ExampleIndex, head: TrainedHead | None = None
    ) -> None:
        self.index = index
        self.head = head if head is not None and head.usable else None
        self.thresholds = thresholds_of(policy)
        margin = policy.file.similarity_margin
        self._tuning = _Tuning(
            margin, OVERRIDE_FACTOR * margin, AGAINST_RULES_FACTOR * margin, FLOOR
        )
        self._keywords = _folded_keywords(policy)
        self._ai_examples = tuple(
            (phrase, word_form(normalize(phrase)))
            for phrase, label in zip(index.phrases, index.labels.tolist(), strict=True)
            if index.routes[label] == "ai"
        )
        self._overridable = self._keywords_in_ai_examples()

    def _keywords_in_ai_examples(self) -> dict[str, tuple[str, ...]]:
        """Per human category, the folded keywords some AI example also uses (counter-weights)."""
        # One search per keyword in all the AI examples at once: word forms start and end with
        # a space, so a keyword cannot match across the newline between two examples.
        every = "\n".join(words for _, words in self._ai_examples)
        return {
            name: tuple(f for _, f in pairs if f in every) for name, pairs in self._keywords.items()
        }

    @classmethod
    def for_policy(
        cls, policy: Policy, *, encoder: Encoder | None = None, cache_dir: Path | None = None
    ) -> SimilarityLayer:
        encoder = encoder if encoder is not None else shared_encoder()
        cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        # The head also learns from the policy's cases: they say how the admin wants requests
        # decided, and training on them keeps `should-ai policy test` and the head in step.
        texts, labels, examples = policy_training_data(policy)
        vectors = cached_encode(encoder, texts, cache_dir)
        index = ExampleIndex(
            encoder=encoder,
            phrases=texts[:examples],
            labels=labels[:examples],
            routes={name: c.route for name, c in policy.categories.items()},
            vectors=vectors[:examples],
        )
        head = None
        if examples:
            key = "\0".join((encoder.name, *texts))
            head = TrainedHead.build(vectors, labels, index.routes, key=key, cache_dir=cache_dir)
        return cls(policy, index, head)

    def apply(self, text: PreparedText, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
        if len(self.index) == 0 or self._settled_by_rules(text, hits):
            return hits
        try:
            vector = self.index.embed(text.normalized)
            result = self.index.score_vector(vector)
            reading = self.head.read(vector) if self.head is not None else None
        except Exception as e:  # fail safe: a broken layer must never let AI take a request
            log.exception("similarity layer failed; the request goes to a person")
            return self._failed(hits, e)
        verdict = judge(result, thresholds=self.thresholds, margin=self._tuning.margin)
        if verdict.outcome == "ai":
            found = self._confident_ai(verdict, result, text, hits)
        else:
            found = self._human_or_uncertain(verdict, hits)
        return found if reading is None else self._second_reading(found, verdict, reading)

    def _second_reading(
        self, hits: tuple[Hit, ...], verdict: SimilarityVerdict, reading: HeadReading
    ) -> tuple[Hit, ...]:
        """The trained head's two calls (module docstring); otherwise the hits stand."""
        human = [h for h in hits if h.counts and self.index.routes.get(h.category) == "human"]
        if not human:
            # Not where the rules found the category only mentioned ("a quiz about brand
            # identity"): the resemblance comes from the very words they judged a topic.
            mentioned = any(h.category == reading.human and h.layer != "similarity" for h in hits)
            if reading.lead < HEAD_LEAD or mentioned or verdict.outcome == "ai":
                return hits
            if not self._resembles_something(verdict):
                return hits
            detail = f"{reading.describe()}: reads as {reading.human}, so a person decides"
            return (*hits, Hit("similarity", reading.human, detail, round(reading.human_p, 4)))
        if reading.lead > -HEAD_LEAD or verdict.outcome == "human":
            return hits
        if not all(h.weak for h in human) or not self._ai_rule_hit(hits):
            return hits
        note = (
            f"not counted: it names a party, and the request reads as routine "
            f"{reading.ai} work ({reading.describe()})"
        )
        return tuple(
            replace(h, detail=f"{h.detail} ({note})", counts=False) if h in human else h
            for h in hits
        )

    def _resembles_something(self, verdict: SimilarityVerdict) -> bool:
        """A request far from every example ("flibbertigibbet") is outside what the head
        learnt: its reading there is noise, so the fallback (or the LLM judge) decides."""
        scores = [s.score for s in (verdict.best_human, verdict.best_ai) if s is not None]
        return max(scores, default=0.0) >= self._tuning.floor

    def _ai_rule_hit(self, hits: tuple[Hit, ...]) -> bool:
        return any(
            h.counts and h.layer != "similarity" and self.index.routes.get(h.category) == "ai"
            for h in hits
        )

    def _confident_ai(
        self,
        verdict: SimilarityVerdict,
        result: SimilarityResult,
        text: PreparedText,
        hits: tuple[Hit, ...],
    ) -> tuple[Hit, ...]:
        kept = tuple(self._maybe_outweigh(hit, verdict, result, text) for hit in hits)
        # Between AI categories the rules pick when they matched one; this hit then explains.
        ai_rule_hit = any(h.counts and self.index.routes.get(h.category) == "ai" for h in kept)
        return (*kept, _hit(verdict, counts=not ai_rule_hit))

    def _maybe_outweigh(
        self, hit: Hit, verdict: SimilarityVerdict, result: SimilarityResult, text: PreparedText
    ) -> Hit:
        """A human *keyword* stops counting only when an AI example uses a keyword of that
        category found in the request, and the request is clearly closer to the AI examples
        than to the category's own: the admin wrote that counter-weight on purpose ("write a
        blog post about how brands handle a PR crisis"). The example need not be the nearest
        one: it shows the word can sit in routine work, and the similarity margin judges this
        request. Patterns always count."""
        if hit.layer != "keyword" or not hit.counts:
            return hit
        if self.index.routes.get(hit.category) != "human" or verdict.best_ai is None:
            return hit
        own = result.of(hit.category)
        if own is not None and verdict.score - own.score < self._tuning.override_margin:
            return hit
        nearest = verdict.best_ai.nearest
        shared = self._shared_keyword(hit.category, text.words, nearest)
        found = (shared, nearest) if shared is not None else self._harmless(hit.category, text)
        if found is None:
            return hit
        keyword, example = found
        note = f'{hit.detail} (outweighed: AI example "{example}" also says "{keyword}")'
        return replace(hit, detail=note, counts=False)

    def _harmless(self, category: str, text: PreparedText) -> tuple[str, str] | None:
        """A keyword of ``category`` in the request that an AI example also uses, and the first
        such example (what the reason quotes)."""
        overridable = self._overridable.get(category, ())
        for keyword, folded in self._keywords.get(category, ()):
            if folded in overridable and folded in text.words:
                example = next(p for p, words in self._ai_examples if folded in words)
                return keyword, example
        return None

    def _settled_by_rules(self, text: PreparedText, hits: tuple[Hit, ...]) -> bool:
        """True when nothing this layer could say would change the route or the category.

        That is when a human rule hit counts that no counter-weight can outweigh: a pattern, or
        a keyword whose category has no keyword in the request that an AI example also uses.
        Encoding is the expensive step (~1.5 ms), so those requests skip it.
        """
        for hit in hits:
            if not hit.counts or hit.weak or self.index.routes.get(hit.category) != "human":
                continue
            if hit.layer != "keyword":
                return True
            overridable = self._overridable.get(hit.category, ())
            if not any(folded in text.words for folded in overridable):
                return True
        return False

    def _shared_keyword(self, category: str, request_words: str, example: str) -> str | None:
        example_words = word_form(normalize(example))
        for keyword, folded in self._keywords.get(category, ()):
            if folded in request_words and folded in example_words:
                return keyword
        return None

    def _human_or_uncertain(
        self, verdict: SimilarityVerdict, hits: tuple[Hit, ...]
    ) -> tuple[Hit, ...]:
        if verdict.category is None:
            return hits
        if self._human_rule_hit(hits):
            # A person gets it anyway; the rules pick the category and this hit explains.
            return (*hits, _hit(verdict, counts=False))
        if any(h.counts for h in hits):
            # Only AI rules matched: the request must read clearly like a human category to
            # send it to a person (above that category's threshold, ahead of every AI category
            # by AGAINST_RULES_FACTOR margins), and not be a category the rules found only
            # mentioned ("create a quiz about brand identity": the resemblance comes from
            # the very words the rules already judged a topic, not the task).
            mentioned = any(not h.counts and h.category == verdict.category for h in hits)
            counts = not mentioned and self._clearly_human(verdict)
            return (*hits, _hit(verdict, counts=counts))
        # Nothing matched: a confident or uncertain verdict both go to the closest human
        # category, unless the request resembles nothing (then the policy's fallback).
        return (*hits, _hit(verdict, counts=verdict.score >= self._tuning.floor))

    def _failed(self, hits: tuple[Hit, ...], error: Exception) -> tuple[Hit, ...]:
        """Without similarity no AI route can be trusted: AI hits stop counting, so a human hit
        or the policy's fallback decides, and the reason says why."""
        note = f"not counted: the similarity layer failed ({type(error).__name__})"
        return tuple(
            replace(h, detail=f"{h.detail} ({note})", counts=False)
            if h.counts and self.index.routes.get(h.category) == "ai"
            else h
            for h in hits
        )

    def _human_rule_hit(self, hits: tuple[Hit, ...]) -> bool:
        return any(h.counts and self.index.routes.get(h.category) == "human" for h in hits)

    def _clearly_human(self, verdict: SimilarityVerdict) -> bool:
        human, ai = verdict.best_human, verdict.best_ai
        if human is None or human.score < self.thresholds[human.category]:
            return False
        lead = human.score - (ai.score if ai is not None else 0.0)
        return lead >= self._tuning.against_rules_margin


def _folded_keywords(policy: Policy) -> dict[str, tuple[tuple[str, str], ...]]:
    """Each human category's keywords as " word " forms (a trailing * keeps the prefix)."""
    folded: dict[str, tuple[tuple[str, str], ...]] = {}
    for name, category in policy.categories.items():
        if category.route != "human":
            continue
        pairs = []
        for keyword in (*category.keywords.all(), *category.weak_keywords.all()):
            form = word_form(normalize(keyword.rstrip("*")))
            pairs.append((keyword, form.rstrip() if keyword.endswith("*") else form))
        folded[name] = tuple(p for p in pairs if p[1].strip())
    return folded


def _hit(verdict: SimilarityVerdict, *, counts: bool) -> Hit:
    category = verdict.category or ""  # callers only pass verdicts that name a category
    return Hit("similarity", category, verdict.detail(), round(verdict.score, 4), counts=counts)
