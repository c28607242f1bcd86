"""Property-based checks: any Unicode string gets an Answer, fast; normalisation is idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine
from bot.engine.text import normalise

_ENGINE = Engine.load()


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_gets_an_answer(text: str) -> None:
    answer = _ENGINE.answer(text)
    assert answer.status in ("answered", "clarify", "declined")
    assert answer.text and len(answer.text) < 4096
    assert len(answer.suggestions) <= 3


@given(st.text(max_size=200))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.sampled_from(["when did kyrgyzstan join pfp", "who commanded kfor in 2005", "what is kazbat"]),
       st.sampled_from(["", "?", "!!", " please", " 🙂", "\u200b"]))
def test_decoration_does_not_change_the_answer(question: str, suffix: str) -> None:
    assert _ENGINE.answer(question + suffix).text == _ENGINE.answer(question).text
