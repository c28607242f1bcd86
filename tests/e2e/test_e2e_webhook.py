"""Webhook mode: `natobot run --webhook-url ... --secret-token S` on 127.0.0.1, as a process.

Updates are POSTed the way Telegram does; the bot answers through the Bot API stand-in. Requests without the
right X-Telegram-Bot-Api-Secret-Token are refused (403) and never reach a handler.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from .botapi import BotAPIStandIn, Json, private_chat, user, wait_until
from .helpers import start_natobot

ANN = user()
CHAT = private_chat(ANN)
SECRET = "s3cret-Token_for-tests"
HOOK_URL = "https://bot.example.invalid/tg-hook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_update(api: BotAPIStandIn, text: str) -> Json:
    """A user message registered with the stand-in (so replies find the chat), as the webhook body."""
    msg = api.message(CHAT, ANN, text)
    return {"update_id": msg["update_id"], "message": {k: v for k, v in msg.items() if k != "update_id"}}


async def post(client: httpx.AsyncClient, url: str, update: Json, token: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers[HEADER] = token
    response = await client.post(url, content=json.dumps(update), headers=headers)
    return response.status_code


async def wait_for_server(port: int, proc: subprocess.Popen[str]) -> None:
    """Until the webhook server accepts TCP connections (it starts after setWebhook succeeded)."""
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def test_webhook_answers_the_right_secret_token_and_refuses_others(api: BotAPIStandIn, tmp_path: Path) -> None:
    port = free_port()
    args = ("--webhook-url", HOOK_URL, "--listen", "127.0.0.1", "--port", str(port), "--secret-token", SECRET)
    proc = start_natobot(api, tmp_path / "bot.db", *args)
    url = f"http://127.0.0.1:{port}/tg-hook"
    statuses: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            await wait_for_server(port, proc)
            assert api.webhook == {"url": HOOK_URL, "secret_token": SECRET}  # registered with Telegram
            statuses["wrong"] = await post(client, url, as_update(api, "when did Kyrgyzstan join PfP"), "wrong")
            statuses["missing"] = await post(client, url, as_update(api, "who commands KFOR"), None)
            statuses["right"] = await post(client, url, as_update(api, "when did Kazakhstan join PfP"), SECRET)
            await wait_until(lambda: api.bot_messages(CHAT["id"]), timeout=10, what="the answer")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert statuses == {"wrong": 403, "missing": 403, "right": 200}
    texts = api.texts(CHAT["id"])
    assert len(texts) == 1 and "1995" in texts[0].split("\n")[0]  # only the authenticated update was answered
    assert not api.calls_of("getUpdates")  # webhook mode never polls
    assert proc.returncode == 0 and " ERROR " not in err and "natobot started as @natobot_test_bot" in err
    # PTB logs setWebhook's parameters at DEBUG (the level used here): the runner redacts the secret token.
    assert SECRET not in err and "[secret]" in err and api.token not in err
