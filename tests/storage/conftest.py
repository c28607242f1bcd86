"""Helpers for the storage tests: a database path, fast retry settings, polling, and raw reads."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Storage

# Retry quickly and give up quickly, so that each failure scenario takes well under a second.
FAST: dict[str, Any] = {
    "retry_initial": 0.01,
    "retry_max": 0.05,
    "busy_timeout_ms": 50,
    "close_timeout": 2.0,
    "heartbeat_interval": None,
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NATOBOT_DB", "NATOBOT_HASH_SALT", "NATOBOT_RETENTION_DAYS", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "natobot.db"


@pytest.fixture
def storage_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="bot.storage")
    yield caplog


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.storage" and r.levelno >= logging.ERROR]


def recoveries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "bot.storage" and "is usable again after" in r.getMessage()
    ]


async def wait_until(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.execute(sql, params).fetchall())


def ask(storage: Storage, n: int = 1, *, chat_id: int = 1001, status: str = "answered", **kw: Any) -> list[int | None]:
    """Log `n` questions; returns the ids."""
    fields: dict[str, Any] = {
        "user_id": 42,
        "chat_type": "private",
        "text": "When did Kazakhstan join PfP?",
        "normalised": "when did kazakhstan join pfp",
        "fact_id": "kazakhstan.pfp-joined" if status == "answered" else None,
        "confidence": 0.9,
    }
    fields.update(kw)
    return [storage.log_question(chat_id=chat_id, status=status, **fields) for _ in range(n)]
