"""deploy/: the health check really reflects the storage writer, and the files say what the README promises.

Docker is not run here: the Dockerfile and compose files are checked by reading them.
"""

from __future__ import annotations

import configparser
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import yaml

from bot.storage import Storage

from .conftest import FAST

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _healthcheck(db: Path | str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATOBOT_")}
    env["NATOBOT_DB"] = str(db)
    return subprocess.run(
        [sys.executable, str(DEPLOY / "healthcheck.py")], env=env, capture_output=True, text=True, timeout=30
    )


async def test_healthcheck_follows_the_heartbeat(db_path: Path) -> None:
    assert _healthcheck(db_path).returncode == 1  # no database yet
    storage = await Storage.open(db_path, **{**FAST, "heartbeat_interval": 60.0})
    try:
        result = _healthcheck(db_path)
        assert result.returncode == 0, result.stdout
        assert result.stdout.startswith("healthy")
    finally:
        await storage.close()
    with closing(sqlite3.connect(db_path)) as conn, conn:  # a writer stuck for ten minutes
        conn.execute("UPDATE meta SET value = value - 600 WHERE key = 'heartbeat'")
    result = _healthcheck(db_path)
    assert result.returncode == 1 and "heartbeat" in result.stdout


def test_healthcheck_on_a_corrupt_database(tmp_path: Path) -> None:
    db = tmp_path / "natobot.db"
    db.write_bytes(b"\x01" * 8192)
    result = _healthcheck(db)
    assert result.returncode == 1 and "cannot read" in result.stdout


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in text.splitlines() if line and not line[0].isspace() and line[0] != "#"]
    assert instructions[0] == "FROM" and "FROM python:3.11-slim" in text
    assert re.search(r"^USER natobot$", text, re.M)  # non-root from here on
    assert instructions.index("USER") < instructions.index("CMD")
    assert 'VOLUME ["/var/lib/natobot"]' in text and "NATOBOT_DB=/var/lib/natobot/natobot.db" in text
    assert "HEALTHCHECK" in instructions and "/app/deploy/healthcheck.py" in text
    assert re.search(r'^CMD \["natobot", "run"\]$', text, re.M)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".git", ".venv", "**/*.db", "**/.env"} <= set(ignore)


def test_compose_files() -> None:
    base = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    svc = base["services"]["natobot"]
    assert svc["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert "natobot-data:/var/lib/natobot" in svc["volumes"] and "natobot-data" in base["volumes"]
    assert svc["env_file"] == ".env" and svc["restart"] == "unless-stopped"
    webhook = yaml.safe_load((DEPLOY / "compose.webhook.yaml").read_text())
    command = webhook["services"]["natobot"]["command"]
    assert command[:2] == ["natobot", "run"] and "--secret-token" in command and "--webhook-url" in command
    assert "ports" not in webhook["services"]["natobot"]  # only the proxy is published
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "X-Telegram-Bot-Api-Secret-Token {$WEBHOOK_SECRET}" in caddy


def test_systemd_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "natobot.service").read_text())
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["ExecStart"].endswith("natobot run")
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ReadWritePaths": "/var/lib/natobot",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "User": "natobot",
    }.items():
        assert service[key] == value, key


def test_env_example_has_no_real_secrets() -> None:
    values = dict(
        line.split("=", 1)
        for line in (DEPLOY / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert "REPLACE-ME" in values["TELEGRAM_BOT_TOKEN"]
    assert not re.fullmatch(r"\d+:[A-Za-z0-9_-]{35}", values["TELEGRAM_BOT_TOKEN"])
    assert {"NATOBOT_ADMIN_IDS", "NATOBOT_LOG_LEVEL", "NATOBOT_RETENTION_DAYS"} <= set(values)
