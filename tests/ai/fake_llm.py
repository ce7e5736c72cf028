"""A local OpenAI-compatible server for tests: POST /v1/chat/completions on 127.0.0.1, port 0.

It answers with the same JSON shape the OpenAI API returns, so the real ``openai`` client parses
it. Tests script what it does next (answer, fail with a status, or hang past the client's
timeout) and read what it received.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_ids = itertools.count(1)
_UNSUPPORTED_MAX_TOKENS = {
    "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
    "Use 'max_completion_tokens' instead.",
    "type": "invalid_request_error",
    "param": "max_tokens",
    "code": "unsupported_parameter",
}


NO_PERSON = '{"needs_person": false, "category": null, "reason": "Routine work."}'


@dataclass
class Step:
    """One scripted reaction: an answer, an HTTP error status, or a hang of ``hang_s`` seconds."""

    answer: str | None = None
    status: int = 200
    hang_s: float = 0.0


@dataclass
class FakeLlm:
    default_answer: str = "A fresh draft from the fake LLM."
    script: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    reasoning_model: bool = False  # refuse max_tokens as OpenAI's o-series and gpt-5 models do
    # The LLM's second look (bot/ai/second_look.py) has its own script, so a test scripting
    # drafts is not thrown off by it; by default it finds no reason for a person.
    second_look_answer: str = NO_PERSON
    second_look_script: deque[Step] = field(default_factory=deque)

    def then(self, *steps: Step) -> None:
        self.script.extend(steps)

    def prompts(self) -> list[str]:
        """Every user message the server received, in order, but the second looks'."""
        return _users([r for r in self.requests if not is_second_look(r)])

    def second_looks(self) -> list[str]:
        """The requests the second look showed the LLM, in order."""
        return _users([r for r in self.requests if is_second_look(r)])

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        if self.reasoning_model and "max_tokens" in body:
            return web.json_response({"error": _UNSUPPORTED_MAX_TOKENS}, status=400)
        step = self._next(body)
        if step.hang_s:
            await asyncio.sleep(step.hang_s)
        if step.status != 200:
            error = {"message": "fake failure", "type": "server_error", "code": None}
            return web.json_response({"error": error}, status=step.status)
        return web.json_response(_completion(body["model"], step.answer or self.default_answer))

    def _next(self, body: dict[str, Any]) -> Step:
        if is_second_look(body):
            if self.second_look_script:
                return self.second_look_script.popleft()
            return Step(answer=self.second_look_answer)
        return self.script.popleft() if self.script else Step(answer=self.default_answer)


def is_second_look(body: dict[str, Any]) -> bool:
    return any(m["role"] == "system" and "needs_person" in m["content"] for m in body["messages"])


def _users(requests: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for r in requests for m in r["messages"] if m["role"] == "user"]


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-fake{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        "system_fingerprint": "fp_fake",
    }


@asynccontextmanager
async def serve_fake_llm(fake: FakeLlm | None = None) -> AsyncIterator[FakeLlm]:
    """Run ``fake`` on 127.0.0.1 with an OS-chosen port; ``fake.base_url`` ends in ``/v1``."""
    fake = fake or FakeLlm()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        await runner.cleanup()


def last_system_prompt(fake: FakeLlm) -> str:
    return str(next(m["content"] for m in fake.requests[-1]["messages"] if m["role"] == "system"))
