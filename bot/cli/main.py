"""The `should-ai` command line: check a request, score a policy, validate and test policies.

Exit codes: 0 ok, 1 a check or test failed, 2 bad usage or a bad policy.

Start-up matters (`should-ai check` answers in well under a second), so this module imports
only the standard library at the top; each command imports what it needs when it runs. Other
parts of the bot add sub-commands through a ``register(subparsers)`` hook in ``bot.cli.ops``
(serve, log, escalations); a hook module must itself stay light to import.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.cli.evaluate import CaseRun, LabelledItem, Report
    from bot.policy.engine import PolicyEngine
    from bot.policy.model import Decision
    from bot.policy.nonrequest import NonRequest

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Commands defined here; for these the hook modules (and what they import) are not loaded.
_BUILT_IN = ("check", "eval", "policy")
Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse reports usage errors (2) and --help (0) this way
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return _run(handler, args)


def _run(handler: Handler, args: argparse.Namespace) -> int:
    from bot.errors import PolicyError, UsageError

    try:
        return handler(args)
    except BrokenPipeError:  # the reader went away (`should-ai check ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except PolicyError as e:
        print(f"policy error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The full parser; hook modules are imported only when ``argv`` may need them."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = argparse.ArgumentParser(
        prog="should-ai", description="Tell AI work from work a named person must own."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_check(sub)
    _add_eval(sub)
    _add_policy(sub)
    if command not in _BUILT_IN:
        _register_hook("bot.cli.ops", sub)
        _register_hook("bot.cli.webhook", sub)  # issue 15: should-ai webhook test
    return parser


def policy_dir_option(parser: argparse.ArgumentParser) -> None:
    """``--policy-dir``, read back by :func:`policy_dir`."""
    parser.add_argument(
        "--policy-dir",
        type=Path,
        default=None,
        help="policy directory (default: $SHOULD_AI_POLICY_DIR or the bundled policies/)",
    )


def _policy_dir_option(parser: argparse.ArgumentParser) -> None:
    policy_dir_option(parser)
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="decide with the keyword and pattern rules alone (no similarity layer)",
    )


def _add_check(sub: Any) -> None:
    check = sub.add_parser("check", help="decide one request (or a batch) and say why")
    check.add_argument("text", nargs="*", help="the request, as a marketer would type it")
    check.add_argument("--json", action="store_true", help="print the decision as JSON")
    check.add_argument(
        "--batch",
        metavar="FILE",
        help="decide every line of FILE ('-' = stdin): a JSON object with a string 'text' "
        "field, or plain text that is not JSON; prints one JSON decision (or error object) per "
        "line, in order",
    )
    _policy_dir_option(check)
    check.set_defaults(handler=_cmd_check)


def _add_eval(sub: Any) -> None:
    evaluate = sub.add_parser("eval", help="score the policy on a labelled JSONL file")
    evaluate.add_argument("file", type=Path, help="JSONL lines with text, route, category, lang")
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    evaluate.add_argument("--min-recall", type=float, default=None, help="exit 1 below this")
    evaluate.add_argument(
        "--max-false-escalation", type=float, default=None, help="exit 1 above this"
    )
    evaluate.add_argument(
        "--second-look",
        action="store_true",
        help="apply the LLM's second look through the configured OpenAI-compatible endpoint",
    )
    _policy_dir_option(evaluate)
    evaluate.set_defaults(handler=_cmd_eval)


def _add_policy(sub: Any) -> None:
    policy = sub.add_parser("policy", help="validate or test a policy directory")
    policy_sub = policy.add_subparsers(dest="policy_command", metavar="ACTION")
    validate = policy_sub.add_parser("validate", help="check the schema, owners and patterns")
    _policy_dir_option(validate)
    validate.set_defaults(handler=_cmd_validate)
    test = policy_sub.add_parser("test", help="run the policy's own cases (policies/cases/)")
    test.add_argument("--json", action="store_true", help="print the results as JSON")
    _policy_dir_option(test)
    test.set_defaults(handler=_cmd_test)
    _add_calibrate(policy_sub)
    policy.set_defaults(handler=lambda _args: _usage(policy))


def _add_calibrate(policy_sub: Any) -> None:
    calibrate = policy_sub.add_parser(
        "calibrate",
        help="measure the reader's human threshold; write it only if the measurement improves",
    )
    policy_dir_option(calibrate)
    calibrate.add_argument(
        "--dry-run", action="store_true", help="print the measurement without writing policy.yaml"
    )
    calibrate.add_argument(
        "--folds",
        type=int,
        default=5,
        help="parts of the data each read by a reader that did "
        "not learn them (default 5; each fold trains a reader, ~45 s)",
    )
    calibrate.set_defaults(handler=_cmd_calibrate)


def _register_hook(module_name: str, subparsers: Any) -> None:
    """Let another part of the bot add sub-commands, if that part is installed."""
    if importlib.util.find_spec(module_name) is None:
        return
    register = getattr(importlib.import_module(module_name), "register", None)
    if callable(register):
        register(subparsers)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


# --- commands -------------------------------------------------------------------------------


def _cmd_check(args: argparse.Namespace) -> int:
    from bot.errors import UsageError

    if args.batch is not None:
        if args.text:
            raise UsageError("give either TEXT or --batch FILE, not both")
        return _check_batch(_engine(args), args.batch)
    text = " ".join(args.text)
    if not text.strip():
        raise UsageError('nothing to check: give the request as TEXT, e.g. should-ai check "..."')
    from bot.policy.nonrequest import non_request

    chatter = non_request(text)
    if chatter is not None:
        print(json.dumps(_non_request_json(chatter)) if args.json else _not_a_request(chatter))
        return EXIT_OK
    engine = _engine(args)
    decision = engine.decide(text)
    print(decision.model_dump_json() if args.json else _describe(engine, decision))
    return EXIT_OK


def _non_request_json(chatter: NonRequest) -> dict[str, Any]:
    """What `check --json` prints for a message that is no request: route "none", no owner."""
    return {
        "route": "none",
        "category": None,
        "non_request": chatter.kind,
        "suggestion": chatter.suggestion,
    }


def _not_a_request(chatter: NonRequest) -> str:
    hint = f" Did you mean `{chatter.suggestion}`?" if chatter.suggestion else ""
    return (
        f"Not a request ({chatter.kind}): nobody is asked to do anything.{hint}\n"
        'Ask for the work itself, e.g. should-ai check "draft 3 subject lines for the spring sale".'
    )


def _check_batch(engine: PolicyEngine, source: str) -> int:
    failed = False
    for number, raw in enumerate(_batch_lines(source), start=1):
        result = _batch_line(engine, number, raw)
        failed = failed or '"error"' in result[:40]
        sys.stdout.write(result + "\n")
        sys.stdout.flush()
    return EXIT_FAILED if failed else EXIT_OK


def _batch_lines(source: str) -> Iterator[bytes]:
    """Raw lines of the batch input: bytes, so a line that is not UTF-8 is reported, not fatal."""
    from bot.errors import UsageError

    if source == "-":
        yield from sys.stdin.buffer
        return
    try:
        with open(source, "rb") as stream:
            yield from stream
    except OSError as e:
        raise UsageError(f"{source}: cannot read: {e.strerror}") from e


def _batch_line(engine: PolicyEngine, number: int, raw: bytes) -> str:
    """One output line for one input line: a decision, or an error object saying what's wrong."""
    try:
        text = _batch_text(raw.rstrip(b"\r\n"))
    except ValueError as e:
        return json.dumps({"line": number, "error": str(e)})
    from bot.policy.nonrequest import non_request

    chatter = non_request(text)
    if chatter is not None:
        return json.dumps(_non_request_json(chatter))
    return engine.decide(text).model_dump_json()


