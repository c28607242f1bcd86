"""Inline buttons: full source (edit in place), back, related, did-you-mean, feedback, forged data."""

from __future__ import annotations

from typing import Any

from .botapi import BotAPIStandIn, private_chat, user, wait_until
from .helpers import button, buttons

ANN = user()
CHAT = private_chat(ANN)


async def ask(api: BotAPIStandIn, text: str) -> dict[str, Any]:
    before = len(api.bot_messages(CHAT["id"]))
    api.message(CHAT, ANN, text)
    msgs = await wait_until(lambda: len(api.bot_messages(CHAT["id"])) > before and api.bot_messages(CHAT["id"]))
    return dict(msgs[-1])


async def press(api: BotAPIStandIn, message: dict[str, Any], data: str) -> dict[str, Any]:
    query_id = api.press(ANN, message, data)
    return dict(await wait_until(lambda: api.callback_answer(query_id), what="answerCallbackQuery"))


async def test_full_source_edits_the_message_in_place_and_back(api: BotAPIStandIn, bot: Any, engine: Any) -> None:
    answer = await ask(api, "what is comkfor")
    await press(api, answer, button(answer, "Full source")["callback_data"])
    [shown] = await wait_until(lambda: [m for m in api.bot_messages(CHAT["id"]) if "edit_date" in m])
    assert shown["message_id"] == answer["message_id"] and len(api.bot_messages(CHAT["id"])) == 1
    assert " ".join(engine.passage("kfor.comkfor").split()[:8]) in shown["text"]
    assert len(shown["text"]) > len(answer["text"]) - 200 and "Short answer" in str(buttons(shown))
    assert {"👍", "👎"} <= {b["text"] for b in buttons(shown)}  # the keyboard is kept
    await press(api, shown, button(shown, "Short answer")["callback_data"])
    back = await wait_until(lambda: "Full source" in str(buttons(api.bot_messages(CHAT["id"])[0])))
    assert back


async def test_related_button_offers_related_questions(api: BotAPIStandIn, bot: Any, engine: Any) -> None:
    answer = await ask(api, "what is comkfor")
    await press(api, answer, button(answer, "Related")["callback_data"])
    related = await wait_until(lambda: len(api.bot_messages(CHAT["id"])) == 2 and api.bot_messages(CHAT["id"])[1])
    labels = [b["text"] for b in buttons(related)]
    assert labels == [f.questions[0] for f in engine.related("kfor.comkfor", 3)]
    await press(api, related, buttons(related)[0]["callback_data"])
    third = await wait_until(lambda: len(api.bot_messages(CHAT["id"])) == 3 and api.bot_messages(CHAT["id"])[2])
    assert third["text"].startswith(engine.related("kfor.comkfor", 3)[0].answer)


async def test_unclear_question_offers_did_you_mean_buttons(api: BotAPIStandIn, bot: Any, engine: Any) -> None:
    unclear = await ask(api, "troops")
    choices = buttons(unclear)
    assert 1 <= len(choices) <= 3 and all(b["callback_data"].startswith("ans|") for b in choices)
    await press(api, unclear, choices[0]["callback_data"])
    chosen = await wait_until(lambda: len(api.bot_messages(CHAT["id"])) == 2 and api.bot_messages(CHAT["id"])[1])
    fact = engine.fact(choices[0]["callback_data"].split("|")[1])
    assert chosen["text"].startswith(fact.answer)


async def test_feedback_buttons_thank_the_user(api: BotAPIStandIn, bot: Any) -> None:
    answer = await ask(api, "what is comkfor")
    for label in ("👍", "👎"):
        result = await press(api, answer, button(answer, label)["callback_data"])
        assert result["text"] == "Thanks for the feedback!"
    assert len(api.bot_messages(CHAT["id"])) == 1


async def test_forged_and_stale_callbacks_get_a_short_notice(api: BotAPIStandIn, bot: Any) -> None:
    answer = await ask(api, "what is comkfor")
    for forged in ("src|no.such-fact", "drop table", "ans|" + "x" * 60, "sub|kfor|nothing", "up|table:nope"):
        result = await press(api, answer, forged)
        assert result["text"] == "This button is no longer valid."
    assert len(api.bot_messages(CHAT["id"])) == 1  # no apology, no stack trace
    assert (await ask(api, "when did Kazakhstan join PfP"))["text"]  # and the bot still answers


async def test_topic_and_subtopic_buttons_answer(api: BotAPIStandIn, bot: Any) -> None:
    start = await ask(api, "/start")
    await press(api, start, "top|kfor")
    overview = await wait_until(lambda: len(api.bot_messages(CHAT["id"])) == 2 and api.bot_messages(CHAT["id"])[1])
    assert overview["text"].startswith("KFOR is the NATO-led Kosovo Force")
    await press(api, overview, "sub|kfor|commanders")
    listing = await wait_until(lambda: len(api.bot_messages(CHAT["id"])) == 3 and api.bot_messages(CHAT["id"])[2])
    assert "Sir Michael Jackson" in listing["text"]
