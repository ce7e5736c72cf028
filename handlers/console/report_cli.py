"""`should-ai report` in words (reached through bot.app, as the queue is): one table, a row
per category, from :class:`bot.observability.report.Report`."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from bot.observability.report import CategoryReport, Report
from handlers.common.i18n import _
from handlers.common.queue_text import duration_text


def report_text(report: Report) -> str:
    span = duration_text(report.until - report.since)
    category, requests, escalations = _("category"), _("requests"), _("escalations")
    p50, p90, unanswered, reasons = _("ack p50"), _("ack p90"), _("unanswered"), _("top reasons")
    lines = [
        _("should-ai report, {start} to {end} ({span})").format(
            start=_stamp(report.since), end=_stamp(report.until), span=span
        ),
        _("{n} requests: {ai} for AI, {person} for a person.").format(
            n=report.requests, ai=report.to_ai, person=report.to_person
        ),
        "",
        f"{category:<16}{requests:>9}{escalations:>13}{p50:>9}{p90:>9}{unanswered:>12}  {reasons}",
    ]
    lines += [_row(c) for c in report.categories]
    if not report.categories:
        lines.append(_("Nothing was logged in this period."))
    return "\n".join(lines)


def _row(c: CategoryReport) -> str:
    reasons = ", ".join(f"{label} ({n})" for label, n in c.top_reasons) or "-"
    return (
        f"{c.category:<16}{c.requests:>9}{c.escalations:>13}{_wait(c.ack_p50_s):>9}"
        f"{_wait(c.ack_p90_s):>9}{c.unanswered:>12}  {reasons}"
    )


def _wait(seconds: float | None) -> str:
    return "-" if seconds is None else duration_text(seconds)


def _stamp(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))


def report_json(report: Report) -> str:
    return json.dumps(asdict(report), indent=2)
