"""What a scheduling request is really about, before the bot tries to post it (issue 15).

The bot posts in Slack and Discord channels (and on the console). A request to schedule a post
on another network (Instagram, LinkedIn, X...) is recognised here, so it goes to the policy's
networks hand-off or is told plainly that the bot cannot post there, instead of "Which channel
should it go to?". A meeting ("book 30 min with the agency next week", "cale une réunion avec
l'agence") is recognised too: the bot books no meetings and says so.
"""

from __future__ import annotations

import re

_NETWORKS = (
    ("Instagram", r"instagram|insta|ig"),
    ("LinkedIn", r"linkedin"),
    ("X", r"twitter|tweets?|(?<=on )x|(?<=sur )x|x\.com"),
    ("Facebook", r"facebook|fb"),
    ("TikTok", r"tiktok|tik tok"),
    ("YouTube", r"youtube"),
    ("Pinterest", r"pinterest"),
    ("Threads", r"threads app|meta threads"),
    ("Bluesky", r"bluesky"),
    ("Mastodon", r"mastodon"),
)
_NETWORK = [(name, re.compile(rf"\b(?:{words})\b", re.IGNORECASE)) for name, words in _NETWORKS]
_CHANNEL = re.compile(r"(^|\s)#[\w.-]+|<#\w+")
_QUOTED = re.compile(r'"[^"]+"|“[^”]+”|«[^»]+»')
_MEETING_WORD = (
    r"meeting|call|catch[- ]?up|sync|1:1|one[- ]on[- ]one|interview|coffee chat|appointment"
    r"|réunion|reunion|rdv|rendez[- ]vous|visio|appel|point d'équipe"
)
_MEETING_VERB = (
    r"book|set up|arrange|organi[sz]e|schedule|plan|find a time|put|block"
    r"|cale|caler|organise|organiser|planifie|planifier|programme|programmer|réserve|réserver"
    r"|bloque|bloquer|prends|prendre|fixe|fixer"
)
_MEETING = re.compile(
    rf"\b(?:{_MEETING_VERB})\b.{{0,50}}\b(?:{_MEETING_WORD})\b"
    r"|\b\d+\s?(?:min|mins|minutes|h|hours?|heures?)\s+(?:with|avec)\b",
    re.IGNORECASE,
)


def is_meeting(text: str) -> bool:
    """True for a request to book a meeting (not a post: no channel, no quoted text)."""
    if _CHANNEL.search(text) or _QUOTED.search(text):
        return False
    return _MEETING.search(text) is not None


def other_network(text: str) -> str | None:
    """The network a post is for when it is not a chat channel (no channel is named)."""
    if _CHANNEL.search(text):
        return None
    unquoted = _QUOTED.sub(" ", text)
    return next((name for name, pattern in _NETWORK if pattern.search(unquoted)), None)
