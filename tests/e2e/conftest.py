"""End-to-end fixtures: the Bot API stand-in on 127.0.0.1 and the real Application polling it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram.ext import Application

from bot.chat.app import ALLOWED_UPDATES, RATE_LIMIT_RETRIES, build_application
from bot.chat.flood import FloodGuard
from bot.chat.limiter import ChatRateLimiter
from bot.chat.ports import EngineLike
from bot.config import Settings

from .botapi import BotAPIStandIn

POLL_TIMEOUT = 2  # seconds per long poll; stopping abandons the poll, so this does not slow teardown
# Sends to one private chat are paced 50 ms apart instead of 1.1 s: tests that ask several questions in one chat
# stay fast, while every send still goes through the limiter's code (its timing has its own tests).
TEST_PRIVATE_PERIOD = 0.05


@pytest.fixture(scope="session")
def engine() -> EngineLike:
    from bot.engine import Engine

    return Engine.load()


@pytest.fixture
def api() -> Iterator[BotAPIStandIn]:
    server = BotAPIStandIn().start()
    yield server
    server.stop()


def settings_for(api: BotAPIStandIn, tmp_path: Any) -> Settings:
    return Settings(token=api.token, api_base_url=api.base_url, db=str(tmp_path / "natobot.db"))


@asynccontextmanager
async def running(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """What run_polling does, in the test's event loop: initialize, post_init, poll, start; then stop it all
    (the updater confirms fetched updates with a last getUpdates on the way out)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(
        timeout=POLL_TIMEOUT, poll_interval=0, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3
    )
    await app.start()
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def fast_limiter() -> ChatRateLimiter:
    """The real limiter with sends to one private chat 50 ms apart (see TEST_PRIVATE_PERIOD)."""
    return ChatRateLimiter(max_retries=RATE_LIMIT_RETRIES, private_time_period=TEST_PRIVATE_PERIOD)


@pytest.fixture
def make_app(api: BotAPIStandIn, engine: EngineLike, tmp_path: Any) -> Any:
    def make(
        engine_override: EngineLike | None = None, flood: FloodGuard | None = None
    ) -> Application[Any, Any, Any, Any, Any, Any]:
        return build_application(
            settings_for(api, tmp_path), engine_override or engine, flood=flood or FloodGuard(limit=1000),
            rate_limit=fast_limiter(),
        )  # fmt: skip

    return make


@pytest.fixture
async def bot(make_app: Any) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    app = make_app()
    async with running(app):
        yield app
