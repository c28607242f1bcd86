"""Factories for realistic Update objects (as Telegram sends them), bound to a bot that knows its name."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update, User

BOT = User(123456789, "natobot", is_bot=True, username="natobot_test_bot")


class FakeBot(Bot):
    """A Bot whose getMe result is known without a network call."""

    @property
    def bot(self) -> User:
        return BOT


@pytest.fixture
def tg_bot() -> Bot:
    return FakeBot("123456789:AAE-unit-test-token-000000000000")


def message_update(
    bot: Bot,
    text: str,
    *,
    chat_type: str = "supergroup",
    entities: list[dict[str, Any]] | None = None,
    reply_to_from: dict[str, Any] | None = None,
    update_id: int = 1,
) -> Update:
    chat = {"id": -100123 if chat_type != "private" else 42, "type": chat_type, "title": "g"}
    msg: dict[str, Any] = {"message_id": 10, "date": 0, "chat": chat, "text": text,
                           "from": {"id": 42, "is_bot": False, "first_name": "Ann"}}  # fmt: skip
    if entities:
        msg["entities"] = entities
    if reply_to_from:
        msg["reply_to_message"] = {"message_id": 9, "date": 0, "chat": chat, "text": "earlier", "from": reply_to_from}
    update = Update.de_json({"update_id": update_id, "message": msg}, bot)
    assert update is not None
    return update
