"""``should-ai eval FILE --second-look``: the real command, its second looks through the real
openai client to the local OpenAI-compatible fake. The figures only prove the plumbing: the
fake answers what it is told, not what a model would."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.ai.fake_llm import FakeLlm, serve_fake_llm

ITEMS = [
    {"text": "Draft three subject lines for the spring sale newsletter", "route": "ai"},
    {"text": "Write a LinkedIn post announcing our new office in Lyon", "route": "ai"},
    {"text": "We have a product recall, draft the statement for the press", "route": "human"},
]
PERSON = '{"needs_person": true, "category": "crisis", "reason": "Looks sensitive."}'


async def run_eval(path: Path, fake: FakeLlm) -> tuple[int, dict[str, Any]]:
    env = {
        **os.environ,
        "SHOULD_AI_LLM_BASE_URL": fake.base_url,
        "SHOULD_AI_LLM_MODEL": "test-model",
        "SHOULD_AI_LLM_TIMEOUT": "5",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "eval", str(path), "--second-look", "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, json.loads(out)


async def test_eval_scores_the_second_look_through_an_openai_endpoint(tmp_path: Path) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in ITEMS), encoding="utf-8")

    async with serve_fake_llm(FakeLlm(second_look_answer=PERSON)) as fake:
        code, says_person = await run_eval(path, fake)
    async with serve_fake_llm(FakeLlm(second_look_answer="not json")) as fake:
        _, unusable = await run_eval(path, fake)
    async with serve_fake_llm(FakeLlm()) as fake:
        _, says_ai = await run_eval(path, fake)
        asked = fake.second_looks()

    assert code == 0
    assert says_person["second_look"] == {"asked": 2, "to_person": 2, "unusable": 0}
    assert says_person["overall"]["false_escalation_rate"] == 1.0
    assert unusable["second_look"] == {"asked": 2, "to_person": 2, "unusable": 2}
    assert says_ai["overall"]["false_escalation_rate"] == 0.0
    assert says_ai["overall"]["human_recall"] == 1.0
    assert sorted(asked) == sorted(i["text"] for i in ITEMS if i["route"] == "ai")
