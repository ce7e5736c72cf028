"""The `should-ai` command line as an admin or a script uses it: output, exit codes, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.policy.loader import DEFAULT_POLICY_DIR

RULES = "--rules-only"  # most tests pin a small policy's rules; others run the bundled judgement
SMALL_POLICY = """\
version: 1
fallback: {owner: marketing-lead, why: "Nothing matched, so a person decides."}
categories:
  crisis:
    route: human
    label: Crisis
    owner: comms-lead
    why: "The brand's reputation is at stake; a person answers for it."
    keywords: {en: [data breach, sued, hacked, recall]}
  ethics:
    route: human
    label: Ethics
    owner: legal-counsel
    why: "A person judges this against our values."
    keywords: {en: [fake reviews], fr: [faux avis]}
  strategy:
    route: human
    label: Strategy
    owner: marketing-lead
    why: "Direction is a person's call."
    keywords: {en: [budget split]}
  scheduling:
    route: ai
    label: Scheduling
    why: "Routine."
    ai_work: schedule
    keywords: {en: [schedule], fr: [programme]}
  drafting:
    route: ai
    label: Drafting
    why: "Routine copy."
    keywords: {en: [draft, write, tweet, friendly note], fr: [rédige, légende]}
"""
SMALL_CASES = """\
cases:
  - {text: "we were sued", route: human, category: crisis}
  - {text: "write fake reviews", route: human, category: ethics}
  - {text: "agree the budget split", route: human, category: strategy}
  - {text: "schedule the post", route: ai, category: scheduling}
  - {text: "draft a tweet", route: ai, category: drafting}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small policy of its own (no pack) whose rules alone decide these tests' requests."""
    directory = tmp_path_factory.mktemp("small-policy")
    (directory / "policy.yaml").write_text(SMALL_POLICY, encoding="utf-8")
    shutil.copy(DEFAULT_POLICY_DIR / "people.yaml", directory / "people.yaml")
    (directory / "cases").mkdir()
    (directory / "cases" / "cases.yaml").write_text(SMALL_CASES, encoding="utf-8")
    return str(directory)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _subprocess(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        input=stdin,
        capture_output=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_check_names_route_category_owner_and_why(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    code, out, _ = _run(
        capsys,
        "check",
        RULES,
        "--policy-dir",
        small,
        "Draft the customer email about the data breach",
    )
    assert code == 0
    assert "route: human" in out and "category: Crisis (crisis)" in out
    assert "owner: Dana Whitfield" in out and "[comms-lead]" in out
    assert "why: The brand's reputation is at stake; a person answers for it." in out
    assert 'keyword "data breach"' in out


def test_check_with_the_default_layers_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "--json", "Draft the customer email about the data breach")
    decision = json.loads(out)
    assert code == 0
    assert (decision["route"], decision["category"]) == ("human", "crisis")
    assert decision["owner"]["id"] == "comms-lead"


def test_check_json_is_the_decision_contract(
    capsys: pytest.CaptureFixture[str], small: str
) -> None:
    code, out, _ = _run(
        capsys,
        "check",
        RULES,
        "--policy-dir",
        small,
        "--json",
        "Schedule the newsletter for Monday 9am",
    )
    decision = json.loads(out)
    assert code == 0
    assert (decision["route"], decision["category"], decision["owner"]) == (
        "ai",
        "scheduling",
        None,
    )
    for key in ("decision_id", "categories", "confidence", "reasons", "ai_may", "policy_revision"):
        assert key in decision


def test_check_joins_unquoted_words(capsys: pytest.CaptureFixture[str], small: str) -> None:
    code, out, _ = _run(
        capsys, "check", RULES, "--policy-dir", small, "--json", "we", "got", "hacked"
    )
    assert code == 0 and json.loads(out)["category"] == "crisis"


@pytest.mark.parametrize("argv", [["check"], ["check", "  "], ["check", RULES, ""]])
def test_empty_text_is_a_usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert "nothing to check" in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "chekc", "x")[0] == 2


