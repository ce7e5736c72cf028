"""Slack's credential rules: which tokens turn the Slack adapter on, and in which mode.

``SLACK_BOT_TOKEN`` plus ``SLACK_APP_TOKEN``: Socket Mode (no public URL). Plus
``SLACK_SIGNING_SECRET``: HTTP mode (``POST /slack/events``, signatures checked). Both: both.
A bot token alone cannot receive anything: that is a configuration error and ``serve`` stops
with it (it used to run on with only the console and a green ``/healthz``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from bot.errors import UsageError
from bot.settings import Settings

SETUP_HINT = "SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET"


class SlackConfigError(UsageError):
    """Slack is asked for without the tokens it needs (the CLI exits 2 with it)."""


@dataclass(frozen=True)
class SlackCredentials:
    bot_token: str
    app_token: str | None  # Socket Mode
    signing_secret: str | None  # HTTP mode

    @property
    def http_mode(self) -> bool:
        return bool(self.signing_secret)


def credentials(settings: Settings) -> SlackCredentials:
    """The tokens Slack runs with; raises SlackConfigError without the ones it needs."""
    if settings.slack_bot_token is None:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise SlackConfigError("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)")
    return SlackCredentials(
        bot_token=settings.slack_bot_token.get_secret_value(),
        app_token=_value(settings.slack_app_token),
        signing_secret=_value(settings.slack_signing_secret),
    )


def enabled(settings: Settings) -> bool:
    """True when the tokens are there to run Slack, False when Slack is not asked for; raises
    SlackConfigError for a bot token without a mode (someone meant to run Slack)."""
    if settings.slack_bot_token is None:
        return False
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise SlackConfigError(
            "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
            "SLACK_SIGNING_SECRET (HTTP mode): set one, or unset SLACK_BOT_TOKEN"
        )
    return True


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None
