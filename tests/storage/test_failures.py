"""A locked, read-only, corrupt or full database never stops the bot: logged once, retried, resumed."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
import time
from contextlib import closing
from pathlib import Path

import pytest

from bot.storage import Storage

from .conftest import FAST, ask, errors, query, recoveries, wait_until

GARBAGE = bytes(range(256)) * 64  # 16 KiB that no SQLite header matches


async def _create(path: Path) -> None:
    async with await Storage.open(path, **FAST) as storage:
        storage.set_chat_state(1, {"context": "before"})
        ask(storage, 3)


async def test_locked_database(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    await _create(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        storage = await Storage.open(db_path, **{**FAST, "busy_timeout_ms": 300})
        holder.execute("BEGIN EXCLUSIVE")  # e.g. a sqlite3 shell or a careless backup script
        started = time.perf_counter()
        ids = ask(storage, 40)
        assert time.perf_counter() - started < 0.1  # a blocking write would wait 300 ms on the lock
        await wait_until(lambda: storage.health()["failing"] == "locked")
        await asyncio.sleep(0.3)  # several retries happen meanwhile...
        assert len(errors(storage_log)) == 1  # ...but the outage is logged once
        assert "locked" in errors(storage_log)[0]
        # Reads go on: the stored state (WAL lets readers past a writer) and a state queued during the lock.
        assert await storage.get_chat_state(1) == {"context": "before"}
        storage.set_chat_state(2, {"context": "during"})
        assert await storage.get_chat_state(2) == {"context": "during"}
        holder.execute("ROLLBACK")
        assert await storage.flush(timeout=3)
        assert len(recoveries(storage_log)) == 1
        await storage.close()
    finally:
        holder.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(43,)]
    assert None not in ids
    assert len(errors(storage_log)) == 1


async def test_locked_at_start_up(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    await _create(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # nobody can even read
        started = time.monotonic()
        storage = await Storage.open(db_path, **FAST)
        assert time.monotonic() - started < 1.0  # start-up is not held up
        ask(storage, 5)
        assert await storage.get_chat_state(1) is None  # unreadable: None, not an exception
        holder.execute("ROLLBACK")
        holder.execute("PRAGMA locking_mode = NORMAL")
        holder.execute("SELECT 1 FROM meta").fetchall()  # releases the lock in NORMAL mode
    finally:
        holder.close()
    assert await storage.flush(timeout=3)
    assert await storage.get_chat_state(1) == {"context": "before"}
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(8,)]
    assert len(errors(storage_log)) == 1


async def test_read_only_database_uri(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    await _create(db_path)
    before = db_path.read_bytes()
    storage = await Storage.open(f"file:{db_path}?mode=ro", **{**FAST, "close_timeout": 0.3})
    ids = ask(storage, 20)
    assert None not in ids
    await wait_until(lambda: storage.health()["failing"] == "read-only")
    await asyncio.sleep(0.2)
    assert await storage.get_chat_state(1) == {"context": "before"}  # reads still work
    report = await storage.stats()
    assert report["ok"] and report["totals"]["questions"] == 3
    await storage.close()  # gives up after close_timeout instead of hanging
    assert db_path.read_bytes() == before
    assert len(errors(storage_log)) == 1 and "read-only" in errors(storage_log)[0]
    assert any("20 record(s) not written" in r.getMessage() for r in storage_log.records)


def _permissions_enforced(tmp: Path) -> bool:
    probe = tmp / "probe"
    probe.write_text("x")
    probe.chmod(0o444)
    try:
        with probe.open("a"):
            return False  # root (CAP_DAC_OVERRIDE) writes anyway
    except PermissionError:
        return True
    finally:
        probe.chmod(0o644)
        probe.unlink()


async def test_read_only_file_then_writable_again(
    db_path: Path, tmp_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    if not _permissions_enforced(tmp_path):
        pytest.skip("file permissions are not enforced for this user (root); the URI test covers read-only")
    await _create(db_path)
    for p in (db_path, db_path.parent):
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        storage = await Storage.open(db_path, **FAST)
        ask(storage, 10)
        await wait_until(lambda: storage.health()["failing"] is not None)
        await asyncio.sleep(0.2)
        assert len(errors(storage_log)) == 1
    finally:
        for p in (db_path.parent, db_path):
            p.chmod(p.stat().st_mode | stat.S_IWUSR)
    assert await storage.flush(timeout=3)
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(13,)]
    assert len(recoveries(storage_log)) == 1


async def test_corrupt_database_then_restored(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(GARBAGE)
    storage = await Storage.open(db_path, **FAST)  # does not raise
    assert storage.health()["failing"] == "corrupt"
    ids = ask(storage, 10, status="declined", normalised="who leads nato")
    assert None not in ids
    assert await storage.get_chat_state(1) is None
    storage.set_chat_state(1, {"context": "kept in memory"})
    assert await storage.get_chat_state(1) == {"context": "kept in memory"}
    report = await storage.stats()
    assert report["ok"] is False and "corrupt" in report["error"]
    assert await storage.unanswered() == []
    await asyncio.sleep(0.2)
    assert len(errors(storage_log)) == 1 and "corrupt" in errors(storage_log)[0]
    assert db_path.read_bytes() == GARBAGE  # never overwritten: the operator decides

    db_path.rename(db_path.with_suffix(".corrupt"))  # the operator moves it aside
    assert await storage.flush(timeout=3)
    assert await storage.unanswered() == [("who leads nato", 10)]
    assert await storage.get_chat_state(1) == {"context": "kept in memory"}
    await storage.close()
    assert len(recoveries(storage_log)) == 1
    assert len(errors(storage_log)) == 1


async def test_full_database_then_space_freed(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    # PRAGMA max_page_count (here via max_bytes) stands in for a full disk: same SQLITE_FULL error.
    storage = await Storage.open(db_path, max_bytes=40 * 4096, batch_size=10, **FAST)
    big = "why " * 500  # 2 KB per row
    asked = 0
    while await storage.flush(timeout=0.5):  # until a batch no longer fits
        ask(storage, 10, text=big)
        asked += 10
        assert asked < 500
    assert storage.health()["failing"] == "full"
    written = query(db_path, "SELECT count(*) FROM questions")[0][0]
    assert written == asked - 10  # what fitted is kept; the last batch waits
    ask(storage, 20, text="small")  # still accepted, still non-blocking
    await asyncio.sleep(0.2)
    assert len(errors(storage_log)) == 1 and "full" in errors(storage_log)[0]

    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:  # the operator frees space
        deleted = other.execute("DELETE FROM questions").rowcount
    assert deleted == written
    assert await storage.flush(timeout=3)
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(asked + 20 - deleted,)]
    assert query(db_path, "SELECT count(*) FROM questions WHERE text = 'small'") == [(20,)]
    assert len(recoveries(storage_log)) == 1
    assert len(errors(storage_log)) == 1


async def test_records_are_dropped_after_the_retry_window(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(GARBAGE)
    storage = await Storage.open(db_path, **{**FAST, "retry_window": 0.1, "max_queue": 50})
    ask(storage, 30)
    await wait_until(lambda: storage.health()["dropped"] == 30)  # memory stays bounded during an outage
    db_path.unlink()
    ask(storage, 2)
    assert await storage.flush(timeout=3)
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(2,)]
    assert "30 record(s) dropped" in recoveries(storage_log)[0]


async def test_newer_schema_is_left_alone(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    await _create(db_path)
    with closing(sqlite3.connect(db_path)) as other:
        other.execute("PRAGMA user_version = 99")
    storage = await Storage.open(db_path, **{**FAST, "close_timeout": 0.2})
    ask(storage)
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(3,)]
    assert len(errors(storage_log)) == 1 and "newer" in errors(storage_log)[0]


async def test_unwritable_location(tmp_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    storage = await Storage.open(blocker / "natobot.db", **{**FAST, "close_timeout": 0.2})
    assert ask(storage)[0] is not None
    assert await storage.get_chat_state(1) is None
    await storage.close()
    assert len(errors(storage_log)) == 1


async def test_a_record_the_database_rejects_does_not_block_the_rest(
    db_path: Path, storage_log: pytest.LogCaptureFixture
) -> None:
    storage = await Storage.open(db_path, **FAST)
    ask(storage, 5)
    ask(storage, 1, confidence=float("nan"))  # SQLite stores NaN as NULL: NOT NULL constraint fails
    ask(storage, 5)
    assert await storage.flush()
    ask(storage, 1, confidence=float("nan"))
    ask(storage, 1)
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(11,)]
    assert storage.health()["dropped"] == 2
    assert len(errors(storage_log)) == 1 and "rejected" in errors(storage_log)[0]
