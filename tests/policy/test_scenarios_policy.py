"""The shared scenario table (tests/scenarios.py) holds for the bundled policy, decided as the bot
decides (tripwires, then the trained reader).

The Slack and Discord tests rely on these routes; if a policy edit changes one, this test says
so here, before the adapter tests fail for a reason that has nothing to do with them.
"""

from __future__ import annotations

import pytest

from bot.policy.engine import PolicyEngine
from tests.scenarios import SCENARIOS, Scenario


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario_route_and_category(engine: PolicyEngine, scenario: Scenario) -> None:
    decision = engine.decide(scenario.text)
    assert (decision.route, decision.category) == (scenario.route, scenario.category)
