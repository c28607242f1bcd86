"""Sending a Reply: every chunk in order, the keyboard on the last, the first one replying in groups.

Each chunk is one sendMessage, retried on its own (bot.chat.retry) when it failed without reaching the chat:
a blip in the connection to Telegram must not lose the answer, and a retry never repeats a chunk that was
already delivered.
"""

from __future__ import annotations

from functools import partial

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ChatType

from bot.chat.render import Reply
from bot.chat.retry import with_retries


async def send(bot: Bot, chat_id: int, rep: Reply, *, reply_to: Message | None = None) -> list[Message]:
    """Send ``rep`` to ``chat_id``; with ``reply_to`` in a group, the first chunk replies to that message."""
    quote = reply_to is not None and reply_to.chat.type != ChatType.PRIVATE
    thread = reply_to.message_thread_id if reply_to is not None and reply_to.is_topic_message else None
    sent: list[Message] = []
    for i, chunk in enumerate(rep.chunks):
        params = (
            ReplyParameters(reply_to.message_id, allow_sending_without_reply=True)
            if quote and i == 0 and reply_to is not None
            else None
        )
        markup = rep.keyboard if i == len(rep.chunks) - 1 else None
        call = partial(
            bot.send_message, chat_id, chunk, reply_markup=markup, reply_parameters=params, message_thread_id=thread
        )
        sent.append(await with_retries(call, f"sendMessage to chat {chat_id}"))
    return sent
