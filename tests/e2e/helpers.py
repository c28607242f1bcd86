"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.engine.answer import Answer, Context

from .botapi import BOT_USERNAME, Json

ME = f"@{BOT_USERNAME}"
ROOT = Path(__file__).resolve().parents[2]  # the repository
QUESTIONS = [  # one per topic, each with a distinct answer
    "when did Kazakhstan join PfP",
    "when did Kyrgyzstan join PfP",
    "who commands KFOR",
    "how many troops does KFOR have today",
    "when did the Kosovo air campaign start",
    "what is the KSF",
    "when did NATO and the Republic of Korea start dialogue",
    "what is NATO's cyber defence policy",
]


def buttons(message: Json) -> list[Json]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def button(message: Json, text_part: str) -> Json:
    return next(b for b in buttons(message) if text_part in b["text"])


class ScriptedEngine:
    """The real engine, except for questions starting with "echo " (answer repeats the question) and
    "longlist" (an answer far over Telegram's 4096 characters): dynamic text the data cannot produce."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def answer(self, text: str, context: Context | None = None) -> Answer:
        real: Answer = self._engine.answer_fact("kfor.overview")
        if text.startswith("echo "):
            return replace(real, question=text, text=f"You asked: {text[5:]}")
        if text == "longlist":
            rows = "\n".join(f"{i}. Commander number {i} <of> KFOR & friends, {1999 + i % 15}" for i in range(1, 151))
            return replace(real, question=text, text=f"A very long list:\n{rows}")
        if text == "boom":
            raise RuntimeError(f"engine exploded on {text!r}")
        answer: Answer = self._engine.answer(text, context)
        return answer


def start_natobot(api: Any, db: Path, *args: str, token: str | None = None, **env: str) -> subprocess.Popen[str]:
    """``python -m bot.runner run *args`` against the stand-in (a clean NATOBOT_/TELEGRAM_ environment, the
    stand-in's token unless ``token`` is given); returns the Popen, stderr piped as text."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NATOBOT_"))}
    clean.update(TELEGRAM_API_BASE_URL=api.base_url, TELEGRAM_BOT_TOKEN=token or api.token, NATOBOT_DB=str(db))
    clean.update({"NATOBOT_LOG_LEVEL": "DEBUG", **env})
    return subprocess.Popen(
        [sys.executable, "-m", "bot.runner", "run", *args],
        cwd=ROOT,
        env=clean,
        stderr=subprocess.PIPE,
        text=True,
    )
