"""Dates as people type them: "2005", "march 2004", "1 sep 2005", "june 12 1999", "end of 2003"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.records import PartialDate

MONTHS = {name: i for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")], start=1) for name in names}
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(19[5-9]\d|20[0-4]\d)"
_PATTERNS = [
    (re.compile(rf"\b{_YEAR} (\d{{2}}) (\d{{2}})\b"), ("y", "m", "d")),
    (re.compile(rf"\b(\d{{1,2}}) (?:of )?({_M}) {_YEAR}\b"), ("d", "mn", "y")),
    (re.compile(rf"\b({_M}) (\d{{1,2}}) {_YEAR}\b"), ("mn", "d", "y")),
    (re.compile(rf"\b({_M}) (?:of )?{_YEAR}\b"), ("mn", "y")),
    (re.compile(rf"\b{_YEAR}\b"), ("y",)),
]


@dataclass(frozen=True)
class DateMention:
    date: PartialDate
    start: int  # character span in the normalised text
    end: int


def find_date(norm: str) -> DateMention | None:
    for pattern, parts in _PATTERNS:
        for m in pattern.finditer(norm):
            values = dict(zip(parts, m.groups(), strict=True))
            try:
                month = MONTHS[values["mn"]] if "mn" in values else int(values.get("m") or 0) or None
                day = int(values["d"]) if "d" in values else None
                date = PartialDate(int(values["y"]), month, day)
                date.first()
            except (ValueError, KeyError):
                continue
            return DateMention(date, m.start(), m.end())
    return None
