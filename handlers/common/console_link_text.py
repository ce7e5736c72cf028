"""The answer to ``/should-ai console`` (apart from the console's other words so that
handlers/common/replies.py can use it without importing the console's)."""

from __future__ import annotations

from handlers.common.i18n import _


def console_link_text(link: str | None) -> str:
    """The answer to ``/should-ai console``: the link, or why there is none."""
    if link is None:
        return _("The web console is not set up on this bot.")
    return _(
        "Your sign-in link to the should-ai console (valid 10 minutes, once; do not share it):"
        "\n{link}"
    ).format(link=link)
