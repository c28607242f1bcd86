"""Every validation rule, one broken snippet each, with the exact `file:line: record-id: message`."""

from __future__ import annotations

import pytest

from bot.engine.errors import DataError
from bot.engine.loader import compile_library, load_library
from tests.engine.conftest import DATA, MakeRoot


def problems(make_root: MakeRoot, **files: str) -> list[str]:
    library, found = compile_library(make_root(**files))
    assert library is None or not found
    return [str(p) for p in found]


def test_minimal_library_is_valid(make_root: MakeRoot) -> None:
    library, found = compile_library(make_root())
    assert found == []
    assert library is not None and [f.id for f in library.facts] == ["kgz.pfp"]


def test_unknown_key(make_root: MakeRoot) -> None:
    data = DATA.replace("    kind: date\n", "    kind: date\n    colour: blue\n")
    assert problems(make_root, data=data) == ["data/kgz.yaml:7: kgz.pfp: unknown key 'colour' in fact"]


def test_missing_key(make_root: MakeRoot) -> None:
    data = DATA.replace("    answer: Kyrgyzstan joined the Partnership for Peace in 1994.\n", "")
    assert problems(make_root, data=data) == ["data/kgz.yaml:4: kgz.pfp: missing key 'answer' in fact"]


def test_wrong_type(make_root: MakeRoot) -> None:
    data = DATA.replace("    entities: [kyrgyzstan, pfp]", "    entities: kyrgyzstan")
    assert problems(make_root, data=data) == ["data/kgz.yaml:9: kgz.pfp: entities must be a list of non-empty strings"]


def test_too_few_questions(make_root: MakeRoot) -> None:
    data = DATA.replace("kyrgyz pfp year, kyrgyzstan partnership for peace", "kyrgyz pfp year")
    assert problems(make_root, data=data) == ["data/kgz.yaml:8: kgz.pfp: needs at least 3 questions"]


def test_duplicate_id(make_root: MakeRoot) -> None:
    facts = DATA.split("facts:\n")[1]
    data = DATA + facts
    assert problems(make_root, data=data) == [
        "data/kgz.yaml:12: kgz.pfp: duplicate id (first defined at data/kgz.yaml:4)"]


def test_undeclared_entity(make_root: MakeRoot) -> None:
    data = DATA.replace("[kyrgyzstan, pfp]", "[kyrgyzstan, pfp, parp]")
    assert problems(make_root, data=data) == ["data/kgz.yaml:9: kgz.pfp: entity 'parp' is not declared in intents/"]


def test_quote_not_found_names_closest_passage(make_root: MakeRoot) -> None:
    data = DATA.replace("1994 Kyrgyzstan joins the Partnership for Peace.",
                        "1994 Kyrgyzstan joined the Partnership for Peace.")
    [message] = problems(make_root, data=data)
    assert message.startswith("data/kgz.yaml:11: kgz.pfp: quote not found in 900_test.txt; closest passage (")
    assert "'1994 Kyrgyzstan joins the Partnership for Peace" in message


def test_bad_date_field(make_root: MakeRoot) -> None:
    data = DATA.replace("fields: {date: 1994}", "fields: {date: 'spring 1994'}")
    [message] = problems(make_root, data=data)
    assert message.startswith("data/kgz.yaml:10: kgz.pfp: bad field: not an ISO date")


def test_table_row_ending_before_it_starts(make_root: MakeRoot) -> None:
    table = """\
tables:
  terms:
    title: Terms
    section: kgz.milestones
    columns:
      name: str
      start: date
      end: date?
    rows:
      - {name: A, start: 2001-05-01, end: 2000-01-01, quote: "1994 Kyrgyzstan joins"}
"""
    assert problems(make_root, data=DATA + table) == [
        "data/kgz.yaml:21: terms: row ends (2000-01-01) before it starts (2001-05-01)"]


def test_table_cell_type(make_root: MakeRoot) -> None:
    table = """\
tables:
  counts:
    title: Counts
    section: kgz.milestones
    columns: {n: int}
    rows:
      - {n: many, quote: "1994 Kyrgyzstan joins"}
"""
    assert problems(make_root, data=DATA + table) == [
        "data/kgz.yaml:18: counts: n: expected a whole number, got 'many'"]


def test_broken_yaml_names_file_and_line(make_root: MakeRoot) -> None:
    data = DATA.replace("    kind: date\n", "    kind: [date\n")
    found = problems(make_root, data=data)
    assert found[0].startswith("data/kgz.yaml:7: -: invalid YAML")
    assert len(found) == 1, "a file that does not parse is reported once, not again by what names its records"


def test_unknown_overview_fact(make_root: MakeRoot) -> None:
    command = "command: kgz\ntitle: K\ndescription: K\noverview: kgz.nothing\n"
    assert problems(make_root, command=command) == [
        "intents/commands/kgz.yaml:4: kgz: overview fact 'kgz.nothing' does not exist"]


def test_missing_seed_file(make_root: MakeRoot) -> None:
    index = (make_root().joinpath("seeds/index.yaml").read_text()).replace("900_test.txt", "901_missing.txt")
    found = problems(make_root, index=index)
    assert "seeds/index.yaml:3: 900: seed file '901_missing.txt' is missing or unreadable" in found


def test_every_problem_is_reported_not_only_the_first(make_root: MakeRoot) -> None:
    data = DATA.replace("    kind: date\n", "    kind: when\n").replace("[kyrgyzstan, pfp]", "[nowhere]")
    found = problems(make_root, data=data)
    assert len(found) == 2


def test_empty_data_directory_refuses_to_load(make_root: MakeRoot) -> None:
    root = make_root()
    (root / "data" / "kgz.yaml").unlink()
    with pytest.raises(DataError) as err:
        load_library(root)
    assert "no data files" in str(err.value)
