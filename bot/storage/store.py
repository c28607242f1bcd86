"""`Storage`: the write-behind query log, feedback and chat state (see the package docstring for the API)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import aiosqlite

from bot.storage import report as _report
from bot.storage.paths import SALT_ENV, Target, make_target, retention_from_env
from bot.storage.schema import connect as _connect_sync
from bot.storage.schema import describe_error, prepare

log = logging.getLogger("bot.storage")

_STATUS = {
    "answered": "answered",
    "answer": "answered",
    "clarify": "clarify",
    "clarified": "clarify",
    "clarification": "clarify",
    "declined": "declined",
    "decline": "declined",
}
MAX_TEXT = 4096  # Telegram's message limit; longer input is truncated before it is stored
MAX_STATE_BYTES = 64 * 1024
_DAY = 86400.0
# Errors that belong to one record (not to the database): that record is dropped, the rest are written.
_DATA_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, OverflowError)


@dataclass(slots=True)
class _Question:
    id: int
    ts: float
    chat_id: int
    user_id: int | None
    chat_type: str
    text: str
    normalised: str
    fact_id: str | None
    confidence: float
    status: str
    queued: float


@dataclass(slots=True)
class _Feedback:
    ts: float
    chat_id: int
    user_id: int
    fact_id: str
    vote: int
    question_ref: str
    queued: float


@dataclass(slots=True)
class _State:
    ts: float
    chat_id: int
    state: str
    seq: int
    queued: float


_Item = _Question | _Feedback | _State
_HINTS = {
    "corrupt": "Move the file aside (a new one is then created) or restore a backup. ",
    "read-only": "Check the file's and its directory's permissions and the mount. ",
    "full": "Free disk space (or raise the size limit); NATOBOT_RETENTION_DAYS bounds growth. ",
    "locked": "Another process holds a write lock (a backup, a second bot, a sqlite3 shell?). ",
    "cannot open": "Check that the directory exists and is writable by the bot's user. ",
    "schema too new": "A newer natobot wrote this database; run that version or restore a backup. ",
}
_T = TypeVar("_T")


def _question_id(ref: str) -> int | None:
    """The question a vote rates, when `question_ref` is an id `log_question` returned (checked in SQL)."""
    return int(ref) if ref.isascii() and ref.isdigit() and len(ref) <= 18 else None


class Storage:
    """The SQLite query log, feedback votes and per-chat state. Create with `await Storage.open(path)`."""

    def __init__(
        self,
        target: Target,
        *,
        retention_days: int | None,
        salt: bytes | None,
        clock: Callable[[], float],
        batch_size: int,
        max_queue: int,
        retry_initial: float,
        retry_max: float,
        retry_window: float,
        busy_timeout_ms: int,
        read_timeout: float,
        close_timeout: float,
        heartbeat_interval: float | None,
        retention_interval: float,
        max_bytes: int | None,
    ) -> None:
        self._target = target
        self._retention_days = retention_days
        self._fixed_salt = salt
        self._salt: bytes | None = salt
        self._clock = clock
        self._batch_size = batch_size
        self._max_pending = max_queue
        self._retry_initial = retry_initial
        self._retry_max = retry_max
        self._retry_window = retry_window
        self._busy_timeout_ms = busy_timeout_ms
        self._read_timeout = read_timeout
        self._close_timeout = close_timeout
        self._heartbeat_interval = heartbeat_interval
        self._retention_interval = retention_interval
        self._max_bytes = max_bytes

        self._queue: asyncio.Queue[_Item] = asyncio.Queue(maxsize=max_queue)
        self._pending: deque[_Item] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._reader_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        # Chat states queued but not yet written: read-your-writes, also while the database is unusable.
        self._overlay: dict[int, tuple[int, str]] = {}
        self._seq = 0
        self._last_id = 0
        self._closing = False
        self._closed = False

        self._failing: str | None = None  # why the database is unusable, while it is
        self._failing_from = ""  # "write" or "read": only a success of the same kind (or a write) ends it
        self._failing_since = 0.0
        self._dropped_in_outage = 0
        self._rejected_logged = False
        self._backoff = retry_initial
        self._next_attempt = 0.0
        self._next_heartbeat = 0.0
        self._next_retention = 0.0

        self.written = 0
        self.dropped = 0
        self.batches = 0

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        retention_days: int | None = None,
        salt: str | None = None,
        clock: Callable[[], float] = time.time,
        batch_size: int = 200,
        max_queue: int = 10_000,
        retry_initial: float = 0.5,
        retry_max: float = 30.0,
        retry_window: float = 900.0,
        busy_timeout_ms: int = 2000,
        read_timeout: float = 0.5,
        close_timeout: float = 5.0,
        heartbeat_interval: float | None = 60.0,
        retention_interval: float = 3600.0,
        max_bytes: int | None = None,
    ) -> Storage:
        """Open (creating or upgrading) the database and start the background writer. Never fails because of
        the database: when it is unusable the failure is logged once and the writer keeps retrying."""
        if retention_days is None:
            retention_days = retention_from_env()
        if retention_days is not None and retention_days < 0:
            raise ValueError("retention_days must be >= 0")
        if salt is None:
            salt = os.environ.get(SALT_ENV) or None
        if batch_size < 1 or max_queue < 1:
            raise ValueError("batch_size and max_queue must be >= 1")
        self = cls(
            make_target(path),
            retention_days=retention_days,
            salt=salt.encode() if salt else None,
            clock=clock,
            batch_size=batch_size,
            max_queue=max_queue,
            retry_initial=retry_initial,
            retry_max=retry_max,
            retry_window=retry_window,
            busy_timeout_ms=busy_timeout_ms,
            read_timeout=read_timeout,
            close_timeout=close_timeout,
            heartbeat_interval=heartbeat_interval,
            retention_interval=retention_interval,
            max_bytes=max_bytes,
        )
        if await self._connect_writer():
            await self._maintain()  # retention and heartbeat before the first question
        self._task = asyncio.create_task(self._run(), name="natobot-storage-writer")
        return self

    async def close(self) -> None:
        """Flush queued writes (waiting at most `close_timeout` seconds if the database is unusable), then
        close. Records that could not be written are counted and logged once."""
        if self._closed:
            return
        self._closing = True
        self._next_attempt = 0.0  # one more attempt now, whatever the back-off said
        self._backoff = self._retry_initial
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self._close_timeout)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        lost = len(self._pending) + self._queue.qsize()
        if lost:
            self.dropped += lost
            log.warning(
                "storage: closing with %d record(s) not written to %s (%s); they are lost",
                lost,
                self._target.display,
                self._failing or "database unusable",
            )
        self._pending.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._overlay.clear()
        self._closed = True
        await self._drop_writer()
        await self._drop_reader()
        self._idle.set()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ the non-blocking write API

    def log_question(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        chat_type: str,
        text: str,
        normalised: str,
        fact_id: str | None,
        confidence: float,
        status: str,
    ) -> int | None:
        """Queue one question; returns its id (for `record_feedback(question_ref=str(id))`) or None if the
        record was dropped (queue full, storage closed). Never blocks, never touches the database."""
        try:
            kind = _STATUS[status]
        except KeyError:
            raise ValueError(f"status must be one of answered, clarify, declined; not {status!r}") from None
        ts = self._clock()
        qid = max(self._last_id + 1, int(ts * 1_000_000))
        item = _Question(
            id=qid,
            ts=ts,
            chat_id=int(chat_id),
            user_id=None if user_id is None else int(user_id),
            chat_type=str(chat_type)[:32],
            text=str(text)[:MAX_TEXT],
            normalised=str(normalised)[:MAX_TEXT],
            fact_id=None if fact_id is None else str(fact_id)[:200],
            confidence=float(confidence),
            status=kind,
            queued=time.monotonic(),
        )
        if not self._enqueue(item):
            return None
        self._last_id = qid
        return qid

    def record_feedback(self, *, chat_id: int, user_id: int, fact_id: str, vote: int, question_ref: str | None) -> None:
        """Queue a vote (> 0 helpful, < 0 not helpful; 0 is ignored). A user's later vote on the same answer
        (`question_ref`, e.g. the id `log_question` returned) replaces the earlier one."""
        if vote == 0:
            return
        self._enqueue(
            _Feedback(
                ts=self._clock(),
                chat_id=int(chat_id),
                user_id=int(user_id),
                fact_id=str(fact_id)[:200],
                vote=1 if vote > 0 else -1,
                question_ref="" if question_ref is None else str(question_ref)[:64],
                queued=time.monotonic(),
            )
        )

    def set_chat_state(self, chat_id: int, state: dict[str, Any]) -> None:
        """Queue the chat's state (follow-up context, settings): a JSON object of at most 64 KiB replacing
        the previous one. `get_chat_state` sees it at once. Raises TypeError/ValueError if it is not one."""
        if not isinstance(state, dict):
            raise TypeError("chat state must be a dict")
        encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        if len(encoded.encode()) > MAX_STATE_BYTES:
            raise ValueError(f"chat state is larger than {MAX_STATE_BYTES} bytes")
        self._seq += 1
        chat = int(chat_id)
        if self._enqueue(_State(ts=self._clock(), chat_id=chat, state=encoded, seq=self._seq, queued=time.monotonic())):
            self._overlay[chat] = (self._seq, encoded)

    def _enqueue(self, item: _Item) -> bool:
        if self._closing:
            log.debug("storage: closed, record dropped")
            self.dropped += 1
            return False
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            self._dropped_in_outage += 1
            self._report_failure("queue", OverflowError(f"write queue full ({self._queue.maxsize} records)"))
            return False
        self._idle.clear()
        self._wake.set()
        return True

    # ------------------------------------------------------------------ reads

    async def get_chat_state(self, chat_id: int) -> dict[str, Any] | None:
        """The chat's last state, or None (none stored, or the database is unusable: never raises)."""
        try:
            chat = int(chat_id)
            queued = self._overlay.get(chat)
            if queued is not None:
                value = json.loads(queued[1])
                return value if isinstance(value, dict) else None
            if self._closed:
                return None
            return await asyncio.wait_for(self._read_state(chat), self._read_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the contract: a read never raises
            self._report_failure("read", exc)
            if isinstance(exc, sqlite3.Error):
                await self._drop_reader()
            return None

    async def _read_state(self, chat: int) -> dict[str, Any] | None:
        async with self._reader_lock:
            if self._reader is None:
                if self._salt is None:
                    await self._learn_salt()
                db = await self._connect()
                try:
                    await db.execute("PRAGMA query_only = ON")
                except BaseException:
                    await db.close()
                    raise
                self._reader = db
            rows = list(
                await self._reader.execute_fetchall(
                    "SELECT state FROM chat_state WHERE chat_hash = ?", (self._hash("chat", chat),)
                )
            )
        self._report_read_ok()
        if not rows:
            return None
        value = json.loads(rows[0][0])
        return value if isinstance(value, dict) else None

    async def _learn_salt(self) -> None:
        salt = await asyncio.to_thread(prepare, self._target, busy_timeout_ms=self._busy_timeout_ms)
        if self._salt is None:
            self._salt = salt.encode()

    async def stats(self, days: int = 7) -> dict[str, Any]:
        """The usage report (see bot.storage.report.build_stats): per-day counts, answered/clarify/declined
        shares, top questions, top unanswered (grouped by normalised text), feedback per fact, plus
        `storage` (this process's writer health). Never raises: `ok` is False with `error` when unreadable."""
        days = max(1, int(days))
        if self._failing is None:
            await self.flush(timeout=min(1.0, self._close_timeout))
        now = self._clock()
        try:
            result = await asyncio.to_thread(self._read_sync, lambda c: _report.build_stats(c, days=days, now=now))
        except Exception as exc:
            self._report_failure("read", exc)
            result = _report.empty_report(days, now)
            result.update(ok=False, error=f"{describe_error(exc)}: {exc}")
        result["storage"] = self.health()
        return result

    async def unanswered(self, limit: int = 20) -> list[tuple[str, int]]:
        """The most often declined questions (normalised text, count) not answered since; [] if unreadable."""
        if self._failing is None:
            await self.flush(timeout=min(1.0, self._close_timeout))
        try:
            rows = await asyncio.to_thread(self._read_sync, lambda c: _report.unanswered_rows(c, limit=limit))
        except Exception as exc:
            self._report_failure("read", exc)
            return []
        return [(r.question, r.count) for r in rows]

    def _read_sync(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        conn = _connect_sync(self._target, busy_timeout_ms=self._busy_timeout_ms, read_only=True)
        try:
            return fn(conn)
        finally:
            conn.close()

    def health(self) -> dict[str, Any]:
        """What an operator (or /stats) may want to see about the writer."""
        return {
            "path": self._target.display,
            "connected": self._writer is not None,
            "failing": self._failing,
            "queued": self._queue.qsize() + len(self._pending),
            "written": self.written,
            "dropped": self.dropped,
            "batches": self.batches,
        }

    async def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written; False if that took longer than `timeout`."""
        if self._closed:
            return not self._pending
        self._wake.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    # ------------------------------------------------------------------ the writer task

    async def _run(self) -> None:
        while True:
            try:
                self._drain_queue()
                now = time.monotonic()
                if self._pending and now >= self._next_attempt:
                    await self._attempt()
                elif not self._pending and not self._closing and now >= self._maintenance_due():
                    await self._maintain()
                if not self._pending and self._queue.empty():
                    self._idle.set()
                    if self._closing:
                        return
                wait = self._next_wait()
                self._wake.clear()
                if self._queue.empty() and wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), wait)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not end the query log: log it and carry on
                log.exception("storage: unexpected error in the writer")
                await self._drop_writer()
                self._schedule_retry()
                await asyncio.sleep(self._backoff)

    def _maintenance_due(self) -> float:
        due = self._next_retention if self._retention_days is not None else float("inf")
        if self._heartbeat_interval is not None:
            due = min(due, self._next_heartbeat)
        return due

    def _next_wait(self) -> float:
        now = time.monotonic()
        if self._pending:
            return max(0.0, self._next_attempt - now)
        if self._closing:
            return 0.0
        return max(0.0, min(self._maintenance_due() - now, 3600.0))

    def _drain_queue(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if len(self._pending) >= self._max_pending:
                self._drop(self._pending.popleft())
            self._pending.append(item)

    def _drop(self, item: _Item) -> None:
        self.dropped += 1
        self._dropped_in_outage += 1
        self._forget_state(item)

    def _forget_state(self, item: _Item) -> None:
        if isinstance(item, _State):
            current = self._overlay.get(item.chat_id)
            if current is not None and current[0] == item.seq:
                del self._overlay[item.chat_id]

    def _schedule_retry(self) -> None:
        self._next_attempt = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, self._retry_max)

    async def _attempt(self) -> None:
        if self._failing is not None:  # bounded retries: records older than the retry window are dropped
            horizon = time.monotonic() - self._retry_window
            while self._pending and self._pending[0].queued < horizon:
                self._drop(self._pending.popleft())
            if not self._pending:
                return
        if self._writer is None and not await self._connect_writer():
            self._schedule_retry()
            return
        batch = [self._pending[i] for i in range(min(self._batch_size, len(self._pending)))]
        try:
            await self._write(batch)
        except _DATA_ERRORS:
            await self._write_one_by_one(batch)
            return
        except (sqlite3.Error, ValueError) as exc:
            self._report_failure("write", exc)
            await self._drop_writer()
            self._schedule_retry()
            return
        self._done(batch)

    async def _write_one_by_one(self, batch: list[_Item]) -> None:
        for item in batch:
            try:
                await self._write([item])
            except _DATA_ERRORS as exc:
                self._pending.popleft()
                self._drop(item)
                if not self._rejected_logged:
                    self._rejected_logged = True
                    log.error("storage: a record was rejected by the database and dropped (%s)", exc)
                continue
            except (sqlite3.Error, ValueError) as exc:
                self._report_failure("write", exc)
                await self._drop_writer()
                self._schedule_retry()
                return
            self._done([item])

    def _done(self, batch: list[_Item]) -> None:
        for item in batch:
            self._pending.popleft()
            self._forget_state(item)
        self.written += len(batch)
        self.batches += 1
        self._backoff = self._retry_initial
        self._next_attempt = 0.0
        self._report_ok()

    async def _write(self, batch: list[_Item]) -> None:
        db = self._writer
        if db is None:
            raise sqlite3.OperationalError("not connected")
        questions, feedback, states = [], [], []
        for item in batch:
            if isinstance(item, _Question):
                questions.append(
                    (
                        item.id,
                        item.ts,
                        item.chat_type,
                        self._hash("chat", item.chat_id),
                        None if item.user_id is None else self._hash("user", item.user_id),
                        item.text,
                        item.normalised,
                        item.fact_id,
                        item.confidence,
                        item.status,
                    )
                )
            elif isinstance(item, _Feedback):
                feedback.append(
                    (
                        item.ts,
                        self._hash("chat", item.chat_id),
                        self._hash("user", item.user_id),
                        item.fact_id,
                        item.vote,
                        item.question_ref,
                        _question_id(item.question_ref),
                    )
                )
            else:
                states.append((self._hash("chat", item.chat_id), item.state, item.ts))
        await db.execute("BEGIN IMMEDIATE")
        try:
            if questions:
                await db.executemany(
                    """INSERT INTO questions (id, ts, chat_type, chat_hash, user_hash, text, normalised,
                                              fact_id, confidence, status)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    questions,
                )
            if feedback:
                await db.executemany(
                    """INSERT INTO feedback (ts, chat_hash, user_hash, fact_id, vote, question_ref,
                                             question_id)
                       VALUES (?, ?, ?, ?, ?, ?, (SELECT id FROM questions WHERE id = ?))
                       ON CONFLICT (user_hash, fact_id, question_ref)
                       DO UPDATE SET vote = excluded.vote, ts = excluded.ts,
                                     chat_hash = excluded.chat_hash""",
                    feedback,
                )
            if states:
                await db.executemany(
                    """INSERT INTO chat_state (chat_hash, state, updated_ts) VALUES (?, ?, ?)
                       ON CONFLICT (chat_hash) DO UPDATE SET state = excluded.state,
                                                             updated_ts = excluded.updated_ts""",
                    states,
                )
            await db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                await db.execute("ROLLBACK")
            raise

    async def _maintain(self) -> None:
        """Heartbeat (`meta.heartbeat`, read by deploy/healthcheck.py) and the retention sweep."""
        now_mono = time.monotonic()
        if self._heartbeat_interval is not None:
            self._next_heartbeat = now_mono + self._heartbeat_interval
        retention_due = self._retention_days is not None and now_mono >= self._next_retention
        if self._writer is None and not await self._connect_writer():
            return
        db = self._writer
        assert db is not None
        now = self._clock()
        try:
            await db.execute("BEGIN IMMEDIATE")
            try:
                await db.execute(
                    "INSERT INTO meta (key, value) VALUES ('heartbeat', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (f"{now:.3f}",),
                )
                if retention_due and self._retention_days is not None:
                    cutoff = now - self._retention_days * _DAY
                    cursor = await db.execute(
                        "UPDATE questions SET text = NULL, normalised = NULL WHERE ts < ? AND text IS NOT NULL",
                        (cutoff,),
                    )
                    if cursor.rowcount > 0:
                        log.info(
                            "storage: retention removed the text of %d question(s) older than %d day(s)",
                            cursor.rowcount,
                            self._retention_days,
                        )
                await db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    await db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, ValueError) as exc:
            self._report_failure("write", exc)
            await self._drop_writer()
            return
        if retention_due:
            self._next_retention = now_mono + self._retention_interval
        self._report_ok()

    async def _connect(self) -> aiosqlite.Connection:
        """One connection to the database, in autocommit mode, waiting busy_timeout for locks."""
        return await aiosqlite.connect(
            self._target.database,
            uri=self._target.uri,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,
        )

    async def _connect_writer(self) -> bool:
        try:
            if self._target.file is not None and not self._target.uri:
                self._target.file.parent.mkdir(parents=True, exist_ok=True)
            db = await self._connect()
            try:
                # With the writer's connection already open, so that an in-memory database outlives it.
                salt = await asyncio.to_thread(prepare, self._target, busy_timeout_ms=self._busy_timeout_ms)
                await db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
                await db.execute("PRAGMA synchronous = NORMAL")
                if self._max_bytes is not None:
                    rows = list(await db.execute_fetchall("PRAGMA page_size"))
                    pages = max(1, self._max_bytes // int(rows[0][0]))
                    await db.execute(f"PRAGMA max_page_count = {pages}")
            except BaseException:
                await db.close()
                raise
        except (sqlite3.Error, OSError, ValueError) as exc:
            self._report_failure("open", exc)
            return False
        self._writer = db
        if self._fixed_salt is None:
            self._salt = salt.encode()
        return True

    async def _drop_writer(self) -> None:
        db, self._writer = self._writer, None
        if db is not None:
            with contextlib.suppress(Exception):
                await db.close()

    async def _drop_reader(self) -> None:
        async with self._reader_lock:
            db, self._reader = self._reader, None
        if db is not None:
            with contextlib.suppress(Exception):
                await db.close()

    # ------------------------------------------------------------------ hashing and outage reporting

    def _hash(self, kind: str, value: int) -> str:
        if self._salt is None:  # only reachable before the first successful connection
            raise sqlite3.OperationalError("salt unknown: database not opened yet")
        return hmac.new(self._salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _report_failure(self, op: str, exc: BaseException) -> None:
        kind = "queue full" if op == "queue" else describe_error(exc)
        if self._failing is not None:
            log.debug("storage: %s still failing (%s: %s)", op, kind, exc)
            return
        self._failing = kind
        self._failing_from = "read" if op == "read" else "write"
        self._failing_since = time.monotonic()
        log.error(
            "storage: %s failed on %s (%s: %s). Answers continue; writes are queued (up to %d records, "
            "for up to %gs) and retried. %sLogged once until the database is usable again.",
            op,
            self._target.display,
            kind,
            exc,
            self._max_pending,
            self._retry_window,
            _HINTS.get(kind, ""),
        )

    def _report_ok(self) -> None:
        if self._failing is None:
            return
        log.warning(
            "storage: %s is usable again after %.1fs (%s); %d record(s) dropped meanwhile",
            self._target.display,
            time.monotonic() - self._failing_since,
            self._failing,
            self._dropped_in_outage,
        )
        self._failing = None
        self._dropped_in_outage = 0

    def _report_read_ok(self) -> None:
        if self._failing is not None and self._failing_from == "read":
            self._report_ok()
