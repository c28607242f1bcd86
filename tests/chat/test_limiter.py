"""ChatRateLimiter: one message per period to each private chat, on top of AIORateLimiter's overall and group
pacing and 429 retries. Requests go straight to ``process_request`` with a callback that records when it ran."""

from __future__ import annotations

import asyncio
import datetime as dtm
import itertools
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.chat.limiter import PRIVATE_PERIOD, ChatRateLimiter, private_chat_id

UNPACED = {"overall_max_rate": 0, "group_max_rate": 0}  # only the per-chat pacing under test


class Recorder:
    """The callback PTB would pass (the HTTP call): records the loop time of each call; raises the queued
    errors first."""

    def __init__(self, *errors: Exception) -> None:
        self.times: list[float] = []
        self.errors = list(errors)

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.times.append(asyncio.get_running_loop().time())
        if self.errors:
            raise self.errors.pop(0)
        return True


async def send(limiter: ChatRateLimiter, recorder: Recorder, chat_id: int | str, endpoint: str = "sendMessage") -> None:
    data = {"chat_id": chat_id, "text": "hi"}
    await limiter.process_request(recorder, (endpoint, data), {}, endpoint, data, None)


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_two_sends_to_one_private_chat_are_at_least_a_second_apart() -> None:
    limiter, recorder = ChatRateLimiter(**UNPACED), Recorder()
    await asyncio.gather(send(limiter, recorder, 42), send(limiter, recorder, 42))
    [gap] = gaps(recorder.times)
    assert PRIVATE_PERIOD > 1.0 and gap >= PRIVATE_PERIOD - 1e-3


async def test_pacing_counts_from_when_the_previous_send_went_out_not_from_its_turn() -> None:
    # The overall limiter (one per 50 ms) holds Ann's first send behind five others for ~0.25 s; her second,
    # asked once her period has passed since her first was let through, must still wait a period after it went out.
    limiter = ChatRateLimiter(overall_max_rate=1, overall_time_period=0.05, group_max_rate=0, private_time_period=0.3)
    ann, others = Recorder(), Recorder()
    first = asyncio.gather(*(send(limiter, others, chat) for chat in range(2, 7)), send(limiter, ann, 1))
    await asyncio.sleep(0.31)
    await asyncio.gather(first, send(limiter, ann, 1))
    [gap] = gaps(ann.times)
    assert gap >= 0.3 - 1e-3


async def test_sends_to_different_private_chats_are_not_held_back() -> None:
    limiter, recorder = ChatRateLimiter(**UNPACED), Recorder()
    await asyncio.gather(*(send(limiter, recorder, chat) for chat in range(1, 51)))
    assert len(recorder.times) == 50
    assert max(recorder.times) - min(recorder.times) < PRIVATE_PERIOD / 2  # none waited for a period


async def test_groups_get_the_group_limiter_and_not_the_private_pacing() -> None:
    limiter = ChatRateLimiter(overall_max_rate=0, group_max_rate=1, group_time_period=0.3, private_time_period=30)
    group, other_group = Recorder(), Recorder()
    await asyncio.gather(*(send(limiter, group, -1001) for _ in range(3)), send(limiter, other_group, -1002))
    assert all(0.29 <= gap < 1.0 for gap in gaps(group.times))  # the group's 1 per 0.3 s, not 30 s
    assert other_group.times[0] - group.times[0] < 0.1  # another group is not held back by the first
    assert limiter.tracked_chats == 0  # groups are never paced as private chats


async def test_edits_and_chat_actions_are_not_paced_per_chat() -> None:
    limiter, recorder = ChatRateLimiter(**UNPACED), Recorder()
    await send(limiter, recorder, 42)
    await send(limiter, recorder, 42, "editMessageText")
    await send(limiter, recorder, 42, "sendChatAction")
    assert recorder.times[-1] - recorder.times[0] < PRIVATE_PERIOD / 2


async def test_a_429_is_retried_after_retry_after_without_waiting_for_the_chat_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as build_application does: no deprecation warning for 429s
    limiter = ChatRateLimiter(**UNPACED, max_retries=2)
    recorder = Recorder(RetryAfter(dtm.timedelta(seconds=0)))
    await send(limiter, recorder, 42)
    [gap] = gaps(recorder.times)
    assert 0.1 <= gap < PRIVATE_PERIOD / 2  # retry_after + 0.1 s, and no second per-chat wait


async def test_idle_chats_are_forgotten_so_memory_stays_flat() -> None:
    limiter, recorder = ChatRateLimiter(**UNPACED, private_time_period=0.05), Recorder()
    await asyncio.gather(*(send(limiter, recorder, chat) for chat in range(1, 201)))
    assert limiter.tracked_chats == 200  # each was written to within its period
    await asyncio.sleep(0.1)
    await send(limiter, recorder, 1000)
    assert limiter.tracked_chats == 1  # only the chat just written to


async def test_a_chat_with_a_waiting_send_is_kept_and_stays_paced() -> None:
    limiter = ChatRateLimiter(**UNPACED, private_time_period=0.2)
    busy, other = Recorder(), Recorder()
    await send(limiter, busy, 1)
    second = asyncio.create_task(send(limiter, busy, 1))  # waits for chat 1's period
    await asyncio.sleep(0.05)
    await send(limiter, other, 2)  # prunes idle chats: chat 1, the oldest, is not idle
    assert limiter.tracked_chats == 2
    await second
    [gap] = gaps(busy.times)
    assert gap >= 0.2 - 1e-3


@pytest.mark.parametrize(
    ("endpoint", "chat_id", "expected"),
    [
        ("sendMessage", 42, 42),
        ("sendMessage", "42", 42),
        ("sendPhoto", 7, 7),
        ("copyMessage", 7, 7),
        ("sendMessage", -1001234, None),  # group or channel
        ("sendMessage", "@channel", None),
        ("sendMessage", None, None),
        ("editMessageText", 42, None),
        ("sendChatAction", 42, None),
        ("answerCallbackQuery", 42, None),
    ],
)
def test_private_chat_id(endpoint: str, chat_id: Any, expected: int | None) -> None:
    data = {} if chat_id is None else {"chat_id": chat_id}
    assert private_chat_id(endpoint, data) == expected
