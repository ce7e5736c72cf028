"""Which language each reader gets: a reply its requester's, a ping or a card its recipient's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.policy.loader import load_policy
from bot.policy.model import Policy
from handlers.common.readers import Readers

FRENCH = "rédige la réponse au client pour notre newsletter"
ENGLISH = "write the reply to the customer for our newsletter"


def policy_with(policy_dir: Path, **languages: str) -> Policy:
    yaml = YAML()
    path = policy_dir / "people.yaml"
    data: Any = yaml.load(path)
    for key, code in languages.items():
        data["people"][key.replace("_", "-")]["language"] = code
    yaml.dump(data, path)
    return load_policy(policy_dir)


def readers(policy: Policy, default: str = "en") -> Readers:
    return Readers(policy=lambda: policy, platform="slack", default=default)


def test_a_reply_follows_the_platform_locale_then_the_request_then_the_default(
    policy_dir: Path,
) -> None:
    book = readers(load_policy(policy_dir), default="fr")
    assert book.of_requester("U1", locale="en-US", text=FRENCH) == "en"
    assert book.of_requester("U1", locale="fr-FR", text=ENGLISH) == "fr"
    assert book.of_requester("U1", locale=None, text=FRENCH) == "fr"
    assert book.of_requester("U1", locale="de-DE", text=ENGLISH) == "en"  # no German catalogue
    assert book.of_requester("U1", locale=None, text="ok") == "fr"  # nothing tells: the default


def test_people_yaml_language_comes_first_for_requests_and_pings(policy_dir: Path) -> None:
    policy = policy_with(policy_dir, comms_lead="fr")
    dana = policy.people.people["comms-lead"].slack
    assert dana is not None
    book = readers(policy)
    assert book.of_requester(dana, locale="en-US", text=ENGLISH) == "fr"
    assert book.of_recipient(person="comms-lead", locale="en-US") == "fr"
    assert book.of_recipient(user_id=dana) == "fr"


def test_a_ping_follows_the_recipients_locale_then_how_they_last_wrote_then_the_default(
    policy_dir: Path,
) -> None:
    book = readers(load_policy(policy_dir))
    assert book.of_recipient(person="comms-lead", locale="fr-FR") == "fr"
    assert book.of_recipient(person="comms-lead") == "en"
    book.of_requester("slack:U9", locale=None, text=FRENCH)
    assert book.of_recipient(person="slack:U9") == "en"  # the key is not the Slack user id
    book.of_requester("U9", locale=None, text=FRENCH)
    assert book.of_recipient(person="slack:U9") == "fr"  # the requester's status card
