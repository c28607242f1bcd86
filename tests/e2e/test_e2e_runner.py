"""`natobot run` as a process: token problems, SIGTERM and a restart that does not answer an update twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from .botapi import TOKEN, BotAPIStandIn, private_chat, user, wait_until

ANN = user()
CHAT = private_chat(ANN)
ROOT = Path(__file__).resolve().parents[2]


def start(api: BotAPIStandIn, tmp_path: Path, token: str | None = TOKEN) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NATOBOT_"))}
    env.update(TELEGRAM_API_BASE_URL=api.base_url, NATOBOT_DB=str(tmp_path / "bot.db"), NATOBOT_LOG_LEVEL="DEBUG")
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    return subprocess.Popen(
        [sys.executable, "-m", "bot.runner", "run"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err


def test_missing_token_is_one_line_and_exit_2(api: BotAPIStandIn, tmp_path: Path) -> None:
    code, err = finish(start(api, tmp_path, token=None))
    assert code == 2 and err.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN is not set" in err


def test_rejected_token_is_one_line_and_exit_2(api: BotAPIStandIn, tmp_path: Path) -> None:
    code, err = finish(start(api, tmp_path, token="111:wrong-token-wrong-token"))
    assert code == 2 and "Traceback" not in err and "wrong-token" not in err
    assert [line for line in err.splitlines() if line.startswith("natobot run:")] == [
        "natobot run: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); check the token"
    ]


async def test_restart_does_not_answer_a_confirmed_update_again(api: BotAPIStandIn, tmp_path: Path) -> None:
    first = start(api, tmp_path)
    try:
        question = api.message(CHAT, ANN, "when did Kazakhstan join PfP")
        await wait_until(lambda: api.bot_messages(CHAT["id"]), timeout=20, what="the first answer")
    finally:
        first.send_signal(signal.SIGTERM)
        code, err = finish(first)
    assert code == 0 and "Traceback" not in err and TOKEN not in err and TOKEN.split(":")[1] not in err
    assert "natobot started as @natobot_test_bot" in err
    assert api.confirmed_below > question["update_id"]  # confirmed on the way out

    second = start(api, tmp_path)
    try:
        polls_before = len(api.calls_of("getUpdates"))
        await wait_until(lambda: len(api.calls_of("getUpdates")) > polls_before, timeout=20, what="polling")
        api.message(CHAT, ANN, "when did Kyrgyzstan join PfP")
        await wait_until(lambda: len(api.bot_messages(CHAT["id"])) >= 2, timeout=10, what="the second answer")
    finally:
        second.send_signal(signal.SIGTERM)
        code, _ = finish(second)
    texts: list[Any] = api.texts(CHAT["id"])
    assert code == 0 and len(texts) == 2 and "1994" in texts[1].split("\n")[0]
    assert api.delivered[question["update_id"]] == 1
