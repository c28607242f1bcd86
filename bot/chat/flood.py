"""Per-user flood guard: a burst of questions gets one polite notice instead of dozens of replies."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

NOTICE = "You're sending questions faster than I can answer them. Please wait a few seconds and ask again."


class Verdict(Enum):
    ANSWER = "answer"
    NOTIFY = "notify"  # first refusal of a burst: tell the user once
    DROP = "drop"  # further refusals of the same burst: stay quiet


@dataclass
class FloodGuard:
    """At most ``limit`` answers per user in any ``window`` seconds."""

    limit: int = 6
    window: float = 20.0
    clock: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _notified: set[int] = field(default_factory=set)

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        if len(self._seen) > 10_000:  # forget users who went quiet
            self._seen = {u: t for u, t in self._seen.items() if t and now - t[-1] < self.window}
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._notified.discard(user_id)
            return Verdict.ANSWER
        if user_id in self._notified:
            return Verdict.DROP
        self._notified.add(user_id)
        return Verdict.NOTIFY