def test_batch_keeps_order_and_reports_bad_lines(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    batch = tmp_path / "requests.jsonl"
    batch.write_bytes(
        b'{"text": "Draft the customer email about the data breach", "id": 1}\n'
        b"Schedule the post for Friday\n"
        b'{"text": "broken\n'
        b"caf\xe9 au lait\n"
        b'{"id": 5}\n'
        b"\n"
        b'{"text": "write fake reviews"}\n'
    )
    code, out, _ = _run(capsys, "check", RULES, "--policy-dir", small, "--batch", str(batch))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert len(lines) == 7
    assert lines[0]["category"] == "crisis" and lines[1]["category"] == "scheduling"
    assert lines[2]["line"] == 3 and "not valid JSON" in lines[2]["error"]
    assert lines[3]["line"] == 4 and "UTF-8" in lines[3]["error"]
    assert lines[4]["line"] == 5 and "'text'" in lines[4]["error"]
    assert lines[5]["line"] == 6 and lines[5]["error"] == "empty text"
    assert lines[6]["category"] == "ethics"


def test_batch_all_good_exits_zero(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    batch = tmp_path / "ok.txt"
    batch.write_text("write a tweet\nwe were sued\n", encoding="utf-8")
    code, out, _ = _run(
        capsys, "check", RULES, "--policy-dir", small, "--json", "--batch", str(batch)
    )
    assert code == 0
    assert [json.loads(line)["route"] for line in out.splitlines()] == ["ai", "human"]


def test_batch_from_stdin_through_the_installed_entry_point(small: str) -> None:
    done = _subprocess(
        "check",
        RULES,
        "--policy-dir",
        small,
        "--json",
        "--batch",
        "-",
        stdin=b"write a tweet\n\xff\xfe\n",
    )
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 1
    assert lines[0]["route"] == "ai" and "UTF-8" in lines[1]["error"]


def test_batch_json_values_that_are_not_objects_are_errors_not_requests(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    """Issue 12: `[1,2]`, `5` or `null` were decided as if a marketer had typed them. A line is
    a JSON object with a string 'text', or plain text that is not JSON; any other JSON value is
    an error on its own line, in order, nothing dropped."""
    batch = tmp_path / "values.jsonl"
    batch.write_text(
        "[1,2]\n5\nnull\n"
        '"a bare JSON string"\n'
        "true\n"
        ' {"text": ["not", "a string"]}\n'
        "write a tweet\n"
        "NaN\n"
        '{"text": "we were sued", "id": 9}\n',
        encoding="utf-8",
    )
    code, out, _ = _run(
        capsys, "check", RULES, "--policy-dir", small, "--json", "--batch", str(batch)
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert len(lines) == 9
    for number, kind in enumerate(("array", "number", "null", "string", "boolean"), start=1):
        assert lines[number - 1]["line"] == number
        assert "route" not in lines[number - 1]
        assert f"a JSON {kind}" in lines[number - 1]["error"], lines[number - 1]
    assert lines[5]["line"] == 6 and "'text'" in lines[5]["error"]
    assert lines[6]["route"] == "ai"
    # NaN is not JSON (the standard has no such value): a request, as the marketer typed it
    assert "route" in lines[7]
    assert lines[8]["category"] == "crisis"


def _deep(opening: str, depth: int = 100_000) -> str:
    closing = {"[": "]", '{"a":': "}"}[opening]
    return opening * depth + "1" + closing * depth


def test_batch_a_deeply_nested_line_is_an_error_and_the_batch_goes_on(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    """Issue 12: one line nested 100,000 deep raised RecursionError and ended the whole batch."""
    batch = tmp_path / "deep.jsonl"
    rows = ["write a tweet", _deep('{"a":'), _deep("["), "we were sued"]
    batch.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = _run(
        capsys, "check", RULES, "--policy-dir", small, "--json", "--batch", str(batch)
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [line.get("route") for line in lines] == ["ai", None, None, "human"]
    assert [line.get("line") for line in lines[1:3]] == [2, 3]
    assert all("nested too deeply" in line["error"] for line in lines[1:3])


def test_batch_of_hostile_lines_through_a_real_process(small: str) -> None:
    hostile = "\n".join(["[1,2]", "null", _deep("["), _deep('{"a":'), "write a tweet", "5"])
    done = _subprocess(
        "check",
        RULES,
        "--policy-dir",
        small,
        "--json",
        "--batch",
        "-",
        stdin=hostile.encode() + b"\n",
    )
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 1, done.stderr.decode()[-2000:]
    assert b"Traceback" not in done.stderr
    assert [line.get("line") for line in lines] == [1, 2, 3, 4, None, 6]
    assert lines[4]["route"] == "ai"


def test_batch_file_missing_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "check", RULES, "--batch", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "cannot read" in err


def test_a_megabyte_message_is_decided(capsys: pytest.CaptureFixture[str], small: str) -> None:
    text = "draft a friendly note " * 50_000
    code, out, _ = _run(capsys, "check", RULES, "--policy-dir", small, "--json", text)
    assert code == 0 and json.loads(out)["route"] == "ai"


def _labelled(tmp_path: Path) -> Path:
    rows = [
        {
            "text": "We are being sued over the product",
            "route": "human",
            "category": "crisis",
            "lang": "en",
        },
        {"text": "Écris de faux avis", "route": "human", "category": "ethics", "lang": "fr"},
        {"text": "Can you look into it", "route": "human", "category": "strategy", "lang": "en"},
        {
            "text": "Schedule the post for Monday",
            "route": "ai",
            "category": "scheduling",
            "lang": "en",
        },
        {
            "text": "Rédige une légende Instagram",
            "route": "ai",
            "category": "drafting",
            "lang": "fr",
        },
        {"text": "Write the recall notice", "route": "ai", "category": "drafting", "lang": "en"},
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    return path


def test_eval_reports_recall_false_escalation_and_accuracy(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    code, out, _ = _run(
        capsys, "eval", RULES, "--policy-dir", small, "--json", str(_labelled(tmp_path))
    )
    report = json.loads(out)
    assert code == 0
    overall = report["overall"]
    assert (overall["human_items"], overall["ai_items"]) == (3, 3)
    assert overall["human_recall"] == 1.0  # the unknown request still reaches a person
    assert overall["false_escalation_rate"] == pytest.approx(1 / 3, abs=1e-4)  # the recall notice
    assert overall["category_accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["per_language"]["fr"]["items"] == 2
    assert report["per_category"]["strategy"]["category_accuracy"] == 0.0
    assert {miss["text"] for miss in report["misses"]} == {
        "Can you look into it",
        "Write the recall notice",
    }


def test_eval_text_output_and_thresholds(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    labelled = str(_labelled(tmp_path))
    code, out, _ = _run(capsys, "eval", RULES, "--policy-dir", small, labelled)
    assert code == 0 and "human recall" in out and "per language" in out
    assert (
        _run(
            capsys, "eval", RULES, "--policy-dir", small, "--max-false-escalation", "0.1", labelled
        )[0]
        == 1
    )
    assert (
        _run(capsys, "eval", RULES, "--policy-dir", small, "--min-recall", "0.95", labelled)[0] == 0
    )


def test_eval_rejects_a_malformed_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "route": "maybe"}\n')
    code, _, err = _run(capsys, "eval", RULES, str(bad))
    assert code == 2 and f"{bad}:1" in err


def test_policy_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "policy", "validate")
    assert code == 0 and "policy OK" in out and "extends marketing" in out
    assert "10 categories" in out and "in the pack" in out


def test_policy_validate_names_file_line_and_key(
    capsys: pytest.CaptureFixture[str], policy_dir: Path
) -> None:
    policy_file = policy_dir / "policy.yaml"
    text = policy_file.read_text(encoding="utf-8")
    policy_file.write_text(text.replace("owner: legal-counsel", "owner: legal-councel", 1))
    code, _, err = _run(capsys, "policy", "validate", "--policy-dir", str(policy_dir))
    line = next(
        i for i, ln in enumerate(policy_file.read_text().splitlines(), 1) if "legal-councel" in ln
    )
    assert code == 2
    assert f"{policy_file}:{line}: categories.ethics.owner:" in err


def test_policy_test_passes_with_coverage_per_category(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "policy", "test")
    assert code == 0
    assert "OK:" in out
    for name in ("crisis", "ethics", "relationships", "strategy", "creative", "support"):
        assert any(line.split()[:1] == [name] for line in out.splitlines()), name


def test_policy_test_fails_without_cases(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    policy_dir = Path(shutil.copytree(small, tmp_path / "policy"))
    shutil.rmtree(policy_dir / "cases")
    code, out, _ = _run(capsys, "policy", "test", RULES, "--policy-dir", str(policy_dir))
    assert code == 1 and "no test cases" in out


def test_policy_test_fails_on_a_wrong_case(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    policy_dir = Path(shutil.copytree(small, tmp_path / "policy"))
    (policy_dir / "cases" / "wrong.yaml").write_text(
        "cases:\n  - {text: 'Schedule the post for Monday', route: human, category: crisis}\n"
    )
    code, out, _ = _run(capsys, "policy", "test", RULES, "--json", "--policy-dir", str(policy_dir))
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["failures"][0]["case"]["text"] == "Schedule the post for Monday"


def test_policy_dir_from_the_environment(
    capsys: pytest.CaptureFixture[str], policy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (policy_dir / "people.yaml").write_text("people: {}\n")
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))
    code, _, err = _run(capsys, "check", RULES, "draft anything")
    assert code == 2 and "people.yaml" in err


def test_exit_codes_through_a_real_process() -> None:
    assert _subprocess("check", RULES, "write a tweet").returncode == 0
    empty = _subprocess("check", "")
    assert empty.returncode == 2 and b"nothing to check" in empty.stderr
    assert _subprocess("policy", "validate", "--policy-dir", "/nonexistent").returncode == 2


def test_check_does_not_import_platform_or_llm_libraries() -> None:
    heavy = ["redis", "slack_sdk", "slack_bolt", "discord", "openai", "sklearn", "arq", "aiohttp"]
    probe = (
        "import sys; from bot.cli import main; main(['check', '--rules-only', 'write a tweet']); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, check=True, env={**os.environ}
    )
    assert done.stdout.decode().strip().splitlines()[-1] == "[]"


def test_policy_test_fails_when_a_category_has_no_cases(
    capsys: pytest.CaptureFixture[str], small: str, tmp_path: Path
) -> None:
    policy_dir = Path(shutil.copytree(small, tmp_path / "policy"))
    cases = policy_dir / "cases" / "cases.yaml"
    cases.write_text("\n".join(line for line in SMALL_CASES.splitlines() if "crisis" not in line))
    code, out, _ = _run(capsys, "policy", "test", RULES, "--policy-dir", str(policy_dir))
    assert code == 1 and "no cases for crisis" in out


def test_a_first_run_with_an_empty_cache_decides_as_later_runs_do(tmp_path: Path) -> None:
    """Issue 3's cold start: nothing cached yet. The second run reads what the first cached:
    it does not even import the YAML parser."""
    probe = (
        "import json, sys; from bot.cli import main; "
        "main(['check', '--json', 'Draft the customer email about the data breach']); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ruamel'))))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "empty-cache")}
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, check=True, env=env
        )
        decision, modules = done.stdout.decode().rstrip().rsplit("\n", 1)
        runs.append((json.loads(decision), json.loads(modules)))
    (first, first_modules), (second, second_modules) = runs
    same = ("route", "category", "categories", "owner", "reasons", "policy_revision")
    assert {key: first[key] for key in same} == {key: second[key] for key in same}
    assert (first["route"], first["category"]) == ("human", "crisis")
    assert "ruamel.yaml" in first_modules and second_modules == []


def test_a_greeting_is_answered_with_help_not_decided(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "hi!")
    assert code == 0 and "Not a request" in out and "owner" not in out
    code, out, _ = _run(capsys, "check", "--json", "hlep")
    assert json.loads(out) == {
        "route": "none",
        "category": None,
        "non_request": "command",
        "suggestion": "help",
    }


def test_eval_scores_non_requests(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    labelled = tmp_path / "chatter.jsonl"
    rows = [
        {"text": "merci !", "route": "none", "category": "none", "lang": "fr"},
        {"text": "thanks", "route": "none", "category": "none", "lang": "en"},
        {"text": "we got hacked, what do we post?", "route": "human", "category": "crisis"},
    ]
    labelled.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out, _ = _run(capsys, "eval", "--json", str(labelled))
    overall = json.loads(out)["overall"]
    assert code == 0
    assert (overall["non_request_items"], overall["non_requests_recognised"]) == (2, 1.0)
    assert overall["human_recall"] == 1.0 and overall["category_accuracy"] == 1.0
