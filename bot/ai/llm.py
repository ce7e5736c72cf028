"""A chat model behind an OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio.

Only :mod:`bot.ai.guard` holds one of these; everything else asks the guard, which checks the
decision first. The official ``openai`` client does the HTTP work, its own retries with
exponential backoff on timeouts, 429 and 5xx, and the per-call timeout. Prompts and answers are
bounded here so a pasted novel cannot run up a bill or flood a chat thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from bot.errors import ShouldAiError
from bot.settings import Settings

# Ollama, vLLM and LM Studio ignore the key, but the client refuses to start without one.
_KEYLESS_PLACEHOLDER = "not-needed"
_TRUNCATION_MARK = " [...]"


class LlmError(ShouldAiError):
    """The LLM could not give an answer."""


class LlmUnavailable(LlmError):
    """Timeout, connection refused, rate limit or 5xx after the client's own retries: try later."""


class LlmRejected(LlmError):
    """The endpoint refused the request itself (bad key, unknown model): retrying will not help."""


@dataclass(frozen=True)
class LlmLimits:
    timeout_s: float = 30.0
    max_retries: int = 2  # the client's own retries, with backoff, inside one call
    max_prompt_chars: int = 6000  # system + user text sent, after truncation
    max_answer_tokens: int = 700
    max_answer_chars: int = 3000  # what reaches a chat thread


class ChatModel(Protocol):
    """One question, one answer. Implemented by :class:`OpenAiChatModel`."""

    async def complete(self, *, system: str, user: str, max_tokens: int | None = None) -> str: ...

    async def aclose(self) -> None: ...


def llm_configured(settings: Settings) -> bool:
    """An LLM is configured when a base URL or an API key is set (the key alone means OpenAI)."""
    return settings.llm_base_url is not None or settings.llm_api_key is not None


def bound(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(_TRUNCATION_MARK))] + _TRUNCATION_MARK


class OpenAiChatModel:
    """:class:`ChatModel` over ``openai.AsyncOpenAI`` pointed at ``base_url``."""

    def __init__(
        self, *, base_url: str | None, api_key: str | None, model: str, limits: LlmLimits
    ) -> None:
        self._model = model
        self._limits = limits
        self._token_param = "max_tokens"
        self._client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or _KEYLESS_PLACEHOLDER,
            timeout=limits.timeout_s,
            max_retries=limits.max_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAiChatModel | None:
        """The configured model, or None when no LLM is configured (the embedded default)."""
        if not llm_configured(settings):
            return None
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        limits = LlmLimits(timeout_s=settings.llm_timeout)
        return cls(
            base_url=settings.llm_base_url, api_key=key, model=settings.llm_model, limits=limits
        )

    @property
    def limits(self) -> LlmLimits:
        return self._limits

    async def complete(self, *, system: str, user: str, max_tokens: int | None = None) -> str:
        system = bound(system, self._limits.max_prompt_chars // 2)
        user = bound(user, self._limits.max_prompt_chars - len(system))
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        limit = max_tokens or self._limits.max_answer_tokens
        try:
            return await self._create(messages, limit)
        except openai.BadRequestError as e:
            if self._token_param != "max_tokens" or "max_tokens" not in str(e):
                raise LlmRejected(f"the LLM refused the request: {e}") from e
            # OpenAI's reasoning models take max_completion_tokens instead; local servers
            # (Ollama, LM Studio) know only max_tokens. Switch once, for good.
            self._token_param = "max_completion_tokens"
        try:
            return await self._create(messages, limit)
        except openai.BadRequestError as e:
            raise LlmRejected(f"the LLM refused the request: {e}") from e

    async def _create(self, messages: list[ChatCompletionMessageParam], limit: int) -> str:
        """One chat completion; BadRequestError passes through for :meth:`complete`."""
        try:
            create = self._client.chat.completions.create
            response = (
                await create(model=self._model, messages=messages, max_tokens=limit)
                if self._token_param == "max_tokens"
                else await create(model=self._model, messages=messages, max_completion_tokens=limit)
            )
        except openai.BadRequestError:
            raise
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as e:
            raise LlmUnavailable(f"the LLM did not answer: {type(e).__name__}: {e}") from e
        except openai.APIError as e:
            raise LlmRejected(f"the LLM refused the request: {type(e).__name__}: {e}") from e
        return self._answer_text(response.choices)

    def _answer_text(self, choices: list[openai.types.chat.chat_completion.Choice]) -> str:
        content = choices[0].message.content if choices else None
        if not content or not content.strip():
            raise LlmUnavailable("the LLM returned an empty answer")
        return bound(content.strip(), self._limits.max_answer_chars)

    async def aclose(self) -> None:
        await self._client.close()
