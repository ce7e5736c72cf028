"""All configuration, read once from the environment at start-up.

Slack and Discord keep the names their own ecosystems use; everything else lives under
``SHOULD_AI_``. Nothing here has a secret default: an unset token means that adapter stays off.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
MAX_REQUEST_CHARS = 115_200  # bot.reader.layer: MAX_WINDOWS * WINDOW_STEP (a test keeps them equal)


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
    llm_timeout: float = Field(default=30.0, gt=0)  # seconds per LLM call, before retries
    llm_judge: bool = True  # ask the LLM when the classifier is unsure (only if an LLM is set)
    # Before AI works on a request, ask the LLM whether a person must own it (only if an LLM is
    # set); it can only move a request to a person. Bounded: no answer in time = a person.
    llm_second_look: bool = True
    llm_second_look_timeout: float = Field(default=8.0, gt=0)
    # Hand-offs (policy.yaml handoffs:): the HMAC-SHA256 key every delivery is signed with, and
    # the first wait before a failed delivery is tried again (doubling, 8 tries).
    webhook_secret: SecretStr | None = None
    webhook_retry_delay: float = Field(default=5.0, gt=0)
    default_tz: str = "UTC"  # IANA zone for "Tuesday 9am" when the platform gives no user zone
    # The language of replies when neither the reader's platform nor their request tells ("fr").
    default_language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
    slack_api_url: str = "https://slack.com/api/"
    discord_api_url: str | None = None  # e.g. http://127.0.0.1:PORT/api/v10 (tests, proxies)
    # Discord ([discord]): guild-scoped command sync for fast iteration (global otherwise), and
    # sharding for large installs; a shard count turns on discord.py's AutoShardedClient.
    discord_guild_id: int | None = None
    discord_shard_count: int | None = Field(default=None, gt=0)
    discord_shard_ids: str = ""  # comma-separated shard ids this process runs, e.g. "0,1"
    http_port: int = 3000
    # Where /healthz, /metrics and Slack's HTTP mode listen: all interfaces suits a container;
    # 127.0.0.1 keeps them to the machine (behind a reverse proxy on the same host).
    http_host: str = "0.0.0.0"
    # Comma-separated user ids, each bare or with its platform: "slack:U123,discord:987,U456".
    # Read once into bot.escalations.permissions.Admins, which every admin check uses.
    admins: str = ""

    # Intake, dedupe, rate limits and the decision log ([ops]).
    # Longer requests are cut: the policy decides on this much and the LLM never gets more. The
    # default is the trained reader's reach (64 windows, bot/reader/layer.py); the requester is
    # told when their text was cut.
    max_request_chars: int = Field(default=MAX_REQUEST_CHARS, gt=0)
    dedupe_ttl_s: int = Field(default=900, gt=0)  # Slack retries ~5 min, Discord tokens 15 min
    rate_limit_requests: int = Field(default=20, ge=0)  # per user per window; 0 turns it off
    rate_limit_window_s: int = Field(default=60, gt=0)
    # How often one requester may page the same owner; past it, a request for a person is still
    # escalated (into the owner's queue, climbing on its timer) without pinging them again.
    page_limit_per_owner: int = Field(default=5, ge=0)  # 0 turns it off
    page_limit_window_s: int = Field(default=600, gt=0)
    log_full_text: bool = False  # the decision log masks request text unless this is on
    log_text_max_chars: int = Field(default=500, gt=0)
    log_max_entries: int = Field(default=100_000, gt=0)  # stream trimmed with MAXLEN ~
    redis_timeout_s: float = Field(default=1.0, gt=0)  # a hung Redis must not hold a decision

    # AI help for the owner (issue 19): how long an assist answer can still be shared with the
    # requester (its Share button), in seconds.
    assist_answer_ttl_s: int = Field(default=7 * 86400, gt=0)
    # Web console (/console/ on the HTTP port, handlers/web/).
    # The address people reach the console at, for the sign-in links the bot hands out; unset:
    # http://localhost:<http_port>.
    console_url: str | None = None
    console_can_edit: bool = False  # What-if may write policies/ (else it offers the YAML)
    console_secure_cookies: bool = False  # behind TLS: cookies only travel over HTTPS
    console_session_hours: float = Field(default=12.0, gt=0)

    def console_base_url(self) -> str:
        return (self.console_url or f"http://localhost:{self.http_port}").rstrip("/")

    # "Wrong call?" feedback (bot/feedback/): how long after a verdict it can be given (the
    # decision, request text included, is kept that long), and presses per person per hour.
    feedback_window_days: int = Field(default=7, gt=0)
    feedback_per_hour: int = Field(default=20, gt=0)
    # The weekly digest goes out on Monday from this hour in each reader's time zone.
    digest_hour: int = Field(default=9, ge=0, le=23)

    def discord_shards(self) -> list[int] | None:
        """The shard ids this process runs, or None for all of them (or no sharding)."""
        ids = [int(i) for i in self.discord_shard_ids.split(",") if i.strip()]
        return ids or None
