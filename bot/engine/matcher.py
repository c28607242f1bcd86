"""Candidate retrieval and scoring: an inverted index narrows the facts, rapidfuzz scores the phrasings.

A question becomes a list of terms: entity ids (`@kfor`) for the spans the spotter recognised, stemmed content
words for the rest. A fact's terms come from its phrasings, its answer and its declared entities.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.engine.records import Fact
from bot.engine.spotter import Spot, Spotter
from bot.engine.text import QWORDS, STOPWORDS, content_stems, normalise, stem, tokens

# Entities that pick out *which* fact is meant; a fact that lacks one the question names is the wrong fact.
DISCRIMINATING = {"country", "person", "force", "operation", "programme", "organisation", "exercise", "unit",
                  "place", "document", "event", "role"}
ENTITY_WEIGHT = 1.6
# How much a fact loses when it cannot give the kind of answer asked for ("how many" of a fact with no figure).
ORDINALS = set("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth 1st 2nd 3rd "
               "4th 5th 6th 7th 8th 9th 10th".split())
RELATIVE = {"after", "before", "succeeded", "preceded", "replaced", "following"}
REASON = re.compile(r"\b(to|because|aim\w*|in order|purpose|goal|so that|in response|following|once|after|"
                    r"halt|designed|intended|due to|since|as a result)\b", re.I)
PEOPLE = {stem(w) for w in "people person persons personnel staff member members men women soldier soldiers troop "
          "troops experts scientists participants".split()}
MISMATCH = {"number": 0.62, "date": 0.58, "person": 0.75, "place": 0.85}


@dataclass(frozen=True)
class Query:
    norm: str
    toks: tuple[str, ...]
    spots: tuple[Spot, ...]
    terms: tuple[str, ...]  # entity terms ("@kfor") and stemmed content words
    qtype: str | None  # date | number | person | place | definition | list


@dataclass(frozen=True)
class Scored:
    fact: Fact
    score: float
    coverage: float
    similarity: float


def question_type(toks: Sequence[str]) -> str | None:
    text = " ".join(toks)
    if text.startswith(("how many", "how much", "number of")) or " how many " in f" {text} ":
        return "number"
    if "how long" in text:
        return "number"
    first = toks[0] if toks else ""
    if first in ("when",) or "what year" in text or "which year" in text or "what date" in text:
        return "date"
    if first in ("who", "whom") or text.startswith(("name of", "which general")):
        return "person"
    if first == "where" or "which city" in text or "based" in toks or "located" in toks:
        return "place"
    if text.startswith(("what is", "what are", "what was", "define", "meaning of", "what does")):
        return "definition"
    if first == "why" or text.startswith(("what for", "for what reason", "what was the purpose", "what is the goal")):
        return "reason"
    return None


class Matcher:
    def __init__(self, facts: Sequence[Fact], spotter: Spotter) -> None:
        self.facts = list(facts)
        self.spotter = spotter
        self.bags: list[set[str]] = []
        self.years_text: list[str] = []
        self.count_stems: list[set[str]] = []  # what a fact's figures count: units and answer words
        self.phrasings: list[list[str]] = []  # per fact: term strings of each phrasing
        self.postings: dict[str, set[int]] = defaultdict(set)
        for i, fact in enumerate(self.facts):
            bag: set[str] = {f"@{e}" for e in fact.entities}
            strings = []
            for phrasing in (*fact.questions, fact.answer):
                terms = self.terms(normalise(phrasing))[0]
                bag.update(terms)
                strings.append(" ".join(terms))
            self.bags.append(bag)
            units = " ".join(n.unit for n in fact.fields.numbers)
            self.count_stems.append(set(content_stems(normalise(f"{units} {fact.answer}"))) | set(content_stems(
                normalise(" ".join(fact.questions)))))
            self.years_text.append(" ".join((fact.answer, fact.source.quote, *fact.questions)))
            self.phrasings.append(strings)
            for term in bag:
                self.postings[term].add(i)
        n = len(self.facts) or 1
        self.idf = {t: math.log((n + 1) / (len(p) + 1)) + 1.0 for t, p in self.postings.items()}
        self.max_idf = math.log(n + 1) + 1.0
        self.vocab_stems = set(self.postings)

    def terms(self, norm: str) -> tuple[list[str], list[Spot]]:
        toks = tokens(norm)
        spots = self.spotter.spot(toks)
        covered = {i for s in spots for i in range(s.start, s.end)}
        terms = [f"@{s.entity}" for s in spots]
        for i, tok in enumerate(toks):
            if i in covered or tok in STOPWORDS or tok in QWORDS:
                continue
            terms.append(stem(tok))
        return list(dict.fromkeys(terms)), spots

    def query(self, norm: str) -> Query:
        # Typos first, so that "opeartion allied force" is spotted and "comanders" meets the templates.
        toks = [t if t in self.spotter.phrases else self._correct(t) for t in tokens(norm)]
        fixed = " ".join(toks)
        terms, spots = self.terms(fixed)
        return Query(fixed, tuple(toks), tuple(spots), tuple(terms), question_type(toks))

    def _correct(self, word: str) -> str:
        """A typo of a word the library uses becomes that word ("comanders" -> "commanders")."""
        if word in self.spotter.vocabulary or len(word) < 6 or not word.isalpha():
            return word
        if not hasattr(self, "_words"):
            self._words = sorted(w for w in self.spotter.vocabulary if len(w) >= 5 and w.isalpha())
        best = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=85)
        return str(best[0]) if best else word

    def weight(self, term: str) -> float:
        w = self.idf.get(term, self.max_idf)
        return w * ENTITY_WEIGHT if term.startswith("@") else w

    def rank(self, query: Query, limit: int = 5, restrict: set[int] | None = None) -> list[Scored]:
        if not query.terms:
            return []
        candidates: set[int] = set()
        # Terms found in a large share of the library ("@nato", "join") do not narrow anything: draw the
        # candidates from the selective terms when there are any.
        common = max(50, len(self.facts) // 20)
        selective = [t for t in query.terms if 0 < len(self.postings.get(t, ())) <= common]
        for term in selective or query.terms:
            candidates |= self.postings.get(term, set())
        if restrict is not None:
            candidates &= restrict
        if not candidates:
            return []
        total = sum(self.weight(t) for t in query.terms)
        relative = self._relative_factor(query)
        qstring = " ".join(query.terms)
        order = sorted(candidates)
        choices = {(i, j): s for i in order for j, s in enumerate(self.phrasings[i])}
        best_sim: dict[int, float] = defaultdict(float)
        for _, sim, (i, _j) in process.extract(qstring, choices, scorer=fuzz.token_sort_ratio, limit=None):
            best_sim[i] = max(best_sim[i], sim / 100.0)
        scored = []
        for i in order:
            bag = self.bags[i]
            coverage = sum(self.weight(t) for t in query.terms if t in bag) / total
            score = 0.62 * coverage + 0.38 * best_sim[i]
            score *= self._entity_penalty(query, bag) * self._type_factor(query.qtype, self.facts[i]) * relative
            score *= self._year_factor(query, i) * self._count_factor(query, i) * self._ordinal_factor(query, i)
            scored.append(Scored(self.facts[i], score, coverage, best_sim[i]))
        scored.sort(key=lambda s: (-s.score, s.fact.id))
        return scored[:limit]

    def _entity_penalty(self, query: Query, bag: set[str]) -> float:
        factor = 1.0
        for spot in query.spots:
            if f"@{spot.entity}" not in bag and self.spotter.kind(spot.entity) in DISCRIMINATING:
                factor *= 0.7
        return factor

    def _count_factor(self, query: Query, i: int) -> float:
        """ "How many X": a fact whose figures count something else is not the answer."""
        word = "many" if "many" in query.toks else "much" if "much" in query.toks else None
        if query.qtype != "number" or word is None:
            return 1.0
        at = query.toks.index(word) + 1
        counted = next((t for t in query.toks[at:at + 3] if t not in STOPWORDS), None)
        if counted is None:
            return 1.0
        wanted = stem(self._correct(counted))
        stems = self.count_stems[i]
        if wanted in stems or f"@{counted}" in self.bags[i]:
            return 1.0
        if wanted in PEOPLE and stems & PEOPLE:  # "how many people" is answered by a count of personnel
            return 1.0
        return 0.75

    def _relative_factor(self, query: Query) -> float:
        """ "Who chaired the CDMB after Ducaru": a fact about Ducaru himself is not the answer. Only the tables
        know who came before or after whom, and they are asked first."""
        if query.qtype != "person":
            return 1.0
        for spot in query.spots:
            if spot.start and query.toks[spot.start - 1] in RELATIVE and self.spotter.kind(spot.entity) == "person":
                return 0.75
        return 1.0

    def _ordinal_factor(self, query: Query, i: int) -> float:
        """ "The sixth round" is not answered by a fact about the fifth."""
        asked = [t for t in query.toks if t in ORDINALS]
        if not asked:
            return 1.0
        words = set(tokens(normalise(self.years_text[i])))
        if any(a in words for a in asked) or not words & ORDINALS:
            return 1.0
        return 0.6

    def _year_factor(self, query: Query, i: int) -> float:
        """A year the question names but the fact neither mentions nor spans is the wrong fact."""
        years = [int(t) for t in query.toks if t.isdigit() and len(t) == 4 and t[:2] in ("19", "20")]
        if not years:
            return 1.0
        fact = self.facts[i]
        text = self.years_text[i]
        for year in years:
            if str(year) in text:
                continue
            date, end = fact.fields.date, fact.fields.end_date
            if date and end and date.year <= year <= end.year:
                continue
            return 0.6
        return 1.0

    @staticmethod
    def _type_factor(qtype: str | None, fact: Fact) -> float:
        if qtype is None:
            return 1.04 if fact.kind == "definition" else 1.0
        f = fact.fields
        has = {
            "date": f.date is not None or fact.kind == "date",
            "number": bool(f.numbers) or fact.kind == "number",
            "person": bool(f.people) or fact.kind == "person",
            "place": bool(f.places) or fact.kind == "place",
            "definition": fact.kind in ("definition", "list", "event", "relation"),
        }
        if qtype == "definition":
            return 1.04 if fact.kind == "definition" else 1.0
        if qtype == "reason":
            return 1.08 if REASON.search(fact.answer) else 1.0
        return 1.0 if has.get(qtype, True) else MISMATCH.get(qtype, 0.88)
