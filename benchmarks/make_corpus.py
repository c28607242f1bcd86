"""Generate a synthetic natobot library N times the size of the real one, for the benchmarks.

    .venv/bin/python -m benchmarks.make_corpus TARGET [--scale 100] [--seed 6]

TARGET gets a copy of seeds/, intents/ and data/, plus `scale - 1` clones of every fact and table. A clone keeps
the record's structure (kind, fields, number of phrasings, related facts, table columns) but names NEW things:

* every entity that names something specific (countries, people, places, units, events, operations, documents,
  ...) becomes a made-up one with a fresh pronounceable name, declared in intents/entities/synthetic.yaml;
  the shared vocabulary of the library (NATO, PfP, EAPC, the UN, roles such as "Secretary General": the
  organisations, programmes and roles of intents/entities.yaml) is kept, as it would be in a real, larger library;
* every year is shifted by the same per-clone offset (fields, table cells and text alike);
* the quotes stay verbatim substrings of a seed: each clone gets a synthetic seed document, registered in
  seeds/index.yaml with one section per original section, whose sentences are the clone's quotes.

So `natobot validate` passes on TARGET (NATOBOT_ROOT=TARGET), and no clone can be matched by a shortcut: its
entities, names and dates are its own. The generator is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Entities of these kinds declared in intents/entities.yaml are the library's shared vocabulary: kept in clones.
SHARED_KINDS = {"organisation", "programme", "role"}
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ISO = re.compile(r"^(\d{4})(-\d{2}(?:-\d{2})?)?$")
_ONSETS = "b br c d dr f g gr h k kl l m n p pr r s st t tr v z".split()
_VOWELS = "a e i o u ae ia ou".split()
_CODAS = ["", "", "", "n", "r", "l", "s", "th", "m", "x"]
_COUNTRY_SUFFIX = ["stan", "ia", "land", "ova", "ania", "eth"]


def _plain(value: Any) -> Any:
    """Line-numbered YAML nodes as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loading with ISO dates kept as strings, as the engine's own loader does."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: str(loader.construct_scalar(node)))


def _read(path: Path) -> Any:
    return _plain(yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader))


def _dump(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=4096))


# --- made-up names --------------------------------------------------------------------------------

class Names:
    """Unique pronounceable words that are no word of the real library and no real country."""

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.taken = set(taken)

    def word(self, syllables: int | None = None) -> str:
        for attempt in range(1_000_000):
            n = (syllables or self.rng.choice((2, 2, 3))) + attempt // 50  # longer once short words run out
            parts = [self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) for _ in range(n)]
            word = "".join(parts) + self.rng.choice(_CODAS)
            if len(word) >= 5 and word not in self.taken:
                self.taken.add(word)
                return word
        raise RuntimeError("no new word found")

    def entity(self, kind: str, original: str) -> tuple[str, list[str]]:
        """A new name for an entity of `kind` and the synonyms people would type for it."""
        if kind == "country":
            base = self.word(2)
            name = (base + self.rng.choice(_COUNTRY_SUFFIX)).capitalize()
            self.taken.add(name.lower())
            return name, [name.lower(), base]
        if kind == "person":
            first, last = self.word(2).capitalize(), self.word().capitalize()
            return f"{first} {last}", [f"{first} {last}".lower(), last.lower()]
        words = len(re.findall(r"[A-Za-z]+", original))
        name = " ".join(self.word().capitalize() for _ in range(2 if words > 2 else 1))
        synonyms = [name.lower()]
        if " " in name:
            synonyms.append(name.lower().split()[0])  # the short form: "Draven" for "Draven Kestrel"
        return name, synonyms


# --- text templates: where the entities and years stand in a string --------------------------------

@dataclass(frozen=True)
class Ent:
    entity: str
    lower: bool


Template = tuple[str | Ent | int, ...]


