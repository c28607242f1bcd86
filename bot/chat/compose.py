"""Replies built from the engine's answers: the answer's HTML, its buttons, and topic subcommand buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.chat.ports import EngineLike
from bot.chat.render import Reply, answer_html, answer_keyboard, split_html, subtopics_keyboard
from bot.engine.answer import Answer


def merge_keyboards(*boards: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    rows = [list(row) for b in boards if b is not None for row in b.inline_keyboard]
    return InlineKeyboardMarkup(rows) if rows else None


def has_passage(engine: EngineLike, answer: Answer) -> bool:
    return answer.fact_id is not None and engine.fact(answer.fact_id) is not None


def answer_reply(engine: EngineLike, answer: Answer, extra: InlineKeyboardMarkup | None = None) -> Reply:
    keyboard = answer_keyboard(answer, has_passage=has_passage(engine, answer))
    return Reply(tuple(split_html(answer_html(answer))), merge_keyboards(keyboard, extra))


def topic_keyboard(engine: EngineLike, command: str) -> InlineKeyboardMarkup | None:
    topic = next((t for t in engine.topics if t.command == command), None)
    return subtopics_keyboard(topic) if topic else None
