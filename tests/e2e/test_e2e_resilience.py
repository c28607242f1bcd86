"""Start-up, rate limits, the flood guard and failures inside handlers."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.chat.flood import FloodGuard

from .botapi import TOKEN, BotAPIStandIn, private_chat, user, wait_until
from .conftest import running
from .helpers import ScriptedEngine

ANN = user()
CHAT = private_chat(ANN)


async def test_startup_publishes_commands_description_and_logs_one_line(
    api: BotAPIStandIn, make_app: Any, engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(make_app()):
        pass
    private = {c["command"] for c in api.commands["all_private_chats"]}
    groups = {c["command"] for c in api.commands["all_group_chats"]}
    topics = {t.command for t in engine.topics}
    assert private == topics | {"start", "help", "topics", "about", "ask"}
    assert groups == topics | {"help", "topics", "about", "ask"}
    assert "NATO" in api.description
    [line] = [r.getMessage() for r in caplog.records if "started as" in r.getMessage()]
    assert f"@natobot_test_bot with {engine.fact_count} records" in line
    assert TOKEN not in caplog.text


async def test_429_is_retried_after_retry_after_and_the_answer_arrives(api: BotAPIStandIn, bot: Any) -> None:
    api.fail("sendMessage", 429, retry_after=1)
    api.message(CHAT, ANN, "when did Kazakhstan join PfP")
    [reply] = await wait_until(lambda: api.bot_messages(CHAT["id"]), timeout=8)
    assert "1995" in reply["text"]
    sends = api.calls_of("sendMessage")
    assert len(sends) == 2 and sends[1].at - sends[0].at >= 1.0


async def test_502_at_startup_is_retried(api: BotAPIStandIn, make_app: Any) -> None:
    api.fail("deleteWebhook", 502)
    async with running(make_app()):
        api.message(CHAT, ANN, "when did Kazakhstan join PfP")
        assert await wait_until(lambda: api.bot_messages(CHAT["id"]))
    assert len(api.calls_of("deleteWebhook")) == 2


async def test_a_burst_gets_one_polite_notice(api: BotAPIStandIn, make_app: Any) -> None:
    async with running(make_app(flood=FloodGuard(limit=3, window=60))):
        for _ in range(10):
            api.message(CHAT, ANN, "when did Kazakhstan join PfP")
        marker = api.message(private_chat(user(3003)), user(3003), "/help")  # another user is not throttled
        await wait_until(lambda: api.bot_messages(marker["chat"]["id"]))
    texts = api.texts(CHAT["id"])
    assert len(texts) == 4 and sum("faster than I can answer" in t for t in texts) == 1


async def test_handler_failure_gives_one_line_apology_and_a_log_with_context(
    api: BotAPIStandIn, make_app: Any, engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(make_app(ScriptedEngine(engine))):
        msg = api.message(CHAT, ANN, "boom")
        [reply] = await wait_until(lambda: api.bot_messages(CHAT["id"]))
        api.message(CHAT, ANN, "when did Kazakhstan join PfP")
        await wait_until(lambda: len(api.bot_messages(CHAT["id"])) == 2)
    assert reply["text"] == "Sorry, something went wrong on my side. Please try again in a moment."
    [record] = [r for r in caplog.records if r.getMessage().startswith("handler failed")]
    assert f"update {msg['update_id']} (chat {CHAT['id']}, user {ANN['id']}, message)" in record.getMessage()
    assert TOKEN not in caplog.text
