"""bot.chat.admin without Telegram: escaping, limits, and /reload's swap-only-when-valid rule."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.chat import admin
from bot.chat.deps import Deps
from bot.config import Settings
from bot.engine.errors import DataError, Problem


def fake_engine(facts: int, topics: tuple[str, ...] = ("kfor",)) -> Any:
    return SimpleNamespace(fact_count=facts, topics=[SimpleNamespace(command=c) for c in topics])


def deps_with(engine: Any) -> Deps:
    return Deps(engine=engine, settings=Settings(admin_ids=frozenset({7})))


def test_is_admin_only_for_listed_ids() -> None:
    d = deps_with(fake_engine(1))
    assert admin.is_admin(d, 7) and not admin.is_admin(d, 8) and not admin.is_admin(d, None)


def test_problems_are_escaped_file_line_id_message_and_capped() -> None:
    problems = [Problem("data/a&b.yaml", i, f"kfor.x{i}", "answer <must> be a string") for i in range(1, 13)]
    text = admin.problems_html(DataError(problems), 379)
    lines = text.split("\n")
    assert lines[0] == "<b>Reload failed</b>: 12 problem(s) in the data. Still serving the previous data (379 facts)."
    assert lines[1] == "data/a&amp;b.yaml:1: kfor.x1: answer &lt;must&gt; be a string"
    assert len(lines) == 1 + admin.MAX_PROBLEMS + 1 and lines[-1].startswith("… and 2 more")


def test_unanswered_and_stats_escape_user_text() -> None:
    assert "1. is &lt;b&gt;kfor&lt;/b&gt; &amp; nato? — 3×" in admin.unanswered_html([("is <b>kfor</b> & nato?", 3)])
    assert admin.unanswered_html([]).startswith("No unanswered questions")
    report = {
        "days": 7, "since": "2024-01-01", "ok": True,
        "totals": {"questions": 4, "answered": 2, "clarify": 1, "declined": 1},
        "shares": {"answered": 0.5, "clarify": 0.25, "declined": 0.25},
        "top_questions": [{"question": "<script>", "count": 2}],
        "storage": {"failing": None, "written": 4, "queued": 0, "dropped": 0},
    }  # fmt: skip
    html = admin.stats_html(report, 379)
    assert "Questions: 4 — answered 50%, clarified 25%, declined 25%" in html
    assert "1. &lt;script&gt; — 2×" in html and "<script>" not in html and "Engine: 379 facts" in html


def test_unanswered_limit() -> None:
    assert admin.limit_from(None) == admin.limit_from(["x"]) == admin.UNANSWERED_DEFAULT
    assert admin.limit_from(["3"]) == 3 and admin.limit_from(["999"]) == admin.UNANSWERED_MAX
    assert admin.limit_from(["0"]) == 1


async def test_reload_swaps_only_a_valid_engine() -> None:
    old, new = fake_engine(10), fake_engine(11, ("kfor", "newtopic"))
    d = deps_with(old)

    def broken() -> Any:
        raise DataError([Problem("data/kfor.yaml", 12, "kfor.x", "bad")])

    def crashing() -> Any:
        raise OSError("data/ is gone")

    refused = await admin.reload_reply(d, broken)
    assert d.engine is old and "data/kfor.yaml:12: kfor.x: bad" in refused.chunks[0]
    failed = await admin.reload_reply(d, crashing)
    assert d.engine is old and "OSError: data/ is gone" in failed.chunks[0] and "(10 facts)" in failed.chunks[0]
    done = await admin.reload_reply(d, lambda: new)
    assert d.engine is new and done.chunks[0].startswith("Reloaded: 11 facts (was 10). Topic commands changed")
