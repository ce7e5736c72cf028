"""The web console as people use it, in chromium: sign in with a link, the playground, the
queue, and what must be refused (old or reused links, forms without their CSRF token)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Dialog
from redis.asyncio import Redis

from bot.store.keys import CONSOLE_LINK_PREFIX, CONSOLE_SESSION_PREFIX
from handlers.slack.blocks import ACK_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import ADMIN, REQUESTER, SlackBot
from tests.web.conftest import link_from_slack, shoot, sign_in

pytestmark = [pytest.mark.store, pytest.mark.browser, pytest.mark.slow]

CRISIS = by_name("crisis-acknowledged").text
ROUTINE = by_name("routine-drafting").text


async def test_a_link_from_slack_signs_in_and_out(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))

    assert "(admin)" in await page.locator("header").inner_text()
    cookie = next(c for c in await context.cookies() if c["name"] == "should_ai_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    await shoot(page, "home")

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_text("You are signed out.").wait_for()
    await page.goto(slack_bot.url + "/console/queue")
    assert "Sign in with a link" in await page.locator("main").inner_text()


async def test_a_reused_link_is_refused(slack_bot: SlackBot, context: BrowserContext) -> None:
    link = await link_from_slack(slack_bot, REQUESTER)
    first = await context.new_page()
    await sign_in(first, link)

    other = await context.browser.new_context()  # type: ignore[union-attr]
    second = await other.new_page()
    await second.goto(link)
    await second.get_by_role("button", name="Sign in").click()
    assert "already used" in await second.locator("main").inner_text()
    await shoot(second, "link-refused")
    await other.close()


async def test_an_expired_link_is_refused(
    slack_bot: SlackBot, context: BrowserContext, redis: Redis
) -> None:
    link = await link_from_slack(slack_bot, REQUESTER)
    token = link.rsplit("/", 1)[1]
    await redis.pexpire(CONSOLE_LINK_PREFIX + token, 1)  # its 10 minutes are up, as Redis sees it
    while await redis.exists(CONSOLE_LINK_PREFIX + token):
        pass
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    assert "older than 10 minutes" in await page.locator("main").inner_text()
    assert not [c for c in await context.cookies() if c["name"] == "should_ai_console"]


async def test_the_playground_tells_a_crisis_from_routine_work(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, REQUESTER))
    await page.goto(slack_bot.url + "/console/playground")

    await page.get_by_label("A request").fill(CRISIS)
    await page.get_by_role("button", name="Decide", exact=True).click()
    await page.get_by_test_id("route").get_by_text("a person").wait_for()
    assert await page.get_by_test_id("category").inner_text() == "Crisis"
    assert "Closest labelled requests" in await page.get_by_test_id("verdict").inner_text()
    await shoot(page, "playground-crisis")

    await page.get_by_label("A request").fill(ROUTINE)
    await page.get_by_role("button", name="Decide", exact=True).click()
    await page.get_by_test_id("route").get_by_text("AI").wait_for()

    await page.get_by_label("One request a line").fill(f"{CRISIS}\n{ROUTINE}\n\n{ROUTINE}")
    await page.get_by_role("button", name="Decide all").click()
    by_route = page.get_by_test_id("by-route")
    await by_route.wait_for()
    assert "human 1" in " ".join((await by_route.inner_text()).split())
    assert "ai 2" in " ".join((await by_route.inner_text()).split())
    await shoot(page, "playground")

    await page.get_by_label("One request a line").fill("")
    csv_body = f'id,text\n1,"{CRISIS}"\n2,"{ROUTINE}"\n'.encode()
    await page.get_by_label("or a CSV file").set_input_files(
        files=[{"name": "requests.csv", "mimeType": "text/csv", "buffer": csv_body}]
    )
    await page.get_by_role("button", name="Decide all").click()
    await page.get_by_test_id("batch").get_by_text("2 requests").wait_for()
    assert "human 1" in " ".join((await by_route.inner_text()).split())
    assert not slack_bot.fake.dms_to(slack_bot.slack_id("comms-lead"))  # nobody was pinged


async def test_a_request_with_a_script_tag_is_shown_as_text(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    page = await context.new_page()
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog))
    await sign_in(page, await link_from_slack(slack_bot, REQUESTER))
    await page.goto(slack_bot.url + "/console/playground")
    text = "<script>alert('owned')</script> draft a tweet about our webinar"

    await page.get_by_label("A request").fill(text)
    await page.get_by_role("button", name="Decide", exact=True).click()
    shown = page.get_by_test_id("request-text")
    await shown.wait_for()

    assert await shown.inner_text() == text
    assert await page.locator("#verdict script").count() == 0
    assert not dialogs


async def test_a_form_posted_without_its_csrf_token_is_refused(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, REQUESTER))

    answer = await page.request.post(slack_bot.url + "/console/playground", form={"text": CRISIS})
    assert answer.status == 403
    assert "did not come from the console" in await answer.text()
    forged = await page.request.post(
        slack_bot.url + "/console/playground", form={"text": CRISIS, "csrf": "guess"}
    )
    assert forged.status == 403


async def test_the_owner_acknowledges_with_a_note_from_the_queue(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    await slack_bot.command(CRISIS)
    owner = slack_bot.slack_id("comms-lead")
    await slack_bot.dms_to(owner)
    await slack_bot.fake.wait_calls("chat.update")
    escalation = await slack_bot.only_escalation()
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, owner))

    await page.goto(slack_bot.url + "/console/queue")
    row = page.locator(f"tr[data-escalation='{escalation.id}']")
    await shoot(page, "queue")
    await row.get_by_label("Note").fill("on it, draft in 20 min")
    await row.get_by_role("button", name="Acknowledge").click()
    await page.get_by_test_id("notice").get_by_text("acknowledged").wait_for()

    assert escalation.status_ref is not None
    name = slack_bot.services.holder.policy.people.people["comms-lead"].name

    def card_says_acknowledged() -> bool:
        updates = [
            c
            for c in slack_bot.fake.of("chat.update")
            if c.args["ts"] == escalation.status_ref.ts  # type: ignore[union-attr]
        ]
        return bool(updates) and f"Acknowledged by {name}" in updates[-1].blocks_text()

    await slack_bot.fake.wait_for(lambda _: card_says_acknowledged())
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.history[-1].comment == "on it, draft in 20 min"


async def test_a_member_sees_only_their_own_requests_and_cannot_act_on_others(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    await slack_bot.command(CRISIS)
    await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    escalation = await slack_bot.only_escalation()
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, "U0STRANGER"))

    await page.goto(slack_bot.url + "/console/queue")
    assert "Nothing is waiting for a person." in await page.locator("main").inner_text()
    csrf = await page.locator("header input[name=csrf]").input_value()
    answer = await page.request.post(
        f"{slack_bot.url}/console/queue/{escalation.id}/resolve", form={"csrf": csrf}
    )
    assert "Only" in await answer.text()  # the chat buttons' own refusal: who may act
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.state == "open"


TEAM_CASE = "Pull last quarter's newsletter open rates by segment into the Monday report"
CRISIS_OWNER = "  crisis:\n    owner: comms-lead\n"
TRIPWIRE = "  crisis:\n    keywords:\n      en: [open rates by segment]\n    owner: comms-lead\n"


@pytest.fixture
def can_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOULD_AI_CONSOLE_CAN_EDIT", "true")


async def test_a_what_if_edit_shows_the_case_it_changes_before_it_is_applied(
    can_edit: None, slack_bot: SlackBot, context: BrowserContext, policy_dir: Path
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))
    await page.goto(slack_bot.url + "/console/whatif")
    draft = page.get_by_label("Draft of policy.yaml")
    original = await draft.input_value()
    assert CRISIS_OWNER in original

    await draft.fill(original.replace(CRISIS_OWNER, TRIPWIRE))
    await page.get_by_role("button", name="See what would change").click()
    changes = page.get_by_test_id("changes")
    await changes.wait_for()
    row = changes.locator("tr", has_text=TEAM_CASE)
    cells = [" ".join(t.split()) for t in await row.locator("td").all_inner_texts()]
    assert cells[2:] == ["ai / data", "human / crisis", "ai / data"]
    assert (policy_dir / "policy.yaml").read_text() == original  # nothing applied yet
    await shoot(page, "whatif")

    before = slack_bot.services.holder.current().revision
    await page.get_by_role("button", name="Apply this draft").click()
    await page.get_by_test_id("notice").get_by_text("Applied").wait_for()
    assert "open rates by segment" in (policy_dir / "policy.yaml").read_text()
    assert slack_bot.services.holder.current().revision != before


async def test_a_member_cannot_apply_a_policy(
    can_edit: None, slack_bot: SlackBot, context: BrowserContext, policy_dir: Path
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, REQUESTER))
    original = (policy_dir / "policy.yaml").read_text()

    await page.goto(slack_bot.url + "/console/whatif")
    assert "Only admins, owners and leads" in await page.locator("main").inner_text()
    csrf = await page.locator("header input[name=csrf]").input_value()
    answer = await page.request.post(
        slack_bot.url + "/console/whatif/apply",
        form={"csrf": csrf, "draft": original.replace(CRISIS_OWNER, TRIPWIRE)},
    )
    assert answer.status == 403
    assert "Only an admin can do this." in await answer.text()
    assert (policy_dir / "policy.yaml").read_text() == original


async def test_the_log_filters_charts_and_exports_decisions_with_text_masked(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    await slack_bot.command(CRISIS)
    owner = slack_bot.slack_id("comms-lead")
    [ping] = await slack_bot.dms_to(owner)
    assert await slack_bot.press(ping, ACK_ACTION, user=owner) == 200
    await slack_bot.command(ROUTINE, user="U0OTHER")
    await slack_bot.answers_to("U0OTHER")
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))

    await page.goto(slack_bot.url + "/console/log")
    log = page.get_by_test_id("log")
    assert await log.locator("tr").count() == 3  # the header and the two decisions
    assert CRISIS not in await log.inner_text()  # text is masked unless the log keeps it
    assert "[masked:" in await log.inner_text()
    assert await page.locator("svg rect").count() > 0
    assert await page.locator("svg circle").count() == 1  # one acknowledgement, one dot
    await shoot(page, "log")

    await page.locator("select[name=route]").select_option("human")
    await page.get_by_role("button", name="Filter").click()
    await page.wait_for_url("**route=human**")
    assert await log.locator("tr").count() == 2
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Export CSV").click()
    saved = await (await download.value).path()
    exported = await asyncio.to_thread(saved.read_text)
    assert exported.splitlines()[0].startswith("at,decision_id,who,route")
    assert len(exported.splitlines()) == 2 and ",human,crisis," in exported

    await page.goto(slack_bot.url + "/console/policy")
    assert "Valid" in await page.get_by_test_id("reload").inner_text()
    await shoot(page, "policy")


@pytest.fixture
def full_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOULD_AI_LOG_FULL_TEXT", "true")


async def test_what_if_replays_the_decisions_whose_text_was_kept(
    full_text: None, slack_bot: SlackBot, context: BrowserContext
) -> None:
    await slack_bot.command(TEAM_CASE, user="U0ANALYST")
    await slack_bot.answers_to("U0ANALYST")
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))
    await page.goto(slack_bot.url + "/console/whatif")
    draft = page.get_by_label("Draft of policy.yaml")

    await draft.fill((await draft.input_value()).replace(CRISIS_OWNER, TRIPWIRE))
    await page.get_by_role("button", name="See what would change").click()
    replayed = page.get_by_test_id("changes").locator("tr", has_text="decision log")
    await replayed.wait_for()
    cells = [" ".join(t.split()) for t in await replayed.locator("td").all_inner_texts()]
    assert cells == [TEAM_CASE, "decision log", "ai / data", "human / crisis", "-"]
    assert "Apply this draft" not in await page.locator("main").inner_text()  # editing is off


async def test_a_draft_that_does_not_load_names_the_admins_file_and_key(
    slack_bot: SlackBot, context: BrowserContext, policy_dir: Path
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))
    await page.goto(slack_bot.url + "/console/whatif")
    draft = page.get_by_label("Draft of policy.yaml")

    await draft.fill(
        (await draft.input_value()).replace("    ack_minutes: 15\n", "    ack_minutes: soon\n")
    )
    await page.get_by_role("button", name="See what would change").click()
    problem = page.get_by_test_id("whatif").get_by_role("alert")
    await problem.wait_for()
    said = await problem.inner_text()
    assert str(policy_dir / "policy.yaml") in said and "ack_minutes" in said
    assert "should-ai-whatif-" not in said  # the temporary copy is never named


async def test_an_admin_reassigns_from_the_queue_and_the_new_owner_is_pinged(
    slack_bot: SlackBot, context: BrowserContext
) -> None:
    await slack_bot.command(CRISIS)
    await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    escalation = await slack_bot.only_escalation()
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))

    await page.goto(slack_bot.url + "/console/queue?by=category")
    await page.get_by_label("Reassign to").select_option("marketing-lead")
    row = page.locator(f"tr[data-escalation='{escalation.id}']")
    await row.get_by_role("button", name="Reassign").click()
    await page.get_by_test_id("notice").get_by_text("reassigned").wait_for()

    [ping] = await slack_bot.dms_to(slack_bot.slack_id("marketing-lead"))
    assert escalation.id in ping.blocks_text() or "press statement" in ping.blocks_text()
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.assignee == "marketing-lead"


async def test_on_a_phone_no_page_is_wider_than_the_screen_and_the_keyboard_suffices(
    slack_bot: SlackBot, browser: Browser
) -> None:
    await slack_bot.command(CRISIS)
    await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = await phone.new_page()
    await sign_in(page, await link_from_slack(slack_bot, ADMIN))

    for path in ("", "playground", "queue", "policy", "whatif", "log"):
        await page.goto(f"{slack_bot.url}/console/{path}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"/console/{path} is {width}px wide on a 390px screen"
    await page.goto(f"{slack_bot.url}/console/queue")
    await shoot(page, "phone-queue")

    await page.goto(f"{slack_bot.url}/console/playground")  # the request box has the focus
    await page.keyboard.type(ROUTINE)
    await page.keyboard.press("Tab")  # to Decide
    await page.keyboard.press("Enter")
    await page.get_by_test_id("route").get_by_text("AI").wait_for()
    await phone.close()


async def test_when_the_session_has_expired_the_page_says_so(
    slack_bot: SlackBot, context: BrowserContext, redis: Redis
) -> None:
    page = await context.new_page()
    await sign_in(page, await link_from_slack(slack_bot, REQUESTER))
    await page.goto(slack_bot.url + "/console/playground")
    cookie = next(c for c in await context.cookies() if c["name"] == "should_ai_console")
    await redis.delete(CONSOLE_SESSION_PREFIX + cookie["value"])  # its hours are up

    await page.get_by_label("A request").fill(ROUTINE)
    await page.get_by_role("button", name="Decide", exact=True).click()
    await page.locator("#verdict").get_by_text("Your session has ended").wait_for()
    assert await page.get_by_test_id("route").count() == 0
