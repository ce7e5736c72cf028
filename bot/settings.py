"""All configuration, read once from the environment at start-up.

Slack and Discord keep the names their own ecosystems use; everything else lives under
``SHOULD_AI_``. Nothing here has a secret default: an unset token means that adapter stays off.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOULD_AI_", extra="ignore")

    # Chat platforms: ecosystem names, no prefix.
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN")
    )

    policy_dir: Path = DEFAULT_POLICY_DIR
    redis_url: str | None = None  # unset: an embedded Redis under data_dir
    data_dir: Path = Path.home() / ".local" / "share" / "should-ai"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    slack_api_url: str = "https://slack.com/api/"
    discord_api_url: str | None = None
    http_port: int = 3000
    admins: str = ""  # comma-separated platform user ids, e.g. "U123,987654321"

    def admin_ids(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.admins.split(",") if a.strip())
