"""The usage report behind `Storage.stats()`, `Storage.unanswered()` and `natobot stats`.

Plain synchronous sqlite3 so that the command line needs no event loop; `Storage` runs these in a thread.
Days are UTC calendar days. "Unanswered" means declined and not answered since: once a curator adds a record
and the same (normalised) question gets answered, it leaves the list.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.storage.schema import CURRENT_VERSION, user_version

STATUSES = ("answered", "clarify", "declined")


@dataclass(frozen=True)
class Unanswered:
    question: str  # normalised text
    count: int  # times declined
    last_ts: float  # when it was last declined
    examples: tuple[str, ...]  # the most frequent raw wordings (empty once retention removed the text)


def day_start(now: float, days: int) -> tuple[dt.date, float]:
    """The first day of a `days`-day window ending today (UTC), and its midnight as a timestamp."""
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    return first, dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC).timestamp()


def empty_report(days: int, now: float) -> dict[str, Any]:
    """Every key `build_stats` returns, nothing counted: what callers get when the database is unusable."""
    first, _ = day_start(now, days)
    return {
        "ok": True,
        "generated_at": dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "days": days,
        "since": first.isoformat(),
        "schema_version": None,
        "totals": {"questions": 0, **{s: 0 for s in STATUSES}},
        "shares": {s: 0.0 for s in STATUSES},
        "per_day": [
            {"day": (first + dt.timedelta(days=i)).isoformat(), "questions": 0, **{s: 0 for s in STATUSES}}
            for i in range(days)
        ],
        "chat_types": {},
        "distinct_chats": 0,
        "distinct_users": 0,
        "top_questions": [],
        "top_unanswered": [],
        "feedback": [],
    }


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'questions'").fetchone()
    return bool(row[0])


def unanswered_rows(conn: sqlite3.Connection, *, limit: int = 20, since_ts: float | None = None) -> list[Unanswered]:
    """Declined questions grouped by normalised text, most often first, leaving out those answered since."""
    if not _has_tables(conn):
        return []
    where = "normalised IS NOT NULL AND normalised <> ''"
    params: list[Any] = []
    if since_ts is not None:
        where += " AND ts >= ?"
        params.append(since_ts)
    rows = conn.execute(
        f"""SELECT normalised,
                   SUM(status = 'declined') AS n,
                   MAX(CASE WHEN status = 'declined' THEN ts END) AS last_declined,
                   MAX(CASE WHEN status = 'answered' THEN ts END) AS last_answered
            FROM questions WHERE {where}
            GROUP BY normalised
            HAVING n > 0 AND (last_answered IS NULL OR last_answered < last_declined)
            ORDER BY n DESC, last_declined DESC, normalised
            LIMIT ?""",
        (*params, max(0, limit)),
    ).fetchall()
    result = []
    for normalised, n, last_declined, _ in rows:
        examples = conn.execute(
            """SELECT text FROM questions
               WHERE normalised = ? AND status = 'declined' AND text IS NOT NULL AND text <> ''
               GROUP BY text ORDER BY COUNT(*) DESC, MAX(ts) DESC LIMIT 3""",
            (normalised,),
        ).fetchall()
        result.append(Unanswered(str(normalised), int(n), float(last_declined), tuple(str(e[0]) for e in examples)))
    return result


def build_stats(conn: sqlite3.Connection, *, days: int, now: float, top: int = 10) -> dict[str, Any]:
    """Questions per day, status shares, chat types, top questions, top unanswered, feedback per fact."""
    if days < 1:
        raise ValueError("days must be >= 1")
    report = empty_report(days, now)
    report["schema_version"] = user_version(conn)
    if not _has_tables(conn):
        return report
    _, since = day_start(now, days)

    index = {row["day"]: row for row in report["per_day"]}
    for day, status, n in conn.execute(
        """SELECT date(ts, 'unixepoch'), status, COUNT(*) FROM questions WHERE ts >= ?
           GROUP BY 1, 2""",
        (since,),
    ):
        row = index.get(day)
        if row is None or status not in STATUSES:
            continue
        row[status] += n
        row["questions"] += n
        report["totals"][status] += n
        report["totals"]["questions"] += n
    total = report["totals"]["questions"]
    if total:
        report["shares"] = {s: round(report["totals"][s] / total, 4) for s in STATUSES}

    report["chat_types"] = {
        str(kind): int(n)
        for kind, n in conn.execute(
            "SELECT chat_type, COUNT(*) FROM questions WHERE ts >= ? GROUP BY 1 ORDER BY 2 DESC, 1", (since,)
        )
    }
    chats, users = conn.execute(
        "SELECT COUNT(DISTINCT chat_hash), COUNT(DISTINCT user_hash) FROM questions WHERE ts >= ?", (since,)
    ).fetchone()
    report["distinct_chats"], report["distinct_users"] = int(chats), int(users)

    top_questions = []
    for normalised, n, answered in conn.execute(
        """SELECT normalised, COUNT(*), SUM(status = 'answered') FROM questions
           WHERE ts >= ? AND normalised IS NOT NULL AND normalised <> ''
           GROUP BY normalised ORDER BY 2 DESC, MAX(ts) DESC, 1 LIMIT ?""",
        (since, top),
    ).fetchall():
        fact = conn.execute(
            """SELECT fact_id FROM questions WHERE normalised = ? AND ts >= ? AND fact_id IS NOT NULL
               GROUP BY fact_id ORDER BY COUNT(*) DESC, MAX(ts) DESC LIMIT 1""",
            (normalised, since),
        ).fetchone()
        top_questions.append(
            {
                "question": normalised,
                "count": int(n),
                "answered": int(answered),
                "fact_id": fact[0] if fact else None,
            }
        )
    report["top_questions"] = top_questions

    report["top_unanswered"] = [
        {
            "question": u.question,
            "count": u.count,
            "last_asked": dt.datetime.fromtimestamp(u.last_ts, dt.UTC).date().isoformat(),
        }
        for u in unanswered_rows(conn, limit=top, since_ts=since)
    ]

    report["feedback"] = [
        {"fact_id": fact_id, "up": int(up), "down": int(down)}
        for fact_id, up, down in conn.execute(
            """SELECT fact_id, SUM(vote > 0), SUM(vote < 0) FROM feedback WHERE ts >= ?
               GROUP BY fact_id ORDER BY COUNT(*) DESC, SUM(vote < 0) DESC, fact_id LIMIT 100""",
            (since,),
        )
    ]
    return report


def schema_is_current(conn: sqlite3.Connection) -> bool:
    return user_version(conn) == CURRENT_VERSION
