"""Typo lookup that does not scan the vocabulary: the words one slip away from a misspelling.

A word with one substitution, insertion, deletion or swap of neighbours keeps either its first or its last
``(len - 1) // 2`` characters intact (pigeonhole), so two dictionaries keyed by length and that head or tail
give a handful of candidates, and rapidfuzz picks the best of those. On a large library this is hundreds of
times faster than ``process.extractOne`` over every word; typos of two or more slips are not corrected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz, process


def _half(length: int) -> int:
    return max(1, (length - 1) // 2)


class TypoIndex:
    def __init__(self, words: Iterable[str]) -> None:
        heads: dict[tuple[int, str], list[str]] = defaultdict(list)
        tails: dict[tuple[int, str], list[str]] = defaultdict(list)
        for word in sorted(set(words)):
            n, h = len(word), _half(len(word))
            heads[n, word[:h]].append(word)
            tails[n, word[n - h:]].append(word)
        self.heads, self.tails = dict(heads), dict(tails)

    def best(self, word: str, cutoff: float) -> str | None:
        """The closest word scoring at least ``cutoff`` (fuzz.ratio); ties go to the alphabetically first."""
        found: set[str] = set()
        for n in range(max(1, len(word) - 1), len(word) + 2):  # one slip changes the length by one at most
            h = _half(n)
            found.update(self.heads.get((n, word[:h]), ()))
            found.update(self.tails.get((n, word[len(word) - h:]), ()))
        if not found:
            return None
        hit = process.extractOne(word, sorted(found), scorer=fuzz.ratio, score_cutoff=cutoff)
        return str(hit[0]) if hit else None
