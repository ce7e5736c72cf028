"""Messages that are not work for anyone: greetings, thanks, "ok", "?", a lone word, a mistyped
sub-command. They are recognised before the policy and answered with help; nobody is pinged.

A message is *not a request* when, once normalised and stripped of the bot's own name
("/should-ai", "@should-ai" and misspellings of it), it has no words at all (emoji,
punctuation), only small talk (every word is in the English or French lists below), or a single
word ("crisis", "newsletter": a topic, not an ask). A lone word close to a sub-command ("hlep",
"queu", "stauts") is answered with that command as a suggestion.

Anything with two or more words that are not small talk is a request, so a real ask is never
mistaken for chatter ("test the new subject line" is a request; "test 123" is not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.policy.normalize import normalize, word_form

Kind = Literal["empty", "small talk", "lone word", "command"]
MAX_WORDS = 8  # longer messages are requests, whatever their words

COMMANDS = ("help", "queue", "why", "policy", "reload", "scheduled", "aide")
_BOT_NAMES = ("shouldai", "should", "ai", "ia", "bot")

# Words that carry no ask on their own, in English and French (folded: no accents, lower case).
_SMALL_TALK = frozenset(
    """
    hi hello hey heyy heyyy hiya howdy yo sup gm gn morning afternoon evening good night day
    all team folks everyone everybody there again guys people world happy monday tuesday
    wednesday thursday friday weekend tgif thanks thank you thx ty tysm cheers mate much many
    lot so appreciated appreciate it a great perfect awesome nice cool ok okay okie k kk got
    gotcha roger noted understood sure alright sounds yes yep yup yeah no nope np worries fine
    lol haha hahaha lmao oh ah hmm hmmm wow oops my bad nvm never mind nevermind sorry wrong
    channel chat thread ignore that this brb afk back bye see ya later have the test testing
    ping is thing on figured out asdf qwerty help please pls plz done that's thats s
    bonjour salut coucou tout le monde la les gens a tous toutes bjr slt cc bonsoir bonne
    journee matin soir allo lundi vendredi semaine re rebonjour resalut ca va bien et toi vous
    merci mci mrc bcp beaucoup toi grand super top nickel pour c est parfait mille mercis equipe
    gentil oki okok d accord dac acc marche entendu compris recu sur note ouais oui non ouep
    bof bah ah bon mdr ptdr oups pardon desole mauvais mauvaise canal conv laisse tomber j ai
    trouve oublie ce que dit nan rien etait une erreur plus tantot soiree week end nuit demain
    ciao tcho je reviens de retour ouf pfff bravo joue essai un fonctionne tu m entends y quelqu
    aide svp stp xd l trop
    """.split()  # noqa: SIM905 -- a word list reads better as text
)


@dataclass(frozen=True)
class NonRequest:
    """Why a message is not a request, and the sub-command it may have meant."""

    kind: Kind
    suggestion: str | None = None


def non_request(text: str) -> NonRequest | None:
    """The reason ``text`` is not a request, or None if it is one."""
    words = [w for w in word_form(normalize(text)).split() if not _is_bot_name(w)]
    if not words:
        return NonRequest("empty")
    if len(words) > MAX_WORDS:
        return None
    content = [w for w in words if w not in _SMALL_TALK and not w.isdigit()]
    if not content:
        command = next((w for w in words if w in COMMANDS), None)
        return NonRequest("command", command) if command else NonRequest("small talk")
    command = _command_like(content[0]) if len(content) == 1 else None
    if command:
        return NonRequest("command", command)
    return NonRequest("lone word") if len(words) == 1 else None


def _is_bot_name(word: str) -> bool:
    if word in _BOT_NAMES:
        return True
    return word.startswith(("sh", "so")) and any(_close(word, n, 2) for n in ("should", "shouldai"))


def _command_like(word: str) -> str | None:
    if word in COMMANDS:
        return word
    for command in COMMANDS:
        if _close(word, command, 1 if len(command) <= 4 else 2):
            return command
    return None


def _close(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance (adjacent swaps count once) of at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1] <= limit
