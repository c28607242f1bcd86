"""Questions answered from the tables rather than from prose: KFOR's commanders and troop levels, and the
partner countries' milestone timelines. Templates in intents/templates.yaml route a question to a query here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from bot.engine.answer import Answer, Context, Source
from bot.engine.dates import find_date
from bot.engine.matcher import Query
from bot.engine.records import Fact, PartialDate, Row, Table
from bot.engine.text import normalise

if TYPE_CHECKING:
    from bot.engine.core import Engine

COMMANDERS, TROOPS, STRUCTURE = "kfor_commanders", "kfor_troops", "kfor_structure"
_ORDINALS = {"first": 0, "earliest": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4,
             "last": -1, "latest": -1, "current": -1, "currently": -1, "present": -1, "now": -1, "today": -1,
             "final": -1, "newest": -1}
_AFTER = {"succeed", "succeeded", "succeeds", "successor", "replaced", "replace", "after", "next", "followed"}
_BEFORE = {"before", "predecessor", "preceded", "previous", "prior"}
_INCREMENT = re.compile(r"\b(additional|reinforc\w*|reserve)\b", re.I)
_EVENT = re.compile(r"\b(?:when|during|at the time of|at the time|as)\b(?P<event>.+)$")


def _span(row: Row) -> tuple[dt.date, dt.date]:
    start: PartialDate = row.get("start")
    end: PartialDate | None = row.get("end")
    return start.first(), (end.last() if end else dt.date.max)


class Structured:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queries: dict[str, Callable[[str, Query], Answer | None]] = {
            "commanders_count": self.commanders_count,
            "commander_relation": self.commander_relation,
            "commander_at_event": self.commander_at_event,
            "commander_at_date": self.commander_at_date,
            "commander_ordinal": self.commander_ordinal,
            "commander_person": self.commander_person,
            "commanders_list": self.commanders_list,
            "troops_at": self.troops_at,
            "join_compare": self.join_compare,
            "event_gap": self.event_gap,
            "structure_at": self.structure_at,
            "join_date": self.join_date,
            "milestones": self.milestones,
        }
        self.templates = [(t, [re.compile(p) for p in t.patterns]) for t in engine.library.templates
                          if t.query in self.queries]
        # Facts with a date, the only ones an event clause ("when Kosovo declared independence") can name.
        self.dated = {i for i, f in enumerate(engine.matcher.facts) if f.fields.date is not None}
        self.commanders = engine.table(COMMANDERS)
        self.row_person: dict[str, Row] = {}
        if self.commanders:
            for entity in engine.library.entities:
                if entity.kind != "person":
                    continue
                for row in self.commanders.rows:
                    if fuzz.token_set_ratio(entity.name, row.get("name")) >= 90:
                        self.row_person[entity.id] = row

    def answer(self, question: str, query: Query) -> Answer | None:
        for template, patterns in self.templates:
            if any(p.search(query.norm) for p in patterns):
                result = self.queries[template.query](question, query)
                if result is not None:
                    return result
        return None

    # --- helpers -------------------------------------------------------------------------------------
    def _has(self, query: Query, *entities: str) -> bool:
        return any(s.entity in entities for s in query.spots)

    def _about_commanders(self, query: Query) -> bool:
        stems = set(query.terms)
        return self.commanders is not None and (
            self._has(query, "comkfor") or (self._has(query, "kfor") and bool(stems & {"command", "general", "led",
                                                                                       "lead", "head", "charg"})))

    def _row_source(self, table: Table, row: Row) -> Source:
        return self.engine.source_of(row.source.doc, row.source.quote, table.section)

    def _reply(self, question: str, query: Query, text: str, sources: list[Source], table: str,
               note: str | None = None) -> Answer:
        unique = tuple(dict.fromkeys(sources))
        return Answer(question, "answered", text, f"table:{table}", 0.95, unique, note=note,
                      context=Context(query.norm, None, tuple(s.entity for s in query.spots)))

    def _commander(self, row: Row, dates: bool = True) -> str:
        nationality = self.engine.spotter.name(row.get("nationality"))
        text = f"{row.get('rank')} {row.get('name')} ({nationality})"
        if dates:
            end = row.get("end")
            text += f", {row.get('start').human()} – {end.human() if end else 'present (as of 2013)'}"
        return text

    def _as_of(self) -> PartialDate:
        doc = self.engine.library.document(self.commanders.rows[0].source.doc) if self.commanders else None
        try:
            return PartialDate.parse(doc.as_of if doc else "2013")
        except ValueError:
            return PartialDate(2013)

    def _person_row(self, query: Query) -> Row | None:
        return next((self.row_person[s.entity] for s in query.spots if s.entity in self.row_person), None)

    # --- KFOR commanders -----------------------------------------------------------------------------
    def commanders_list(self, question: str, query: Query) -> Answer | None:
        if not self._about_commanders(query) or find_date(query.norm) or self._person_row(query) \
                or query.qtype == "number":
            return None
        assert self.commanders is not None
        rows = self.commanders.rows
        lines = [f"{i}. {self._commander(r)}" for i, r in enumerate(rows, 1)]
        text = f"KFOR has had {len(rows)} commanders (COMKFOR) from 1999 to 2013:\n" + "\n".join(lines)
        sources = [self._row_source(self.commanders, rows[0]), self._row_source(self.commanders, rows[-1])]
        return self._reply(question, query, text, sources, COMMANDERS)

    def commanders_count(self, question: str, query: Query) -> Answer | None:
        if not self._about_commanders(query) and not self._has(query, "kfor"):
            return None
        assert self.commanders is not None
        rows = self.commanders.rows
        countries = [s.entity for s in query.spots if self.engine.spotter.kind(s.entity) == "country"]
        if not countries:
            text = f"KFOR had {len(rows)} commanders between June 1999 and September 2013."
            return self._reply(question, query, text, [self._row_source(self.commanders, rows[0])], COMMANDERS)
        country = countries[0]
        name = self.engine.spotter.name(country)
        hits = [r for r in rows if r.get("nationality") == country]
        if not hits:
            text = f"None of KFOR's {len(rows)} commanders (1999–2013) came from {name}."
            return self._reply(question, query, text, [self._row_source(self.commanders, rows[0])], COMMANDERS)
        names = ", ".join(f"{r.get('rank')} {r.get('name')}" for r in hits)
        word = "commander" if len(hits) == 1 else "commanders"
        text = f"{len(hits)} of KFOR's {len(rows)} {word} came from {name}: {names}."
        return self._reply(question, query, text, [self._row_source(self.commanders, r) for r in hits], COMMANDERS)

    def _rows_at(self, first: dt.date, last: dt.date) -> list[Row]:
        assert self.commanders is not None
        return [r for r in self.commanders.rows if _span(r)[0] <= last and _span(r)[1] >= first]

    def _at(self, question: str, query: Query, date: PartialDate, label: str,
            extra: list[Source]) -> Answer | None:
        assert self.commanders is not None
        first_start = _span(self.commanders.rows[0])[0]
        as_of = self._as_of()
        if date.last() < first_start:
            return self.engine.decline(question, f"KFOR did not exist yet in {date.human()}: it deployed into "
                                                 "Kosovo in June 1999, under Lt. Gen. Sir Michael Jackson.")
        if date.first() > as_of.last():
            current = self.commanders.rows[-1]
            return self.engine.decline(question, f"My documents end in {as_of.human()}, so I can't say who "
                                                 f"commanded KFOR in {date.human()}. As of {as_of.human()} the "
                                                 f"commander was {self._commander(current, dates=False)}.")
        rows = self._rows_at(date.first(), date.last())
        if not rows:
            return None
        sources = extra + [self._row_source(self.commanders, r) for r in rows]
        if len(rows) == 1:
            text = f"{label}, KFOR was commanded by {self._commander(rows[0])}."
        else:
            parts = "; then ".join(self._commander(r) for r in rows)
            text = f"{label}, KFOR had {len(rows)} commanders: {parts}."
        return self._reply(question, query, text, sources, COMMANDERS)

    def commander_at_date(self, question: str, query: Query) -> Answer | None:
        mention = find_date(query.norm)
        if mention is None or not self._about_commanders(query) or self._person_row(query):
            return None
        return self._at(question, query, mention.date, f"In {mention.date.human()}", [])

    def commander_at_event(self, question: str, query: Query) -> Answer | None:
        if not self._about_commanders(query):
            return None
        m = _EVENT.search(query.norm)
        if m is None or m.start() == 0 or find_date(query.norm) or self._person_row(query):
            return None
        event = self.engine.matcher.query(m["event"])
        ranked = self.engine.matcher.rank(event, limit=2, restrict=self.dated)
        if not ranked or ranked[0].score < 0.5 or (ranked[0].fact.topic == "kfor" and "command" in event.terms):
            return None
        fact = ranked[0].fact
        assert fact.fields.date is not None
        source = self.engine.source_of(fact.source.doc, fact.source.quote, fact.section)
        label = f"At that time ({fact.fields.date.human()}: {fact.answer.rstrip('.')})"
        return self._at(question, query, fact.fields.date, label, [source])

    def commander_ordinal(self, question: str, query: Query) -> Answer | None:
        if not self._about_commanders(query) or self._person_row(query) or find_date(query.norm):
            return None
        words = [w for w in query.toks if w in _ORDINALS]
        present = query.norm.startswith(("who is", "who s ", "whos ")) and "was" not in query.toks
        if not words and not present:
            return None
        assert self.commanders is not None
        rows = list(self.commanders.rows)
        countries = [s.entity for s in query.spots if self.engine.spotter.kind(s.entity) == "country"]
        if countries:
            rows = [r for r in rows if r.get("nationality") == countries[0]]
            if not rows:
                return None
        index = _ORDINALS[words[0]] if words else -1
        if not -len(rows) <= index < len(rows):
            return None
        row = rows[index]
        if countries:
            nth = "last" if index == -1 else ("first", "second", "third", "fourth", "fifth")[index]
            nationality = self.engine.spotter.name(countries[0])
            text = f"The {nth} commander of KFOR from {nationality} was {self._commander(row)}."
        elif index == -1:
            text = (f"As of {self._as_of().human()} (the date of my documents), the commander of KFOR was "
                    f"{self._commander(row)}.")
        else:
            nth = ("first", "second", "third", "fourth", "fifth")[index]
            text = f"The {nth} commander of KFOR was {self._commander(row)}."
        return self._reply(question, query, text, [self._row_source(self.commanders, row)], COMMANDERS)

    def commander_relation(self, question: str, query: Query) -> Answer | None:
        row = self._person_row(query)
        words = set(query.toks)
        if row is None or not (words & (_AFTER | _BEFORE)):
            return None
        assert self.commanders is not None
        rows = list(self.commanders.rows)
        i = rows.index(row)
        after = bool(words & _AFTER) and not (words & _BEFORE)
        j = i + 1 if after else i - 1
        who = self._commander(row, dates=False)
        if not 0 <= j < len(rows):
            text = (f"{who} was the last commander in my documents (as of 2013)." if after
                    else f"{who} was the first commander of KFOR: nobody preceded him.")
            return self._reply(question, query, text, [self._row_source(self.commanders, row)], COMMANDERS)
        other = rows[j]
        verb = "succeeded" if after else "preceded"
        text = f"{self._commander(other)} {verb} {who} as commander of KFOR."
        sources = [self._row_source(self.commanders, r) for r in (row, other)]
        return self._reply(question, query, text, sources, COMMANDERS)

    def commander_person(self, question: str, query: Query) -> Answer | None:
        row = self._person_row(query)
        if row is None:
            return None
        assert self.commanders is not None
        i = list(self.commanders.rows).index(row) + 1
        text = f"{self._commander(row)}, was the {_ordinal(i)} commander of KFOR (COMKFOR)."
        return self._reply(question, query, text, [self._row_source(self.commanders, row)], COMMANDERS)

    # --- KFOR troop levels ---------------------------------------------------------------------------
    def troops_at(self, question: str, query: Query) -> Answer | None:
        table = self.engine.table(TROOPS)
        words = set(query.toks)
        asks_figure = query.qtype in ("number", None) or bool(words & {"levels", "level", "strength", "size"})
        if table is None or not self._has(query, "kfor", "comkfor") or not asks_figure:
            return None
        if query.qtype is None and query.toks[0] in _AUXILIARY:
            return None  # "were kfor soldiers attacked ..." is a yes/no question, not a request for a figure
        rows = sorted(table.rows, key=lambda r: r.get("date"))
        wants_increment = bool(words & {"additional", "reinforcement", "reinforcements", "reinforce", "reinforced",
                                        "reserve", "extra"})
        levels = [r for r in rows if bool(_INCREMENT.search(str(r.get("label") or ""))) == wants_increment]
        mention = find_date(query.norm)
        wants_now = bool(words & {"now", "today", "current", "currently", "present"})
        wants_first = bool(words & {"first", "initially", "initial", "beginning", "start", "originally", "deployed"})
        wants_list = bool(words & {"levels", "over", "history", "timeline", "evolution", "changed"})
        if wants_list and mention is None:
            lines = [f"• {r.get('date').human()}: {'about ' if r.get('approx') else ''}{r.get('troops'):,} "
                     f"({r.get('label')})" for r in rows]
            text = "KFOR troop levels over time:\n" + "\n".join(lines)
            return self._reply(question, query, text, [self._row_source(table, rows[0])], TROOPS)
        if not levels:
            return None
        if mention is not None:
            same = [r for r in levels if r.get("date").year == mention.date.year
                    and r.get("date").first() <= mention.date.last()]
            if not same:
                return self._no_figure(question, mention.date, rows)
            row = same[-1]
        elif wants_first and not wants_now:
            row = levels[0]
        elif wants_now:
            row = levels[-1]
        else:
            return None
        about = "about " if row.get("approx") else ""
        text = f"KFOR had {about}{row.get('troops'):,} troops ({row.get('label')}, {row.get('date').human()})."
        return self._reply(question, query, text, [self._row_source(table, row)], TROOPS)

    def _no_figure(self, question: str, date: PartialDate, rows: list[Row]) -> Answer:
        before = [r for r in rows if r.get("date").last() < date.first()]
        after = [r for r in rows if r.get("date").first() > date.last()]
        near = [f"{r.get('troops'):,} in {r.get('date').human()}" for r in (before[-1:] + after[:1])]
        hint = f" The nearest figures are {' and '.join(near)}." if near else ""
        return self.engine.decline(question, f"My documents give no KFOR troop figure for {date.human()}.{hint}")

    def structure_at(self, question: str, query: Query) -> Answer | None:
        table = self.engine.table(STRUCTURE)
        mention = find_date(query.norm)
        if table is None or mention is None or not self._has(query, "kfor", "mnbg", "mntf", "mnb"):
            return None
        first, last = mention.date.first(), mention.date.last()
        rows = [r for r in table.rows if r.get("start") and r.get("start").first() <= last
                and (r.get("end") is None or r.get("end").last() >= first)]
        if not rows:
            return None
        lines = [f"• {r.get('unit')}" + (f" — {r.get('location')}" if r.get("location") else "") for r in rows]
        text = f"KFOR's structure in {mention.date.human()}:\n" + "\n".join(lines)
        return self._reply(question, query, text, [self._row_source(table, r) for r in rows[:3]], STRUCTURE)

    # --- partner milestones --------------------------------------------------------------------------
    def _timeline(self, country: str) -> Table | None:
        return self.engine.table(f"{country}_milestones")

    def _countries(self, query: Query) -> list[str]:
        return [s.entity for s in query.spots if self._timeline(s.entity) is not None]

    def join_date(self, question: str, query: Query) -> Answer | None:
        countries = self._countries(query)
        if not countries and self._has(query, "nato") and "member" not in query.toks:
            return self._member_join(question, query)
        if len(countries) != 1:
            return None
        table = self._timeline(countries[0])
        assert table is not None
        name = self.engine.spotter.name(countries[0])
        targets = [s.entity for s in query.spots if s.entity != countries[0]]
        mention = find_date(query.norm)
        if not targets and mention is not None:
            rows = [r for r in table.rows if r.get("joins") and r.get("date").year == mention.date.year]
            if not rows:
                return None
            joined = " and ".join(f"the {self.engine.spotter.name(r.get('joins'))}" for r in rows)
            text = f"In {mention.date.year} {name} joined {joined}."
            return self._reply(question, query, text, [self._row_source(table, r) for r in rows], table.id)
        if "nato" in targets and not any(r.get("joins") == "nato" for r in table.rows):
            pfp = [r for r in table.rows if r.get("joins") == "pfp"]
            if not pfp:
                return self._membership(question, query, countries[0])
            text = (f"{name} is not a NATO member: it is a partner country. It joined NATO's Partnership for "
                    f"Peace (PfP) in {pfp[0].get('date').human()}.")
            return self._reply(question, query, text, [self._row_source(table, pfp[0])], table.id)
        found = [(t, next((r for r in table.rows if r.get("joins") == t), None)) for t in targets]
        hits = [(t, r) for t, r in found if r is not None]
        if not hits or len(hits) != len(found):
            return None
        parts = [f"the {self.engine.spotter.name(t)} in {r.get('date').human()}" for t, r in hits]
        text = f"{name} joined " + " and ".join(parts) + "."
        return self._reply(question, query, text, [self._row_source(table, r) for _, r in hits], table.id)

    def _member_join(self, question: str, query: Query) -> Answer | None:
        """ "When did the Czech Republic join NATO": an Ally, but no document says when it joined."""
        members = [s.entity for s in query.spots if self.engine.spotter.kind(s.entity) == "country"
                   and getattr(self.engine.spotter.entities.get(s.entity), "status", None) == "member"]
        if len(members) != 1:
            return None
        name = self.engine.spotter.name(members[0])
        return self.engine.decline(question, f"{name} is a NATO member, but my documents don't say when it joined.")

    def _membership(self, question: str, query: Query, country: str) -> Answer | None:
        """A partner outside PfP: the fact that says what its relationship with NATO is."""
        with_country = {i for i, f in enumerate(self.engine.matcher.facts) if country in f.entities}
        probe = self.engine.matcher.query(normalise(f"is {self.engine.spotter.name(country)} a nato member or partner"))
        ranked = self.engine.matcher.rank(probe, limit=1, restrict=with_country)
        if not ranked or ranked[0].score < 0.5:
            return None
        answer = self.engine.answer_fact(ranked[0].fact.id, question, ranked[0].score)
        return Answer(**{**answer.__dict__, "context": Context(query.norm, ranked[0].fact.id,
                                                               tuple(s.entity for s in query.spots))})

    def join_compare(self, question: str, query: Query) -> Answer | None:
        countries = list(dict.fromkeys(self._countries(query)))
        targets = [s.entity for s in query.spots if s.entity not in countries and s.entity != "nato"]
        if len(countries) != 2 or not targets:
            return self.event_order(question, query)
        found = []
        for country in countries:
            table = self._timeline(country)
            assert table is not None
            row = next((r for r in table.rows if r.get("joins") == targets[0]), None)
            if row is None:
                return None
            found.append((row.get("date"), country, table, row))
        found.sort(key=lambda x: x[0])
        (d1, c1, t1, r1), (d2, c2, t2, r2) = found
        target = self.engine.spotter.name(targets[0])
        n1, n2 = self.engine.spotter.name(c1), self.engine.spotter.name(c2)
        if d1 == d2:
            text = f"Both joined the {target} in {d1.human()}: {n1} and {n2}."
        else:
            text = f"{n1} joined the {target} first, in {d1.human()}; {n2} joined in {d2.human()}."
        return self._reply(question, query, text, [self._row_source(t1, r1), self._row_source(t2, r2)], t1.id)

    # --- two dated events --------------------------------------------------------------------------------
    def _event(self, text: str, shared: list[str]) -> tuple[Fact, PartialDate] | None:
        """The dated fact a clause names ("the racak massacre"), with the question's shared entities added."""
        words = text.split()
        extra = [self.engine.spotter.name(e) for e in shared if e not in self.engine.matcher.query(text).terms]
        event = self.engine.matcher.query(normalise(" ".join([*words, *extra])))
        ranked = self.engine.matcher.rank(event, limit=1, restrict=self.dated)
        if not ranked or ranked[0].score < 0.5 or ranked[0].fact.fields.date is None:
            return None
        return ranked[0].fact, ranked[0].fact.fields.date

    def _two_events(self, left: str, right: str, query: Query) -> tuple[tuple[Fact, PartialDate], ...] | None:
        shared = [s.entity for s in query.spots if self.engine.spotter.kind(s.entity) == "country"]
        a, b = self._event(left, shared), self._event(right, shared)
        if a is None or b is None or a[0].id == b[0].id:
            return None
        return a, b

    def _sources(self, *facts: Fact) -> list[Source]:
        return [self.engine.source_of(f.source.doc, f.source.quote, f.section) for f in facts]

    def _ordered_events(self, pattern: re.Pattern[str], query: Query) -> tuple[tuple[Fact, PartialDate], ...] | None:
        """The two dated facts a question names ("... A or B", "between A and B"), earliest first."""
        m = pattern.search(query.norm)
        pair = self._two_events(m["a"], m["b"], query) if m else None
        return tuple(sorted(pair, key=lambda p: p[1].first())) if pair else None

    def event_order(self, question: str, query: Query) -> Answer | None:
        pair = self._ordered_events(_ORDER, query)
        if pair is None:
            return None
        (fa, da), (fb, db) = pair
        if da.first() == db.first():
            text = f"Both happened in {da.human()}: {fa.answer} {fb.answer}"
        else:
            text = f"First, in {da.human()}: {fa.answer} Later, in {db.human()}: {fb.answer}"
        return self._reply(question, query, text, self._sources(fa, fb), "events")

    def event_gap(self, question: str, query: Query) -> Answer | None:
        pair = self._ordered_events(_GAP, query)
        if pair is None:
            return None
        (fa, da), (fb, db) = pair
        text = f"{_gap(da, db)} passed between {da.human()} ({fa.answer.rstrip('.')}) and {db.human()} " \
               f"({fb.answer.rstrip('.')})."
        return self._reply(question, query, text, self._sources(fa, fb), "events")

    def milestones(self, question: str, query: Query) -> Answer | None:
        countries = self._countries(query)
        if len(countries) != 1:
            return None
        table = self._timeline(countries[0])
        assert table is not None
        name = self.engine.spotter.name(countries[0])
        mention = find_date(query.norm)
        rows = list(table.rows)
        if mention is not None:
            rows = [r for r in rows if r.get("date").year == mention.date.year]
            if not rows:
                return self.engine.decline(question, f"My documents list no milestone in NATO–{name} relations "
                                                     f"in {mention.date.year}.")
        lines = [f"• {r.get('date').human()}: {r.get('event')}" for r in rows]
        head = f"NATO–{name} milestones" + (f" in {mention.date.year}" if mention else "") + ":\n"
        return self._reply(question, query, head + "\n".join(lines),
                           [self._row_source(table, r) for r in rows[:3]], table.id)


_AUXILIARY = {"is", "are", "was", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will"}
_ORDER = re.compile(r"(?:first|earlier|sooner|before)\b\s*(?P<a>.+?)\s+or\s+(?P<b>.+)$")
_GAP = re.compile(r"(?:between|after|before)\s+(?P<a>.+?)\s+(?:and|did|was|were|had)\s+(?P<b>.+)$")


def _gap(a: PartialDate, b: PartialDate) -> str:
    """The time between two dates, as precisely as both are known."""
    if a.day and b.day:
        days = (b.first() - a.first()).days
        return f"{days} day{'s' if days != 1 else ''}"
    if a.month and b.month:
        months = (b.year - a.year) * 12 + b.month - a.month
        return f"About {months} month{'s' if months != 1 else ''}"
    years = b.year - a.year
    return f"About {years} year{'s' if years != 1 else ''}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
