"""The fault tests drive the bot through the same fixtures as the Slack tests: a served bot
(``slack_bot``) with its environment (``slack_env``) against the fake Slack."""

from tests.slack.conftest import scenario_llm, slack_bot, slack_env

__all__ = ["scenario_llm", "slack_bot", "slack_env"]
