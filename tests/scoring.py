"""Scoring the question set by the rules of ../shared/eval/score.py (the contract for question files):
an answer passes when every expect item (any " | " alternative) occurs in the normalised short answer."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

QUESTIONS = Path(__file__).parent / "questions"
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_QUOTES = str.maketrans({c: "'" for c in "\u2018\u2019\u0060\u00b4"} | {c: '"' for c in "\u201c\u201d\u00ab\u00bb"})
_THOUSANDS = re.compile(r"(?<=\d)[,. ](?=\d{3}(?!\d))")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text).translate(_QUOTES).translate(_DASHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return _THOUSANDS.sub("", re.sub(r"\s+", " ", text)).strip()


def occurs(item: str, answer: str) -> bool:
    for alt in (normalise(a) for a in str(item).split(" | ")):
        if not alt:
            continue
        pattern = re.escape(alt)
        if alt[0].isdigit():
            pattern = r"(?<!\d)" + pattern
        if alt[-1].isdigit():
            pattern += r"(?!\d)"
        if re.search(pattern, normalise(answer)):
            return True
    return False


def load_questions() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for path in sorted(QUESTIONS.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append({**item, "file": path.name})
    return items


def is_decline(item: dict[str, Any]) -> bool:
    return item.get("expect") == "decline" or item.get("kind") == "decline"


def passes(item: dict[str, Any], answered: bool, text: str) -> bool:
    if is_decline(item):
        return not answered
    expect = item["expect"] if isinstance(item["expect"], list) else [item["expect"]]
    return answered and len(text) <= int(item.get("max_len") or 500) and all(occurs(e, text) for e in expect)
