"""Updates of many chats at once (bot.chat.updates.ChatOrderedProcessor): every question answered exactly once;
within one chat, strict order, so a follow-up sees the question before it even while other chats are busy; and
with the real rate limiter, one private chat's answers are a second apart without holding back other chats.

No speed is asserted here: benchmarks/bot_bench.py measures it."""

from __future__ import annotations

import asyncio
import datetime as dtm
from typing import Any

from telegram import Chat, Message, Update

from bot.chat.app import build_application
from bot.chat.flood import FloodGuard
from bot.chat.limiter import PRIVATE_PERIOD
from bot.chat.ports import EngineLike
from bot.chat.updates import ChatOrderedProcessor

from .botapi import BotAPIStandIn, Json, group_chat, private_chat, user, wait_until
from .conftest import running, settings_for
from .helpers import ME

POOL = ["when did Kazakhstan join PfP", "when did Kyrgyzstan join PfP", "who commands KFOR"]
FOLLOW_UP = ("when did Kyrgyzstan join PfP", "and Kazakhstan?")  # the second only makes sense after the first


def first_lines(api: BotAPIStandIn, chat_id: int) -> list[str]:
    return [m["text"].split("\n")[0] for m in api.bot_messages(chat_id)]


def push_rounds(api: BotAPIStandIn, chats: list[tuple[Json, Json]], rounds: int) -> dict[int, list[Json]]:
    """Round ``r`` asks every chat ``POOL[(i + r) % 3]``, as many people asking at once; returns, per chat, the
    questions in the order asked."""
    asked: dict[int, list[Json]] = {}
    for r in range(rounds):
        for i, (chat, sender) in enumerate(chats):
            question = POOL[(i + r) % len(POOL)]
            text = question if chat["type"] == "private" else f"{ME} {question}"
            asked.setdefault(chat["id"], []).append({**api.message(chat, sender, text), "question": question})
    return asked


async def test_questions_in_many_chats_are_each_answered_once_in_order(
    api: BotAPIStandIn, engine: EngineLike, tmp_path: Any
) -> None:
    expected = {q: engine.answer(q).text.split("\n")[0] for q in POOL}
    people = [user(30_000 + i, f"P{i}", None) for i in range(60)]
    chats = [(private_chat(p), p) for p in people]
    chats += [(group_chat(-1_000_000_000_100 - g, f"G{g}"), user(31_000 + g, f"M{g}", None)) for g in range(4)]
    app = build_application(settings_for(api, tmp_path), engine, flood=FloodGuard(limit=1000), rate_limit=False)
    async with running(app):
        asked = push_rounds(api, chats, rounds=3)
        total = sum(len(qs) for qs in asked.values())
        await wait_until(lambda: sum(len(api.bot_messages(c)) for c in asked) >= total, timeout=30, what="answers")
    # Stopped: every fetched update has been handled, so a duplicate would be here by now.
    for chat_id, questions in asked.items():
        assert first_lines(api, chat_id) == [expected[q["question"]] for q in questions], f"chat {chat_id}"
    assert [api.delivered.get(q["update_id"]) for qs in asked.values() for q in qs] == [1] * total
    processor = app.update_processor
    assert isinstance(processor, ChatOrderedProcessor) and processor.chats_in_flight == 0  # nothing kept per chat


async def test_a_follow_up_sees_its_question_while_other_chats_are_busy(api: BotAPIStandIn, make_app: Any) -> None:
    busy = [(private_chat(p), p) for p in (user(32_000 + i, f"B{i}", None) for i in range(15))]
    askers = [user(33_000 + i, f"A{i}", None) for i in range(6)]
    async with running(make_app()):
        push_rounds(api, busy, rounds=2)
        for person in askers:  # both at once: the follow-up is taken in before the first is answered
            for text in FOLLOW_UP:
                api.message(private_chat(person), person, text)
        await wait_until(lambda: all(len(api.bot_messages(p["id"])) == 2 for p in askers), timeout=30)
    for person in askers:
        first, second = first_lines(api, person["id"])
        assert "Kyrgyzstan" in first and "1994" in first
        assert "Kazakhstan" in second and "1995" in second, f"the follow-up lost its context: {second!r}"


async def test_the_real_limiter_paces_one_private_chat_and_not_the_others(
    api: BotAPIStandIn, engine: EngineLike, tmp_path: Any
) -> None:
    ann, bob = user(34_001, "Ann", None), user(34_002, "Bob", None)
    app = build_application(settings_for(api, tmp_path), engine, flood=FloodGuard(limit=1000))  # rate_limit=True
    async with running(app):
        api.message(private_chat(ann), ann, POOL[0])
        api.message(private_chat(ann), ann, POOL[1])
        api.message(private_chat(bob), bob, POOL[2])
        await wait_until(lambda: len(api.calls_of("sendMessage")) == 3, timeout=10, what="three answers")
    sends = {c: [s.at for s in api.calls_of("sendMessage") if s.params["chat_id"] == c] for c in (ann["id"], bob["id"])}
    (a1, a2), (b1,) = sends[ann["id"]], sends[bob["id"]]
    assert a2 - a1 >= PRIVATE_PERIOD - 0.05  # Ann's second answer waited for her chat's period
    assert b1 < a2  # Bob's answer did not queue behind Ann's


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, dtm.datetime.now(dtm.UTC), chat))


async def test_the_processor_runs_at_most_max_running_and_each_chat_in_arrival_order() -> None:
    processor = ChatOrderedProcessor(max_running=3, max_pending=100)
    running_now, peak, order = 0, 0, []

    async def handle(update_id: int, chat_id: int) -> None:
        nonlocal running_now, peak
        running_now += 1
        peak = max(peak, running_now)
        await asyncio.sleep(0.01 * (update_id % 3))  # uneven work, so a later update could overtake
        order.append((chat_id, update_id))
        running_now -= 1

    jobs = [(i, i % 4) for i in range(1, 41)]  # 40 updates in 4 chats
    async with processor:
        # As PTB does: one task per update, started in arrival order.
        await asyncio.gather(*(processor.process_update(update(u, c), handle(u, c)) for u, c in jobs))
    assert peak == 3
    for chat_id in range(4):
        assert [u for c, u in order if c == chat_id] == [u for u, c in jobs if c == chat_id]
    assert processor.chats_in_flight == 0
