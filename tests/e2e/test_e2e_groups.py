"""Groups with privacy mode on: commands for this bot, mentions and replies are answered as replies."""

from __future__ import annotations

from typing import Any

from .botapi import BOT_ID, BotAPIStandIn, group_chat, user, wait_until
from .helpers import ME

BOB = user(2002, "Bob", "bob")
NO_NAME = user(2003, "Cleo", None)
GROUP = group_chat()


async def answers_to(api: BotAPIStandIn, marker: dict[str, Any]) -> list[dict[str, Any]]:
    """Wait until the bot answered ``marker``; all earlier updates were handled by then (one at a time)."""
    await wait_until(
        lambda: any(
            m.get("reply_to_message", {}).get("message_id") == marker["message_id"]
            for m in api.bot_messages(GROUP["id"])
        ),
        what="the marker's answer",
    )
    return api.bot_messages(GROUP["id"])


async def test_command_for_this_bot_is_answered_as_a_reply(api: BotAPIStandIn, bot: Any) -> None:
    ask = api.message(GROUP, BOB, f"/kfor{ME} commanders")
    [reply] = await answers_to(api, ask)
    assert reply["reply_to_message"]["message_id"] == ask["message_id"]
    assert "Sir Michael Jackson" in reply["text"]


async def test_command_for_another_bot_and_chatter_are_ignored(api: BotAPIStandIn, bot: Any) -> None:
    api.message(GROUP, BOB, "/kfor@OtherBot commanders")
    api.message(GROUP, BOB, "when did Kyrgyzstan join PfP")  # chatter: not addressed to the bot
    api.message(GROUP, BOB, "@someone_else when did Kazakhstan join PfP")
    marker = api.message(GROUP, BOB, "/about")  # bare commands are for every bot in the group
    replies = await answers_to(api, marker)
    assert len(replies) == 1 and replies[0]["reply_to_message"]["message_id"] == marker["message_id"]


async def test_mention_in_text_is_answered_without_the_mention(api: BotAPIStandIn, bot: Any) -> None:
    ask = api.message(GROUP, BOB, f"{ME} when did Kyrgyzstan join PfP?")
    [reply] = await answers_to(api, ask)
    assert "1994" in reply["text"].split("\n")[0]


async def test_text_mention_entity_is_answered(api: BotAPIStandIn, bot: Any) -> None:
    text = "natobot, when did Kazakhstan join PfP"
    entity = {
        "type": "text_mention",
        "offset": 0,
        "length": 7,
        "user": {"id": BOT_ID, "is_bot": True, "first_name": "natobot"},
    }
    ask = api.message(GROUP, NO_NAME, text, entities=[entity])
    [reply] = await answers_to(api, ask)
    assert "1995" in reply["text"].split("\n")[0]


async def test_reply_to_the_bot_is_answered_as_a_follow_up(api: BotAPIStandIn, bot: Any) -> None:
    first = api.message(GROUP, BOB, f"{ME} when did Kyrgyzstan join PfP")
    [answer] = await answers_to(api, first)
    follow = api.message(GROUP, BOB, "and Kazakhstan?", reply_to=answer)
    replies = await answers_to(api, follow)
    assert len(replies) == 2 and "1995" in replies[1]["text"].split("\n")[0]


async def test_reply_to_someone_else_is_ignored(api: BotAPIStandIn, bot: Any) -> None:
    other = api.message(GROUP, NO_NAME, "I think it was 1994")
    api.message(GROUP, BOB, "when did Kyrgyzstan join PfP?", reply_to=other)
    marker = api.message(GROUP, BOB, f"/help{ME}")
    assert len(await answers_to(api, marker)) == 1


async def test_stickers_and_edits_in_groups_are_ignored(api: BotAPIStandIn, bot: Any) -> None:
    sticker = {"file_id": "CAAC", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}  # fmt: skip
    api.message(GROUP, BOB, sticker=sticker)
    ask = api.message(GROUP, BOB, f"{ME} when did Kyrgyzstan join PfP")
    await answers_to(api, ask)
    api.edit(ask, f"{ME} when did Kazakhstan join PfP")
    marker = api.message(GROUP, BOB, f"/help{ME}")
    replies = await answers_to(api, marker)
    assert len(replies) == 2
