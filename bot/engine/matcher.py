"""Candidate retrieval and scoring: an inverted index narrows the facts, rapidfuzz scores the phrasings.

A question becomes a list of terms: entity ids (`@kfor`) for the spans the spotter recognised, stemmed content
words for the rest. A fact's terms come from its phrasings, its answer and its declared entities.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.engine.records import Fact
from bot.engine.spotter import Spot, Spotter
from bot.engine.text import QWORDS, STOPWORDS, content_stems, normalise, stem, tokens
from bot.engine.typos import TypoIndex

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
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
TYPO_CUTOFF = 85.0  # fuzz.ratio for a question word to be read as a library word
QTYPES = (None, "date", "number", "person", "place", "definition", "reason")
COVERAGE_SHARE, SIMILARITY_SHARE = 0.62, 0.38  # score = coverage and phrasing similarity, blended
MISSING_ENTITY = 0.7  # per entity the question names and the fact lacks
MAX_BOOST = 1.08  # the largest factor a fact can get (a reason for a "why" question): bounds any score


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


@dataclass(frozen=True)
class Probe:
    """What the penalties need from a question, worked out once per ranking instead of once per fact."""

    sorted_terms: str  # the terms in sorted order: token_sort_ratio against pre-sorted phrasings is plain ratio
    named: tuple[str, ...]  # discriminating entities the question names ("@kazakhstan")
    years: tuple[int, ...]
    ordinals: tuple[str, ...]
    counted: str | None  # "how many X": the stem of X
    counted_word: str | None
    relative: float


class Matcher:
    def __init__(self, facts: Sequence[Fact], spotter: Spotter) -> None:
        self.facts = list(facts)
        self.spotter = spotter
        self.bags: list[set[str]] = []
        self.years: list[frozenset[str]] = []  # the years a fact's text mentions
        self.ordinal_words: list[frozenset[str]] = []  # ordinals a fact mentions ("fifth round")
        self.count_stems: list[set[str]] = []  # what a fact's figures count: units and answer words
        self.phrasings: list[list[str]] = []  # per fact: term strings of each phrasing, tokens sorted
        self.type_factors: list[dict[str | None, float]] = []  # shared between facts with the same factors
        shared: dict[tuple[float, ...], dict[str | None, float]] = {}
        self.postings: dict[str, set[int]] = defaultdict(set)
        for i, fact in enumerate(self.facts):
            bag: set[str] = {f"@{e}" for e in fact.entities}
            strings = []
            for phrasing in (*fact.questions, fact.answer):
                terms = self.terms(normalise(phrasing))[0]
                bag.update(terms)
                strings.append(" ".join(sorted(" ".join(terms).split())))
            self.bags.append(bag)
            units = " ".join(n.unit for n in fact.fields.numbers)
            self.count_stems.append(set(content_stems(normalise(f"{units} {fact.answer}"))) | set(content_stems(
                normalise(" ".join(fact.questions)))))
            text = " ".join((fact.answer, fact.source.quote, *fact.questions))
            self.years.append(frozenset(YEAR.findall(text)))
            self.ordinal_words.append(frozenset(tokens(normalise(text))) & ORDINALS)
            self.phrasings.append(strings)
            factors = tuple(self._type_factor(q, fact) for q in QTYPES)
            self.type_factors.append(shared.setdefault(factors, dict(zip(QTYPES, factors, strict=True))))
            for term in bag:
                self.postings[term].add(i)
        n = len(self.facts) or 1
        self.idf = {t: math.log((n + 1) / (len(p) + 1)) + 1.0 for t, p in self.postings.items()}
        self.max_idf = math.log(n + 1) + 1.0
        self.vocab_stems = set(self.postings)
        self.typos = TypoIndex(w for w in spotter.vocabulary if len(w) >= 5 and w.isalpha())

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
        return self.typos.best(word, TYPO_CUTOFF) or word

    def weight(self, term: str) -> float:
        w = self.idf.get(term, self.max_idf)
        return w * ENTITY_WEIGHT if term.startswith("@") else w

    def rank(self, query: Query, limit: int = 5, restrict: set[int] | None = None, floor: float = 0.0) -> list[Scored]:
        """The ``limit`` best facts scoring at least ``floor``, best first.

        Facts are scored in order of their best possible score (``_bounds``), and scoring stops once no bound
        left can enter the top ``limit``: on a large library most candidates are never scored."""
        weights = {t: self.weight(t) for t in query.terms}
        total = sum(weights.values())
        probe = self._probe(query)
        cover = self._coverage(query, weights, restrict, self._seeds(query, weights, probe, floor))
        if not cover:
            return []
        bound = self._bounds(probe, cover, total)
        best: list[float] = []  # min-heap of the ``limit`` best scores so far
        scored = []
        # Ties in bound are scored or skipped together, so their order does not matter.
        for i in sorted([i for i in cover if bound[i] >= floor], key=bound.__getitem__, reverse=True):
            bar = max(floor, best[0]) if len(best) >= limit else floor
            if bound[i] < bar:
                break  # in order of bound: no later fact can reach the bar either
            coverage = cover[i] / total
            sim = process.extractOne(probe.sorted_terms, self.phrasings[i], scorer=fuzz.ratio)[1] / 100.0
            score = (COVERAGE_SHARE * coverage + SIMILARITY_SHARE * sim) * self._penalty(query, probe, i)
            if score < floor:
                continue
            scored.append(Scored(self.facts[i], score, coverage, sim))
            (heapq.heappush if len(best) < limit else heapq.heappushpop)(best, score)
        scored.sort(key=lambda s: (-s.score, s.fact.id))
        return scored[:limit]

    def _bounds(self, probe: Probe, cover: dict[int, float], total: float) -> dict[int, float]:
        """The most each candidate could score: a perfect phrasing match, the largest boost, and the penalty
        for each entity the question names that the fact lacks (cheap to know before any string matching)."""
        hits = dict.fromkeys(cover, 0)
        for term in probe.named:
            for i in self._holding(term, cover):
                hits[i] += 1
        top = [MAX_BOOST * MISSING_ENTITY ** (len(probe.named) - k) for k in range(len(probe.named) + 1)]
        return {i: (COVERAGE_SHARE * c / total + SIMILARITY_SHARE) * top[hits[i]] for i, c in cover.items()}

    def _seeds(self, query: Query, weights: dict[str, float], probe: Probe, floor: float) -> list[str]:
        """The terms whose facts are the candidates.

        Terms found in a large share of the library ("@nato", "join") do not narrow anything: the candidates
        come from the selective terms when there are any. Fewer still are needed with a floor: taking terms
        rarest first, once the terms left out weigh too little for a fact holding none of the taken ones to
        reach the floor, the taken ones' facts are all the facts that can (MaxScore, as search engines do)."""
        common = max(50, len(self.facts) // 20)
        present = [t for t in query.terms if t in self.postings]
        selective = [t for t in present if len(self.postings[t]) <= common] or present
        total, rest, named, taken = sum(weights.values()), sum(weights[t] for t in present), 0, list[str]()
        for term in sorted(selective, key=lambda t: len(self.postings[t])):
            reach = (COVERAGE_SHARE * rest / total + SIMILARITY_SHARE) * MAX_BOOST * MISSING_ENTITY**named
            if reach < floor:
                return taken
            taken.append(term)
            rest -= weights[term]
            named += probe.named.count(term)
        return selective

    def _coverage(
        self, query: Query, weights: dict[str, float], restrict: set[int] | None, seeds: list[str]
    ) -> dict[int, float]:
        """Candidate facts (those holding a seed term) with the summed weight of the question's terms each holds."""
        present = [t for t in query.terms if t in self.postings]
        cover: dict[int, float] = {}
        for term in seeds:
            w = weights[term]
            for i in self.postings[term]:
                cover[i] = cover.get(i, 0.0) + w
        if restrict is not None:
            cover = {i: c for i, c in cover.items() if i in restrict}
        for term in present:
            if term in seeds:
                continue
            w = weights[term]
            for i in self._holding(term, cover):
                cover[i] += w
        return cover

    def _holding(self, term: str, cover: dict[int, float]) -> list[int]:
        """The candidates whose facts hold ``term``, walking whichever is shorter: its postings or the candidates."""
        posting = self.postings.get(term, set())
        if len(posting) < len(cover):
            return [i for i in posting if i in cover]
        return [i for i in cover if i in posting]

    def _probe(self, query: Query) -> Probe:
        named = tuple(f"@{s.entity}" for s in query.spots if self.spotter.kind(s.entity) in DISCRIMINATING)
        years = tuple(int(t) for t in query.toks if t.isdigit() and len(t) == 4 and t[:2] in ("19", "20"))
        counted = self._counted(query)
        return Probe(
            " ".join(sorted(" ".join(query.terms).split())), named, years,
            tuple(t for t in query.toks if t in ORDINALS), counted and stem(self._correct(counted)), counted,
            self._relative_factor(query),
        )

    def _penalty(self, query: Query, probe: Probe, i: int) -> float:
        bag = self.bags[i]
        factor = probe.relative * self.type_factors[i][query.qtype]
        for term in probe.named:
            if term not in bag:
                factor *= MISSING_ENTITY
        if probe.years:
            factor *= self._year_factor(probe.years, i)
        if probe.ordinals and self.ordinal_words[i] and not any(o in self.ordinal_words[i] for o in probe.ordinals):
            factor *= 0.6
        if probe.counted is not None:
            factor *= self._count_factor(probe, i)
        return factor

    @staticmethod
    def _counted(query: Query) -> str | None:
        """ "How many X": the word X (None when the question does not count anything)."""
        word = "many" if "many" in query.toks else "much" if "much" in query.toks else None
        if query.qtype != "number" or word is None:
            return None
        at = query.toks.index(word) + 1
        return next((t for t in query.toks[at:at + 3] if t not in STOPWORDS), None)

    def _count_factor(self, probe: Probe, i: int) -> float:
        """ "How many X": a fact whose figures count something else is not the answer."""
        stems = self.count_stems[i]
        if probe.counted in stems or f"@{probe.counted_word}" in self.bags[i]:
            return 1.0
        if probe.counted in PEOPLE and stems & PEOPLE:  # "how many people" is answered by a count of personnel
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

    def _year_factor(self, years: tuple[int, ...], i: int) -> float:
        """A year the question names but the fact neither mentions nor spans is the wrong fact."""
        fact = self.facts[i]
        mentioned = self.years[i]
        for year in years:
            if str(year) in mentioned:
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
