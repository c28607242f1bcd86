"""Admin commands (/stats, /unanswered, /reload) for ``NATOBOT_ADMIN_IDS``: the replies, built here.

The handlers in bot.chat.handlers stay thin: they check :func:`is_admin` (everyone else gets the normal
"unknown command" reply) and send what these functions return. Admin commands answer in private chats only
(stats are not for a group's members) and never appear in the public command menu.

/reload re-reads data/ and intents/ (``Engine.load(cache=False)``, in a worker thread so the event loop keeps
running) and swaps ``Deps.engine`` in one assignment, only when everything is valid; otherwise it reports the
first problems as ``file:line: id: message`` and the old engine keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from bot.chat.deps import Deps
from bot.chat.ports import EngineLike
from bot.chat.render import Reply, esc, reply
from bot.engine.errors import DataError

log = logging.getLogger(__name__)

ADMIN_COMMANDS = ("stats", "unanswered", "reload")
STATS_DAYS = 7
TOP = 5  # questions shown by /stats
UNANSWERED_DEFAULT, UNANSWERED_MAX = 10, 50
MAX_PROBLEMS = 10  # problems listed by a failed /reload
NO_STORAGE = "The query log is not available (the database did not open); see the bot's log."

EngineLoader = Callable[[], EngineLike]


def is_admin(d: Deps, user_id: int | None) -> bool:
    return user_id is not None and user_id in d.settings.admin_ids


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def stats_html(report: dict[str, Any], fact_count: int) -> str:
    """A short /stats report from ``Storage.stats()``: totals, shares, top questions, storage health."""
    totals, shares = report.get("totals", {}), report.get("shares", {})
    lines = [f"<b>Last {report.get('days', STATS_DAYS)} days</b> (since {esc(str(report.get('since', '?')))})"]
    if not report.get("ok", True):
        lines.append(f"⚠️ The log could not be read: {esc(str(report.get('error', 'unknown error')))}")
    lines.append(
        f"Questions: {totals.get('questions', 0)} — answered {_percent(shares.get('answered', 0.0))}, "
        f"clarified {_percent(shares.get('clarify', 0.0))}, declined {_percent(shares.get('declined', 0.0))}"
    )
    lines.append(f"Chats: {report.get('distinct_chats', 0)}, users: {report.get('distinct_users', 0)}")
    top = report.get("top_questions") or []
    if top:
        lines.append("<b>Top questions</b>")
        lines += [f"{i}. {esc(str(q['question']))} — {q['count']}×" for i, q in enumerate(top[:TOP], 1)]
    unanswered = report.get("top_unanswered") or []
    if unanswered:
        lines.append(f"Unanswered: {len(unanswered)} distinct question(s) — /unanswered lists them")
    votes = report.get("feedback") or []
    if votes:
        up, down = sum(int(v["up"] or 0) for v in votes), sum(int(v["down"] or 0) for v in votes)
        lines.append(f"Feedback: 👍 {up} · 👎 {down}")
    health = report.get("storage") or {}
    if health:
        state = f"failing ({esc(str(health['failing']))})" if health.get("failing") else "ok"
        lines.append(
            f"Storage: {state}; written {health.get('written', 0)}, queued {health.get('queued', 0)}, "
            f"dropped {health.get('dropped', 0)}"
        )
    lines.append(f"Engine: {fact_count} facts")
    return "\n".join(lines)


def unanswered_html(rows: Sequence[tuple[str, int]]) -> str:
    if not rows:
        return "No unanswered questions: everything declined so far has been answered since."
    lines = ["<b>Top unanswered questions</b> (declined, not answered since)"]
    lines += [f"{i}. {esc(question)} — {count}×" for i, (question, count) in enumerate(rows, 1)]
    return "\n".join(lines)


def limit_from(args: Sequence[str] | None) -> int:
    """``/unanswered 20``: how many to list (default 10, at most 50); anything else gives the default."""
    if args and args[0].isdigit():
        return max(1, min(UNANSWERED_MAX, int(args[0])))
    return UNANSWERED_DEFAULT


def problems_html(exc: DataError, old_count: int) -> str:
    shown = exc.problems[:MAX_PROBLEMS]
    more = len(exc.problems) - len(shown)
    lines = [
        f"<b>Reload failed</b>: {len(exc.problems)} problem(s) in the data. "
        f"Still serving the previous data ({old_count} facts)."
    ]
    lines += [esc(str(p)) for p in shown]
    if more:
        lines.append(f"… and {more} more (natobot validate lists them all)")
    return "\n".join(lines)


def _default_loader() -> EngineLike:
    from bot.engine import Engine

    return Engine.load(cache=False)


async def stats_reply(d: Deps) -> Reply:
    if d.storage is None:
        return reply(esc(NO_STORAGE))
    return reply(stats_html(await d.storage.stats(days=STATS_DAYS), d.engine.fact_count))


async def unanswered_reply(d: Deps, args: Sequence[str] | None) -> Reply:
    if d.storage is None:
        return reply(esc(NO_STORAGE))
    return reply(unanswered_html(await d.storage.unanswered(limit=limit_from(args))))


async def reload_reply(d: Deps, loader: EngineLoader = _default_loader) -> Reply:
    """Load the library afresh; swap ``d.engine`` only if it is valid. Never raises."""
    old = d.engine
    try:
        new = await asyncio.to_thread(loader)
    except DataError as exc:
        log.warning("reload refused: %d problem(s) in the data; still serving the previous data", len(exc.problems))
        return reply(problems_html(exc, old.fact_count))
    except Exception as exc:
        log.exception("reload failed")
        return reply(
            f"<b>Reload failed</b>: {esc(type(exc).__name__)}: {esc(str(exc))}. "
            f"Still serving the previous data ({old.fact_count} facts)."
        )
    d.engine = new  # one assignment: every handler reads d.engine afresh for each update
    log.info("reloaded the data: %d facts (was %d)", new.fact_count, old.fact_count)
    text = f"Reloaded: {new.fact_count} facts (was {old.fact_count})."
    before, after = {t.command for t in old.topics}, {t.command for t in new.topics}
    if before != after:
        text += " Topic commands changed: restart the bot to update them and the command menu."
    return reply(esc(text))
