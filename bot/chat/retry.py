"""Bounded retries, with backoff, for Bot API calls that failed before Telegram could act on them.

Which failures are retried is decided by one question: could Telegram have carried the call out? Telegram
has no idempotency key for sendMessage, so sending again after a call that did take effect shows the user
the same answer twice. Hence:

- Retried (the call surely or almost surely did not take effect): connection refused or reset, a connection
  closed without an answer, DNS trouble (all ``NetworkError``), an HTTP 5xx answer (Telegram's front end
  saying the call failed), and the timeouts that fire before the request is fully sent: connect, write,
  and waiting for a free connection in the pool.
- Not retried:
  - ``TimedOut`` while waiting for the answer (httpx ``ReadTimeout``): the request was sent in full and
    Telegram is working on it, slowly. It usually does go through, so resending mostly doubles the message.
    We accept the rarer lost answer over the commoner duplicate (the error handler logs it as possibly lost).
  - ``BadRequest`` / ``Forbidden`` / ``InvalidToken`` / ``Conflict`` / ``ChatMigrated``: permanent, the same
    request fails the same way again; they reach the error handler as before.
  - ``RetryAfter`` (429): the rate limiter already waits and retries those.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut

log = logging.getLogger("bot.chat")

T = TypeVar("T")

# Seconds before each retry (each stretched by up to +50% jitter, so that chats failing together during an
# outage do not retry in lockstep): about 8 s in all, which rides out a blip or a restart of the Bot API
# front end without holding a chat's queue for long. The first retry comes quickly: most transient failures
# (a stale keep-alive connection, one bad gateway) succeed at once on a fresh try.
RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)

# httpx timeouts that fire before the whole request reached the server: it cannot have acted on it.
_UNSENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.WriteTimeout, httpx.PoolTimeout)


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` says the call failed without taking effect and may succeed if made again."""
    if isinstance(exc, BadRequest):  # a NetworkError subclass, but permanent
        return False
    if isinstance(exc, TimedOut):
        return isinstance(exc.__cause__, _UNSENT_TIMEOUTS)
    return isinstance(exc, NetworkError)


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> T:
    """``await call()``; after a transient failure wait and make it again, at most ``len(RETRY_DELAYS)`` more
    times. The last failure, and any failure that is not transient, is raised to the caller (and so reaches
    the error handler, which logs it).

    One INFO line when a call first fails, so that an operator sees Telegram trouble without a line per
    attempt; later attempts log at DEBUG."""
    delays = RETRY_DELAYS
    for attempt in range(len(delays) + 1):
        try:
            return await call()
        except Exception as exc:
            if attempt == len(delays) or not is_transient(exc):
                raise
            pause = delays[attempt] * (1 + random.random() / 2)
            level = logging.INFO if attempt == 0 else logging.DEBUG
            log.log(level, "%s failed (%s); retry %d of %d in %.2fs", what, exc, attempt + 1, len(delays), pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable: the last attempt returns or raises")
