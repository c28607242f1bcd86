"""The database schema and its migrations, keyed by `PRAGMA user_version`.

`MIGRATIONS[n]` upgrades a database from version n to n + 1 inside one `BEGIN IMMEDIATE` transaction, so a
crash or a concurrent process never leaves a half-migrated database. Never edit a released migration: add one.

Version 1 (the first release):
    meta(key, value)                     salt (random, for the chat/user hashes), created
    questions(id, ts, chat_type, chat_hash, user_hash, text, normalised, fact_id, confidence, status)
    feedback(id, ts, chat_hash, user_hash, fact_id, vote, question_ref)
    chat_state(chat_hash, state, updated_ts)
Version 2:
    feedback rebuilt: one vote per (user, fact, question) — a second tap replaces the first — and a
    `question_id` column: the logged question the vote rates, when `question_ref` is its id; indexes for the
    reports (normalised text, feedback time) and a partial index that keeps the retention sweep cheap.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable

from bot.storage.paths import Target

Migration = Callable[[sqlite3.Connection], None]


class SchemaTooNew(sqlite3.DatabaseError):
    """The database was written by a newer natobot; this one will not write to it."""


def _v1(conn: sqlite3.Connection) -> None:
    for stmt in (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            chat_type TEXT NOT NULL,
            chat_hash TEXT NOT NULL,
            user_hash TEXT,
            text TEXT,
            normalised TEXT,
            fact_id TEXT,
            confidence REAL NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('answered', 'clarify', 'declined'))
        )""",
        "CREATE INDEX questions_ts ON questions (ts)",
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            chat_hash TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            fact_id TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            question_ref TEXT
        )""",
        """CREATE TABLE chat_state (
            chat_hash TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            updated_ts REAL NOT NULL
        )""",
    ):
        conn.execute(stmt)
    conn.execute("INSERT INTO meta (key, value) VALUES ('salt', ?)", (secrets.token_hex(32),))
    conn.execute("INSERT INTO meta (key, value) VALUES ('created', ?)", (str(int(time.time())),))


def _v2(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE feedback_v2 (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            chat_hash TEXT NOT NULL,
            user_hash TEXT NOT NULL,
            fact_id TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            question_ref TEXT NOT NULL DEFAULT '',
            question_id INTEGER,
            UNIQUE (user_hash, fact_id, question_ref)
        )"""
    )
    # Oldest first, so that where a user voted twice on the same answer the later vote wins.
    conn.execute(
        """INSERT INTO feedback_v2 (ts, chat_hash, user_hash, fact_id, vote, question_ref, question_id)
           SELECT ts, chat_hash, user_hash, fact_id, vote, COALESCE(question_ref, ''),
                  CASE WHEN question_ref GLOB '[0-9]*' AND question_ref NOT GLOB '*[^0-9]*'
                            AND length(question_ref) <= 18
                       THEN (SELECT q.id FROM questions q WHERE q.id = CAST(question_ref AS INTEGER)) END
           FROM feedback WHERE true ORDER BY ts, id
           ON CONFLICT (user_hash, fact_id, question_ref)
           DO UPDATE SET vote = excluded.vote, ts = excluded.ts, chat_hash = excluded.chat_hash"""
    )
    conn.execute("DROP TABLE feedback")
    conn.execute("ALTER TABLE feedback_v2 RENAME TO feedback")
    conn.execute("CREATE INDEX feedback_ts ON feedback (ts)")
    conn.execute("CREATE INDEX feedback_question ON feedback (question_id)")
    conn.execute("CREATE INDEX questions_normalised ON questions (normalised, status)")
    conn.execute("CREATE INDEX questions_text_ts ON questions (ts) WHERE text IS NOT NULL")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2)
CURRENT_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, target: int = CURRENT_VERSION) -> int:
    """Upgrade to `target` one version per transaction; returns the version reached.

    `conn` must be in autocommit mode (`isolation_level=None`). Safe against another process migrating at the
    same time: the version is re-read inside the write transaction.
    """
    if not 0 <= target <= CURRENT_VERSION:
        raise ValueError(f"no schema version {target}")
    version = user_version(conn)
    if version > CURRENT_VERSION:
        raise SchemaTooNew(f"database schema v{version} is newer than this natobot (v{CURRENT_VERSION})")
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = user_version(conn)
            if version < target:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return version


def connect(target: Target, *, busy_timeout_ms: int, read_only: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection in autocommit mode (the caller closes it)."""
    conn = sqlite3.connect(target.database, uri=target.uri, timeout=busy_timeout_ms / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def prepare(target: Target, *, busy_timeout_ms: int) -> str:
    """Create or upgrade the database (WAL mode, current schema); returns the stored salt.

    Raises sqlite3.Error (locked, read-only, corrupt, full, ...) or OSError (the directory cannot be created).
    """
    if target.file is not None and not target.uri:
        target.file.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(target, busy_timeout_ms=busy_timeout_ms)
    try:
        version = user_version(conn)  # the first read: "file is not a database" surfaces here
        if version > CURRENT_VERSION:
            raise SchemaTooNew(f"database schema v{version} is newer than this natobot (v{CURRENT_VERSION})")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() not in ("wal", "memory"):
            conn.execute("PRAGMA journal_mode = WAL")
        if version < CURRENT_VERSION:
            migrate(conn)
        row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        if row is None:
            raise sqlite3.DatabaseError("the meta table has no salt")
        return str(row[0])
    finally:
        conn.close()


def describe_error(exc: BaseException) -> str:
    """A short name for why the database is unusable, for the one log line an outage gets."""
    if isinstance(exc, SchemaTooNew):
        return "schema too new"
    text = str(exc).lower()
    for needle, kind in (
        ("locked", "locked"),
        ("busy", "locked"),
        ("readonly", "read-only"),
        ("read-only", "read-only"),
        ("full", "full"),
        ("not a database", "corrupt"),
        ("malformed", "corrupt"),
        ("corrupt", "corrupt"),
        ("unable to open", "cannot open"),
        ("disk i/o", "I/O error"),
    ):
        if needle in text:
            return kind
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__
