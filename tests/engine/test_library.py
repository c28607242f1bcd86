"""The curated library itself: traceable quotes, every section covered, complete tables."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.engine import Engine


def test_every_quote_is_verbatim_in_its_seed(engine: Engine) -> None:
    for fact in engine.library.facts:
        doc = engine.library.document(fact.source.doc)
        assert doc is not None and fact.source.quote in doc.text, fact.id
    for table in engine.library.tables:
        for row in table.rows:
            doc = engine.library.document(row.source.doc)
            assert doc is not None and row.source.quote in doc.text, (table.id, row.line)


def test_every_section_of_every_seed_has_records(engine: Engine) -> None:
    used = {f.section for f in engine.library.facts}
    sections = [s.id for d in engine.library.documents for s in d.sections]
    assert len(sections) >= 40
    assert [s for s in sections if s not in used] == []


def test_seed_copies_are_byte_for_byte(engine: Engine) -> None:
    import hashlib
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    for doc in engine.library.documents:
        ours = (Path(__file__).resolve().parents[2] / "seeds" / doc.file).read_bytes()
        if (shared / doc.file).exists():
            assert hashlib.sha256(ours).digest() == hashlib.sha256((shared / doc.file).read_bytes()).digest()
        assert ours.decode("utf-8") == doc.text


def test_kfor_commanders_table_is_complete_and_ordered(engine: Engine) -> None:
    table = engine.table("kfor_commanders")
    assert table is not None
    rows = table.rows
    assert len(rows) == 18
    assert rows[0].get("name") == "Sir Michael Jackson" and rows[-1].get("name") == "Salvatore Farina"
    assert rows[-1].get("end") is None  # "Present" as of 2013
    for before, after in itertools.pairwise(rows):
        end = before.get("end").first()
        start = after.get("start").first()
        assert start >= before.get("start").first()
        # one commander hands over to the next on the same day, or the next day: no gaps, no overlaps
        assert dt.timedelta(0) <= start - end <= dt.timedelta(days=1), (before.get("name"), after.get("name"))


def test_kfor_commanders_by_nationality(engine: Engine) -> None:
    table = engine.table("kfor_commanders")
    assert table is not None
    counts: dict[str, int] = {}
    for row in table.rows:
        counts[row.get("nationality")] = counts.get(row.get("nationality"), 0) + 1
    assert counts == {"germany": 7, "italy": 5, "france": 3, "united-kingdom": 1, "spain": 1, "norway": 1}


def test_partner_timelines_cover_every_milestone_line(engine: Engine) -> None:
    from bot.engine.extract import milestone_lines

    for country in ("kazakhstan", "kyrgyzstan"):
        table = engine.table(f"{country}_milestones")
        assert table is not None
        doc = engine.library.document(table.rows[0].source.doc)
        assert doc is not None
        section = engine.library.section(f"{country}.milestones")
        assert section is not None
        start, end = section.spans[0]
        lines = [q for off, q, _ in milestone_lines(doc.text) if start <= off < end]
        quotes = " ".join(r.source.quote for r in table.rows)
        missing = [line for line in lines if line[5:25] not in quotes and line[:30] not in quotes]
        assert missing == [], country
        joined = {r.get("joins") for r in table.rows if r.get("joins")}
        assert {"nacc", "pfp", "parp"} <= joined


def test_troop_levels_are_dated_and_positive(engine: Engine) -> None:
    table = engine.table("kfor_troops")
    assert table is not None and len(table.rows) >= 7
    assert all(r.get("troops") > 0 for r in table.rows)
    assert max(r.get("troops") for r in table.rows) == 50000
