"""Loading policy files: a good policy loads; a bad edit is named by file, line and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import PolicyError
from bot.policy.loader import load_policy
from bot.policy.model import Policy

HUMAN = ("crisis", "ethics", "relationships", "strategy", "creative")
AI = ("scheduling", "drafting", "data", "personalization", "support")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def _load_error(directory: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(directory)
    return caught.value


def test_default_policy_has_the_ten_categories_with_their_routes(default_policy: Policy) -> None:
    routes = {name: category.route for name, category in default_policy.categories.items()}
    assert routes == {**dict.fromkeys(HUMAN, "human"), **dict.fromkeys(AI, "ai")}


def test_every_human_category_has_english_and_french_tripwires(default_policy: Policy) -> None:
    for name in HUMAN:
        category = default_policy.categories[name]
        assert category.keywords.en and category.keywords.fr, name


def test_every_human_category_names_an_owner_and_a_backup_from_people(
    default_policy: Policy,
) -> None:
    people = default_policy.people.people
    for name in HUMAN:
        category = default_policy.categories[name]
        assert category.owner in people and category.backup in people, name
        assert category.why and category.ai_may, name


def test_unknown_requests_fall_back_to_a_person(default_policy: Policy) -> None:
    fallback = default_policy.file.fallback
    assert fallback.route == "human"
    assert fallback.owner in default_policy.people.people


def test_at_least_five_cases_per_category(default_policy: Policy) -> None:
    cases = (*default_policy.pack_cases, *default_policy.cases)
    for name in default_policy.categories:
        count = sum(case.category == name for case in cases)
        assert count >= 5, f"{name} has {count} cases"


def test_people_ids_are_marked_as_placeholders(default_policy: Policy) -> None:
    for person in default_policy.people.people.values():
        assert "placeholder" in person.name.lower()
        assert person.slack and "PLACEHOLDER" in person.slack


def test_revision_is_stable_across_copies_and_line_endings(
    default_policy: Policy, policy_dir: Path
) -> None:
    assert load_policy(policy_dir).revision == default_policy.revision
    policy_file = policy_dir / "policy.yaml"
    policy_file.write_bytes(policy_file.read_bytes().replace(b"\n", b"\r\n"))
    assert load_policy(policy_dir).revision == default_policy.revision


def test_revision_changes_when_any_policy_file_changes(
    default_policy: Policy, policy_dir: Path
) -> None:
    (policy_dir / "cases" / "extra.yaml").write_text(
        "cases:\n  - {text: 'Schedule the post for Monday', route: ai, category: scheduling}\n"
    )
    assert load_policy(policy_dir).revision != default_policy.revision


def test_malformed_yaml_names_file_and_line(policy_dir: Path) -> None:
    policy_file = policy_dir / "policy.yaml"
    _edit(policy_file, "    ack_minutes: 60\n", "    label: [Ethics\n")
    error = _load_error(policy_dir)
    assert error.file == str(policy_file)
    assert error.line is not None and error.line >= _line_of(policy_file, "label: [Ethics")
    assert "malformed YAML" in str(error)


def test_unknown_key_names_file_line_key_and_allowed_keys(policy_dir: Path) -> None:
    policy_file = policy_dir / "policy.yaml"
    _edit(policy_file, "    ack_minutes: 15\n", "    ack_minutes: 15\n    ack_minuts: 10\n")
    error = _load_error(policy_dir)
    assert error.file == str(policy_file)
    assert error.key == "categories.crisis.ack_minuts"
    assert error.line == _line_of(policy_file, "ack_minuts")
    assert "unknown key 'ack_minuts'" in str(error) and "ack_minutes" in str(error)


def test_owner_missing_from_people_names_the_key_and_line(policy_dir: Path) -> None:
    policy_file = policy_dir / "policy.yaml"
    _edit(policy_file, "    owner: comms-lead\n", "    owner: comms-leed\n")
    error = _load_error(policy_dir)
    assert error.key == "categories.crisis.owner"
    assert error.line == _line_of(policy_file, "owner: comms-leed")
    assert "'comms-leed' is not a person in people.yaml" in str(error)


def test_pattern_that_does_not_compile_names_its_index_and_line(policy_dir: Path) -> None:
    policy_file = policy_dir / "policy.yaml"
    _edit(policy_file, "    repeat: 2\n", "    repeat: 2\n    patterns:\n      - '(unclosed'\n")
    error = _load_error(policy_dir)
    assert error.file == str(policy_file)  # the admin's addition, not the pack's list
    assert error.key == "categories.crisis.patterns.0"
    assert error.line == _line_of(policy_file, "(unclosed")
    assert "does not compile" in str(error)


def test_a_pattern_re2_accepts_is_fine_even_if_it_would_hang_a_backtracking_engine(
    policy_dir: Path,
) -> None:
    policy_file = policy_dir / "policy.yaml"
    _edit(policy_file, "    repeat: 2\n", "    repeat: 2\n    patterns:\n      - '(a+)+$'\n")
    assert "(a+)+$" in load_policy(policy_dir).categories["crisis"].patterns


def test_wrong_type_names_the_key(policy_dir: Path) -> None:
    _edit(policy_dir / "policy.yaml", "    ack_minutes: 15\n", "    ack_minutes: soon\n")
    error = _load_error(policy_dir)
    assert error.key == "categories.crisis.ack_minutes"


def test_case_with_unknown_category_names_the_case(policy_dir: Path) -> None:
    cases = policy_dir / "cases" / "bad.yaml"
    cases.write_text("cases:\n  - {text: hello, route: human, category: crisiss}\n")
    error = _load_error(policy_dir)
    assert error.file == str(cases)
    assert (error.key, error.line) == ("cases.0.category", 2)


def test_case_whose_route_contradicts_its_category(policy_dir: Path) -> None:
    (policy_dir / "cases" / "bad.yaml").write_text(
        "cases:\n  - {text: hello, route: ai, category: crisis}\n"
    )
    assert "routes to human, not ai" in str(_load_error(policy_dir))


def test_every_problem_is_listed_in_one_message(policy_dir: Path) -> None:
    policy_file = policy_dir / "policy.yaml"
    _edit(policy_file, "    owner: comms-lead\n", "    owner: nobody-1\n")
    _edit(policy_file, "    owner: legal-counsel\n", "    owner: nobody-2\n")
    message = str(_load_error(policy_dir))
    assert "nobody-1" in message and "nobody-2" in message and "1 more problem" in message


def test_missing_people_file_is_named(policy_dir: Path) -> None:
    (policy_dir / "people.yaml").unlink()
    assert _load_error(policy_dir).file == str(policy_dir / "people.yaml")


def test_missing_directory_is_named(tmp_path: Path) -> None:
    assert _load_error(tmp_path / "nowhere").file == str(tmp_path / "nowhere")


def test_non_utf8_file_names_file_and_line(policy_dir: Path) -> None:
    people = policy_dir / "people.yaml"
    people.write_bytes(people.read_bytes() + b"\n# caf\xe9\n")
    error = _load_error(policy_dir)
    assert error.file == str(people) and error.line is not None
    assert "UTF-8" in str(error)


def test_a_policy_without_cases_still_loads(policy_dir: Path) -> None:
    shutil.rmtree(policy_dir / "cases")
    assert load_policy(policy_dir).cases == ()
