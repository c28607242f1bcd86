#!/usr/bin/env python3
"""Container/host health check for natobot: exit 0 when healthy, 1 otherwise (one line on stdout).

Healthy means the running bot's storage writer updated `meta.heartbeat` in the database recently. The writer
does that every 60 s, so a fresh heartbeat proves that the bot's event loop is alive and that the database
is writable. A locked, read-only, full or corrupt database does not stop the bot from answering, but it
stops the heartbeat: the check then fails, which is how an operator notices.

Environment: NATOBOT_DB (as for the bot), NATOBOT_HEALTH_MAX_AGE (seconds, default 300).
Standard library only; opens the database read-only and never creates it.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import quote


def db_path() -> str:
    value = os.environ.get("NATOBOT_DB", "").strip()
    if value:
        return value
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return str(root / "natobot" / "natobot.db")


def main() -> int:
    max_age = float(os.environ.get("NATOBOT_HEALTH_MAX_AGE", "300"))
    path = db_path()
    if path.startswith("file:"):
        uri = path
    else:
        if not Path(path).is_file():
            print(f"unhealthy: no database at {path} yet")
            return 1
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'heartbeat'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        print(f"unhealthy: cannot read {path}: {exc}")
        return 1
    if row is None:
        print("unhealthy: no heartbeat yet")
        return 1
    age = time.time() - float(row[0])
    if age > max_age:
        print(f"unhealthy: last heartbeat {age:.0f}s ago (database not writable, or the bot is stuck)")
        return 1
    print(f"healthy: heartbeat {age:.0f}s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main())