class Templater:
    """Find, once per string, the spans that name a mapped entity and the years; render them per clone."""

    def __init__(self, entities: list[dict[str, Any]], mapped: set[str]) -> None:
        forms: dict[str, str | None] = {}
        for ent in sorted(entities, key=lambda e: e["id"] not in mapped):  # mapped entities win ties
            for form in (ent["name"], ent["id"].replace("-", " "), *(ent.get("synonyms") or ())):
                form = str(form).strip()
                key = form.lower()
                if len(key) < 3 or key in forms:
                    continue
                forms[key] = ent["id"] if ent["id"] in mapped else None
        self.forms = forms
        # Words may be separated by spaces, dashes, dots or apostrophes in the text ("U.S.", "NATO-led").
        alternatives = []
        for key in sorted(forms, key=len, reverse=True):
            words = re.findall(r"[^\W_]+|[^\w\s]", key)
            alternatives.append(r"[\s\-.'’]*".join(re.escape(w) for w in words))
        self.pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.I)
        self._lookup = {self._squash(k): v for k, v in forms.items()}
        self.cache: dict[str, Template] = {}

    @staticmethod
    def _squash(text: str) -> str:
        return re.sub(r"[\s\-.'’]+", "", text.lower())

    def template(self, text: str) -> Template:
        if text in self.cache:
            return self.cache[text]
        out: list[str | Ent | int] = []
        at = 0
        for m in self.pattern.finditer(text):
            entity = self._lookup.get(self._squash(m[0]))
            if entity is None:
                continue
            out.extend(self._years(text[at:m.start()]))
            out.append(Ent(entity, m[0] == m[0].lower()))
            at = m.end()
        out.extend(self._years(text[at:]))
        self.cache[text] = tuple(out)
        return self.cache[text]

    @staticmethod
    def _years(text: str) -> Iterable[str | int]:
        at = 0
        for m in _YEAR.finditer(text):
            yield text[at:m.start()]
            yield int(m[0])
            at = m.end()
        yield text[at:]


@dataclass
class Clone:
    k: int
    shift: int
    names: dict[str, str]  # original entity id -> new display name
    ids: dict[str, str]  # original entity id -> new entity id
    templater: Templater

    def text(self, value: str) -> str:
        parts = []
        for part in self.templater.template(value):
            if isinstance(part, Ent):
                name = self.names[part.entity]
                parts.append(name.lower() if part.lower else name)
            elif isinstance(part, int):
                parts.append(str(part + self.shift))
            else:
                parts.append(part)
        return "".join(parts)

    def date(self, value: Any) -> str:
        m = _ISO.match(str(value).strip())
        if not m:
            raise ValueError(f"not an ISO date: {value!r}")
        year, rest = int(m[1]) + self.shift, m[2] or ""
        if rest == "-02-29" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            rest = "-02-28"
        return f"{year:04d}{rest}"

    def entity(self, eid: str) -> str:
        return self.ids.get(eid, eid)

    def section(self, sid: str) -> str:
        return f"syn{self.k:03d}.{sid}"

    def fact_id(self, fid: str) -> str:
        topic, _, rest = fid.partition(".")
        return f"{topic}.syn{self.k:03d}-{rest}"

    def doc(self) -> str:
        return f"syn_{self.k:03d}.txt"


# --- cloning records ------------------------------------------------------------------------------

