"""Telegram's flood limits, all three: about 30 messages a second overall, 20 a minute per group, and one a second
per private chat. PTB's AIORateLimiter paces the first two; ``ChatRateLimiter`` adds the third.

Overall and group defaults are tighter than AIORateLimiter's, on purpose. aiolimiter's ``AsyncLimiter(n, t)`` is
a leaky bucket that holds ``n`` and drains ``n`` per ``t``: a full bucket lets ``n`` through at once and another
``n`` by the end of ``t``, so PTB's defaults (30 per 1 s, 20 per 60 s) allow up to 60 messages in one second and
40 in one minute to one group. A bucket of ``b`` draining ``r`` per second sends at most ``b + r * t`` in any
``t`` seconds; the defaults below keep that under Telegram's numbers in every window, as benchmarks/bot_bench.py
checks on the times the Bot API stand-in receives the sends.

A private chat is paced from the moment its previous request actually went out, not from when it was let through
a limiter: the overall limiter may hold a send back for a while after that, and pacing from the release then
let two sends reach Telegram 0.5 s apart in the benchmark.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import AIORateLimiter

# At most 4 + 25 = 29 messages in any second: one short of 30 for network jitter.
OVERALL_BURST, OVERALL_PER_SECOND = 4, 25.0
# At most 4 + 15 = 19 messages to one group in any minute: four at once, then one every 4 s.
GROUP_BURST, GROUP_PER_MINUTE = 4, 15.0
# Seconds between two messages to one private chat: Telegram's 1 s plus a margin for network jitter.
PRIVATE_PERIOD = 1.1

JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


def private_chat_id(endpoint: str, data: JSONDict) -> int | None:
    """The chat a request posts a new message to, when that chat is private (ids > 0; groups and channels are
    negative or ``@name``); None for anything else, edits included (they add no message to the chat)."""
    if not endpoint.startswith(("send", "forward", "copy")) or endpoint == "sendChatAction":
        return None
    try:
        chat_id = int(data["chat_id"])
    except (KeyError, TypeError, ValueError):  # no chat, or a channel's "@name"
        return None
    return chat_id if chat_id > 0 else None


@dataclass
class _Pace:
    """One private chat: a FIFO lock (its requests go out one at a time, in order), when the last one went out
    (event-loop time), and how many requests hold or wait for the lock."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = -math.inf
    users: int = 0


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter (overall and per-group pacing, 429 retries) plus at least ``private_time_period`` seconds
    between two messages to one private chat. A chat is forgotten once idle (its period is over and no request
    holds or waits for it), so memory holds about the chats written to in the last second, however many there
    are."""

    def __init__(
        self,
        overall_max_rate: float = OVERALL_BURST,
        overall_time_period: float = OVERALL_BURST / OVERALL_PER_SECOND,
        group_max_rate: float = GROUP_BURST,
        group_time_period: float = 60 * GROUP_BURST / GROUP_PER_MINUTE,
        max_retries: int = 0,
        private_time_period: float = PRIVATE_PERIOD,
    ) -> None:
        super().__init__(overall_max_rate, overall_time_period, group_max_rate, group_time_period, max_retries)
        self.private_time_period = private_time_period
        self._paces: OrderedDict[int, _Pace] = OrderedDict()  # least recently used first

    @property
    def tracked_chats(self) -> int:
        return len(self._paces)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = private_chat_id(endpoint, data)
        if chat_id is None or self.private_time_period <= 0:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        async with self._chat_turn(chat_id) as pace:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(max(0.0, pace.last + self.private_time_period - loop.time()))
            # Then the overall limiter and 429 retries (each retry is a send of its own, so it is stamped too).
            return await super().process_request(stamped(callback, pace), args, kwargs, endpoint, data, rate_limit_args)

    @asynccontextmanager
    async def _chat_turn(self, chat_id: int) -> AsyncIterator[_Pace]:
        pace = self._paces.get(chat_id)
        if pace is None:
            pace = self._paces[chat_id] = _Pace()
        self._paces.move_to_end(chat_id)  # now the most recently used
        pace.users += 1  # before pruning, so that this chat is never dropped while in use
        self._drop_idle()
        try:
            async with pace.lock:
                yield pace
        finally:
            pace.users -= 1

    def _drop_idle(self) -> None:
        """Forget idle chats, oldest first, up to the first busy one: a new entry would act the same as an idle
        one, and stopping at a busy one keeps this O(1) per request on average."""
        now = asyncio.get_running_loop().time()
        while self._paces:
            pace = next(iter(self._paces.values()))
            if pace.users or pace.last + self.private_time_period > now:
                return
            self._paces.popitem(last=False)


def stamped(callback: Callback, pace: _Pace) -> Callback:
    """``callback`` (the HTTP request), noting in ``pace`` when it goes out."""

    async def send(*args: Any, **kwargs: Any) -> bool | JSONDict | list[JSONDict]:
        pace.last = asyncio.get_running_loop().time()
        return await callback(*args, **kwargs)

    return send
