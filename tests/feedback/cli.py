"""Run the `should-ai` command line from an async test, as an admin would in a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import io

from bot.cli.main import main


async def should_ai(*argv: str) -> tuple[int, str]:
    """Exit code and standard output of ``should-ai ARGV`` (in a thread: it runs its own loop)."""

    def run() -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(list(argv))
        return code, out.getvalue()

    return await asyncio.to_thread(run)
