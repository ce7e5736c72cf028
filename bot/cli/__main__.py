"""`python -m bot.cli ...` runs the `should-ai` command."""

import sys

from bot.cli.main import main

sys.exit(main())
