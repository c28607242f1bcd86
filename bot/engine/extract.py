"""Propose candidate fact records from a plain-text document, for a curator to review.

Finds milestone lines ("1994 Kyrgyzstan joins the Partnership for Peace."), dated sentences, definitions
("X is a Y", "Full Name (ABBR)"), figures with what they count, person-role pairs and contact-point embassies.
Every candidate carries a verbatim quote, so once a curator fixes the wording it passes `natobot validate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from bot.engine.dates import find_date
from bot.engine.text import normalise

_SENTENCE = re.compile(r"[^.!?]+(?:[.!?](?=\s|$)|$)")
_MILESTONE_HEAD = re.compile(r"Milestones in relations\s+")
_MILESTONE_SPLIT = re.compile(r"(?<![\d,–-])\s+(?=(?:19|20)\d{2}\s+[A-Z])")
_EXTRA_EVENT = re.compile(r"\s{2,}")
_NEXT_SENTENCE = re.compile(r"(?<=[a-z)]\.)\s+(?=[A-Z])")
_ABBR = re.compile(r"((?:[A-Z][\w’'-]*\s+(?:(?:of|for|and|the|on|in)\s+)*){1,8})\(([A-Z][A-Za-z0-9-]{1,10})\)")
_DEFINITION = re.compile(r"^(?:The\s+)?([A-Z][\w’' -]{1,60}?)\s+(?:is|was|are)\s+(?:an?|the)\s+")
_FIGURE = re.compile(r"\b(?:some|about|around|approximately|over|more than|nearly|up to)?\s*"
                     r"(\d{1,3}(?:,\d{3})+|\d+)(?:-day)?\s+([a-z][a-z-]+(?:\s[a-z-]+)?)")
_MONEY = re.compile(r"US\$\s?\d[\d,.]*\s*(?:million|billion)?")
_ROLE = re.compile(r"\b(President|Secretary General|Foreign Minister|Defence Minister"
                   r"|Minister of [A-Z][a-z]+(?: [A-Z][a-z]+)*|Ambassador|Director(?: General)?"
                   r"|Special Representative|Commander|Chairman|Special Envoy"
                   r"|Assistant Secretary General|Deputy Assistant Secretary General)\b[^.;]*?,?\s+"
                   r"((?:[A-Z][a-zà-ž’'-]+\s){1,3}[A-Z][a-zà-ž’'-]+)")
_EMBASSY = re.compile(r"Contact Point Embassy in ([A-Z]\w+) is the embassy of ([A-Z]\w+)")
_YEAR_WORDS = {"years", "year", "months", "days", "countries", "per", "and", "the", "of"}


@dataclass
class Candidate:
    kind: str
    quote: str
    answer: str
    questions: list[str]
    fields: dict[str, Any] = field(default_factory=dict)


def sentences(text: str) -> Iterator[tuple[int, str]]:
    for m in _SENTENCE.finditer(text):
        raw = m.group()
        stripped = raw.strip()
        if len(stripped) > 20:
            yield m.start() + raw.index(stripped[0]), stripped


def milestone_lines(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, quote, year) for each event of a milestones block: "YEAR Event." lines, and the further events
    of a year, which these pages separate by a wide gap."""
    for head in _MILESTONE_HEAD.finditer(text):
        block_start = head.end()
        block_end = text.find("\n", block_start)
        block = text[block_start:len(text) if block_end < 0 else block_end]
        pos = 0
        for piece in _MILESTONE_SPLIT.split(block):
            offset = block.find(piece, pos)
            pos = offset + len(piece)
            year = piece[:4]
            gaps = (e.strip() for e in _EXTRA_EVENT.split(piece.strip()) if e.strip())
            for event in (x for gap in gaps for x in _NEXT_SENTENCE.split(gap) if x):
                yield block_start + block.find(event, offset), event, year


def _milestones(text: str) -> Iterator[Candidate]:
    for _, quote, year in milestone_lines(text):
        body = quote[5:] if quote.startswith(year) else quote
        subject = body.rstrip(".")
        yield Candidate("date", quote, f"In {year}: {subject}.",
                        [f"when {_lower_first(subject)}", f"what happened in {year}", f"{_keywords(subject)} year"],
                        {"date": int(year)})


def _dated(text: str) -> Iterator[Candidate]:
    for _, sentence in sentences(text):
        mention = find_date(normalise(sentence))
        if mention is None or re.match(r"^(19|20)\d{2}\s", sentence):
            continue
        yield Candidate("date", sentence, sentence,
                        [f"when {_keywords(sentence)}", f"what happened in {mention.date.human()}",
                         f"{_keywords(sentence)} date"], {"date": mention.date.iso()})


