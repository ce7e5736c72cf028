"""AI work for routine requests: drafting through an LLM, scheduling posts, the LLM judge.

- ``llm``: the chat model behind any OpenAI-compatible endpoint (timeouts, retries, size bounds).
- ``guard``: the one door to that model; a request routed to a person never goes through it.
- ``drafting``: drafts as durable jobs, with Use it / Regenerate / Discard.
- ``timeparse`` and ``scheduling``: English and French times, confirmed before anything is posted;
  each platform posts later through its :class:`~bot.ai.model.PostScheduler` (Slack's lives in
  handlers/slack/), or ``timer_scheduler`` (a timer job, for a platform without one: Discord).
- ``judge``: the classifier's optional last layer, for requests no other layer could place.
- ``service``: :class:`AiWork`, what the composition root builds; adapters reach it through
  the core's flows (:mod:`bot.core`) and register their ports through the core.
- ``model``: what AI work stores and hands out, and its ports (draft delivery, post scheduler).
- ``notes``: what AI work tells a requester, as values (:class:`~bot.ai.notes.AiNote`,
  :class:`~bot.ai.notes.AiOutcome`); the adapters word them (handlers/common/ai_text.py).
- ``honest``: a category whose work the bot does not do (data, personalization, support) says
  plainly that no person is needed and which of the team's tools does it; no LLM is asked.
- ``second_look``: before any AI work, the LLM may send a request to a person (never back).
- ``handoffs``: a category's requests, and posts for other networks, to the team's own tools
  through signed webhooks (:mod:`bot.handoff`).
- ``post_target``: a post for another network, or a meeting, recognised before scheduling.
- ``draft_ids``: short draft ids people can type (``d-7Q3K``), found by any unambiguous start.
"""

# Submodules, not names: importing bot.ai stays cheap (the LLM client loads with service).
__all__ = [
    "draft_ids",
    "drafting",
    "guard",
    "handoffs",
    "honest",
    "judge",
    "llm",
    "model",
    "notes",
    "post_target",
    "scheduling",
    "second_look",
    "service",
    "store",
    "timeparse",
    "timer_scheduler",
]
