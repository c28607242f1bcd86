"""The typo index never misses the word a one-slip typo came from, and finds nothing a full scan would not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.engine import Engine
from bot.engine.typos import TypoIndex

CUTOFF = 85.0
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=14)


def slips(word: str, at: int, letter: str) -> list[str]:
    """The four one-slip typos of ``word`` at position ``at``: substitution, insertion, deletion, swap."""
    at %= len(word)
    swap = word[:at] + word[at + 1:at + 2] + word[at] + word[at + 2:] if at + 1 < len(word) else word
    return [word[:at] + letter + word[at + 1:], word[:at] + letter + word[at:], word[:at] + word[at + 1:], swap]


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=60), st.data())
def test_one_slip_typos_find_their_word_or_a_closer_one(vocabulary: list[str], data: st.DataObject) -> None:
    index = TypoIndex(vocabulary)
    choices = sorted(set(vocabulary))
    word = data.draw(st.sampled_from(vocabulary))
    for typo in slips(word, data.draw(st.integers(0, 20)), data.draw(st.sampled_from("aeiouxyz"))):
        scan = process.extractOne(typo, choices, scorer=fuzz.ratio, score_cutoff=CUTOFF)
        found = index.best(typo, CUTOFF)
        if scan is None:
            assert found is None
        elif fuzz.ratio(typo, word) >= CUTOFF:  # (a short word with a slip may fall below the cutoff)
            assert found is not None and fuzz.ratio(typo, found) >= fuzz.ratio(typo, word)


def test_misspelt_names_and_words_in_questions_are_understood(engine: Engine) -> None:
    assert "1995" in engine.answer("when did kazkahstan join the pfp").text  # swap in the middle
    assert "1994" in engine.answer("when did kyrgyzstn join partnership for peace").text  # deletion
    assert engine.answer("who was the first comander of kfor").answered  # a word, not a name
