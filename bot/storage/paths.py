"""Where the database lives, and how a path or URI becomes an SQLite connection target."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

DB_ENV = "NATOBOT_DB"
SALT_ENV = "NATOBOT_HASH_SALT"
RETENTION_ENV = "NATOBOT_RETENTION_DAYS"


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME/natobot/natobot.db`, or `~/.local/share/natobot/natobot.db`."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "natobot" / "natobot.db"


def resolve_db_path(environ: Mapping[str, str] | None = None) -> str:
    """`NATOBOT_DB` when set (a path, `~` expanded, or an SQLite `file:` URI), else `default_db_path()`."""
    env = os.environ if environ is None else environ
    value = env.get(DB_ENV, "").strip()
    if not value:
        return str(default_db_path(env))
    if value.startswith("file:") or value == ":memory:":
        return value
    return str(Path(value).expanduser())


def retention_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """`NATOBOT_RETENTION_DAYS`: unset or empty keeps question text forever; otherwise a whole number >= 0."""
    env = os.environ if environ is None else environ
    raw = env.get(RETENTION_ENV, "").strip()
    if not raw:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{RETENTION_ENV} must be a whole number of days, not {raw!r}") from None
    if days < 0:
        raise ValueError(f"{RETENTION_ENV} must be >= 0, not {days}")
    return days


@dataclass(frozen=True)
class Target:
    """How to reach the database: `database` and `uri` are `sqlite3.connect` arguments."""

    database: str
    uri: bool
    file: Path | None  # the file on disk, when there is one (None for in-memory databases)

    @property
    def display(self) -> str:
        """For log lines and messages: the file path, or the URI."""
        return str(self.file) if self.file is not None else self.database


def make_target(path: str | Path) -> Target:
    """A plain path, an SQLite URI (`file:/srv/natobot.db?mode=ro`), or `:memory:`.

    `:memory:` becomes a named shared-cache in-memory database so that the writer and the readers (separate
    connections) see the same data; it lives as long as one connection to it is open.
    """
    if isinstance(path, Path):
        return Target(str(path), False, path)
    if path == ":memory:":
        return Target(f"file:natobot-{uuid.uuid4().hex}?mode=memory&cache=shared", True, None)
    if path.startswith("file:"):
        parts = urlsplit(path)
        if "mode=memory" in parts.query or not parts.path:
            return Target(path, True, None)
        return Target(path, True, Path(unquote(parts.path)))
    return Target(path, False, Path(path))
