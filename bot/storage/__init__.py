"""natobot's database: the query log, feedback votes and per-chat state in one SQLite file.

Where: `NATOBOT_DB` (a path, or an SQLite `file:` URI such as `file:/srv/natobot.db?mode=ro`), by default
`$XDG_DATA_HOME/natobot/natobot.db` (`~/.local/share/natobot/natobot.db`); see `resolve_db_path()`.
WAL mode; the schema is upgraded on open by `PRAGMA user_version` (bot.storage.schema).

API (all methods are called from the event loop that opened the storage)::

    storage = await Storage.open(path, retention_days=None)   # never fails because of the database
    qid = storage.log_question(chat_id=..., user_id=..., chat_type="private", text="When did ...?",
                               normalised="when did ...", fact_id="kazakhstan.pfp-joined" or None,
                               confidence=0.93, status="answered" | "clarify" | "declined")
                               # -> int id, or None if dropped; non-blocking: queued, written in batches
    storage.record_feedback(chat_id=..., user_id=..., fact_id=..., vote=+1 | -1,
                            question_ref=str(qid) or None)         # non-blocking; a re-vote replaces
    storage.set_chat_state(chat_id, {"context": {...}, "settings": {...}})   # non-blocking, JSON object
    await storage.get_chat_state(chat_id)    # -> dict | None; sees queued states at once; never raises
    await storage.stats(days=7)              # -> dict (bot.storage.report.build_stats); never raises
    await storage.unanswered(limit=20)       # -> [(normalised text, times declined)]; never raises
    await storage.flush(timeout=5.0)         # -> bool: wait for queued writes (tests, /stats)
    storage.health()                         # -> dict: connected, failing, queued, written, dropped
    await storage.close()                    # flushes the queue (bounded by close_timeout), then closes

Privacy: chats and users are stored only as salted HMAC-SHA256 hashes. The salt is `NATOBOT_HASH_SALT` when
set (never written to the database), otherwise a random one created with the database (`meta.salt`).
Retention: `retention_days` (default: `NATOBOT_RETENTION_DAYS`, unset = keep) removes the question text and
its normalised form from rows older than that, at open and hourly; counts, statuses and fact ids stay.

Failure policy: the bot must keep answering whatever happens to the file. A locked, read-only, full, corrupt
or missing-directory database makes writes fail; the failure is logged once (ERROR) per outage, records
stay queued (at most `max_queue`, for at most `retry_window` seconds, oldest dropped first) and are retried
with back-off (reconnecting each time, so a restored or replaced file is picked up); the first successful
write logs a WARNING saying how long the outage lasted and how many records were dropped. Only misuse by
the caller raises (an unknown `status`, a state that is not a JSON object).
"""

from bot.storage.paths import default_db_path, resolve_db_path
from bot.storage.schema import CURRENT_VERSION
from bot.storage.store import Storage

__all__ = ["CURRENT_VERSION", "Storage", "default_db_path", "resolve_db_path"]
