"""The error handler: log the failure with the update's context; send the user a one-line apology."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot.chat.retry import is_transient
from bot.chat.texts import APOLOGY

log = logging.getLogger("bot.chat")


def describe(update: object) -> str:
    """``update 12 (chat -100123, user 42, message)``: enough to find the conversation, no message text."""
    if not isinstance(update, Update):
        return "no update" if update is None else type(update).__name__
    chat, user = update.effective_chat, update.effective_user
    kind = next(
        (k for k in ("message", "edited_message", "callback_query", "inline_query") if getattr(update, k)),
        "other",
    )
    chat_id, user_id = chat.id if chat else "-", user.id if user else "-"
    return f"update {update.update_id} (chat {chat_id}, user {user_id}, {kind})"


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    where = describe(update)
    if isinstance(error, TimedOut) and not is_transient(error):
        # Sent, but no answer in time (bot.chat.retry): it may well have arrived, so it is not resent.
        log.warning(
            "Telegram timed out while handling %s: the call may have gone through, so it is not sent again", where
        )
        return
    # Telegram unreachable or pacing us (transient errors end here after send's last retry): an apology won't
    # get through either.
    if isinstance(error, RetryAfter | NetworkError):
        log.warning("Telegram API problem while handling %s: %s", where, error)
        return
    if isinstance(error, Forbidden):
        log.info("not allowed to answer %s: %s", where, error)
        return
    log.error("handler failed for %s", where, exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(APOLOGY)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, APOLOGY)
    except TelegramError as exc:
        log.warning("could not send the apology for %s: %s", where, exc)
