"""/start, /help, /topics, /about: the plain-text bodies of bot.replies, rendered as HTML."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from bot.chat.ports import EngineLike
from bot.chat.render import Reply, esc, reply, topics_keyboard

NO_TEXT_HINT = "I answer text questions only — type one, for example: when did Kyrgyzstan join PfP?"
EDITED_HINT = "I saw your edit. I answer new messages only, so please send the corrected question again."
MENTION_HINT = "Yes? Ask me a question about the documents I know — /topics lists them."
ASK_USAGE = "Usage: /ask QUESTION — for example /ask when did Kazakhstan join PfP"
UNKNOWN_COMMAND = "I don't know that command. /help shows what I can do."
APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
STALE_BUTTON = "This button is no longer valid."
FEEDBACK_THANKS = "Thanks for the feedback!"


def _fallback(name: str, engine: EngineLike) -> str:
    if name == "topics_text":
        return "\n".join(f"/{t.command} — {t.title}" for t in engine.topics)
    if name == "about_text":
        return "\n".join(f"{d.title} (as of {d.as_of})" for d in engine.documents)
    return "Ask me about NATO's relations with the countries and operations in my documents.\n/topics /about"


def _body(name: str, engine: EngineLike) -> str:
    """bot.replies.<name>(engine) when the module is there, else a minimal text built from the engine."""
    try:
        fn: Callable[[Any], str] = getattr(importlib.import_module("bot.replies"), name)
    except (ImportError, AttributeError):
        return _fallback(name, engine)
    return fn(engine)


def start_reply(engine: EngineLike) -> Reply:
    return reply(esc(_body("start_text", engine)), topics_keyboard(engine.topics))


def help_reply(engine: EngineLike) -> Reply:
    return reply(esc(_body("help_text", engine)), topics_keyboard(engine.topics))


def topics_reply(engine: EngineLike) -> Reply:
    return reply(esc(_body("topics_text", engine)), topics_keyboard(engine.topics))


def about_reply(engine: EngineLike) -> Reply:
    return reply(esc(_body("about_text", engine)))


def hint(text: str) -> Reply:
    return reply(esc(text))
