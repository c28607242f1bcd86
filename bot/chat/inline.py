"""Inline mode: ``@ThisBot query`` returns up to 10 answer articles usable in any chat."""

from __future__ import annotations

import hashlib

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.ext import ContextTypes

from bot.chat import deeplink
from bot.chat.deps import deps
from bot.chat.ports import EngineLike
from bot.chat.render import answer_html, split_html
from bot.engine.answer import Answer

MAX_RESULTS = 10
CACHE_SECONDS = 300  # answers depend only on the query and the data
STARTERS = 5


def result_id(fact_id: str) -> str:
    """Stable per fact: the fact id itself, or a digest when it would exceed Telegram's 64 bytes."""
    return fact_id if len(fact_id.encode()) <= 64 else hashlib.sha256(fact_id.encode()).hexdigest()[:32]


def inline_answers(engine: EngineLike, query: str) -> list[Answer]:
    """The answers to offer: starter facts for an empty query; the answer and its related facts; or the
    "did you mean" facts for an unclear one; nothing when the engine declines without suggestions."""
    text = query.strip()
    if not text:
        ids = [f.id for f in engine.starter_facts(STARTERS)]
    else:
        answer = engine.answer(text)
        if answer.answered and answer.fact_id:
            ids = [
                answer.fact_id,
                *answer.related,
                *(f.id for f in engine.related(answer.fact_id, MAX_RESULTS)),
            ]
        else:
            ids = [s.fact_id for s in answer.suggestions]
    unique = list(dict.fromkeys(i for i in ids if engine.fact(i) is not None))[:MAX_RESULTS]
    return [engine.answer_fact(i) for i in unique]


def article(answer: Answer, bot_username: str) -> InlineQueryResultArticle:
    fact_id = answer.fact_id or ""
    link = deeplink.url(bot_username, fact_id)
    source = answer.sources[0].title if answer.sources else ""
    return InlineQueryResultArticle(
        id=result_id(fact_id),
        title=answer.text if len(answer.text) <= 100 else answer.text[:99] + "…",
        description=source,
        input_message_content=InputTextMessageContent(split_html(answer_html(answer))[0]),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Ask natobot", url=link)]]) if link else None,
    )


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    if query is None:
        return
    username = context.bot.username
    results = [article(a, username) for a in inline_answers(deps(context).engine, query.query)]
    await query.answer(
        results,
        cache_time=CACHE_SECONDS,
        is_personal=False,
        button=InlineQueryResultsButton("Ask natobot in a private chat", start_parameter="inline"),
    )
