"""The compiled library: frozen records built once from seeds/, intents/ and data/."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MONTHS = ("January February March April May June July August September October November December").split()


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date as precise as the source gives it: a year, a month or a day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        """Accepts 1995, "1995", "1995-03", "1995-03-24"; raises ValueError otherwise."""
        if isinstance(value, bool):
            raise ValueError("not a date")
        m = _PARTIAL.match(str(value).strip())
        if not m:
            raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
        year, month, day = int(m[1]), m[2] and int(m[2]), m[3] and int(m[3])
        date = cls(year, month or None, day or None)
        date.first()  # validates month and day
        return date

    def first(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last(self) -> dt.date:
        if self.day:
            return self.first()
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def iso(self) -> str:
        parts = [f"{self.year:04d}"] + [f"{p:02d}" for p in (self.month, self.day) if p]
        return "-".join(parts)

    def human(self) -> str:
        if self.day and self.month:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)


@dataclass(frozen=True)
class Section:
    id: str
    page: str
    title: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Document:
    id: str
    file: str
    title: str
    publisher: str
    as_of: str
    as_of_note: str
    text: str = field(repr=False)
    sections: tuple[Section, ...] = ()

    def section_at(self, offset: int) -> Section | None:
        for section in self.sections:
            if any(start <= offset < end for start, end in section.spans):
                return section
        return None


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    kind: str
    synonyms: tuple[str, ...]
    status: str | None = None  # countries: member | partner | other
    covered: bool = True


@dataclass(frozen=True)
class Quote:
    doc: str
    quote: str
    start: int  # offset of the quote in its document


@dataclass(frozen=True)
class Number:
    value: float
    unit: str


@dataclass(frozen=True)
class Person:
    name: str
    role: str


@dataclass(frozen=True)
class Fields:
    date: PartialDate | None = None
    end_date: PartialDate | None = None
    numbers: tuple[Number, ...] = ()
    people: tuple[Person, ...] = ()
    places: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fact:
    id: str
    topic: str
    section: str
    kind: str
    answer: str
    questions: tuple[str, ...]
    entities: tuple[str, ...]
    fields: Fields
    source: Quote
    note: str | None = None
    related: tuple[str, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Row:
    values: tuple[tuple[str, Any], ...]  # (column, value) in column order; dates as PartialDate
    source: Quote
    line: int = 0

    def get(self, column: str) -> Any:
        return dict(self.values).get(column)


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    topic: str
    section: str
    columns: tuple[tuple[str, str, bool], ...]  # (name, type, optional)
    rows: tuple[Row, ...]
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Subcommand:
    name: str
    title: str
    ask: str


@dataclass(frozen=True)
class Topic:
    command: str
    title: str
    description: str
    overview: str  # fact id
    subcommands: tuple[Subcommand, ...]
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Template:
    """A structured question pattern from intents/templates.yaml, handled by a named query."""

    id: str
    query: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Library:
    documents: tuple[Document, ...]
    entities: tuple[Entity, ...]
    facts: tuple[Fact, ...]
    tables: tuple[Table, ...]
    topics: tuple[Topic, ...]
    templates: tuple[Template, ...]
    meta_commands: tuple[tuple[str, str], ...]  # (command, description) for /start, /help, ...

    def document(self, file_or_id: str) -> Document | None:
        for doc in self.documents:
            if file_or_id in (doc.file, doc.id):
                return doc
        return None

    def section(self, section_id: str) -> Section | None:
        for doc in self.documents:
            for section in doc.sections:
                if section.id == section_id:
                    return section
        return None

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)
