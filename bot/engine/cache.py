"""A compiled-engine cache, so a cold `natobot ask` answers in well under half a second.

The key covers every input file (path, size, modification time) and the engine's own source, so any edit to
seeds/, intents/, data/ or bot/engine/ rebuilds it. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine.core import Engine

_INPUTS = ("seeds", "intents", "data")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "natobot"


def cache_key(root: Path) -> str:
    digest = hashlib.sha256()
    code = Path(__file__).resolve().parent
    files = [p for d in _INPUTS for p in sorted((root / d).rglob("*")) if p.is_file()]
    files += sorted(code.glob("*.py"))
    for path in files:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def load_cached(root: Path) -> Engine | None:
    if os.environ.get("NATOBOT_NO_CACHE"):
        return None
    try:
        path = cache_dir() / f"engine-{cache_key(root)}.pickle"
        with path.open("rb") as fh:
            engine: Engine = pickle.load(fh)
        return engine
    except Exception:
        return None


def store(root: Path, engine: Engine) -> None:
    if os.environ.get("NATOBOT_NO_CACHE"):
        return
    try:
        directory = cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"engine-{cache_key(root)}.pickle"
        for old in directory.glob("engine-*.pickle"):
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, delete=False) as fh:
            pickle.dump(engine, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, target)
    except (OSError, pickle.PicklingError, RecursionError):
        return
