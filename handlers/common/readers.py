"""Which language each reader gets: the requester of a reply, the recipient of a ping or a card.

A reply goes out in, in order: the language people.yaml gives the person (``language: fr``),
their platform's locale (Slack ``users.info``, Discord's interaction ``locale``) when a catalogue
speaks it, the language the request is written in, then ``SHOULD_AI_DEFAULT_LANGUAGE``. A ping
or a status card goes out in its recipient's: people.yaml, their platform locale, the language
they last wrote to the bot in (remembered by this process), then the default. The decision log
is not rendered here: it stays language-neutral.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.escalations.model import Platform
from bot.escalations.people import platform_user_id
from bot.policy.language import detect_language
from bot.policy.model import Policy
from handlers.common.i18n import DEFAULT_LANGUAGE, supported


@dataclass
class Readers:
    """The languages of the people one adapter talks to."""

    policy: Callable[[], Policy]
    platform: Platform
    default: str = DEFAULT_LANGUAGE
    _learned: dict[str, str] = field(default_factory=dict)

    def of_requester(self, user_id: str, *, locale: str | None, text: str) -> str:
        """The language of the reply to ``user_id``, who wrote ``text``."""
        chosen = (
            self._set_for(user_id)
            or supported(locale)
            or supported(detect_language(text))
            or self._default()
        )
        self._learned[user_id] = chosen
        return chosen

    def of_recipient(
        self, *, person: str | None = None, user_id: str | None = None, locale: str | None = None
    ) -> str:
        """The language of a ping or a card for a person key or a platform user id."""
        set_for = self._person_language(person) if person is not None else None
        if person is not None:
            user_id = user_id or platform_user_id(self.policy(), self.platform, person)
        if set_for is None and user_id:
            set_for = self._set_for(user_id)
        learned = self._learned.get(user_id) if user_id else None
        return set_for or supported(locale) or learned or self._default()

    def of_channel(self, channel_key: str) -> str:
        """The language of an escalation posted in a people.yaml channel."""
        channel = self.policy().people.channels.get(channel_key)
        found = supported(channel.language) if channel is not None else None
        return found or self._default()

    def _default(self) -> str:
        return supported(self.default) or DEFAULT_LANGUAGE

    def _person_language(self, key: str) -> str | None:
        person = self.policy().people.people.get(key)
        return supported(person.language) if person is not None else None

    def _set_for(self, user_id: str) -> str | None:
        """people.yaml's language for whoever has ``user_id`` on this platform."""
        for person in self.policy().people.people.values():
            if getattr(person, self.platform, None) == user_id and person.language:
                return supported(person.language)
        return None