def _batch_text(raw: bytes) -> str:
    """The request text of one batch line: a JSON object's string 'text', or the line itself
    when it is not JSON. Any other JSON value is an error, never a request: a script that
    writes ``null`` or ``[1, 2]`` has a bug to hear about, not a decision to read."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"not valid UTF-8 (byte {e.start})") from e
    data = _json_value(line)
    text = line if data is _NOT_JSON else _text_field(data)
    if not text.strip():
        raise ValueError("empty text")
    return text


_NOT_JSON = object()


def _json_value(line: str) -> object:
    """The JSON value of ``line``, or ``_NOT_JSON`` for plain text.

    A line that opens like an object but does not parse is a broken JSON line, not a request.
    NaN and Infinity are not JSON (Python's parser accepts them): such a line is plain text.
    """
    try:
        return json.loads(line, parse_constant=_reject_constant)
    except RecursionError as e:  # json recurses per level: 100,000 `[` exhaust the stack
        raise ValueError("JSON nested too deeply") from e
    except ValueError as e:
        if line.lstrip().startswith("{"):
            detail = f"{e.msg} (column {e.colno})" if isinstance(e, json.JSONDecodeError) else e
            raise ValueError(f"not valid JSON: {detail}") from e
        return _NOT_JSON


def _text_field(data: object) -> str:
    if not isinstance(data, dict):
        kind = _json_kind(data)
        raise ValueError(f"a JSON {kind}, not an object with a 'text' field (or plain text)")
    text = data.get("text")
    if not isinstance(text, str):
        raise ValueError("JSON line has no string 'text' field")
    return text


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    kinds = ((bool, "boolean"), (int, "number"), (float, "number"), (str, "string"))
    return next((kind for cls, kind in kinds if isinstance(value, cls)), "array")


def _cmd_eval(args: argparse.Namespace) -> int:
    from bot.cli.evaluate import evaluate, format_report, read_labelled

    items = read_labelled(args.file)
    if getattr(args, "second_look", False):
        return _eval_second_look(args, items)
    report = evaluate(_engine(args), items)
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=2)
        if args.json
        else format_report(report)
    )
    return _eval_exit(args, report)


def _eval_second_look(args: argparse.Namespace, items: list[LabelledItem]) -> int:
    from bot.cli.evaluate import format_report
    from bot.cli.second_look_eval import evaluate_second_look
    from bot.settings import Settings

    report, stats = evaluate_second_look(_engine(args), items, Settings())
    if args.json:
        data = {**report.to_json(), "second_look": stats.to_json()}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"{stats.line()}\n\n{format_report(report)}")
    return _eval_exit(args, report)


def _eval_exit(args: argparse.Namespace, report: Report) -> int:
    recall, false_rate = report.overall.human_recall, report.overall.false_escalation_rate
    too_low = args.min_recall is not None and recall is not None and recall < args.min_recall
    too_high = (
        args.max_false_escalation is not None
        and false_rate is not None
        and false_rate > args.max_false_escalation
    )
    return EXIT_FAILED if too_low or too_high else EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    engine = _engine(args)
    policy = engine.policy
    keywords = sum(len(c.keywords.all()) for c in policy.categories.values())
    patterns = sum(len(c.patterns) for c in policy.categories.values())
    pack = f", extends {policy.pack.name}" if policy.pack is not None else ""
    pack_cases = f" (+{len(policy.pack_cases):,} in the pack)" if policy.pack_cases else ""
    print(
        f"policy OK ({policy_dir(args)}{pack}): {len(policy.categories)} categories, "
        f"{keywords} tripwire keywords, {patterns} patterns, {len(policy.cases)} cases"
        f"{pack_cases}, {len(policy.people.people)} people; revision {policy.revision}"
    )
    from bot.policy.people_check import people_warnings

    for warning in people_warnings(policy):  # placeholders and unusable ids (issue 14)
        print(f"warning: {warning}", file=sys.stderr)
    from bot.policy.language import missing_texts

    for warning in missing_texts(policy):  # a warning, not an error: the text is still shown
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def _cmd_test(args: argparse.Namespace) -> int:
    from bot.cli.evaluate import run_cases

    run = run_cases(_engine(args))
    if args.json:
        print(json.dumps(_case_run_json(run), ensure_ascii=False, indent=2))
    else:
        print("\n".join(_case_run_lines(run)))
    return EXIT_OK if run.ok else EXIT_FAILED


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from bot.errors import UsageError
    from bot.reader import shared_encoder
    from bot.reader.calibrate import calibrate_directory, report

    if args.folds < 2:
        raise UsageError("--folds must be at least 2")
    directory = policy_dir(args)
    result = calibrate_directory(
        directory, shared_encoder(), write=not args.dry_run, folds=args.folds
    )
    print(report(result))
    if result.written:
        print(
            f"human_threshold {result.proposed.threshold:.2f} written to "
            f"{directory / 'policy.yaml'}"
        )
    elif result.better:
        print("not written (--dry-run)")
    return EXIT_OK


def _case_run_lines(run: CaseRun) -> Iterator[str]:
    yield f"{'category':<18}{'cases':>6}{'passed':>8}"
    for name, (count, passed) in run.coverage.items():
        flag = "  <- no cases" if count == 0 else ("" if passed == count else "  <- failing")
        yield f"{name:<18}{count:>6}{passed:>8}{flag}"
    for result in run.failures:
        got = f"{result.decision.route}/{result.decision.category}"
        yield f"FAIL [{result.case.route}/{result.case.category} -> {got}] {result.case.text}"
        yield from (f"     {reason.layer}: {reason.detail}" for reason in result.decision.reasons)
    yield _case_run_summary(run)


def _case_run_summary(run: CaseRun) -> str:
    if not run.results:
        return "FAILED: the policy has no test cases (add some under cases/)"
    if run.uncovered:
        return f"FAILED: no cases for {', '.join(run.uncovered)}"
    failed = len(run.failures)
    total = len(run.results)
    return f"FAILED: {failed} of {total} cases" if failed else f"OK: {total} cases passed"


def _case_run_json(run: CaseRun) -> dict[str, Any]:
    return {
        "ok": run.ok,
        "coverage": {name: {"cases": c, "passed": p} for name, (c, p) in run.coverage.items()},
        "failures": [
            {"case": r.case.model_dump(), "decision": r.decision.model_dump()} for r in run.failures
        ],
    }


# --- shared helpers -------------------------------------------------------------------------


def policy_dir(args: argparse.Namespace) -> Path:
    """The policy directory a command works on: ``--policy-dir``, else the environment's."""
    if args.policy_dir is not None:
        return Path(args.policy_dir)
    # The same variable bot.settings.Settings reads; read directly to keep `check` fast.
    configured = os.environ.get("SHOULD_AI_POLICY_DIR")
    if configured:
        return Path(configured)
    from bot.policy.loader import DEFAULT_POLICY_DIR

    return DEFAULT_POLICY_DIR


def _engine(args: argparse.Namespace) -> PolicyEngine:
    from bot.policy.engine import PolicyEngine
    from bot.policy.loader import load_policy

    policy = load_policy(policy_dir(args))
    if getattr(args, "rules_only", False):
        from bot.policy.rules import RulesLayer

        return PolicyEngine(policy, layers=(RulesLayer(policy),))
    from bot.reader import build_engine  # numpy + the model: load on use

    return build_engine(policy)


def _describe(engine: PolicyEngine, decision: Decision) -> str:
    """The decision as a person reads it in a terminal."""
    category = engine.policy.categories.get(decision.category or "")
    verdict = "A person must own this." if decision.route == "human" else "AI can do this."
    label = f"{category.label} ({decision.category})" if category else "none matched (fallback)"
    lines = [f"route: {decision.route} - {verdict}", f"category: {label}"]
    others = [name for name in decision.categories if name != decision.category]
    if others:
        lines.append(f"also matched: {', '.join(others)}")
    if decision.owner:
        lines.append(f"owner: {decision.owner.name} [{decision.owner.id}]")
    lines += [f"why: {decision.why}", f"AI may: {decision.ai_may or '-'}", "matched:"]
    lines += [
        f"  - {r.layer}: {r.detail} ({r.category or 'no category'})" for r in decision.reasons
    ]
    lines.append(f"decision {decision.decision_id}, policy revision {decision.policy_revision}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
