"""`natobot stats`: what an operator and a curator see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot import stats_cli
from bot.storage import Storage

from .conftest import FAST, ask


async def _fill(path: Path) -> None:
    async with await Storage.open(path, **FAST) as storage:
        ask(storage, 3)  # answered
        ask(storage, 4, status="declined", text="Who leads NATO?", normalised="who leads nato")
        ask(storage, 1, status="declined", text="who leads NATO now", normalised="who leads nato")
        ask(
            storage,
            2,
            status="declined",
            text="What is the NRF: the response force?",
            normalised="what is the nrf the response force",
        )
        ask(storage, 1, status="clarify", text="kfor", normalised="kfor")
        storage.record_feedback(chat_id=1, user_id=1, fact_id="kazakhstan.pfp-joined", vote=1, question_ref=None)


async def test_json_report(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _fill(db_path)
    assert stats_cli.run(["--db", str(db_path), "--json", "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object on one line
    report = json.loads(out)
    assert report["days"] == 3 and len(report["per_day"]) == 3
    assert report["totals"] == {"questions": 11, "answered": 3, "clarify": 1, "declined": 7}
    assert report["top_unanswered"][0]["question"] == "who leads nato" and report["top_unanswered"][0]["count"] == 5
    assert report["feedback"] == [{"fact_id": "kazakhstan.pfp-joined", "up": 1, "down": 0}]


async def test_text_report_uses_natobot_db(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _fill(db_path)
    monkeypatch.setenv("NATOBOT_DB", str(db_path))
    assert stats_cli.run([]) == 0
    out = capsys.readouterr().out
    assert "last 7 day(s)" in out
    assert "questions: 11" in out and "answered 3 (27%)" in out and "declined 7 (64%)" in out
    assert "who leads nato" in out and "kazakhstan.pfp-joined" in out


async def test_unanswered_as_stub_records(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _fill(db_path)
    assert stats_cli.run(["--db", str(db_path), "--unanswered", "--yaml"]) == 0
    out = capsys.readouterr().out
    assert "# declined 5 time(s)" in out
    doc = yaml.safe_load(out)
    facts = doc["facts"]
    assert [f["id"] for f in facts] == ["todo.who-leads-nato", "todo.what-is-the-nrf-the-response-force"]
    first = facts[0]
    # The fields of a fact record (docs/data-format.md), to be completed by the curator.
    assert set(first) == {"id", "section", "kind", "answer", "questions", "entities", "source"}
    assert first["questions"] == ["who leads nato", "who leads nato?", "who leads nato now"]
    assert first["source"] == {"doc": "TODO", "quote": "TODO"}
    # A colon in a question survives the YAML round trip.
    assert facts[1]["questions"][1] == "what is the nrf: the response force?"


async def test_unanswered_plain_and_json(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _fill(db_path)
    assert stats_cli.run(["--db", str(db_path), "--unanswered", "--limit", "1"]) == 0
    assert capsys.readouterr().out.split() == ["5", "who", "leads", "nato"]
    assert stats_cli.run(["--db", str(db_path), "--unanswered", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["question"], r["count"]) for r in rows] == [
        ("who leads nato", 5),
        ("what is the nrf the response force", 2),
    ]


def test_missing_database_is_reported_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope" / "natobot.db"
    assert stats_cli.run(["--db", str(path)]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not path.exists() and not path.parent.exists()


def test_corrupt_database_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "natobot.db"
    path.write_bytes(b"\x00garbage" * 1000)
    assert stats_cli.run(["--db", str(path), "--json"]) == 1
    assert "corrupt" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["--yaml"], ["--days", "0"], ["--unanswered", "--yaml", "--json"], ["--bogus"], ["--limit", "0"]],
)
def test_bad_usage_exits_2(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert stats_cli.run(["--db", str(tmp_path / "x.db"), *argv]) == 2
    assert "natobot stats" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert stats_cli.run(["--help"]) == 0
    assert "--unanswered" in capsys.readouterr().out


async def test_empty_database(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with await Storage.open(db_path, **FAST):
        pass
    assert stats_cli.run(["--db", str(db_path), "--unanswered", "--yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == {"facts": []}
    assert stats_cli.run(["--db", str(db_path)]) == 0
    assert "questions: 0" in capsys.readouterr().out
