"""Feedback becomes cases, and the cases teach: 20 decisions a team corrected with "wrong call"
are accepted and exported with the command line, `should-ai policy test` pins them, and the
reader rebuilt on the policy routes every one of them as corrected while the policy's other
cases (the pack's and the team's) still pass."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import build_services
from bot.cli.evaluate import run_cases
from bot.policy.loader import load_policy
from bot.reader import build_engine
from bot.settings import Settings
from handlers.console.repl import handle_line
from tests.feedback.cli import should_ai
from tests.ops.conftest import copy_policies

pytestmark = pytest.mark.store

# A team's launch copy for its flagship product is creative direction (the brand director
# owns it), where the pack reads such requests as routine drafting.
AURORA = (
    "Write the launch email for the new Aurora headphones",
    "Draft the announcement post for our Aurora headphones launch",
    "Write the product page copy for the Aurora launch",
    "Draft three taglines for the Aurora headphones",
    "Write the launch-day LinkedIn post about Aurora",
    "Draft the Aurora launch press kit intro paragraph",
    "Write the Aurora preorder confirmation email",
    "Draft the Aurora launch video script",
    "Write the Aurora launch newsletter headline and intro",
    "Draft Instagram captions for the Aurora launch week",
    "Write the landing page headline for Aurora preorders",
    "Draft the Aurora teaser tweet for next week",
    "Draft the Aurora launch push notification",
    "Draft the launch blog post introducing Aurora",
    "Write the Aurora unboxing video description",
    "Write the Aurora launch podcast ad read",
    "Write the Aurora launch countdown email series",
    "Draft the Aurora launch event invitation text",
    "Write the Aurora app store description for launch",
    "Draft the Aurora launch FAQ intro copy",
)


async def test_twenty_corrections_exported_as_cases_now_route_as_corrected(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_dir = copy_policies(tmp_path)
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    settings = Settings(
        redis_url=redis_url,
        policy_dir=policy_dir,
        data_dir=tmp_path / "data",
        rate_limit_requests=0,  # type: ignore[call-arg]
    )
    async with build_services(settings) as services:
        for text in AURORA:
            out = io.StringIO()
            await handle_line(services.core, text, out)
            assert "AI can do this" in out.getvalue()  # what the pack says today
            [decision_id] = [
                e.fields["decision_id"]
                for e in await services.decision_log.tail(3)
                if e.kind == "decision"
            ][-1:]
            await handle_line(services.core, f"wrong {decision_id} creative our launch voice", out)
            assert "recorded" in out.getvalue()

    code, listed = await should_ai("feedback", "list", "--state", "pending", "--since", "1d")
    assert code == 0 and len(listed.splitlines()) == 20
    ids = [line.split()[0] for line in listed.splitlines()]
    assert (await should_ai("feedback", "accept", *ids))[0] == 0
    exported = policy_dir / "cases" / "feedback.yaml"
    code, said = await should_ai("feedback", "export", "--as-cases", str(exported))
    assert code == 0 and "wrote 20 case(s)" in said

    code, tested = await should_ai("policy", "test", "--policy-dir", str(policy_dir))
    assert code == 0, tested
    policy = load_policy(policy_dir)
    assert sum(c.text in AURORA for c in policy.cases) == 20
    engine = build_engine(policy)
    for text in AURORA:
        decision = engine.decide(text)
        assert (decision.route, decision.category) == ("human", "creative"), text
    run = run_cases(engine)
    assert run.ok, [(f.case.text, f.decision.category) for f in run.failures]
