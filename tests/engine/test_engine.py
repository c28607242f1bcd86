"""What a user notices of the engine: right answers with sources, honest declines, robust input."""

from __future__ import annotations

import time

import pytest

from bot.engine import Engine
from bot.replies import respond


def ask(engine: Engine, text: str) -> tuple[str, str]:
    answer = respond(engine, text)
    return answer.status, answer.text


def test_answer_carries_a_verbatim_source(engine: Engine) -> None:
    answer = engine.answer("when did Kyrgyzstan join PfP")
    assert answer.answered and "1994" in answer.text
    [source] = answer.sources
    doc = engine.library.document(source.doc)
    assert doc is not None and source.quote in doc.text
    assert source.title == "NATO's relations with the Kyrgyz Republic"
    data = answer.to_json()
    assert set(data) == {"q", "answered", "answer", "fact_id", "confidence", "sources", "suggestions"}
    assert 0 < data["confidence"] <= 1


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "🙂" * 50, "a" * 10_000, "\u202eRTL text\u202c",
                                  "<b>bold</b> & stuff", "كازاخستان", "?!?!", "\n\n\n"])
def test_any_input_gets_a_clear_reply_quickly(engine: Engine, text: str) -> None:
    start = time.perf_counter()
    answer = engine.answer(text)
    assert time.perf_counter() - start < 2.0
    assert answer.text and len(answer.text) < 4096
    if not text.strip() or not any(ch.isalnum() for ch in text):
        assert not answer.answered


def test_typos_are_tolerated(engine: Engine) -> None:
    assert "1995" in engine.answer("when did kazakstan join the pfp").text
    assert "Jackson" in engine.answer("first kfor comander").text
    assert "1994" in engine.answer("kyrgystan partnership for peace").text


@pytest.mark.parametrize("question", ["when did tajikistan join pfp", "when did armenia join pfp",
                                      "who commanded sfor", "when did georgia join the partnership for peace",
                                      "when did operation deliberate force start", "best pizza in pristina"])
def test_uncovered_things_are_declined_not_mapped_to_a_near_name(engine: Engine, question: str) -> None:
    assert not engine.answer(question).answered


def test_trick_question_gets_the_true_answer(engine: Engine) -> None:
    text = engine.answer("when did kazakhstan join nato").text
    assert "not a NATO member" in text and "1995" in text


def test_commander_in_a_year_with_a_handover_names_both(engine: Engine) -> None:
    text = engine.answer("who commanded kfor in 2005").text
    assert "Kermabon" in text and "Valotto" in text
    assert "Kammerhoff" in engine.answer("who was comkfor in march 2004").text


def test_commander_at_an_event(engine: Engine) -> None:
    assert "Bout de Marnhac" in engine.answer("who commanded kfor when kosovo declared independence").text
    assert "Bentler" in engine.answer("who was comkfor during the icj ruling").text


def test_current_commander_is_said_as_of_the_document(engine: Engine) -> None:
    text = engine.answer("who is the current kfor commander").text
    assert "Farina" in text and "2013" in text


def test_commanders_after_the_documents_end_are_not_guessed(engine: Engine) -> None:
    answer = engine.answer("who commanded kfor in 2019")
    assert not answer.answered and "2013" in answer.text


def test_counts_successors_and_comparisons(engine: Engine) -> None:
    assert "7 of" in engine.answer("how many german kfor commanders").text
    assert "Ortuño" in engine.answer("who succeeded reinhardt as comkfor").text
    text = engine.answer("which joined pfp first, kazakhstan or kyrgyzstan").text
    assert text.startswith("Kyrgyzstan") and "1994" in text


def test_troop_level_at_a_date(engine: Engine) -> None:
    assert "26,000" in engine.answer("how many troops did kfor have in june 2003").text
    assert "50,000" in engine.answer("how many troops were in kfor at first").text


def test_follow_up_reuses_the_previous_question(engine: Engine) -> None:
    first = engine.answer("when did Kyrgyzstan join PfP")
    follow = engine.answer("and Kazakhstan?", first.context)
    assert follow.answered and "1995" in follow.text and "Kazakhstan" in follow.text
    year = engine.answer("who commanded kfor in 2001")
    again = engine.answer("what about 2010?", year.context)
    assert "Bentler" in again.text


def test_follow_up_without_context_is_a_new_question(engine: Engine) -> None:
    assert not engine.answer("and Kazakhstan?").text.startswith("Kyrgyzstan")


def test_commands_go_through_the_same_engine(engine: Engine) -> None:
    status, text = ask(engine, "/kfor commanders")
    assert status == "answered" and "Jackson" in text and "Farina" in text
    status, text = ask(engine, "/kfor@natobot")
    assert status == "answered"
    assert ask(engine, "/ask who commanded kfor in 2005")[1] == engine.answer("who commanded kfor in 2005").text
    assert ask(engine, "/nosuchcommand")[0] == "declined"


def test_every_subcommand_is_answered(engine: Engine) -> None:
    for topic in engine.topics:
        for sub in topic.subcommands:
            answer = respond(engine, f"/{topic.command} {sub.name}")
            assert answer.answered, f"/{topic.command} {sub.name}"


def test_clarify_offers_at_most_three_suggestions(engine: Engine) -> None:
    for question in ("kazakhstan", "kfor", "nato", "cyber"):
        answer = engine.answer(question)
        assert len(answer.suggestions) <= 3
        assert answer.answered or answer.text


def test_disagreeing_sources_are_said(engine: Engine) -> None:
    answer = engine.answer("what is steppe eagle")
    assert "1997" in answer.text + (answer.note or "") and "2006" in answer.text + (answer.note or "")


def test_passage_contains_the_quote(engine: Engine) -> None:
    for fact in list(engine.library.facts)[:50]:
        passage = engine.passage(fact.id)
        assert passage is not None and " ".join(fact.source.quote.split()) in passage
