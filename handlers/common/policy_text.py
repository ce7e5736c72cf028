"""The policy's own sentences (a category's label, ``why``, ``ai_may``) in the reader's language.

An admin may write them once (a plain string, said as written to everyone) or per language
(``why: {en: ..., fr: ...}``, :class:`bot.policy.model.Text`); the decision and the decision log
keep the English, and each reply, ping and status card picks the reader's here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.policy.model import Decision, Policy, Text
from handlers.common.i18n import DEFAULT_LANGUAGE, _, current_language


@dataclass(frozen=True)
class CategoryTexts:
    label: str  # as a heading: "Crisis", "Crise"
    why: str
    ai_may: str
    name: str  # in a sentence: the category's key in English, its label in another language


def localized(text: str) -> str:
    """``text`` in the language in force, if the policy gives it in that language."""
    return text.in_language(current_language()) if isinstance(text, Text) else text


def category_texts(policy: Policy, category: str | None) -> CategoryTexts:
    """The label, why and ai_may a reader sees for ``category`` (the fallback's if unknown)."""
    found = policy.categories.get(category or "")
    if found is not None:
        ai_may: str = found.ai_may
        if not ai_may and found.route == "ai":  # what the engine says then (bot.policy.engine)
            ai_may = _("All of it: AI does this request; you review the result before it goes out.")
        return _texts(category or "", found.label, found.why, ai_may)
    fallback = policy.file.fallback
    label = category.capitalize() if category else _("Unrecognised")
    return _texts(category or "", label, fallback.why, fallback.ai_may)


def decision_texts(decision: Decision, policy: Policy | None) -> CategoryTexts:
    """``decision``'s texts for the reader; with no policy at hand, as the decision has them."""
    if policy is not None:
        return category_texts(policy, decision.category)
    key = decision.category or _("not recognised")
    return CategoryTexts(key, decision.why, decision.ai_may, key)


def _texts(key: str, label: str, why: str, ai_may: str) -> CategoryTexts:
    shown = localized(label)
    # English replies name the category by its key, as they always have ("crisis"); another
    # language has no such word, so it gets the label the policy gives in that language.
    name = (key or _("not recognised")) if current_language() == DEFAULT_LANGUAGE else shown
    return CategoryTexts(label=shown, why=localized(why), ai_may=localized(ai_may), name=name)
