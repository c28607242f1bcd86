"""What `stats()` and `unanswered()` report, and the retention setting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.storage import Storage

from .conftest import FAST, ask, query, wait_until

DAY = 86400.0
NOW = dt.datetime(2024, 5, 10, 12, 0, tzinfo=dt.UTC).timestamp()


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


async def _history(db_path: Path) -> Storage:
    """Three days of traffic: 2024-05-08, 05-09 and 05-10 (UTC)."""
    clock = Clock(NOW - 2 * DAY)
    storage = await Storage.open(db_path, clock=clock, **FAST)
    ask(storage, 2, chat_id=1, user_id=1)  # answered, "when did kazakhstan join pfp"
    ask(storage, 1, chat_id=2, user_id=2, status="declined", text="Who is SACEUR?", normalised="who is saceur")
    clock.t = NOW - DAY
    ask(storage, 1, chat_id=1, user_id=1, text="when did KAZAKHSTAN join PfP")
    ask(storage, 1, chat_id=3, user_id=3, chat_type="group", status="clarify", text="kfor?", normalised="kfor")
    ask(
        storage,
        2,
        chat_id=3,
        user_id=4,
        chat_type="group",
        status="declined",
        text="Who leads NATO?",
        normalised="who leads nato",
    )
    clock.t = NOW
    ask(storage, 1, chat_id=4, user_id=5, status="declined", text="who leads nato", normalised="who leads nato")
    ask(
        storage,
        1,
        chat_id=2,
        user_id=2,
        status="declined",
        text="What is Steadfast Defender?",
        normalised="what is steadfast defender",
    )
    # SACEUR got a record meanwhile: answered now, so it is no longer "unanswered".
    ask(storage, 1, chat_id=5, user_id=6, fact_id="command.saceur", text="who is saceur", normalised="who is saceur")
    for user, vote in ((1, 1), (2, 1), (3, -1)):
        storage.record_feedback(
            chat_id=user, user_id=user, fact_id="kazakhstan.pfp-joined", vote=vote, question_ref=None
        )
    storage.record_feedback(chat_id=5, user_id=6, fact_id="command.saceur", vote=-1, question_ref=None)
    assert await storage.flush()
    return storage


async def test_stats_report(db_path: Path) -> None:
    storage = await _history(db_path)
    try:
        report = await storage.stats(days=7)
    finally:
        await storage.close()
    assert report["ok"] is True and report["days"] == 7 and report["since"] == "2024-05-04"
    assert [d["day"] for d in report["per_day"]][-3:] == ["2024-05-08", "2024-05-09", "2024-05-10"]
    assert len(report["per_day"]) == 7 and report["per_day"][0]["questions"] == 0
    by_day = {d["day"]: d for d in report["per_day"]}
    assert by_day["2024-05-08"] == {"day": "2024-05-08", "questions": 3, "answered": 2, "clarify": 0, "declined": 1}
    assert by_day["2024-05-09"] == {"day": "2024-05-09", "questions": 4, "answered": 1, "clarify": 1, "declined": 2}
    assert by_day["2024-05-10"] == {"day": "2024-05-10", "questions": 3, "answered": 1, "clarify": 0, "declined": 2}
    assert report["totals"] == {"questions": 10, "answered": 4, "clarify": 1, "declined": 5}
    assert report["shares"] == {"answered": 0.4, "clarify": 0.1, "declined": 0.5}
    assert report["chat_types"] == {"private": 7, "group": 3}
    assert report["distinct_chats"] == 5 and report["distinct_users"] == 6
    # Grouped by normalised text (different spellings of one question count together); ties: most recent first.
    assert report["top_questions"][:3] == [
        {"question": "who leads nato", "count": 3, "answered": 0, "fact_id": None},
        {"question": "when did kazakhstan join pfp", "count": 3, "answered": 3, "fact_id": "kazakhstan.pfp-joined"},
        {"question": "who is saceur", "count": 2, "answered": 1, "fact_id": "command.saceur"},
    ]
    assert [(u["question"], u["count"]) for u in report["top_unanswered"]] == [
        ("who leads nato", 3),
        ("what is steadfast defender", 1),
    ]
    assert report["top_unanswered"][0]["last_asked"] == "2024-05-10"
    assert report["feedback"] == [
        {"fact_id": "kazakhstan.pfp-joined", "up": 2, "down": 1},
        {"fact_id": "command.saceur", "up": 0, "down": 1},
    ]
    assert report["storage"]["failing"] is None


async def test_stats_window(db_path: Path) -> None:
    storage = await _history(db_path)
    try:
        today = await storage.stats(days=1)
    finally:
        await storage.close()
    assert today["since"] == "2024-05-10" and today["totals"]["questions"] == 3
    # Within the window "who leads nato" was declined once, like "what is steadfast defender".
    assert [(u["question"], u["count"]) for u in today["top_unanswered"]] == [
        ("what is steadfast defender", 1),
        ("who leads nato", 1),
    ]


async def test_unanswered_for_the_curator(db_path: Path) -> None:
    storage = await _history(db_path)
    try:
        assert await storage.unanswered() == [("who leads nato", 3), ("what is steadfast defender", 1)]
        assert await storage.unanswered(limit=1) == [("who leads nato", 3)]
        # The curation loop closes: once answered, a question leaves the list.
        ask(storage, chat_id=9, fact_id="nato.leader", text="who leads nato", normalised="who leads nato")
        assert await storage.unanswered() == [("what is steadfast defender", 1)]
    finally:
        await storage.close()


async def test_empty_database_report(db_path: Path) -> None:
    async with await Storage.open(db_path, **FAST) as storage:
        report = await storage.stats(days=3)
        assert await storage.unanswered() == []
    assert report["ok"] and report["totals"]["questions"] == 0 and len(report["per_day"]) == 3
    assert report["shares"] == {"answered": 0.0, "clarify": 0.0, "declined": 0.0}


async def test_retention_removes_old_question_text_but_keeps_counts(db_path: Path) -> None:
    clock = Clock(NOW - 40 * DAY)
    storage = await Storage.open(db_path, clock=clock, **FAST)
    ask(storage, 2, status="declined", text="Old question?", normalised="old question")
    clock.t = NOW - 5 * DAY
    ask(storage, 1, status="declined", text="Recent question?", normalised="recent question")
    await storage.close()
    assert query(db_path, "SELECT count(*) FROM questions WHERE text IS NOT NULL") == [(3,)]

    clock.t = NOW
    storage = await Storage.open(db_path, retention_days=30, clock=clock, **FAST)  # applied at start-up
    try:
        assert query(db_path, "SELECT text, normalised FROM questions ORDER BY ts") == [
            (None, None),
            (None, None),
            ("Recent question?", "recent question"),
        ]
        report = await storage.stats(days=60)
        assert report["totals"]["declined"] == 3  # counts survive
        assert await storage.unanswered() == [("recent question", 1)]
    finally:
        await storage.close()


async def test_retention_from_the_environment_runs_periodically(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATOBOT_RETENTION_DAYS", "1")
    clock = Clock(NOW)
    storage = await Storage.open(db_path, clock=clock, retention_interval=0.05, **FAST)
    try:
        ask(storage, 1, text="Ephemeral?")
        assert await storage.flush()
        clock.t = NOW + 2 * DAY  # two days later, without a restart
        await wait_until(lambda: query(db_path, "SELECT text FROM questions") == [(None,)], timeout=3)
    finally:
        await storage.close()
