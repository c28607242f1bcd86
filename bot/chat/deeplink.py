"""Deep links ``t.me/<bot>?start=f_<payload>`` that open one fact.

Payloads allow only ``A-Za-z0-9_-`` (64 at most). Fact ids are lowercase ``[a-z0-9.-]``: a dot is written
``__`` (bot.replies.encode_fact_id, the same scheme everywhere); ids that do not fit get no link.
"""

from __future__ import annotations

import re

PREFIX = "f_"
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FACT_ID = re.compile(r"[a-z0-9][a-z0-9.-]*")


def encode(fact_id: str) -> str | None:
    if not _FACT_ID.fullmatch(fact_id):
        return None
    payload = PREFIX + fact_id.replace(".", "__")
    return payload if _PAYLOAD.fullmatch(payload) else None


def decode(payload: str) -> str | None:
    if not payload.startswith(PREFIX) or not _PAYLOAD.fullmatch(payload):
        return None
    fact_id = payload[len(PREFIX) :].replace("__", ".")
    return fact_id if _FACT_ID.fullmatch(fact_id) else None


def url(bot_username: str, fact_id: str) -> str | None:
    payload = encode(fact_id)
    return f"https://t.me/{bot_username}?start={payload}" if payload else None
