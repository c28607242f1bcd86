"""Compile seeds/, intents/ and data/ into a `Library`, collecting every problem with its file and line.

The shape of each YAML record is declared once (`_SPECS`), in the manner of pre-commit's schema-driven
clientlib: unknown keys, missing keys and wrong types are reported against the line they stand on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from bot.engine.errors import DataError, Problem
from bot.engine.records import (
    Document,
    Entity,
    Fact,
    Fields,
    Library,
    Number,
    PartialDate,
    Person,
    Quote,
    Row,
    Section,
    Subcommand,
    Table,
    Template,
    Topic,
)
from bot.engine.yamlsrc import Node, YamlError, load_yaml

ROOT = Path(__file__).resolve().parents[2]
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
ENTITY_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
FACT_KINDS = {"date", "number", "person", "place", "list", "definition", "event", "relation"}
ENTITY_KINDS = {"country", "organisation", "programme", "force", "operation", "person", "place",
                "document", "role", "exercise", "unit", "event", "other"}
COLUMN_TYPES = {"str", "int", "date", "entity", "bool"}


def default_root() -> Path:
    return Path(os.environ.get("NATOBOT_ROOT") or ROOT)


# Each spec: key -> (required, checker). A checker returns an error message or None.
Checker = Callable[[Any], str | None]


def _is_str(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty string"


def _is_str_list(v: Any) -> str | None:
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        return "must be a list of non-empty strings"
    return None


def _is_map(v: Any) -> str | None:
    return None if isinstance(v, dict) else "must be a mapping"


def _any(_: Any) -> str | None:
    return None


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


_SPECS: dict[str, dict[str, tuple[bool, Checker]]] = {
    "fact": {
        "id": (True, _is_str), "section": (True, _is_str), "kind": (True, _is_str), "answer": (True, _is_str),
        "questions": (True, _is_str_list), "entities": (True, _is_str_list), "fields": (False, _is_map),
        "source": (True, _is_map), "note": (False, _is_str), "related": (False, _is_str_list),
    },
    "source": {"doc": (False, _is_str), "quote": (True, _is_str)},
    "fields": {
        "date": (False, _any), "end_date": (False, _any), "number": (False, _any), "person": (False, _any),
        "place": (False, _any), "items": (False, _is_str_list),
    },
    "entity": {
        "id": (True, _is_str), "name": (True, _is_str), "kind": (True, _is_str),
        "synonyms": (False, _is_str_list), "status": (False, _is_str), "covered": (False, _is_bool),
    },
    "table": {
        "title": (True, _is_str), "section": (True, _is_str), "columns": (True, _is_map),
        "rows": (True, lambda v: None if isinstance(v, list) and v else "must be a non-empty list"),
        "doc": (False, _is_str),
    },
    "topic": {
        "command": (True, _is_str), "title": (True, _is_str), "description": (True, _is_str),
        "overview": (True, _is_str),
        "subcommands": (False, lambda v: None if isinstance(v, list) else "must be a list"),
    },
    "subcommand": {"name": (True, _is_str), "title": (True, _is_str), "ask": (True, _is_str)},
    "datafile": {"topic": (True, _is_str), "doc": (True, _is_str), "facts": (False, _any), "tables": (False, _is_map)},
    "template": {
        "id": (True, _is_str), "query": (True, _is_str), "patterns": (True, _is_str_list),
        "examples": (False, _is_str_list),
    },
    "section": {
        "id": (True, _is_str), "page": (True, _is_str), "title": (True, _is_str), "start": (False, _any),
        "end": (False, _any), "spans": (False, _any),
    },
    "document": {
        "id": (True, _is_str), "file": (True, _is_str), "title": (True, _is_str), "publisher": (True, _is_str),
        "as_of": (True, _any), "as_of_note": (True, _is_str), "sections": (True, _any), "chars": (False, _any),
    },
}


@dataclass
class _Ctx:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    record_ids: set[str] = field(default_factory=set)  # every fact id written, even those that failed

    def report(self, file: str, line: int, record: str, message: str) -> None:
        self.problems.append(Problem(file, line, record, message))

    def check(self, spec: str, node: Any, file: str, line: int, record: str) -> bool:
        """Check a mapping against its spec; report every problem; True when it is usable."""
        if not isinstance(node, Node):
            self.report(file, line, record, f"expected a mapping ({spec})")
            return False
        ok = True
        rules = _SPECS[spec]
        for key in node:
            if key not in rules:
                self.report(file, node.line_of(key), record, f"unknown key {key!r} in {spec}")
                ok = False
        for key, (required, checker) in rules.items():
            if key not in node:
                if required:
                    self.report(file, node.line, record, f"missing key {key!r} in {spec}")
                    ok = False
                continue
            err = checker(node[key])
            if err:
                self.report(file, node.line_of(key), record, f"{key} {err}")
                ok = False
        return ok

    def load(self, path: Path) -> Any:
        shown = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)
        try:
            return load_yaml(path, shown)
        except YamlError as exc:
            self.report(exc.path, exc.line, "", exc.message)
            return None

    def shown(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)


def load_library(root: Path | None = None) -> Library:
    """Load and validate everything; raise DataError listing every problem if anything is wrong."""
    library, problems = compile_library(root)
    if problems:
        raise DataError(problems)
    assert library is not None
    return library


def compile_library(root: Path | None = None) -> tuple[Library | None, list[Problem]]:
    ctx = _Ctx(root or default_root())
    documents = _load_documents(ctx)
    entities = _load_entities(ctx)
    entity_ids = {e.id for e in entities}
    facts: list[Fact] = []
    tables: list[Table] = []
    data_dir = ctx.root / "data"
    files = sorted(data_dir.glob("*.yaml")) if data_dir.is_dir() else []
    if not files:
        ctx.report("data", 0, "", "no data files (data/*.yaml) found")
    for path in files:
        f, t = _load_datafile(ctx, path, documents, entity_ids)
        facts.extend(f)
        tables.extend(t)
    _check_unique(ctx, [(f.id, f.file, f.line) for f in facts] + [(t.id, t.file, t.line) for t in tables])
    # A broken record is reported once, not again by everything that names it.
    unparsed = any(p.message.startswith(("invalid YAML", "cannot read")) for p in ctx.problems)
    fact_ids = ctx.record_ids
    for fact in facts if not unparsed else ():
        for rel in fact.related:
            if rel not in fact_ids:
                ctx.report(fact.file, fact.line, fact.id, f"related fact {rel!r} does not exist")
    topics, meta = _load_commands(ctx, fact_ids)
    templates = _load_templates(ctx)
    library = Library(tuple(documents.values()), tuple(entities), tuple(facts), tuple(tables), tuple(topics),
                      tuple(templates), tuple(meta))
    return (None if ctx.problems else library), sorted(ctx.problems)


def _check_unique(ctx: _Ctx, items: Iterable[tuple[str, str, int]]) -> None:
    seen: dict[str, tuple[str, int]] = {}
    for rid, file, line in items:
        if rid in seen:
            where = f"{seen[rid][0]}:{seen[rid][1]}"
            ctx.report(file, line, rid, f"duplicate id (first defined at {where})")
        else:
            seen[rid] = (file, line)


# --- seeds -----------------------------------------------------------------------------------------

def _load_documents(ctx: _Ctx) -> dict[str, Document]:
    index_path = ctx.root / "seeds" / "index.yaml"
    data = ctx.load(index_path) if index_path.exists() else None
    shown = "seeds/index.yaml"
    if data is None:
        if not index_path.exists():
            ctx.report(shown, 0, "", "missing seeds/index.yaml")
        return {}
    if not isinstance(data, Node) or not isinstance(data.get("documents"), list):
        ctx.report(shown, getattr(data, "line", 1), "", "expected a mapping with a 'documents' list")
        return {}
    docs: dict[str, Document] = {}
    for node in data["documents"]:
        rid = str(node.get("id", "?")) if isinstance(node, dict) else "?"
        if not ctx.check("document", node, shown, getattr(node, "line", 0), rid):
            continue
        path = ctx.root / "seeds" / node["file"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            ctx.report(shown, node.line_of("file"), rid, f"seed file {node['file']!r} is missing or unreadable")
            continue
        sections = _load_sections(ctx, node, text, shown, rid)
        docs[node["file"]] = Document(rid, node["file"], node["title"], node["publisher"], str(node["as_of"]),
                                      node["as_of_note"], text, tuple(sections))
    return docs


def _load_sections(ctx: _Ctx, node: Node, text: str, shown: str, doc_id: str) -> list[Section]:
    out: list[Section] = []
    for sec in node["sections"] if isinstance(node["sections"], list) else []:
        sid = str(sec.get("id", "?")) if isinstance(sec, dict) else "?"
        if not ctx.check("section", sec, shown, getattr(sec, "line", node.line), sid):
            continue
        raw = sec.get("spans") or [[sec.get("start"), sec.get("end")]]
        try:
            spans = tuple((int(a), int(b)) for a, b in raw)
        except (TypeError, ValueError):
            ctx.report(shown, sec.line, sid, "section needs integer start/end or a list of [start, end] spans")
            continue
        if any(not 0 <= a < b <= len(text) for a, b in spans):
            ctx.report(shown, sec.line, sid, f"span outside the document ({len(text)} characters)")
            continue
        out.append(Section(sid, sec["page"], sec["title"], spans))
    return out


# --- entities --------------------------------------------------------------------------------------

def _load_entities(ctx: _Ctx) -> list[Entity]:
    paths = [ctx.root / "intents" / "entities.yaml", *sorted((ctx.root / "intents" / "entities").glob("*.yaml"))]
    out: list[Entity] = []
    where: list[tuple[str, str, int]] = []
    for path in paths:
        if not path.exists():
            ctx.report(ctx.shown(path), 0, "", "missing entities file")
            continue
        data = ctx.load(path)
        shown = ctx.shown(path)
        if data is None:
            continue
        if not isinstance(data, Node) or not isinstance(data.get("entities"), list):
            ctx.report(shown, getattr(data, "line", 1), "", "expected a mapping with an 'entities' list")
            continue
        for node in data["entities"]:
            rid = str(node.get("id", "?")) if isinstance(node, dict) else "?"
            if not ctx.check("entity", node, shown, getattr(node, "line", data.line), rid):
                continue
            if not ENTITY_RE.match(rid):
                ctx.report(shown, node.line, rid, "entity id must be lowercase letters, digits and dashes")
            if node["kind"] not in ENTITY_KINDS:
                ctx.report(shown, node.line_of("kind"), rid, f"unknown entity kind {node['kind']!r}")
            status = node.get("status")
            if status is not None and status not in ("member", "partner", "other"):
                ctx.report(shown, node.line_of("status"), rid, "status must be member, partner or other")
            synonyms = tuple(str(s).strip().lower() for s in node.get("synonyms") or ())
            out.append(Entity(rid, node["name"], node["kind"], synonyms, status, node.get("covered", True)))
            where.append((rid, shown, node.line))
    _check_unique(ctx, where)
    return out


# --- data files ------------------------------------------------------------------------------------

def _load_datafile(ctx: _Ctx, path: Path, documents: dict[str, Document],
                   entity_ids: set[str]) -> tuple[list[Fact], list[Table]]:
    shown = ctx.shown(path)
    data = ctx.load(path)
    if data is None:
        return [], []
    if not ctx.check("datafile", data, shown, getattr(data, "line", 1), ""):
        return [], []
    topic, default_doc = data["topic"], data["doc"]
    if default_doc not in documents:
        ctx.report(shown, data.line_of("doc"), "", f"unknown document {default_doc!r}")
    facts = [f for node in _as_list(ctx, data.get("facts"), shown, data.line_of("facts"))
             if (f := _load_fact(ctx, node, shown, topic, default_doc, documents, entity_ids))]
    tables = [t for tid, node in (data.get("tables") or {}).items()
              if (t := _load_table(ctx, str(tid), node, shown, topic, default_doc, documents, entity_ids))]
    return facts, tables


def _as_list(ctx: _Ctx, value: Any, shown: str, line: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.report(shown, line, "", "facts must be a list")
        return []
    return value


def _load_fact(ctx: _Ctx, node: Any, shown: str, topic: str, default_doc: str,
               documents: dict[str, Document], entity_ids: set[str]) -> Fact | None:
    rid = str(node.get("id", "?")) if isinstance(node, dict) else "?"
    line = getattr(node, "line", 0)
    ctx.record_ids.add(rid)
    if not ctx.check("fact", node, shown, line, rid):
        return None
    ok = True
    if not ID_RE.match(rid) or not rid.startswith(topic + "."):
        ctx.report(shown, node.line_of("id"), rid, f"id must be lowercase [a-z0-9.-] and start with '{topic}.'")
        ok = False
    if node["kind"] not in FACT_KINDS:
        ctx.report(shown, node.line_of("kind"), rid, f"unknown kind {node['kind']!r}; one of {sorted(FACT_KINDS)}")
        ok = False
    if len(node["questions"]) < 3:
        ctx.report(shown, node.line_of("questions"), rid, "needs at least 3 questions")
        ok = False
    for ent in node["entities"]:
        if ent not in entity_ids:
            ctx.report(shown, node.line_of("entities"), rid, f"entity {ent!r} is not declared in intents/")
            ok = False
    fields = _load_fields(ctx, node.get("fields"), shown, rid)
    source = _load_quote(ctx, node["source"], shown, rid, default_doc, documents, node["section"])
    if fields is None or source is None or not ok:
        return None
    return Fact(rid, topic, node["section"], node["kind"], node["answer"].strip(),
                tuple(q.strip() for q in node["questions"]), tuple(node["entities"]), fields, source,
                node.get("note"), tuple(node.get("related") or ()), shown, line)


def _load_quote(ctx: _Ctx, node: Any, shown: str, rid: str, default_doc: str,
                documents: dict[str, Document], section_id: str | None) -> Quote | None:
    if not ctx.check("source", node, shown, getattr(node, "line", 0), rid):
        return None
    doc_name = node.get("doc", default_doc)
    doc = documents.get(doc_name)
    if doc is None:
        ctx.report(shown, node.line, rid, f"unknown document {doc_name!r}")
        return None
    quote = node["quote"]
    start = _find_in_section(doc, quote, section_id)
    if start < 0:
        hint = closest_passage(quote, doc.text)
        ctx.report(shown, node.line_of("quote"), rid, f"quote not found in {doc_name}; {hint}")
        return None
    if section_id is not None:
        known = [s.id for s in doc.sections]
        if section_id not in known:
            ctx.report(shown, node.line, rid, f"unknown section {section_id!r} for {doc_name}")
            return None
        where = doc.section_at(start)
        if where is not None and where.id != section_id and (end_sec := doc.section_at(start + len(quote) - 1)) \
                and end_sec.id != section_id:
            ctx.report(shown, node.line_of("quote"), rid, f"quote is in section {where.id!r}, not {section_id!r}")
            return None
    return Quote(doc_name, quote, start)


def _find_in_section(doc: Document, quote: str, section_id: str | None) -> int:
    """The quote's offset, preferring an occurrence inside the record's section (pages repeat sentences)."""
    first = doc.text.find(quote)
    start = first
    while start >= 0 and section_id is not None:
        where = doc.section_at(start)
        if where is not None and where.id == section_id:
            return start
        start = doc.text.find(quote, start + 1)
    return first


def closest_passage(quote: str, text: str) -> str:
    """Name the passage most like a missing quote, so a curator can fix it."""
    best = fuzz.partial_ratio_alignment(quote, text)
    if best is None or best.score < 50:
        return "no similar passage"
    passage = text[best.dest_start:best.dest_end]
    return f"closest passage ({best.score:.0f}%): {passage!r}"


def _load_fields(ctx: _Ctx, node: Any, shown: str, rid: str) -> Fields | None:
    if node is None:
        return Fields()
    if not ctx.check("fields", node, shown, getattr(node, "line", 0), rid):
        return None
    try:
        date = PartialDate.parse(node["date"]) if node.get("date") is not None else None
        end = PartialDate.parse(node["end_date"]) if node.get("end_date") is not None else None
        numbers = tuple(_number(n) for n in _listify(node.get("number")))
        people = tuple(_person(p) for p in _listify(node.get("person")))
        places = tuple(str(p) for p in _listify(node.get("place")))
    except (ValueError, TypeError, KeyError) as exc:
        ctx.report(shown, node.line, rid, f"bad field: {exc}")
        return None
    if date and end and end.last() < date.first():
        ctx.report(shown, node.line, rid, "end_date is before date")
        return None
    return Fields(date, end, numbers, people, places, tuple(node.get("items") or ()))


def _listify(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> Number:
    if isinstance(value, dict):
        raw = value["value"]
        unit = str(value.get("unit", ""))
    else:
        raw, unit = value, ""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"number value must be numeric, got {raw!r}")
    return Number(float(raw), unit)


def _person(value: Any) -> Person:
    if isinstance(value, dict):
        return Person(str(value["name"]), str(value.get("role", "")))
    if isinstance(value, str):
        return Person(value, "")
    raise ValueError(f"person must be a name or {{name, role}}, got {value!r}")


def _load_table(ctx: _Ctx, tid: str, node: Any, shown: str, topic: str, default_doc: str,
                documents: dict[str, Document], entity_ids: set[str]) -> Table | None:
    line = getattr(node, "line", 0)
    if not ctx.check("table", node, shown, line, tid):
        return None
    columns: list[tuple[str, str, bool]] = []
    for name, kind in node["columns"].items():
        optional = str(kind).endswith("?")
        base = str(kind).rstrip("?")
        if base not in COLUMN_TYPES:
            ctx.report(shown, node["columns"].line_of(name), tid, f"column {name!r} has unknown type {kind!r}")
            return None
        columns.append((str(name), base, optional))
    rows = [r for raw in node["rows"]
            if (r := _load_row(ctx, raw, columns, shown, tid, node.get("doc", default_doc), documents,
                               entity_ids, node["section"]))]
    return Table(tid, node["title"], topic, node["section"], tuple(columns), tuple(rows), shown, line)


def _load_row(ctx: _Ctx, raw: Any, columns: list[tuple[str, str, bool]], shown: str, tid: str, doc: str,
              documents: dict[str, Document], entity_ids: set[str], section: str) -> Row | None:
    if not isinstance(raw, Node):
        ctx.report(shown, 0, tid, "table row must be a mapping")
        return None
    allowed = {c[0] for c in columns} | {"quote", "doc"}
    ok = True
    for key in raw:
        if key not in allowed:
            ctx.report(shown, raw.line_of(key), tid, f"unknown column {key!r} in row")
            ok = False
    values: list[tuple[str, Any]] = []
    for name, kind, optional in columns:
        value = raw.get(name)
        if value is None:
            if not optional:
                ctx.report(shown, raw.line, tid, f"row is missing {name!r}")
                ok = False
            values.append((name, None))
            continue
        try:
            values.append((name, _cell(kind, value, entity_ids)))
        except ValueError as exc:
            ctx.report(shown, raw.line_of(name), tid, f"{name}: {exc}")
            ok = False
    if "quote" not in raw:
        ctx.report(shown, raw.line, tid, "row is missing 'quote'")
        return None
    quote_node = Node({"doc": raw.get("doc", doc), "quote": raw["quote"]})
    quote_node.line, quote_node.key_lines = raw.line, {"quote": raw.line_of("quote")}
    source = _load_quote(ctx, quote_node, shown, tid, doc, documents, None)
    start, end = dict(values).get("start"), dict(values).get("end")
    if isinstance(start, PartialDate) and isinstance(end, PartialDate) and end.last() < start.first():
        ctx.report(shown, raw.line, tid, f"row ends ({end.iso()}) before it starts ({start.iso()})")
        ok = False
    if not ok or source is None:
        return None
    return Row(tuple(values), source, raw.line)


def _cell(kind: str, value: Any, entity_ids: set[str]) -> Any:
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if kind == "date":
        return PartialDate.parse(value)
    if kind == "entity":
        if str(value) not in entity_ids:
            raise ValueError(f"entity {value!r} is not declared in intents/")
        return str(value)
    if not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {value!r}")
    return str(value)


# --- intents: commands and templates ---------------------------------------------------------------

def _load_commands(ctx: _Ctx, fact_ids: set[str]) -> tuple[list[Topic], list[tuple[str, str]]]:
    meta: list[tuple[str, str]] = []
    meta_path = ctx.root / "intents" / "commands.yaml"
    data = ctx.load(meta_path) if meta_path.exists() else None
    if data is None and not meta_path.exists():
        ctx.report("intents/commands.yaml", 0, "", "missing file")
    if isinstance(data, Node):
        for name, desc in (data.get("meta") or {}).items():
            meta.append((str(name), str(desc)))
    topics: list[Topic] = []
    for path in sorted((ctx.root / "intents" / "commands").glob("*.yaml")):
        shown = ctx.shown(path)
        node = ctx.load(path)
        if node is None:
            continue
        cmd = str(node.get("command", "?")) if isinstance(node, dict) else "?"
        if not ctx.check("topic", node, shown, getattr(node, "line", 1), cmd):
            continue
        if not COMMAND_RE.match(cmd):
            ctx.report(shown, node.line_of("command"), cmd, "command must be 1-32 of [a-z0-9_]")
            continue
        if node["overview"] not in fact_ids and not any(p.message.startswith("invalid YAML") for p in ctx.problems):
            ctx.report(shown, node.line_of("overview"), cmd, f"overview fact {node['overview']!r} does not exist")
        subs = []
        for sub in node.get("subcommands") or []:
            name = str(sub.get("name", "?")) if isinstance(sub, dict) else "?"
            if ctx.check("subcommand", sub, shown, getattr(sub, "line", node.line), f"{cmd} {name}"):
                subs.append(Subcommand(name.lower(), sub["title"], sub["ask"]))
        topics.append(Topic(cmd, node["title"], node["description"], node["overview"], tuple(subs), shown, node.line))
    _check_unique(ctx, [(t.command, t.file, t.line) for t in topics])
    return topics, meta


def _load_templates(ctx: _Ctx) -> list[Template]:
    path = ctx.root / "intents" / "templates.yaml"
    if not path.exists():
        return []
    data = ctx.load(path)
    if not isinstance(data, Node):
        return []
    out = []
    for node in data.get("templates") or []:
        rid = str(node.get("id", "?")) if isinstance(node, dict) else "?"
        if not ctx.check("template", node, ctx.shown(path), getattr(node, "line", 1), rid):
            continue
        for pattern in node["patterns"]:
            try:
                re.compile(pattern)
            except re.error as exc:
                ctx.report(ctx.shown(path), node.line_of("patterns"), rid, f"bad pattern {pattern!r}: {exc}")
        out.append(Template(rid, node["query"], tuple(node["patterns"]), tuple(node.get("examples") or ())))
    return out
