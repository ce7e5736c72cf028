"""The words of the Slack App Home and Discord's queue views (issue 14), built at render time."""

from __future__ import annotations

from handlers.common.i18n import _, ngettext


def home_title() -> str:
    return _("should-ai")


def my_escalations() -> str:
    return _("My escalations")


def my_requests() -> str:
    return _("My requests")


def team_queue() -> str:
    return _("Team queue")


def by_category() -> str:
    return _("By category")


def nothing_held() -> str:
    return _("Nothing waits for you. :tada:")


def nothing_asked() -> str:
    return _("You have no open requests.")


def nothing_open() -> str:
    return _("No open escalations.")


def more_items(n: int) -> str:
    return ngettext("… and {n} more", "… and {n} more", n).format(n=n)


def more_people(n: int) -> str:
    return ngettext(
        "… and {n} more person or channel", "… and {n} more people or channels", n
    ).format(n=n)


def group_head(title: str, count: int, unanswered: int) -> str:
    head = f"*{title}* — {count}"
    if unanswered:
        head += " " + _("({n} unanswered)").format(n=unanswered)
    return head


def try_label() -> str:
    return _("Try a request")


def try_hint() -> str:
    return _("Type what you want to do and press Enter: I say who should do it. Nobody is pinged.")


def try_placeholder() -> str:
    return _("e.g. reply to the journalist asking about the recall")


def tried(text: str) -> str:
    return _("You tried: {text}").format(text=text)
