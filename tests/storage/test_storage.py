"""The query log, feedback and chat state in normal operation."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.storage import CURRENT_VERSION, Storage, default_db_path, resolve_db_path

from .conftest import FAST, ask, errors, query


async def test_questions_are_logged_with_every_field(db_path: Path) -> None:
    storage = await Storage.open(db_path, **FAST)
    qid = storage.log_question(
        chat_id=-100123,
        user_id=42,
        chat_type="supergroup",
        text="Who commanded KFOR in 2005?",
        normalised="who commanded kfor in 2005",
        fact_id="kfor.commanders",
        confidence=0.87,
        status="answered",
    )
    await storage.close()
    assert isinstance(qid, int)
    rows = query(
        db_path,
        "SELECT id, chat_type, text, normalised, fact_id, confidence, status, ts FROM questions",
    )
    assert len(rows) == 1
    rid, chat_type, text, normalised, fact_id, confidence, status, ts = rows[0]
    assert (rid, chat_type, text, normalised, fact_id, confidence, status) == (
        qid,
        "supergroup",
        "Who commanded KFOR in 2005?",
        "who commanded kfor in 2005",
        "kfor.commanders",
        0.87,
        "answered",
    )
    assert abs(ts - time.time()) < 60
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert query(db_path, "PRAGMA user_version") == [(CURRENT_VERSION,)]


async def test_log_question_returns_at_once_and_writes_in_batches(db_path: Path) -> None:
    storage = await Storage.open(db_path, batch_size=100, **FAST)
    started = time.perf_counter()
    ids = ask(storage, 1000)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5  # about a microsecond each: nothing touched the database on this path
    assert len(set(ids)) == 1000 and None not in ids
    assert await storage.flush()
    assert storage.health()["written"] == 1000
    assert storage.health()["batches"] <= 12  # 1000 rows in a handful of transactions, not 1000
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(1000,)]


async def test_close_flushes_everything_queued(db_path: Path) -> None:
    storage = await Storage.open(db_path, **FAST)
    ask(storage, 250)
    storage.record_feedback(chat_id=1001, user_id=42, fact_id="kfor.commanders", vote=1, question_ref=None)
    storage.set_chat_state(1001, {"context": {"intent": "pfp-joined"}})
    await storage.close()  # no flush() first: close alone must write the queue
    assert query(db_path, "SELECT count(*) FROM questions") == [(250,)]
    assert query(db_path, "SELECT count(*) FROM feedback") == [(1,)]
    assert query(db_path, "SELECT count(*) FROM chat_state") == [(1,)]
    assert (
        storage.log_question(
            chat_id=1,
            user_id=1,
            chat_type="private",
            text="x",
            normalised="x",
            fact_id=None,
            confidence=0,
            status="declined",
        )
        is None
    )  # after close: dropped, not raised


async def test_raw_chat_and_user_ids_never_reach_the_database(db_path: Path) -> None:
    chat_id, user_id = 987654321987, 123456789123
    storage = await Storage.open(db_path, **FAST)
    qid = ask(storage, chat_id=chat_id, user_id=user_id)[0]
    storage.record_feedback(chat_id=chat_id, user_id=user_id, fact_id="kfor.x", vote=-1, question_ref=str(qid))
    storage.set_chat_state(chat_id, {"context": {"q": 1}})
    await storage.close()
    blob = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    dump = "\n".join(
        str(r) for t in ("questions", "feedback", "chat_state") for r in query(db_path, f"SELECT * FROM {t}")
    )
    for raw in (str(chat_id), str(user_id)):
        assert raw not in dump
        assert raw.encode() not in blob
    # Still one chat and one user: the hashes are stable, so the report can count them.
    ((chat_hash, user_hash),) = query(db_path, "SELECT chat_hash, user_hash FROM questions")
    assert query(db_path, "SELECT chat_hash, user_hash FROM feedback") == [(chat_hash, user_hash)]
    assert chat_hash != user_hash


async def test_chat_state_is_seen_at_once_and_survives_a_restart(db_path: Path) -> None:
    storage = await Storage.open(db_path, **FAST)
    assert await storage.get_chat_state(5) is None
    storage.set_chat_state(5, {"context": {"intent": "pfp-joined", "entity": "kyrgyzstan"}, "settings": {"lang": "en"}})
    # Read-your-writes before the writer has run: a follow-up arriving immediately still finds its context.
    assert (await storage.get_chat_state(5)) == {
        "context": {"intent": "pfp-joined", "entity": "kyrgyzstan"},
        "settings": {"lang": "en"},
    }
    storage.set_chat_state(5, {"context": {"intent": "pfp-joined", "entity": "kazakhstan"}})
    assert (await storage.get_chat_state(5)) == {"context": {"intent": "pfp-joined", "entity": "kazakhstan"}}
    await storage.close()

    again = await Storage.open(db_path, **FAST)
    try:
        assert (await again.get_chat_state(5)) == {"context": {"intent": "pfp-joined", "entity": "kazakhstan"}}
        assert await again.get_chat_state(6) is None
    finally:
        await again.close()


async def test_returned_state_is_a_copy(db_path: Path) -> None:
    async with await Storage.open(db_path, **FAST) as storage:
        storage.set_chat_state(5, {"n": [1]})
        first = await storage.get_chat_state(5)
        assert first is not None
        first["n"].append(2)
        assert (await storage.get_chat_state(5)) == {"n": [1]}


async def test_bad_chat_state_is_refused_by_the_caller_not_the_database(db_path: Path) -> None:
    async with await Storage.open(db_path, **FAST) as storage:
        with pytest.raises(TypeError):
            storage.set_chat_state(5, {"when": object()})
        with pytest.raises(ValueError):
            storage.set_chat_state(5, {"big": "x" * 70_000})
        with pytest.raises(ValueError):
            ask(storage, status="maybe")
        assert await storage.get_chat_state(5) is None


async def test_a_revote_replaces_the_earlier_vote(db_path: Path) -> None:
    storage = await Storage.open(db_path, **FAST)
    qid = ask(storage)[0]
    for vote in (1, -1, 1, -1):  # a user tapping 👍 then 👎 and back: one vote, the last one
        storage.record_feedback(
            chat_id=1001, user_id=42, fact_id="kazakhstan.pfp-joined", vote=vote, question_ref=str(qid)
        )
    storage.record_feedback(chat_id=1001, user_id=43, fact_id="kazakhstan.pfp-joined", vote=1, question_ref=str(qid))
    storage.record_feedback(chat_id=1001, user_id=43, fact_id="kazakhstan.pfp-joined", vote=0, question_ref=str(qid))
    await storage.close()
    rows = query(db_path, "SELECT vote, question_id, question_ref FROM feedback ORDER BY vote")
    assert rows == [(-1, qid, str(qid)), (1, qid, str(qid))]
    # The vote is tied to the question it rates.
    assert query(db_path, "SELECT count(*) FROM feedback f JOIN questions q ON q.id = f.question_id") == [(2,)]


async def test_ids_stay_unique_across_restarts(db_path: Path) -> None:
    first = await Storage.open(db_path, **FAST)
    ids = ask(first, 50)
    await first.close()
    second = await Storage.open(db_path, **FAST)
    ids += ask(second, 50)
    await second.close()
    assert len(set(ids)) == 100
    assert query(db_path, "SELECT count(*) FROM questions") == [(100,)]


async def test_salt_is_per_database_unless_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashes = []
    for name in ("a.db", "b.db"):
        async with await Storage.open(tmp_path / name, **FAST) as storage:
            ask(storage, chat_id=77)
        hashes.append(query(tmp_path / name, "SELECT chat_hash FROM questions")[0][0])
    assert hashes[0] != hashes[1]  # two databases cannot be joined on chat hashes

    monkeypatch.setenv("NATOBOT_HASH_SALT", "operator-secret")
    for name in ("c.db", "d.db"):
        async with await Storage.open(tmp_path / name, **FAST) as storage:
            ask(storage, chat_id=77)
    c, d = (query(tmp_path / n, "SELECT chat_hash FROM questions")[0][0] for n in ("c.db", "d.db"))
    assert c == d  # a shared salt gives the same hash (replicas with separate databases)
    stored = query(tmp_path / "c.db", "SELECT value FROM meta WHERE key = 'salt'")[0][0]
    assert "operator-secret" not in stored


async def test_a_full_queue_drops_and_says_so_once(db_path: Path, storage_log: pytest.LogCaptureFixture) -> None:
    storage = await Storage.open(db_path, max_queue=10, **FAST)
    ids = ask(storage, 25)  # no await in between: the writer cannot drain
    assert ids[:10] == [i for i in ids[:10] if i is not None] and ids[10:] == [None] * 15
    assert len(errors(storage_log)) == 1 and "queue full" in errors(storage_log)[0]
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions") == [(10,)]


async def test_heartbeat_is_written_for_the_healthcheck(db_path: Path) -> None:
    storage = await Storage.open(db_path, **{**FAST, "heartbeat_interval": 0.05})
    try:
        first = float(query(db_path, "SELECT value FROM meta WHERE key = 'heartbeat'")[0][0])
        await asyncio.sleep(0.2)
        later = float(query(db_path, "SELECT value FROM meta WHERE key = 'heartbeat'")[0][0])
        assert later > first
    finally:
        await storage.close()


async def test_in_memory_database_works(storage_log: pytest.LogCaptureFixture) -> None:
    async with await Storage.open(":memory:", **FAST) as storage:
        ask(storage, 3, status="declined", normalised="who is the secretary general")
        storage.set_chat_state(1, {"a": 1})
        assert await storage.flush()
        assert await storage.unanswered() == [("who is the secretary general", 3)]
    assert errors(storage_log) == []


def test_database_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_db_path() == tmp_path / ".local/share/natobot/natobot.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_db_path() == str(tmp_path / "xdg/natobot/natobot.db")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert resolve_db_path() == str(tmp_path / ".local/share/natobot/natobot.db")
    monkeypatch.setenv("NATOBOT_DB", "~/bot.db")
    assert resolve_db_path() == str(tmp_path / "bot.db")


async def test_the_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "natobot.db"
    async with await Storage.open(path, **FAST) as storage:
        ask(storage)
    assert path.is_file()


async def test_invalid_retention_setting_is_refused(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATOBOT_RETENTION_DAYS", "a week")
    with pytest.raises(ValueError, match="NATOBOT_RETENTION_DAYS"):
        await Storage.open(db_path, **FAST)


async def test_a_vote_on_an_unknown_reference_is_kept_without_a_question(db_path: Path) -> None:
    async with await Storage.open(db_path, **FAST) as storage:
        ask(storage)
        storage.record_feedback(chat_id=1, user_id=2, fact_id="kfor.x", vote=1, question_ref="4711")  # a message id
    assert query(db_path, "SELECT question_ref, question_id FROM feedback") == [("4711", None)]
