"""The web console in a real browser: Debian's chromium driven by Playwright, against the bot
served as ``should-ai serve`` serves it (Slack HTTP mode against the fake Slack, a real Redis).

Sign-in links come the way users get them: ``/should-ai console`` typed in (fake) Slack. Each
test saves screenshots of the pages it visits to docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.slack.conftest import (  # noqa: F401 (fixtures)
    SlackBot,
    scenario_llm,
    slack_bot,
    slack_env,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
_LINK = re.compile(r"https?://\S+(/console/signin/[A-Za-z0-9_-]+)")


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        yield ctx
    finally:
        await ctx.close()


async def link_from_slack(bot: SlackBot, user: str) -> str:
    """``user`` types ``/should-ai console``; the sign-in link they are answered with, on the
    test server's address (the bot's own base URL names port 0 in tests)."""
    before = len(bot.responses(user))
    assert await bot.command("console", user=user) == 200
    answers = await bot.answers_to(user, before + 1)
    found = _LINK.search(answers[-1].blocks_text())
    assert found, answers[-1].blocks_text()
    return bot.url + found.group(1)


async def sign_in(page: Page, link: str) -> None:
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/console/")


async def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
