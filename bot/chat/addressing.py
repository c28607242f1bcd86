"""Is a group message addressed to this bot, and what is the question in it?"""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.ext import filters


def _bot_identity(message: Message) -> tuple[int, str]:
    me = message.get_bot().bot  # set by Application.initialize (getMe)
    return me.id, (me.username or "").lower()


def mentions_bot(message: Message) -> bool:
    """A ``@ThisBot`` mention in the text or a text_mention entity pointing at the bot."""
    bot_id, username = _bot_identity(message)
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
        if entity.type == MessageEntity.MENTION and text.lstrip("@").lower() == username:
            return True
    return False


def replies_to_bot(message: Message) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == _bot_identity(message)[0])


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: a mention of it, or a reply to one of its messages."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return mentions_bot(message) or replies_to_bot(message)


def question_text(message: Message) -> str:
    """The message text without the mentions of this bot (``@natobot when did ...`` → ``when did ...``)."""
    text = message.text or ""
    if not message.entities:
        return text.strip()
    bot_id, username = _bot_identity(message)
    spans = [
        (e.offset, e.offset + e.length)
        for e, t in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items()
        if (e.type == MessageEntity.TEXT_MENTION and e.user and e.user.id == bot_id)
        or (e.type == MessageEntity.MENTION and t.lstrip("@").lower() == username)
    ]
    if not spans:
        return text.strip()
    units = text.encode("utf-16-le")  # entity offsets count UTF-16 code units
    for start, end in sorted(spans, reverse=True):
        units = units[: 2 * start] + b" " + b"\x00" + units[2 * end :]
    cleaned = units.decode("utf-16-le")
    return " ".join(cleaned.split()).strip(" ,:;")
