"""Per-chat follow-up context, the query log and feedback: bot.storage when it works, chat_data always.

Storage is best effort: any failure is logged and the bot keeps answering. Writes are non-blocking (queued
by bot.storage); only reading a chat's state awaits.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.chat.deps import Deps
from bot.engine.answer import Answer, Context

log = logging.getLogger(__name__)
CONTEXT_KEY = "context"


async def load_context(d: Deps, chat_data: dict[Any, Any] | None, chat_id: int) -> Context | None:
    """The chat's last turn: from chat_data, else (after a restart) from storage."""
    if chat_data is not None and isinstance(chat_data.get(CONTEXT_KEY), Context):
        return chat_data[CONTEXT_KEY]  # type: ignore[no-any-return]
    if d.storage is None:
        return None
    try:
        saved = await d.storage.get_chat_state(chat_id)
        raw = saved.get(CONTEXT_KEY) if isinstance(saved, dict) else None
        return Context.from_dict(raw) if isinstance(raw, dict) else None
    except Exception:
        log.warning("storage: reading the context of chat %s failed", chat_id, exc_info=True)
        return None


async def save_context(d: Deps, chat_data: dict[Any, Any] | None, chat_id: int, answer: Answer) -> None:
    if answer.context is None:
        return
    if chat_data is not None:
        chat_data[CONTEXT_KEY] = answer.context
    if d.storage is None:
        return
    try:
        d.storage.set_chat_state(chat_id, {CONTEXT_KEY: answer.context.to_dict()})
    except Exception:
        log.warning("storage: saving the context of chat %s failed", chat_id, exc_info=True)


async def log_question(d: Deps, chat_id: int, chat_type: str, user_id: int | None, answer: Answer) -> None:
    if d.storage is None:
        return
    try:
        d.storage.log_question(
            chat_id=chat_id,
            user_id=user_id,
            chat_type=chat_type,
            text=answer.question,
            normalised=answer.context.text if answer.context else " ".join(answer.question.lower().split()),
            fact_id=answer.fact_id,
            confidence=answer.confidence,
            status=answer.status,
        )
    except Exception:
        log.warning("storage: logging a question from chat %s failed", chat_id, exc_info=True)


async def record_feedback(
    d: Deps, chat_id: int, user_id: int, fact_id: str, helpful: bool, answer_ref: str | None
) -> None:
    """One vote; ``answer_ref`` (the answer's message id) makes a user's second vote replace the first."""
    if d.storage is None:
        return
    try:
        d.storage.record_feedback(
            chat_id=chat_id,
            user_id=user_id,
            fact_id=fact_id,
            vote=1 if helpful else -1,
            question_ref=answer_ref,
        )
    except Exception:
        log.warning("storage: recording feedback from chat %s failed", chat_id, exc_info=True)
