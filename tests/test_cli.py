"""The `natobot` command as other tools use it (DESIGN.md contract)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def natobot(*args: str, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env={**os.environ, **(env or {})})


def test_ask_prints_the_answer_and_its_source() -> None:
    result = natobot("ask", "when did Kyrgyzstan join PfP")
    assert result.returncode == 0
    assert "1994" in result.stdout and "“1994 Kyrgyzstan joins the Partnership for Peace.”" in result.stdout


def test_ask_json_reads_stdin_one_object_per_line_in_order() -> None:
    questions = ["when did Kyrgyzstan join PfP", "/kfor commanders", "best pizza in pristina", "", "  spaced  "]
    result = natobot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["q"] for line in lines] == questions
    first = lines[0]
    assert first["answered"] is True and first["fact_id"] and first["sources"][0]["doc"].startswith("002_")
    assert lines[2]["answered"] is False and lines[2]["fact_id"] is None
    assert all(len(line["suggestions"]) <= 3 for line in lines)


def test_ask_without_question_is_bad_usage() -> None:
    assert natobot("ask").returncode == 2
    assert natobot("frobnicate").returncode == 2


def test_validate_is_clean_on_the_built_in_data() -> None:
    result = natobot("validate")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("ok:")


def test_validate_reports_file_and_line_and_the_bot_refuses_to_start(tmp_path: Path) -> None:
    for part in ("seeds", "intents", "data"):
        shutil.copytree(ROOT / part, tmp_path / part)
    path = tmp_path / "data" / "kyrgyzstan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("1994 Kyrgyzstan joins the Partnership for Peace.",
                                                             "1994 Kyrgyzstan joined the PfP.", 1), encoding="utf-8")
    env = {"NATOBOT_ROOT": str(tmp_path), "NATOBOT_NO_CACHE": "1"}
    result = natobot("validate", env=env)
    assert result.returncode == 1
    assert "data/kyrgyzstan.yaml:" in result.stdout and "quote not found" in result.stdout
    asked = natobot("ask", "when did Kyrgyzstan join PfP", env=env)
    assert asked.returncode == 1 and "refusing to start" in asked.stderr and "Traceback" not in asked.stderr


def test_ask_and_chat_do_not_import_telegram() -> None:
    code = ("import sys, bot.cli; from bot.replies import respond; from bot.engine import Engine; "
            "respond(Engine.load(), 'kfor'); print('telegram' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_chat_answers_and_follows_up() -> None:
    result = natobot("chat", stdin="when did Kyrgyzstan join PfP\nand Kazakhstan?\n/quit\n")
    assert result.returncode == 0
    assert "1994" in result.stdout and "1995" in result.stdout


def test_extract_proposes_records_with_verbatim_quotes(tmp_path: Path) -> None:
    import yaml

    doc = tmp_path / "partner.txt"
    doc.write_text("NATO’s relations with Tajikistan The Individual Partnership Action Plan (IPAP) sets the "
                   "programme. The current NATO Contact Point Embassy in Tajikistan is the embassy of France. "
                   "Milestones in relations 1992 Tajikistan joins the North Atlantic Cooperation Council. "
                   "2002 Tajikistan joins the Partnership for Peace.\n", encoding="utf-8")
    result = natobot("extract", str(doc))
    assert result.returncode == 0
    records = yaml.safe_load(result.stdout)
    quotes = [f["source"]["quote"] for f in records["facts"]]
    assert "2002 Tajikistan joins the Partnership for Peace." in quotes
    assert any("embassy of France" in q for q in quotes)
    assert all(q in doc.read_text(encoding="utf-8") for q in quotes)
    assert all(len(f["questions"]) >= 3 for f in records["facts"])
