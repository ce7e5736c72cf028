"""The console's routes under ``/console/``: sign-in and out, the playground, the queue and the
policy. Every page needs a session; every POST but the sign-in (whose token is its secret) needs
the session's CSRF token. htmx requests get the fragment they replace, others the whole page."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from aiohttp import web

from bot.core import Core
from bot.core.whatif import WhatIfLab
from bot.escalations.model import Action
from bot.escalations.people import actor_key, platform_user_id
from bot.policy.model import Decision
from bot.settings import Settings
from handlers.common.console_text import (
    admin_only_text,
    applied_text,
    csrf_refused_text,
    editing_off_text,
    leads_only_text,
    link_refused_text,
    log_leads_only_text,
    not_written_text,
    press_text,
    signed_out_again_text,
    signed_out_text,
)
from handlers.common.replies import reply_text
from handlers.web import logview, views
from handlers.web.render import fragment, page
from handlers.web.session import (
    Visitor,
    auth_of,
    clear_cookie,
    csrf_ok,
    set_cookie,
    visitor,
)

Page = Callable[[web.Request, Visitor], Awaitable[web.StreamResponse]]
_ACTIONS: dict[str, Action] = {
    "acknowledge": "acknowledge",
    "reassign": "reassign",
    "resolve": "resolve",
}


@cache
def _htmx() -> bytes:
    return files("handlers.web").joinpath("static/htmx.min.js").read_bytes()


@dataclass
class WebConsole:
    settings: Settings
    core: Core

    def mount(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/console", self._to_root)
        r.add_get("/console/", self._signed_in(self.home))
        r.add_get("/console/static/htmx.min.js", self.htmx)
        r.add_get("/console/signin/{token}", self.signin_page)
        r.add_post("/console/signin", self.signin)
        r.add_post("/console/signout", self._signed_in(self.signout, form=True))
        r.add_get("/console/playground", self._signed_in(self.playground))
        r.add_post("/console/playground", self._signed_in(self.try_one, form=True))
        r.add_post("/console/playground/batch", self._signed_in(self.try_many, form=True))
        r.add_get("/console/queue", self._signed_in(self.queue))
        r.add_post("/console/queue/{id}/{action}", self._signed_in(self.act, form=True))
        r.add_get("/console/policy", self._signed_in(self.policy_page))
        r.add_get("/console/whatif", self._signed_in(self.whatif))
        r.add_get("/console/log", self._signed_in(self.log_page))
        r.add_get("/console/log/export", self._signed_in(self.log_export))
        r.add_post("/console/whatif/preview", self._signed_in(self.whatif_preview, form=True))
        r.add_post("/console/whatif/apply", self._signed_in(self.whatif_apply, form=True))
        r.add_post("/console/whatif/download", self._signed_in(self.whatif_download, form=True))

    # -- plumbing ------------------------------------------------------------------------

    def _signed_in(
        self, handler: Page, *, form: bool = False
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def guarded(request: web.Request) -> web.StreamResponse:
            who = await visitor(request, self.core)
            if who is None:
                if request.headers.get("HX-Request"):
                    return fragment(signed_out_again_text(), status=401)
                return page("signed_out.html", status=401, message=None)
            if form:
                data = await request.post()
                if not csrf_ok(who, data.get("csrf")):
                    return self._refused(request, who, csrf_refused_text())
            return await handler(request, who)

        return guarded

    def _page(self, template: str, who: Visitor, **context: Any) -> web.Response:
        return page(template, who=who, policy=self.core.policy(), **context)

    async def _to_root(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/console/")

    async def htmx(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=_htmx(),
            content_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    # -- sign-in -------------------------------------------------------------------------

    async def signin_page(self, request: web.Request) -> web.StreamResponse:
        """The link opens a page with a button: a chat app's link preview (a GET) must not use
        up the single-use token."""
        return page("signin.html", token=request.match_info["token"])

    async def signin(self, request: web.Request) -> web.StreamResponse:
        data = await request.post()
        token = data.get("token")
        session = await auth_of(self.core).redeem(token) if isinstance(token, str) else None
        if session is None:
            return page("signed_out.html", status=403, message=link_refused_text())
        response = web.Response(status=303, headers={"Location": "/console/"})
        set_cookie(response, request, self.settings, session)
        return response

    async def signout(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        await auth_of(self.core).close(who.session.session_id)
        response = page("signed_out.html", message=signed_out_text())
        clear_cookie(response)
        return response

    async def home(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        return self._page("home.html", who)

    # -- playground ----------------------------------------------------------------------

    async def playground(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        return self._page("playground.html", who, verdict=None, batch=None, text="")

    async def try_one(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        text = str((await request.post()).get("text") or "")
        reply = await self.core.explain(text)
        verdict = {
            "reply": reply,
            "decision": reply.decision,
            "closest": reply.intake.closest if reply.intake else (),
            "plain": reply_text(reply),
            "text": text,
        }
        template = "_verdict.html" if request.headers.get("HX-Request") else "playground.html"
        return self._page(template, who, verdict=verdict, batch=None, text=text)

    async def try_many(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        data = await request.post()
        upload = data.get("file")
        raw = upload.file.read() if isinstance(upload, web.FileField) else None
        lines = views.batch_lines(str(data.get("lines") or ""), raw)
        rows: list[tuple[str, Decision]] = []
        for line in lines:
            reply = await self.core.explain(line)
            if reply.decision is not None:
                rows.append((line, reply.decision))
        policy = self.core.policy()
        batch = {
            "rows": [(text, d, views.category_label(policy, d.category)) for text, d in rows],
            "summary": views.summary(policy, [d for _, d in rows]),
            "skipped": len(lines) - len(rows),
        }
        template = "_batch.html" if request.headers.get("HX-Request") else "playground.html"
        return self._page(template, who, verdict=None, batch=batch, text="")

    # -- queue ---------------------------------------------------------------------------

    async def queue(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        return await self._queue_page(request, who, notice=None)

    async def _queue_page(
        self, request: web.Request, who: Visitor, *, notice: str | None
    ) -> web.StreamResponse:
        by = "category" if request.query.get("by") == "category" else "person"
        policy = self.core.policy()
        found = await self.core.open_escalations()
        if who.role == "member":  # as /should-ai queue: a member sees what they asked for
            mine = actor_key(policy, who.actor)
            found = [e for e in found if e.requester == mine]
        groups = views.queue_groups(policy, found, now=time.time(), by=by)
        template = "_queue.html" if request.headers.get("HX-Request") else "queue.html"
        return self._page(template, who, groups=groups, by=by, notice=notice, total=len(found))

    async def act(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        """Acknowledge, reassign or resolve: the same press as the chat buttons, as the visitor
        (their platform identity), so the same permission rules answer."""
        action = _ACTIONS.get(request.match_info["action"])
        if action is None:
            raise web.HTTPNotFound()
        data = await request.post()
        target = None
        if action == "reassign":
            key = str(data.get("target") or "")
            target = platform_user_id(self.core.policy(), who.actor.platform, key) or key
        pressed = await self.core.presses.escalation(
            actor=who.actor,
            escalation_id=request.match_info["id"],
            action=action,
            target_user_id=target,
            comment=str(data.get("note") or "").strip(),
        )
        return await self._queue_page(request, who, notice=press_text(self.core.policy(), pressed))

    # -- policy --------------------------------------------------------------------------

    async def policy_page(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        lab = self._lab()
        return self._page(
            "policy.html", who, last_reload=lab.last_reload(), coverage=await lab.coverage()
        )

    # -- decision log and charts ---------------------------------------------------------

    async def log_page(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        if who.role == "member":
            return self._refused(request, who, log_leads_only_text())
        entries = await self.core.decision_log(logview.LOG_WINDOW)
        chosen = logview.LogFilter.of(request.query)
        kept = [e for e in entries if chosen.keeps(e)]
        policy = self.core.policy()
        labels = {key: cat.label for key, cat in policy.categories.items()}
        today = datetime.now(UTC).date()
        charts = {
            "by_route": logview.per_day(kept, key="route", kind="decision", today=today),
            "by_category": logview.per_day(kept, key="category", kind="decision", today=today),
            "unanswered": logview.unanswered_per_day(entries, today=today),
            "ack": logview.ack_times(entries, labels),
        }
        rows = [logview.row(e) for e in reversed(kept[-200:])]
        return self._page(
            "log.html",
            who,
            rows=rows,
            total=len(kept),
            chosen=chosen,
            charts=charts,
            labels=labels,
        )

    async def log_export(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        if who.role == "member":
            return self._refused(request, who, log_leads_only_text())
        chosen = logview.LogFilter.of(request.query)
        kept = [e for e in await self.core.decision_log(logview.LOG_WINDOW) if chosen.keeps(e)]
        if request.query.get("format") == "jsonl":
            body, kind, name = logview.as_jsonl(kept), "application/jsonl", "decisions.jsonl"
        else:
            body, kind, name = logview.as_csv(kept), "text/csv", "decisions.csv"
        return web.Response(
            text=body,
            content_type=kind,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # -- what-if -------------------------------------------------------------------------

    def _lab(self) -> WhatIfLab:
        if self.core.what_if is None:
            raise web.HTTPNotFound(text="What-if is not set up on this bot")
        return self.core.what_if

    def _refused(self, request: web.Request, who: Visitor, message: str) -> web.Response:
        """403 with ``message``: the page, or for htmx the notice it swaps in."""
        if request.headers.get("HX-Request"):
            return fragment(message, status=403)
        return page("refused.html", status=403, who=who, message=message)

    async def whatif(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        if who.role == "member":
            return self._refused(request, who, leads_only_text())
        lab = self._lab()
        return self._page(
            "whatif.html",
            who,
            draft=lab.current_text(),
            result=None,
            can_edit=lab.can_edit,
            notice=None,
        )

    async def _draft(self, request: web.Request) -> str:
        return str((await request.post()).get("draft") or "").replace("\r\n", "\n")

    async def whatif_preview(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        if who.role == "member":
            return self._refused(request, who, leads_only_text())
        lab = self._lab()
        draft = await self._draft(request)
        result = await lab.preview(draft)
        template = "_whatif.html" if request.headers.get("HX-Request") else "whatif.html"
        return self._page(
            template, who, draft=draft, result=result, can_edit=lab.can_edit, notice=None
        )

    async def whatif_apply(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        if not who.is_admin:
            return self._refused(request, who, admin_only_text())
        lab = self._lab()
        draft = await self._draft(request)
        applied = await lab.apply(draft)
        if applied.reload is not None:
            r = applied.reload
            notice = applied_text(
                r.revision, r.previous_revision, str(r.error) if r.error else None
            )
        elif applied.error is not None:
            notice = not_written_text(str(applied.error))
        else:
            notice = editing_off_text()
        return self._page(
            "whatif.html", who, draft=draft, result=None, can_edit=lab.can_edit, notice=notice
        )

    async def whatif_download(self, request: web.Request, who: Visitor) -> web.StreamResponse:
        if who.role == "member":
            return self._refused(request, who, leads_only_text())
        return web.Response(
            text=await self._draft(request),
            content_type="application/yaml",
            headers={"Content-Disposition": 'attachment; filename="policy.yaml"'},
        )
