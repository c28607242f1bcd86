"""callback_data for inline buttons: ``action|arg[|arg]``, at most 64 bytes, validated on the way back.

Arguments are fact ids (``kfor.comkfor``, ``table:kfor_commanders``), topic commands and subcommand names.

Actions: src (full passage, edit in place), back (short answer again), rel (related facts), ans (answer one
fact: did-you-mean and related buttons), up / dn (feedback), top (topic overview), sub (topic subcommand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
ACTIONS: dict[str, int] = {"src": 1, "back": 1, "rel": 1, "ans": 1, "up": 1, "dn": 1, "top": 1, "sub": 2}
_ARG = re.compile(r"[a-z0-9][a-z0-9_.:-]*")
SEP = "|"


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]

    @property
    def arg(self) -> str:
        return self.args[0]


def encode(action: str, *args: str) -> str | None:
    """The callback_data for a button, or None when it cannot be encoded within 64 bytes (no button then)."""
    if ACTIONS.get(action) != len(args) or not all(_ARG.fullmatch(a) for a in args):
        return None
    data = SEP.join((action, *args))
    return data if len(data.encode()) <= MAX_BYTES else None


def parse(data: object) -> Callback | None:
    """The button's action, or None for anything this bot did not produce (forged, or from an old version)."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        return None
    action, *args = data.split(SEP)
    if ACTIONS.get(action) != len(args) or not all(_ARG.fullmatch(a) for a in args):
        return None
    return Callback(action, tuple(args))
