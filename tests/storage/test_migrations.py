"""Schema migrations by PRAGMA user_version."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.storage import CURRENT_VERSION, Storage
from bot.storage.schema import migrate

from .conftest import FAST, query


def _v1_database(path: Path) -> str:
    """A database exactly as the first release left it, with some history; returns its salt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert migrate(conn, target=1) == 1
        conn.executemany(
            "INSERT INTO questions (id, ts, chat_type, chat_hash, user_hash, text, normalised, fact_id, "
            "confidence, status) VALUES (?, ?, 'private', 'c1', 'u1', ?, ?, ?, ?, ?)",
            [
                (1, 1000.0, "When did Kazakhstan join PfP?", "when did kazakhstan join pfp", "kz.pfp", 0.9, "answered"),
                (2, 1001.0, "Who leads NATO?", "who leads nato", None, 0.1, "declined"),
            ],
        )
        conn.executemany(
            "INSERT INTO feedback (ts, chat_hash, user_hash, fact_id, vote, question_ref) VALUES (?, 'c1', ?, ?, ?, ?)",
            [
                (1002.0, "u1", "kz.pfp", 1, "1"),
                (1003.0, "u1", "kz.pfp", -1, "1"),  # the same user changed their mind: v2 keeps only this
                (1004.0, "u2", "kz.pfp", 1, None),
                (1005.0, "u3", "kz.pfp", 1, "msg:77"),  # not a question id
            ],
        )
        conn.execute("INSERT INTO chat_state VALUES ('c1', '{\"context\": 1}', 1000.0)")
        return str(conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0])


async def test_upgrade_from_schema_v1(db_path: Path) -> None:
    salt = _v1_database(db_path)
    assert query(db_path, "PRAGMA user_version") == [(1,)]
    storage = await Storage.open(db_path, **FAST)
    storage.record_feedback(chat_id=1, user_id=2, fact_id="kz.pfp", vote=1, question_ref="2")
    await storage.close()

    assert query(db_path, "PRAGMA user_version") == [(CURRENT_VERSION,)]
    assert query(db_path, "SELECT id, text, status FROM questions ORDER BY id") == [
        (1, "When did Kazakhstan join PfP?", "answered"),
        (2, "Who leads NATO?", "declined"),
    ]
    assert query(db_path, "SELECT value FROM meta WHERE key = 'salt'") == [(salt,)]  # hashes stay comparable
    assert query(db_path, "SELECT state FROM chat_state") == [('{"context": 1}',)]
    feedback = query(db_path, "SELECT user_hash, vote, question_ref, question_id FROM feedback ORDER BY ts")
    assert feedback[:3] == [("u1", -1, "1", 1), ("u2", 1, "", None), ("u3", 1, "msg:77", None)]
    assert feedback[3][1:] == (1, "2", 2)  # written by the new code after the upgrade
    indexes = {r[0] for r in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"questions_normalised", "feedback_ts", "questions_text_ts"} <= indexes


async def test_fresh_database_is_created_at_the_current_version(db_path: Path) -> None:
    async with await Storage.open(db_path, **FAST):
        pass
    assert query(db_path, "PRAGMA user_version") == [(CURRENT_VERSION,)]
    tables = {r[0] for r in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "questions", "feedback", "chat_state"} <= tables
    (salt,) = query(db_path, "SELECT value FROM meta WHERE key = 'salt'")[0]
    assert len(salt) == 64


def test_migration_is_one_transaction_per_version(db_path: Path) -> None:
    """A failing step leaves the database at the previous version, not half-upgraded."""
    _v1_database(db_path)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE feedback_v2 (x)")  # makes the v2 step fail half-way
        with pytest.raises(sqlite3.OperationalError):
            migrate(conn)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 4
        conn.execute("DROP TABLE feedback_v2")
        assert migrate(conn) == CURRENT_VERSION
        assert migrate(conn) == CURRENT_VERSION  # idempotent