def _definitions(text: str) -> Iterator[Candidate]:
    seen: set[str] = set()
    for m in _ABBR.finditer(text):
        name, abbr = " ".join(m[1].split()), m[2]
        name = re.sub(r"^(?:The|the|NATO’s|NATO's|Its|its)\s+", "", name)
        if abbr in seen or len(name) < 4:
            continue
        seen.add(abbr)
        yield Candidate("definition", m.group().strip(), f"{abbr} stands for {name}.",
                        [f"what is {abbr.lower()}", f"what does {abbr.lower()} stand for", f"{abbr.lower()} meaning"])
    for _, sentence in sentences(text):
        head = _DEFINITION.match(sentence)
        if head and len(sentence) < 300:
            subject = head[1].strip()
            yield Candidate("definition", sentence, sentence,
                            [f"what is {subject.lower()}", f"define {subject.lower()}", f"{subject.lower()}"])


def _figures(text: str) -> Iterator[Candidate]:
    for _, sentence in sentences(text):
        for m in _FIGURE.finditer(sentence):
            value, unit = m[1].replace(",", ""), m[2]
            if unit.split()[0] in _YEAR_WORDS or (len(value) == 4 and value.startswith(("19", "20"))):
                continue
            yield Candidate("number", sentence, sentence,
                            [f"how many {unit}", f"number of {unit}", f"{_keywords(sentence)} {unit} count"],
                            {"number": {"value": int(value), "unit": unit}})
            break
        for m in _MONEY.finditer(sentence):
            yield Candidate("number", sentence, sentence,
                            [f"how much money {_keywords(sentence)}", "how much was pledged", "amount of money"],
                            {"number": {"value": m.group(), "unit": "US$"}})


def _people(text: str) -> Iterator[Candidate]:
    for _, sentence in sentences(text):
        for m in _ROLE.finditer(sentence):
            role, name = m[1], m[2]
            yield Candidate("person", sentence, f"{name} ({role}).",
                            [f"who is {name.lower()}", f"who was the {role.lower()}", f"{name.split()[-1].lower()}"],
                            {"person": {"name": name, "role": role}})
    for m in _EMBASSY.finditer(text):
        yield Candidate("place", m.group(), f"The NATO Contact Point Embassy in {m[1]} is the embassy of {m[2]}.",
                        [f"{m[1].lower()} contact point embassy",
                         f"which embassy is nato's contact point in {m[1].lower()}", f"nato embassy {m[1].lower()}"],
                        {"place": m[2]})


def extract(text: str) -> list[Candidate]:
    """All candidates, milestone lines first, without two candidates resting on the same quote and kind."""
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for finder in (_milestones, _dated, _definitions, _figures, _people):
        for cand in finder(text):
            key = (cand.kind, cand.quote)
            if key not in seen and cand.quote in text:
                seen.add(key)
                out.append(cand)
    return out


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _keywords(text: str, n: int = 5) -> str:
    words = [w for w in normalise(text).split() if len(w) > 3 and not w.isdigit()]
    return " ".join(words[:n])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(text))[:40].strip("-") or "doc"


def _section_finder(path: Path) -> Any:
    """For a seed listed in seeds/index.yaml, the section a quote falls in; otherwise "TODO" for the curator."""
    from bot.engine.loader import default_root

    index = default_root() / "seeds" / "index.yaml"
    spans: list[tuple[int, int, str]] = []
    if index.exists():
        for doc in (yaml.safe_load(index.read_text(encoding="utf-8")) or {}).get("documents", []):
            if doc.get("file") == path.name:
                for sec in doc.get("sections", []):
                    for a, b in sec.get("spans") or [[sec["start"], sec["end"]]]:
                        spans.append((a, b, sec["id"]))
    return lambda offset: next((sid for a, b, sid in spans if a <= offset < b), "TODO")


def to_records(path: Path, text: str, candidates: Sequence[Candidate]) -> dict[str, Any]:
    topic = _slug(path.stem)
    section_of = _section_finder(path)
    facts = []
    for i, cand in enumerate(candidates, 1):
        facts.append({
            "id": f"{topic}.candidate-{i:03d}", "section": section_of(text.find(cand.quote)), "kind": cand.kind,
            "answer": cand.answer,
            "questions": cand.questions, "entities": [], "fields": cand.fields,
            "source": {"doc": path.name, "quote": cand.quote},
        })
    return {"topic": topic, "doc": path.name, "facts": facts}


def extract_paths(paths: Sequence[str], out: IO[str]) -> int:
    status = 0
    for name in paths:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"# {name}: cannot read ({exc.__class__.__name__})", file=out)
            status = 1
            continue
        records = to_records(path, text, extract(text))
        out.write(f"# {len(records['facts'])} candidates from {name}: review the wording, set section and "
                  "entities, then move them into data/\n")
        yaml.safe_dump(records, out, sort_keys=False, allow_unicode=True, width=110)
    return status
