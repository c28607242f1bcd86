"""Message and command handlers: parse the update, call the engine, send the rendered reply.

Decisions (DESIGN.md "Bot behaviour in Telegram"):
- Private chats: any text is a question; unknown commands get a pointer to /help.
- Groups: commands (``/cmd`` and ``/cmd@ThisBot``; PTB's CommandHandler drops ``/cmd@OtherBot``), mentions
  of the bot and replies to its messages. Everything else is ignored. Answers reply to the triggering message.
- Messages without text (stickers, photos, voice) and edited messages: a one-line hint in private chats,
  ignored in groups. An edit is not answered again: the original was answered already, and a second answer
  to the same message would be noise; the hint asks for the corrected question as a new message.
- Channel posts are not subscribed to (allowed_updates).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.chat import admin, deeplink, state
from bot.chat.addressing import question_text
from bot.chat.compose import answer_reply, topic_keyboard
from bot.chat.deps import deps
from bot.chat.flood import NOTICE, Verdict
from bot.chat.render import Reply
from bot.chat.send import send
from bot.chat.texts import (
    ASK_USAGE,
    EDITED_HINT,
    MENTION_HINT,
    NO_TEXT_HINT,
    UNKNOWN_COMMAND,
    about_reply,
    help_reply,
    hint,
    start_reply,
    topics_reply,
)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def guarded(handler: Handler) -> Handler:
    """Apply the per-user flood guard before ``handler``: one polite notice per burst, then silence."""

    @wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        verdict = deps(context).flood.check(user.id) if user else Verdict.ANSWER
        if verdict is Verdict.ANSWER:
            await handler(update, context)
        elif verdict is Verdict.NOTIFY:
            await reply_with(update, context, hint(NOTICE))

    return wrapper


async def reply_with(update: Update, context: ContextTypes.DEFAULT_TYPE, rep: Reply) -> None:
    message = update.effective_message
    if message is not None:
        await send(context.bot, message.chat_id, rep, reply_to=message)


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, extra: InlineKeyboardMarkup | None = None
) -> None:
    """Ask the engine (with the chat's last turn as context), reply, remember the turn, log the question."""
    message, d = update.effective_message, deps(context)
    if message is None:
        return
    chat_id, user, engine = message.chat_id, update.effective_user, d.engine  # one engine for the whole turn
    answer = engine.answer(text, await state.load_context(d, context.chat_data, chat_id))
    await send(context.bot, chat_id, answer_reply(engine, answer, extra), reply_to=message)
    await state.save_context(d, context.chat_data, chat_id, answer)
    await state.log_question(d, chat_id, message.chat.type, user.id if user else None, answer)


# --- commands -------------------------------------------------------------------------------------------


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    d = deps(context)
    fact_id = deeplink.decode(context.args[0]) if context.args else None
    if fact_id and d.engine.fact(fact_id) is not None:
        answer = d.engine.answer_fact(fact_id)
        await reply_with(update, context, answer_reply(d.engine, answer))
        if update.effective_chat:
            await state.save_context(d, context.chat_data, update.effective_chat.id, answer)
        return
    await reply_with(update, context, start_reply(d.engine))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, help_reply(deps(context).engine))


async def on_topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, topics_reply(deps(context).engine))


async def on_about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, about_reply(deps(context).engine))


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if not context.args or message is None or not message.text:
        await reply_with(update, context, hint(ASK_USAGE))
        return
    await answer_question(update, context, message.text)


async def on_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/kfor`` (overview and subtopic buttons) or ``/kfor commanders`` (that answer)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split(maxsplit=1)[0].lstrip("/").partition("@")[0].lower()
    extra = None if context.args else topic_keyboard(deps(context).engine, command)
    await answer_question(update, context, message.text, extra)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, hint(UNKNOWN_COMMAND))


# --- admin commands (NATOBOT_ADMIN_IDS; everyone else gets the unknown-command reply) ------------------


def _admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if admin.is_admin(deps(context), user.id if user else None):
            await handler(update, context)
        else:
            await on_unknown_command(update, context)

    return wrapper


@_admin_only
async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, await admin.stats_reply(deps(context)))


@_admin_only
async def on_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, await admin.unanswered_reply(deps(context), context.args))


@_admin_only
async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, await admin.reload_reply(deps(context)))


# --- plain messages -------------------------------------------------------------------------------------


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message and message.text and message.text.strip():
        await answer_question(update, context, message.text)


async def on_group_addressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A mention of the bot or a reply to it: the text without the mention is the question."""
    message = update.effective_message
    if message is None:
        return
    text = question_text(message)
    if text:
        await answer_question(update, context, text)
    else:
        await reply_with(update, context, hint(MENTION_HINT))


async def on_private_no_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, hint(NO_TEXT_HINT))


async def on_private_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply_with(update, context, hint(EDITED_HINT))