def _clone_fields(c: Clone, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("date", "end_date"):
            out[key] = c.date(value)
        elif key == "number":
            nums = value if isinstance(value, list) else [value]
            cloned = [{**n, "unit": c.text(str(n.get("unit", "")))} if isinstance(n, dict) else n for n in nums]
            out[key] = cloned if isinstance(value, list) else cloned[0]
        elif key == "person":
            people = value if isinstance(value, list) else [value]
            cloned_p = [{k: c.text(str(v)) for k, v in p.items()} if isinstance(p, dict) else c.text(str(p))
                        for p in people]
            out[key] = cloned_p if isinstance(value, list) else cloned_p[0]
        elif key == "place":
            out[key] = [c.text(str(p)) for p in value] if isinstance(value, list) else c.text(str(value))
        elif key == "items":
            out[key] = [c.text(str(i)) for i in value]
        else:
            out[key] = value
    return out


def _clone_fact(c: Clone, fact: dict[str, Any], quotes: dict[str, list[str]]) -> dict[str, Any]:
    quote = c.text(fact["source"]["quote"])
    quotes.setdefault(fact["section"], []).append(quote)
    out: dict[str, Any] = {
        "id": c.fact_id(fact["id"]),
        "section": c.section(fact["section"]),
        "kind": fact["kind"],
        "answer": c.text(fact["answer"]),
        "questions": [c.text(q) for q in fact["questions"]],
        "entities": list(dict.fromkeys(c.entity(e) for e in fact["entities"])),
    }
    if fact.get("fields"):
        out["fields"] = _clone_fields(c, fact["fields"])
    out["source"] = {"quote": quote}
    if fact.get("note"):
        out["note"] = c.text(fact["note"])
    if fact.get("related"):
        out["related"] = [c.fact_id(r) for r in fact["related"]]
    return out


def _clone_table(c: Clone, tid: str, table: dict[str, Any], quotes: dict[str, list[str]]) -> tuple[str, Any]:
    kinds = {name: str(kind).rstrip("?") for name, kind in table["columns"].items()}
    rows = []
    for row in table["rows"]:
        new: dict[str, Any] = {}
        for key, value in row.items():
            if key == "doc" or value is None:
                new[key] = value if key != "doc" else None
            elif key == "quote":
                new[key] = c.text(str(value))
                quotes.setdefault(table["section"], []).append(new[key])
            elif kinds.get(key) == "date":
                new[key] = c.date(value)
            elif kinds.get(key) == "entity":
                new[key] = c.entity(str(value))
            elif kinds.get(key) == "str":
                new[key] = c.text(str(value))
            else:
                new[key] = value
        rows.append({k: v for k, v in new.items() if not (k == "doc" and v is None)})
    out = {k: v for k, v in table.items() if k not in ("rows", "doc", "section")}
    out["section"] = c.section(table["section"])
    out["rows"] = rows
    return f"{tid}_syn{c.k:03d}", out


def _seed_document(c: Clone, documents: list[dict[str, Any]], quotes: dict[str, list[str]],
                   as_of: str) -> tuple[str, dict[str, Any]]:
    """A synthetic seed whose sections hold the clone's quotes, one per line, and its index entry."""
    text = f"Synthetic library, clone {c.k}: benchmark data generated by benchmarks/make_corpus.py.\n\n"
    sections = []
    for doc in documents:
        for sec in doc["sections"]:
            lines = list(dict.fromkeys(quotes.get(sec["id"], [])))
            if not lines:
                continue
            start = len(text)
            text += f"{c.text(sec['title'])}\n" + "\n".join(lines) + "\n\n"
            sections.append({"id": c.section(sec["id"]), "page": c.text(sec["page"]), "title": c.text(sec["title"]),
                             "start": start, "end": len(text)})
    entry = {"id": f"syn{c.k:03d}", "file": c.doc(), "title": f"Synthetic library, clone {c.k}",
             "publisher": "benchmarks/make_corpus.py", "as_of": as_of,
             "as_of_note": "Synthetic: the real documents' date, shifted with every other year of this clone.",
             "sections": sections, "chars": len(text)}
    return text, entry


def generate(target: Path, scale: int = 100, seed: int = 6, source: Path = ROOT) -> dict[str, int]:
    """Write the scale-x library to `target` (replacing seeds/, intents/ and data/ there)."""
    target.mkdir(parents=True, exist_ok=True)
    for folder in ("seeds", "intents", "data"):
        shutil.rmtree(target / folder, ignore_errors=True)
        shutil.copytree(source / folder, target / folder)
    rng = random.Random(seed)

    canonical = _read(source / "intents" / "entities.yaml")["entities"]
    shared = {e["id"] for e in canonical if e["kind"] in SHARED_KINDS}
    entities = list(canonical)
    for path in sorted((source / "intents" / "entities").glob("*.yaml")):
        entities.extend(_read(path)["entities"])
    mapped = [e for e in entities if e["id"] not in shared]
    templater = Templater(entities, {e["id"] for e in mapped})

    index = _read(source / "seeds" / "index.yaml")
    documents = index["documents"]
    datafiles = [(p.stem, _read(p)) for p in sorted((source / "data").glob("*.yaml"))]

    taken = {w for p in (source / "seeds").glob("*.txt") for w in re.findall(r"[a-z]+", p.read_text().lower())}
    for _, data in datafiles:
        taken.update(re.findall(r"[a-z]+", _dump(data).lower()))
    try:
        import pycountry

        taken.update(w for c in pycountry.countries for w in re.findall(r"[a-z]+", c.name.lower()))
    except ImportError:  # pragma: no cover - pycountry is a dependency of the engine
        pass
    names = Names(rng, taken)

    new_entities: list[dict[str, Any]] = []
    index_entries: list[dict[str, Any]] = []
    counts = {"facts": 0, "rows": 0, "entities": 0, "documents": 0}
    shifts = [s for s in range(-25, 26) if s]
    as_of = str(documents[0]["as_of"])
    for k in range(1, scale):
        clone = Clone(k, rng.choice(shifts), {}, {}, templater)
        for ent in mapped:
            name, synonyms = names.entity(ent["kind"], ent["name"])
            new_id = f"syn{k:03d}-{ent['id']}"
            clone.names[ent["id"]], clone.ids[ent["id"]] = name, new_id
            record: dict[str, Any] = {"id": new_id, "name": name, "kind": ent["kind"], "synonyms": synonyms}
            if ent.get("status"):
                record["status"] = ent["status"]
            if ent.get("covered") is False:
                record["covered"] = False
            new_entities.append(record)
        quotes: dict[str, list[str]] = {}
        for stem, data in datafiles:
            facts = [_clone_fact(clone, f, quotes) for f in data.get("facts") or []]
            tables = dict(_clone_table(clone, tid, t, quotes) for tid, t in (data.get("tables") or {}).items())
            out: dict[str, Any] = {"topic": data["topic"], "doc": clone.doc(), "facts": facts}
            if tables:
                out["tables"] = tables
            header = f"# Synthetic clone {k} of data/{stem}.yaml (benchmarks/make_corpus.py); years shifted by " \
                     f"{clone.shift:+d}.\n"
            (target / "data" / f"syn{k:03d}-{stem}.yaml").write_text(header + _dump(out), encoding="utf-8")
            counts["facts"] += len(facts)
            counts["rows"] += sum(len(t["rows"]) for t in tables.values())
        text, entry = _seed_document(clone, documents, quotes, clone.date(as_of[:4]) + as_of[4:])
        (target / "seeds" / clone.doc()).write_text(text, encoding="utf-8")
        index_entries.append(entry)
    counts["entities"] = len(new_entities)
    counts["documents"] = len(index_entries)
    (target / "intents" / "entities" / "synthetic.yaml").write_text(
        "# Made-up entities of the synthetic clones (benchmarks/make_corpus.py).\n"
        + _dump({"entities": new_entities}), encoding="utf-8")
    # Append to the copied index, leaving the real documents' entries byte for byte as they are.
    with (target / "seeds" / "index.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# --- synthetic documents (benchmarks/make_corpus.py) ---\n")
        fh.write(_dump(index_entries))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, help="folder to write seeds/, intents/ and data/ into")
    parser.add_argument("--scale", type=int, default=100, help="library size as a multiple of the real one")
    parser.add_argument("--seed", type=int, default=6, help="random seed (the output is deterministic)")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.target.resolve() == ROOT:
        parser.error("refusing to overwrite the project's own data")
    counts = generate(args.target, args.scale, args.seed)
    print(f"{args.target}: {args.scale}x: +{counts['facts']} facts, +{counts['rows']} table rows, "
          f"+{counts['entities']} entities, +{counts['documents']} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
