"""The `should-ai` command line: :mod:`.main` (check, eval, policy, and the entry point),
:mod:`.ops` (serve, health, log, escalations: the commands that need the running bot's parts),
:mod:`.evaluate` (the scores `eval` and `policy test` report).

Start-up matters (`should-ai check` answers in about a second), so importing this package loads
only :mod:`.main`, which imports the standard library at the top and the rest when a command runs.
"""

from bot.cli.main import main

__all__ = ["main"]
