"""Private chats: questions, /start and deep links, topic commands, follow-ups, escaping, splitting, non-text."""

from __future__ import annotations

from typing import Any

from bot.chat import deeplink

from .botapi import BotAPIStandIn, private_chat, user, wait_until
from .conftest import running
from .helpers import ScriptedEngine, buttons

ANN = user()
CHAT = private_chat(ANN)


async def replies(api: BotAPIStandIn, n: int = 1) -> list[Any]:
    return list(await wait_until(lambda: len(api.bot_messages(CHAT["id"])) >= n and api.bot_messages(CHAT["id"])))


async def test_private_question_gets_short_answer_then_quoted_source_and_buttons(api: BotAPIStandIn, bot: Any) -> None:
    api.message(CHAT, ANN, "when did Kazakhstan join PfP")
    [reply] = await replies(api)
    first_line, *_ = reply["text"].split("\n")
    assert "1995" in first_line and "Kazakhstan" in first_line
    assert "Kazakhstan officially joins the Partnership for Peace" in reply["text"]  # the verbatim quote
    assert {"bold", "blockquote"} <= {e["type"] for e in reply["entities"]}
    assert "reply_to_message" not in reply  # private chats are not quoted
    assert {"👍", "👎"} <= {b["text"] for b in buttons(reply)}


async def test_start_greets_with_examples_and_topic_buttons(api: BotAPIStandIn, bot: Any, engine: Any) -> None:
    api.message(CHAT, ANN, "/start")
    [reply] = await replies(api)
    assert "when did Kyrgyzstan join PfP" in reply["text"]
    assert {b["callback_data"] for b in buttons(reply)} >= {f"top|{t.command}" for t in engine.topics}


async def test_deep_link_start_payload_opens_that_fact(api: BotAPIStandIn, bot: Any, engine: Any) -> None:
    payload = deeplink.encode("kfor.troops-today")
    assert payload == "f_kfor__troops-today"
    api.message(CHAT, ANN, f"/start {payload}")
    [reply] = await replies(api)
    assert reply["text"].startswith(engine.fact("kfor.troops-today").answer)


async def test_topic_command_with_subcommand_answers_it(api: BotAPIStandIn, bot: Any) -> None:
    api.message(CHAT, ANN, "/kfor commanders")
    [reply] = await replies(api)
    assert "Sir Michael Jackson" in reply["text"] and "Salvatore Farina" in reply["text"]


async def test_topic_command_alone_gives_overview_and_subtopic_buttons(api: BotAPIStandIn, bot: Any) -> None:
    api.message(CHAT, ANN, "/kfor")
    [reply] = await replies(api)
    assert reply["text"].startswith("KFOR is the NATO-led Kosovo Force")
    assert "sub|kfor|commanders" in {b.get("callback_data") for b in buttons(reply)}


async def test_follow_up_reuses_the_previous_question(api: BotAPIStandIn, bot: Any) -> None:
    api.message(CHAT, ANN, "when did Kyrgyzstan join PfP")
    await replies(api, 1)
    api.message(CHAT, ANN, "and Kazakhstan?")
    first, second = await replies(api, 2)
    assert "1994" in first["text"].split("\n")[0]
    assert "Kazakhstan" in second["text"].split("\n")[0] and "1995" in second["text"].split("\n")[0]


async def test_html_in_the_question_is_shown_literally(api: BotAPIStandIn, make_app: Any, engine: Any) -> None:
    async with running(make_app(ScriptedEngine(engine))):
        api.message(CHAT, ANN, "echo is <b>KFOR</b> & NATO the same?")
        [reply] = await replies(api)
    assert reply["text"].startswith("You asked: is <b>KFOR</b> & NATO the same?")  # no 400, nothing bold


async def test_reply_over_4096_characters_is_split_on_lines(api: BotAPIStandIn, make_app: Any, engine: Any) -> None:
    async with running(make_app(ScriptedEngine(engine))):
        api.message(CHAT, ANN, "longlist")
        sent = await wait_until(lambda: [m for m in api.bot_messages(CHAT["id"]) if "reply_markup" in m])
        parts = api.bot_messages(CHAT["id"])
    assert len(parts) >= 2 and sent[0] is parts[-1]  # the keyboard comes with the last part
    assert all(len(p["text"].encode("utf-16-le")) // 2 <= 4096 for p in parts)
    joined = "\n".join(p["text"] for p in parts)
    assert "150. Commander number 150 <of> KFOR & friends" in joined
    assert all(f"{i}. Commander number {i} <of>" in joined for i in range(1, 151))
    assert all(not p["text"].startswith(" ") for p in parts)


async def test_sticker_and_photo_get_a_short_hint(api: BotAPIStandIn, bot: Any) -> None:
    sticker = {"file_id": "CAAC", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False, "emoji": "👍"}  # fmt: skip
    api.message(CHAT, ANN, sticker=sticker)
    photo = [{"file_id": "AgAD", "file_unique_id": "u2", "width": 90, "height": 90}]
    api.message(CHAT, ANN, photo=photo)
    first, second = await replies(api, 2)
    assert first["text"] == second["text"] and "text questions" in first["text"]


async def test_edited_message_gets_a_hint_and_is_not_answered_again(api: BotAPIStandIn, bot: Any) -> None:
    original = api.message(CHAT, ANN, "when did Kazakhstan join PfP")
    await replies(api, 1)
    api.edit(original, "when did Kyrgyzstan join PfP")
    answer, hint = await replies(api, 2)
    assert "1995" in answer["text"] and "new message" in hint["text"] and "1994" not in hint["text"]


async def test_unknown_command_points_to_help(api: BotAPIStandIn, bot: Any) -> None:
    api.message(CHAT, ANN, "/weather")
    [reply] = await replies(api)
    assert "/help" in reply["text"]
