"""On Slack, each person reads should-ai in their own Slack language (users.info ``locale``): the
requester their answer and status card, the owner their ping, whatever the others speak."""

from __future__ import annotations

import pytest

from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SlackBot

pytestmark = pytest.mark.store


async def test_a_french_requester_and_an_english_owner_each_read_their_own_language(
    slack_bot: SlackBot,
) -> None:
    slack_bot.fake.user_locale[REQUESTER] = "fr-FR"
    owner = slack_bot.slack_id("comms-lead")
    await slack_bot.command(by_name("crisis-acknowledged").text)

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "Une personne doit s\u2019en charger" in answer.blocks_text()
    assert "Crise" in answer.blocks_text()
    [ping] = await slack_bot.dms_to(owner)
    assert "Crisis request from" in ping.blocks_text()
    assert "Acknowledge" in ping.blocks_text()
    await slack_bot.fake.wait_for(
        lambda calls: any("en attente de sa r\u00e9ponse" in c.blocks_text() for c in calls)
    )


async def test_a_french_owner_gets_a_french_ping_for_an_english_request(
    slack_bot: SlackBot,
) -> None:
    owner = slack_bot.slack_id("comms-lead")
    slack_bot.fake.user_locale[owner] = "fr-FR"
    await slack_bot.command(by_name("crisis-acknowledged").text)

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "A person must own this" in answer.blocks_text()
    [ping] = await slack_bot.dms_to(owner)
    assert "il faut une personne" in ping.blocks_text()
    assert "Je m\u2019en occupe" in ping.blocks_text() and "Clore" in ping.blocks_text()
