from __future__ import annotations

from typing import Any

from .botapi import BotAPIStandIn, private_chat, user, wait_until


async def test_private_question_is_answered_with_its_source(api: BotAPIStandIn, bot: Any) -> None:
    ann = user()
    api.message(private_chat(ann), ann, "when did Kyrgyzstan join PfP")
    [reply] = await wait_until(lambda: api.bot_messages(ann["id"]), what="an answer")
    assert "1994" in reply["text"]
    print(reply)
