"""Inline button presses: each is answered (answerCallbackQuery); forged or stale data gets a notice."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.chat import state
from bot.chat.callback_data import Callback, parse
from bot.chat.compose import answer_reply, topic_keyboard
from bot.chat.deps import Deps, deps
from bot.chat.flood import NOTICE, Verdict
from bot.chat.render import Reply, answer_html, answer_keyboard, esc, facts_keyboard, passage_html, split_html
from bot.chat.send import send
from bot.chat.texts import FEEDBACK_THANKS, STALE_BUTTON
from bot.engine.answer import Answer

log = logging.getLogger(__name__)
Action = Callable[[CallbackQuery, ContextTypes.DEFAULT_TYPE, Callback], Awaitable[str | None]]
NO_PASSAGE = "The full passage is not available for this answer."
TABLE_PREFIX = "table:"
INLINE_ONLY = "Open the bot to use this button."


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    parsed = parse(query.data)
    d = deps(context)
    if parsed is None or not _valid(d, parsed):
        await query.answer(STALE_BUTTON)
        return
    verdict = d.flood.check(query.from_user.id)
    if verdict is not Verdict.ANSWER:
        await query.answer(NOTICE[:200] if verdict is Verdict.NOTIFY else None)
        return
    notice = await ACTIONS[parsed.action](query, context, parsed)
    await query.answer(notice)


def _valid(d: Deps, cb: Callback) -> bool:
    """The fact, topic or subcommand a button names must still exist."""
    if cb.action == "top":
        return any(t.command == cb.arg for t in d.engine.topics)
    if cb.action == "sub":
        return any(
            t.command == cb.args[0] and any(s.name == cb.args[1] for s in t.subcommands) for t in d.engine.topics
        )
    if cb.action in ("up", "dn") and cb.arg.startswith(TABLE_PREFIX):  # feedback on a table answer
        return d.engine.table(cb.arg.removeprefix(TABLE_PREFIX)) is not None
    return d.engine.fact(cb.arg) is not None


async def _send_new(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, rep: Reply, answer: Answer | None
) -> str | None:
    """Send a new message to the chat the button is in; remember the turn for follow-ups."""
    message = query.message
    if message is None:
        return INLINE_ONLY
    await send(context.bot, message.chat.id, rep)
    if answer is not None:
        d = deps(context)
        await state.save_context(d, context.chat_data, message.chat.id, answer)
        await state.log_question(d, message.chat.id, message.chat.type, query.from_user.id, answer)
    return None


async def _edit(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:  # a double press: the message already shows this
        if "not modified" not in str(exc).lower():
            raise


async def show_source(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    d = deps(context)
    passage = d.engine.passage(cb.arg)
    if not passage:
        return NO_PASSAGE
    answer = d.engine.answer_fact(cb.arg)
    await _edit(query, passage_html(answer, passage), answer_keyboard(answer, showing_passage=True))
    return None


async def show_short(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    answer = deps(context).engine.answer_fact(cb.arg)
    await _edit(query, split_html(answer_html(answer))[0], answer_keyboard(answer))
    return None


async def show_related(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    facts = deps(context).engine.related(cb.arg, 3)
    if not facts:
        return "Nothing related to this one."
    keyboard = facts_keyboard([(f.id, f.questions[0] if f.questions else f.answer) for f in facts])
    return await _send_new(query, context, Reply((esc("Related questions:"),), keyboard), None)


async def answer_fact(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    answer = deps(context).engine.answer_fact(cb.arg)
    return await _send_new(query, context, answer_reply(deps(context).engine, answer), answer)


async def feedback(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    message = query.message
    chat_id, ref = (message.chat.id, str(message.message_id)) if message else (0, query.inline_message_id)
    await state.record_feedback(deps(context), chat_id, query.from_user.id, cb.arg, cb.action == "up", ref)
    return FEEDBACK_THANKS


async def topic(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    d = deps(context)
    answer = d.engine.answer(f"/{cb.arg}")
    return await _send_new(query, context, answer_reply(d.engine, answer, topic_keyboard(d.engine, cb.arg)), answer)


async def subtopic(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, cb: Callback) -> str | None:
    answer = deps(context).engine.answer(f"/{cb.args[0]} {cb.args[1]}")
    return await _send_new(query, context, answer_reply(deps(context).engine, answer), answer)


ACTIONS: dict[str, Action] = {
    "src": show_source,
    "back": show_short,
    "rel": show_related,
    "ans": answer_fact,
    "up": feedback,
    "dn": feedback,
    "top": topic,
    "sub": subtopic,
}
