"""The extractor proposes records from a document it has never seen, and they validate once reviewed."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.engine import Engine
from bot.engine.extract import extract, milestone_lines, to_records
from bot.engine.loader import compile_library
from tests.engine.conftest import MakeRoot


def test_every_milestone_line_of_the_partner_timelines_is_proposed(engine: Engine) -> None:
    doc = engine.library.document("002")
    assert doc is not None
    proposed = {c.quote for c in extract(doc.text)}
    for country in ("kazakhstan", "kyrgyzstan"):
        section = engine.library.section(f"{country}.milestones")
        assert section is not None
        lines = [q for off, q, _ in milestone_lines(doc.text) if section.spans[0][0] <= off < section.spans[0][1]]
        assert len(lines) >= 13
        assert all(line in proposed for line in lines)
        table = engine.table(f"{country}_milestones")
        assert table is not None
        for row in table.rows:  # each curated milestone rests on a line the extractor proposed
            assert any(row.source.quote in line or line in row.source.quote for line in lines), row.source.quote


def test_recall_against_the_curated_records(engine: Engine) -> None:
    hit = 0
    spans = {d.file: [(d.text.find(c.quote), d.text.find(c.quote) + len(c.quote)) for c in extract(d.text)]
             for d in engine.library.documents}
    for fact in engine.library.facts:
        a, b = fact.source.start, fact.source.start + len(fact.source.quote)
        hit += any(x < b and a < y for x, y in spans[fact.source.doc])
    assert hit / engine.fact_count >= 0.5


def test_extracted_records_pass_validation_once_placed(make_root: MakeRoot, tmp_path: Path) -> None:
    root = make_root()
    seed = root / "seeds" / "900_test.txt"
    records = to_records(seed, seed.read_text(encoding="utf-8"), extract(seed.read_text(encoding="utf-8")))
    assert records["facts"]
    for fact in records["facts"]:  # what a curator does: name the section and the topic
        fact["section"] = "kgz.milestones"
        fact["id"] = "kgz." + fact["id"].split(".", 1)[1]
    records["topic"] = "kgz"
    (root / "data" / "extracted.yaml").write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    library, problems = compile_library(root)
    assert [str(p) for p in problems] == []
    assert library is not None and len(library.facts) == 1 + len(records["facts"])
