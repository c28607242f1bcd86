"""``natobot run``: the Telegram bot, by long polling (default) or behind a webhook.

Exit codes: 0 after a normal stop (SIGINT/SIGTERM), 1 when the data does not load or the Bot API cannot be
reached, 2 on bad usage or a missing or rejected token. Problems are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.config import Settings, SettingsError

BOOTSTRAP_RETRIES = 5  # getMe / deleteWebhook / setWebhook at start-up: a 502 or a timeout is retried
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
POLL_TIMEOUT = 30  # long-poll seconds per getUpdates

log = logging.getLogger("bot.runner")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes the token (and the webhook secret token, which PTB logs at DEBUG with
    setWebhook's parameters) from the line: messages, URLs and tracebacks alike."""

    def __init__(self, settings: Settings, fmt: str, secrets: Sequence[str] = ()) -> None:
        super().__init__(fmt)
        self.settings = settings
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        line = self.settings.redact(super().format(record))
        for secret in self.secrets:
            line = line.replace(secret, "[secret]")
        return line


def configure_logging(settings: Settings, secrets: Sequence[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(settings, "%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO, and the URL holds the token: keep it to warnings.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="natobot run", description="Run the Telegram bot (long polling by default).")
    p.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to (enables webhook mode)")
    p.add_argument("--listen", default="127.0.0.1", help="address the webhook server binds (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port the webhook server binds (default 8080)")
    p.add_argument("--secret-token", help="X-Telegram-Bot-Api-Secret-Token expected on webhook requests")
    return p


def fail(message: str, code: int) -> int:
    print(f"natobot run: {message}", file=sys.stderr)
    return code


async def check_token(settings: Settings) -> None:
    """One getMe, so that a rejected token is one clear line and not a retry loop. Network trouble is left
    to the bootstrap retries of run_polling/run_webhook."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    try:
        async with Bot(settings.token or "", base_url=settings.api_base_url or DEFAULT_BASE_URL) as bot:
            await bot.get_me()
    except InvalidToken:
        raise
    except NetworkError as exc:
        log.warning("Bot API not reachable yet (%s); retrying during start-up", exc)


def run(argv: Sequence[str]) -> int:
    args_in = list(argv)
    if args_in[:1] == ["run"]:
        args_in = args_in[1:]
    try:
        args = parser().parse_args(args_in)
    except SystemExit as exc:  # --help (0) or bad usage (2); argparse has printed the message
        return int(exc.code or 0)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return fail(str(exc), 2)
    if not settings.token:
        return fail("TELEGRAM_BOT_TOKEN is not set (get a token from @BotFather)", 2)
    configure_logging(settings, [args.secret_token] if args.secret_token else [])

    from telegram import error as tg_error

    from bot.chat.app import ALLOWED_UPDATES, build_application
    from bot.engine.errors import DataError

    try:
        app = build_application(settings)
    except DataError as exc:
        return fail(str(exc), 1)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(check_token(settings))
        if args.webhook_url:
            path = urlsplit(args.webhook_url).path.lstrip("/")
            app.run_webhook(
                listen=args.listen,
                port=args.port,
                url_path=path,
                webhook_url=args.webhook_url,
                secret_token=args.secret_token,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=POLL_TIMEOUT, bootstrap_retries=BOOTSTRAP_RETRIES)
    except tg_error.InvalidToken:
        return fail("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); check the token", 2)
    except tg_error.TelegramError as exc:
        return fail(f"could not start: {settings.redact(str(exc))}", 1)
    finally:
        if not loop.is_closed():
            loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
