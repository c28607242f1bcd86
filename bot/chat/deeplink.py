"""Deep links ``t.me/<bot>?start=f_<payload>`` that open one fact.

Payloads allow only ``A-Za-z0-9_-`` (64 at most). Fact ids are lowercase ``[a-z0-9.-]`` and never contain
``_``, so a dot is written as ``_`` and decoding is exact.
"""

from __future__ import annotations

import re

PREFIX = "f_"
_PAYLOAD = re.compile(r"f_[a-z0-9_-]{1,62}")
_FACT_ID = re.compile(r"[a-z0-9][a-z0-9.-]*")


def encode(fact_id: str) -> str | None:
    if not _FACT_ID.fullmatch(fact_id):
        return None
    payload = PREFIX + fact_id.replace(".", "_")
    return payload if len(payload) <= 64 else None


def decode(payload: str) -> str | None:
    if not _PAYLOAD.fullmatch(payload):
        return None
    return payload[len(PREFIX) :].replace("_", ".")


def url(bot_username: str, fact_id: str) -> str | None:
    payload = encode(fact_id)
    return f"https://t.me/{bot_username}?start={payload}" if payload else None
