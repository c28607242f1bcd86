"""Settings from the environment, read once (DESIGN.md, "Environment").

The token is kept out of ``repr`` and of every log line: :func:`redact` replaces it wherever it appears.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DEFAULT_LOG_LEVEL = "INFO"


class SettingsError(ValueError):
    """A variable is set to something unusable; the message names the variable."""


def default_db_path(environ: Mapping[str, str]) -> Path:
    """A file in the user's data directory (XDG_DATA_HOME, else ~/.local/share)."""
    base = environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "natobot" / "natobot.db"


def _admin_ids(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise SettingsError(f"NATOBOT_ADMIN_IDS: {part!r} is not a Telegram user id") from None
    return frozenset(ids)


def _db(raw: str, env: Mapping[str, str]) -> str:
    if raw.startswith("file:") or raw == ":memory:":
        return raw
    return str(Path(raw or default_db_path(env)).expanduser())


def _log_level(raw: str) -> str:
    level = raw.strip().upper() or DEFAULT_LOG_LEVEL
    if not isinstance(logging.getLevelName(level), int):
        raise SettingsError(f"NATOBOT_LOG_LEVEL: unknown level {raw!r}")
    return level


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    db: str = field(default_factory=lambda: str(default_db_path(os.environ)))  # a path or an SQLite file: URI
    admin_ids: frozenset[int] = frozenset()
    log_level: str = DEFAULT_LOG_LEVEL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        base_url = env.get("TELEGRAM_API_BASE_URL", "").strip().rstrip("/") or None
        db = env.get("NATOBOT_DB", "").strip()
        return cls(
            token=token,
            api_base_url=base_url,
            db=_db(db, env),
            admin_ids=_admin_ids(env.get("NATOBOT_ADMIN_IDS", "")),
            log_level=_log_level(env.get("NATOBOT_LOG_LEVEL", DEFAULT_LOG_LEVEL)),
        )

    def redact(self, text: str) -> str:
        """``text`` with the token (and its secret half alone) replaced by a placeholder."""
        if not self.token:
            return text
        text = text.replace(self.token, "[token]")
        secret = self.token.partition(":")[2]
        return text.replace(secret, "[token]") if len(secret) >= 8 else text


@cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
