"""``build_application(settings)``: the python-telegram-bot Application with every handler registered.

Importing this module needs no token; building the application does.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.chat import handlers as h
from bot.chat.addressing import AddressedToBot
from bot.chat.callbacks import on_callback
from bot.chat.deps import KEY, Deps, app_deps
from bot.chat.errors import on_error
from bot.chat.flood import FloodGuard
from bot.chat.inline import on_inline_query
from bot.chat.limiter import ChatRateLimiter
from bot.chat.ports import EngineLike
from bot.chat.updates import MAX_RUNNING, MAX_RUNNING_UNPACED, ChatOrderedProcessor
from bot.config import Settings, SettingsError

log = logging.getLogger("bot.chat")

RATE_LIMIT_RETRIES = 3  # a 429 is retried (after its retry_after) this many times before it reaches on_error
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query"]
BASIC_COMMANDS = {
    "start": "Start: what I can answer",
    "help": "How to ask, with examples",
    "topics": "What I know about",
    "about": "The documents I answer from",
    "ask": "Ask a question: /ask when did Kazakhstan join PfP",
}
GROUP_BASIC = ("ask", "topics", "about", "help")
DESCRIPTION = (
    "I answer questions about a few NATO documents (NATO's relations with Kazakhstan, the Republic of "
    "Korea and the Kyrgyz Republic, KFOR and Kosovo, the 1999 air campaign, cyber defence) with a short "
    "answer and the exact sentence it comes from. Ask in plain words, or try /topics."
)


def build_application(
    settings: Settings,
    engine: EngineLike | None = None,
    *,
    flood: FloodGuard | None = None,
    rate_limit: bool | ChatRateLimiter = True,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for run_polling / run_webhook. ``engine`` defaults to ``Engine.load()``. ``rate_limit``:
    True paces sends to Telegram's flood limits (``ChatRateLimiter``), False sends at once (benchmarks, tests);
    a ``ChatRateLimiter`` is used as given (tests: shorter periods)."""
    if not settings.token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set")
    # Opt in to PTB 23's timedelta durations now: otherwise every 429 (RetryAfter) emits a deprecation warning.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    for name in ("httpx", "httpcore"):  # they log each request URL at INFO/DEBUG, and the URL holds the token
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.WARNING))
    if engine is None:
        from bot.engine import Engine

        engine = Engine.load()
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        # Chats in parallel, each chat in order (a follow-up sees the previous turn).
        .concurrent_updates(ChatOrderedProcessor(MAX_RUNNING if rate_limit else MAX_RUNNING_UNPACED))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if rate_limit:
        limiter = ChatRateLimiter(max_retries=RATE_LIMIT_RETRIES) if rate_limit is True else rate_limit
        builder = builder.rate_limiter(limiter)
    app = builder.build()
    app.bot_data[KEY] = Deps(engine=engine, settings=settings, flood=flood or FloodGuard())
    register_handlers(app, engine)
    return app


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any], engine: EngineLike) -> None:
    """Every handler, in the order PTB tries them (the first match in a group wins)."""
    new = filters.UpdateType.MESSAGE  # commands and questions: new messages only, never edits
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    g = h.guarded  # per-user flood guard
    # Commands, in private chats and groups ("/cmd@OtherBot" never matches: CommandHandler checks the name).
    app.add_handler(CommandHandler("start", g(h.on_start), filters=new))
    app.add_handler(CommandHandler("help", g(h.on_help), filters=new))
    app.add_handler(CommandHandler("topics", g(h.on_topics), filters=new))
    app.add_handler(CommandHandler("about", g(h.on_about), filters=new))
    app.add_handler(CommandHandler("ask", g(h.on_ask), filters=new))
    topic_commands = [t.command for t in engine.topics]
    if topic_commands:
        app.add_handler(CommandHandler(topic_commands, g(h.on_topic), filters=new))
    # Admin commands: private chats only, never in the menu; non-admins get the unknown-command reply.
    app.add_handler(CommandHandler("stats", g(h.on_stats), filters=new & private))
    app.add_handler(CommandHandler("unanswered", g(h.on_unanswered), filters=new & private))
    app.add_handler(CommandHandler("reload", g(h.on_reload), filters=new & private))
    # Private chats: unknown commands get a pointer to /help; any other text is a question.
    app.add_handler(MessageHandler(new & private & filters.COMMAND, g(h.on_unknown_command)))
    app.add_handler(MessageHandler(new & private & filters.TEXT, g(h.on_private_text)))
    # Groups: only mentions of the bot and replies to its messages; all other chatter is ignored.
    app.add_handler(
        MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND & AddressedToBot(), g(h.on_group_addressed))
    )
    # Private chats: stickers, photos, voice... and edited messages get a one-line hint (ignored in groups).
    app.add_handler(MessageHandler(new & private & ~filters.TEXT, h.on_private_no_text))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, h.on_private_edited))
    # Buttons and inline mode.
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(InlineQueryHandler(on_inline_query))
    app.add_error_handler(on_error)


def bot_commands(engine: EngineLike, *, group: bool) -> list[BotCommand]:
    """The command menu: basics plus one command per topic (Telegram: [a-z0-9_]{1,32}, description ≤ 256)."""
    basics = [(c, BASIC_COMMANDS[c]) for c in (GROUP_BASIC if group else BASIC_COMMANDS)]
    topics = [(t.command, (t.title or t.description or t.command)[:256]) for t in engine.topics]
    return [
        BotCommand(name, desc)
        for name, desc in basics[:1] + topics + basics[1:]
        if name.isascii() and 0 < len(name) <= 32 and all(c.isalnum() or c == "_" for c in name)
    ]


async def publish_profile(app: Application[Any, Any, Any, Any, Any, Any], engine: EngineLike) -> None:
    """Command menus (private and group scopes) and the description; failures are logged, not fatal."""
    try:
        await app.bot.set_my_commands(bot_commands(engine, group=False), scope=BotCommandScopeAllPrivateChats())
        await app.bot.set_my_commands(bot_commands(engine, group=True), scope=BotCommandScopeAllGroupChats())
        await app.bot.set_my_description(DESCRIPTION)
    except TelegramError as exc:
        log.warning("could not publish the command menu or description: %s", exc)


async def open_storage(d: Deps) -> None:
    """Open bot.storage when it exists; without it the bot still answers (context then lives in chat_data)."""
    try:
        from bot.storage import Storage

        if not d.settings.db.startswith("file:") and d.settings.db != ":memory:":
            Path(d.settings.db).parent.mkdir(parents=True, exist_ok=True)
        d.storage = await Storage.open(d.settings.db)
    except Exception as exc:
        d.storage = None
        log.warning("storage unavailable (%s); answering without the query log", type(exc).__name__)


async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    d = app_deps(app)
    await open_storage(d)
    await publish_profile(app, d.engine)
    log.info("natobot started as @%s with %d records", app.bot.username, d.engine.fact_count)


async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    d = app_deps(app)
    if d.storage is not None:
        try:
            await d.storage.close()
        except Exception:
            log.warning("closing storage failed", exc_info=True)
        d.storage = None
