"""The web console's words: the sign-in link a chat user is sent, and the console's pages'
sentences that are not markup (handlers/web/ renders them)."""

from __future__ import annotations

from bot.core.outcomes import Press
from bot.policy.model import Policy
from handlers.common.i18n import _
from handlers.common.replies import press_refused
from handlers.common.status_text import PLAIN


def link_refused_text() -> str:
    return _(
        "This sign-in link is not valid: it was already used, is older than 10 minutes, or was "
        "mistyped. Ask for a new one with /should-ai console."
    )


def signed_out_text() -> str:
    return _("You are signed out.")


def signed_out_again_text() -> str:
    return _("Your session has ended: sign in again with a new link (/should-ai console).")


def csrf_refused_text() -> str:
    return _("This form is out of date or did not come from the console; reload the page.")


def admin_only_text() -> str:
    return _("Only an admin can do this.")


def role_text(role: str) -> str:
    return {"admin": _("admin"), "lead": _("owner or lead"), "member": _("member")}.get(role, role)


def press_text(policy: Policy, press: Press) -> str:
    """What the console says after Acknowledge, Reassign or Resolve from the queue page."""
    if press.kind == "moved" and press.escalation is not None:
        e = press.escalation
        return _("Escalation {id} is now {state}.").format(id=e.id, state=state_text(e.state))
    if press.kind == "duplicate":
        return ""
    return press_refused(press, policy=policy, mentions=PLAIN)


def state_text(state: str) -> str:
    return {
        "open": _("open"),
        "acknowledged": _("acknowledged"),
        "reassigned": _("reassigned"),
        "resolved": _("resolved"),
        "unanswered": _("unanswered"),
    }.get(state, state)


def leads_only_text() -> str:
    return _("Only admins, owners and leads can try policy drafts.")


def editing_off_text() -> str:
    return _(
        "Editing from the console is off (SHOULD_AI_CONSOLE_CAN_EDIT): download the YAML and "
        "put it in policies/ yourself."
    )


def applied_text(revision: str, previous: str, error: str | None) -> str:
    if error is not None:
        return _(
            "The draft was written but did not reload, so revision {revision} stays in use: {error}"
        ).format(revision=revision, error=error)
    return _("Applied: policy revision {previous} -> {revision}.").format(
        previous=previous, revision=revision
    )


def not_written_text(error: str) -> str:
    """Apply refused: the draft does not load, or the file cannot be written (``error`` says)."""
    return _("Nothing was written: {error}").format(error=error)


def log_leads_only_text() -> str:
    return _("Only admins, owners and leads can read the decision log.")
