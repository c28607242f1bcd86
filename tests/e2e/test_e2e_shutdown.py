"""SIGTERM during work: `natobot run` (polling) stops cleanly, answers every fetched question exactly once and
flushes the queued database writes before it exits."""

from __future__ import annotations

import signal
import sqlite3
from collections import Counter
from pathlib import Path

from .botapi import BotAPIStandIn, private_chat, user, wait_until
from .helpers import QUESTIONS, start_natobot


async def test_sigterm_answers_everything_fetched_once_and_flushes_the_database(
    api: BotAPIStandIn, tmp_path: Path
) -> None:
    # Users (one chat each) asked before the bot came up: the first getUpdates fetches all of them at once, so
    # SIGTERM, sent as soon as the first answer is out, finds the rest queued in the application.
    people = [user(2000 + i, f"U{i}", None) for i in range(len(QUESTIONS))]
    updates = [api.message(private_chat(u), u, q)["update_id"] for u, q in zip(people, QUESTIONS, strict=True)]
    db = tmp_path / "bot.db"
    proc = start_natobot(api, db, NATOBOT_LOG_LEVEL="INFO")
    try:
        await wait_until(lambda: any(api.bot_messages(u["id"]) for u in people), timeout=20, what="a first answer")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and " ERROR " not in err and "not written" not in err, err

    # Every question answered exactly once, each in its own chat; every update delivered once and confirmed.
    assert [len(api.bot_messages(u["id"])) for u in people] == [1] * len(people)
    assert all(api.delivered[uid] == 1 for uid in updates)
    assert api.confirmed_below > max(updates) and not api.pending

    # Every question is in the database: the write-behind queue was flushed by post_shutdown.
    with sqlite3.connect(db) as conn:
        stored = Counter(text for (text,) in conn.execute("SELECT text FROM questions"))
    assert stored == Counter(QUESTIONS)
