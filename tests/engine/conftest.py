"""Fixtures for engine tests: the real library, and tiny libraries built in a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import Engine

SEED = "1994 Kyrgyzstan joins the Partnership for Peace. The embassy of Germany is the contact point.\n"
INDEX = """\
documents:
  - id: '900'
    file: 900_test.txt
    title: Test page
    publisher: Test
    as_of: '2013'
    as_of_note: test
    sections:
      - {id: kgz.milestones, page: Test page, title: Milestones, start: 0, end: 92}
"""
ENTITIES = """\
entities:
  - {id: kyrgyzstan, name: Kyrgyzstan, kind: country, status: partner, synonyms: [kyrgyz republic]}
  - {id: pfp, name: Partnership for Peace, kind: programme, synonyms: [pfp]}
"""
DATA = """\
topic: kgz
doc: 900_test.txt
facts:
  - id: kgz.pfp
    section: kgz.milestones
    kind: date
    answer: Kyrgyzstan joined the Partnership for Peace in 1994.
    questions: [when did kyrgyzstan join pfp, kyrgyz pfp year, kyrgyzstan partnership for peace]
    entities: [kyrgyzstan, pfp]
    fields: {date: 1994}
    source: {quote: 1994 Kyrgyzstan joins the Partnership for Peace.}
"""
COMMAND = """\
command: kgz
title: Kyrgyzstan
description: Kyrgyzstan and NATO
overview: kgz.pfp
"""

MakeRoot = Callable[..., Path]


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(cache=False)


@pytest.fixture
def make_root(tmp_path: Path) -> MakeRoot:
    """A minimal valid library; pass file contents to override any part, e.g. data="..."."""

    def make(**files: str) -> Path:
        contents = {
            "seeds/900_test.txt": SEED, "seeds/index.yaml": INDEX, "intents/entities.yaml": ENTITIES,
            "intents/commands.yaml": "meta:\n  help: Help\n", "intents/commands/kgz.yaml": COMMAND,
            "data/kgz.yaml": DATA,
        }
        aliases = {"data": "data/kgz.yaml", "entities": "intents/entities.yaml", "index": "seeds/index.yaml",
                   "command": "intents/commands/kgz.yaml"}
        for key, text in files.items():
            contents[aliases.get(key, key)] = text
        for rel, text in contents.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path

    return make
