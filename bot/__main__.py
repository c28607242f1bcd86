"""`python -m bot` is the `natobot` command."""

import sys

from bot.cli import main

sys.exit(main())
