"""The pure engine: load the library, understand a question, answer / clarify / decline. No I/O on the
question path, no Telegram, no database."""

from bot.engine.answer import Answer, Context, Source, Suggestion
from bot.engine.core import Engine
from bot.engine.errors import DataError, Problem

__all__ = ["Answer", "Context", "DataError", "Engine", "Problem", "Source", "Suggestion"]
