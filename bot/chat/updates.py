"""Updates of different chats run concurrently; updates of one chat run one at a time, in arrival order.

PTB's choice is all or nothing: ``concurrent_updates(False)`` answers one update at a time (every chat waits for
every other chat's network round trips), ``concurrent_updates(True)`` loses the order within a chat (a follow-up
could be answered before, and without the context of, the question it follows). ``ChatOrderedProcessor`` is the
``BaseUpdateProcessor`` in between.

Why order holds: PTB starts one task per update in arrival order, and each task reaches ``do_process_update``
in that order (``process_update`` takes a FIFO semaphore and nothing else before it). There, with no ``await`` in
between, the update joins its chat's FIFO ``asyncio.Lock``; the lock then hands the chat over in that order.

Why two limits: PTB's semaphore (``max_concurrent_updates``, taken in ``process_update``) counts every update from
the moment its task starts, including those only waiting for their chat's turn. If it alone capped concurrency, one
busy chat (a group held to 20 answers a minute by the rate limiter) could fill every slot with its own waiting
updates and stall all other chats. So PTB's bound is generous (``max_pending``) and ``max_running`` caps the
handlers that actually run, which only the first update of each chat can be.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Handlers running at once, with the rate limiter on: one waiting for Telegram's pace (1 s per private chat) keeps
# its slot, so this stays well above the messages sent in a second (at most 30).
MAX_RUNNING = 64
# Without the limiter (tests, benchmarks) the running handlers all compete for the event loop's one CPU: more of
# them do not raise throughput (benchmarks/bot_bench.py: no gain past 8), they stretch each one's wall time, and
# a storage read has a 0.5 s budget (at 16, a burst of 2,000 updates made a few reads time out).
MAX_RUNNING_UNPACED = 8
MAX_PENDING = 4096  # updates running or waiting for their chat; more wait, in order, in PTB's semaphore


def chat_key(update: object) -> int | None:
    """The conversation an update belongs to: its chat, else (inline queries) its user; None for neither."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


@dataclass
class _Turn:
    """A chat's FIFO lock and how many of its updates hold or wait for it (the entry goes when none do)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most ``max_running`` handlers at once, never two of one chat; each chat's updates in arrival order."""

    def __init__(self, max_running: int = MAX_RUNNING, max_pending: int = MAX_PENDING) -> None:
        if not 0 < max_running <= max_pending:
            raise ValueError("need 0 < max_running <= max_pending")
        super().__init__(max_pending)
        self.max_running = max_running
        self._running = asyncio.BoundedSemaphore(max_running)
        self._turns: dict[int, _Turn] = {}

    @property
    def chats_in_flight(self) -> int:
        """Chats with an update running or waiting; idle chats are forgotten, so memory stays flat."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            async with self._chat_turn(chat_key(update)), self._running:
                await coroutine
        except asyncio.CancelledError:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting, so it never ran: no "never awaited" warning
            raise

    @asynccontextmanager
    async def _chat_turn(self, key: int | None) -> AsyncIterator[None]:
        """Wait for the chat's earlier updates. Everything up to the lock's queue runs without yielding to the
        event loop, so updates queue in the order their tasks started."""
        if key is None:
            yield
            return
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.users += 1
        try:
            async with turn.lock:
                yield
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        """Nothing to set up: a chat's lock is made on its first update."""

    async def shutdown(self) -> None:
        """Nothing to free: Application.stop has waited for every update, so no chat is left."""
