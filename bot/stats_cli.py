"""`natobot stats`: the usage report from the database, for operators and curators.

    natobot stats [--days N] [--json] [--db PATH]
    natobot stats --unanswered [--yaml | --json] [--limit N] [--days N] [--db PATH]

The database is `--db`, else `NATOBOT_DB`, else the default data-directory file; it is never created here.
Exit status: 0 report printed, 1 no usable database, 2 bad usage.
`--unanswered --yaml` prints the top unanswered questions as stub fact records (docs/data-format.md) for a
curator to complete and move into data/<topic>.yaml.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sqlite3
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

import yaml

from bot.storage.paths import Target, make_target, resolve_db_path
from bot.storage.report import Unanswered, build_stats, day_start, unanswered_rows
from bot.storage.schema import CURRENT_VERSION, SchemaTooNew, connect, describe_error, migrate, user_version


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits with 2; run() turns that into a return value
        self.print_usage(sys.stderr)
        print(f"natobot stats: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="natobot stats", description="Usage report from natobot's database.")
    p.add_argument("--days", type=int, default=None, help="report the last N days, today included (default 7)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--unanswered", action="store_true", help="list the top unanswered (declined) questions")
    p.add_argument("--yaml", action="store_true", help="with --unanswered: print stub fact records (YAML)")
    p.add_argument("--limit", type=int, default=20, help="with --unanswered: how many (default 20)")
    p.add_argument("--db", default=None, help="database file (default: $NATOBOT_DB or the data directory)")
    return p


def run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    if args.yaml and not args.unanswered:
        print("natobot stats: --yaml needs --unanswered", file=sys.stderr)
        return 2
    if args.yaml and args.json:
        print("natobot stats: choose --yaml or --json", file=sys.stderr)
        return 2
    if args.days is not None and not 1 <= args.days <= 3660:
        print("natobot stats: --days must be between 1 and 3660", file=sys.stderr)
        return 2
    if args.limit < 1:
        print("natobot stats: --limit must be >= 1", file=sys.stderr)
        return 2

    location = args.db or resolve_db_path()
    target = make_target(location)
    if target.file is not None and not target.file.is_file():
        print(
            f"natobot stats: no database at {target.display} (set NATOBOT_DB or pass --db; "
            "the bot creates it on its first start)",
            file=sys.stderr,
        )
        return 1
    now = time.time()
    try:
        conn = _open(target)
        try:
            if args.unanswered:
                since = None if args.days is None else day_start(now, args.days)[1]
                rows = unanswered_rows(conn, limit=args.limit, since_ts=since)
                out = None
            else:
                out = build_stats(conn, days=args.days or 7, now=now)
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        print(f"natobot stats: cannot read {target.display}: {describe_error(exc)}: {exc}", file=sys.stderr)
        return 1

    stdout = sys.stdout
    if out is not None:
        if args.json:
            json.dump(out, stdout, ensure_ascii=False, sort_keys=False)
            stdout.write("\n")
        else:
            _print_report(out, target.display, stdout)
    elif args.yaml:
        stdout.write(stub_records(rows, source=target.display, now=now))
    elif args.json:
        json.dump(
            [{"question": r.question, "count": r.count, "examples": list(r.examples)} for r in rows],
            stdout,
            ensure_ascii=False,
        )
        stdout.write("\n")
    else:
        if not rows:
            print("no unanswered questions", file=stdout)
        for r in rows:
            print(f"{r.count:6d}  {r.question}", file=stdout)
    stdout.flush()
    return 0


def _open(target: Target) -> sqlite3.Connection:
    """Read-only, except that an older schema is upgraded first (as the bot would on its next start)."""
    conn = connect(target, busy_timeout_ms=2000)
    try:
        version = user_version(conn)
        if version > CURRENT_VERSION:
            raise SchemaTooNew(f"database schema v{version} is newer than this natobot (v{CURRENT_VERSION})")
        if 0 < version < CURRENT_VERSION:
            try:
                migrate(conn)
            except sqlite3.OperationalError as exc:  # read-only copy: report from the old schema
                print(f"natobot stats: could not upgrade the schema ({exc}); reading it as is", file=sys.stderr)
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _pct(part: int, total: int) -> str:
    return f"{100 * part / total:.0f}%" if total else "-"


def _print_report(r: dict[str, Any], where: str, out: TextIO) -> None:
    t = r["totals"]
    n = t["questions"]
    last_day = r["per_day"][-1]["day"] if r["per_day"] else r["since"]
    w = out.write
    w(f"natobot usage, last {r['days']} day(s): {r['since']} .. {last_day} (UTC) — {where}\n")
    w(
        f"questions: {n}   answered {t['answered']} ({_pct(t['answered'], n)})   "
        f"clarify {t['clarify']} ({_pct(t['clarify'], n)})   "
        f"declined {t['declined']} ({_pct(t['declined'], n)})\n"
    )
    kinds = ", ".join(f"{k} {v}" for k, v in r["chat_types"].items()) or "none"
    w(f"chats: {r['distinct_chats']}   users: {r['distinct_users']}   by chat type: {kinds}\n\n")
    w(f"{'day':<12}{'questions':>10}{'answered':>10}{'clarify':>10}{'declined':>10}\n")
    for d in r["per_day"]:
        w(f"{d['day']:<12}{d['questions']:>10}{d['answered']:>10}{d['clarify']:>10}{d['declined']:>10}\n")
    w("\ntop questions\n")
    for q in r["top_questions"] or []:
        fact = f"  -> {q['fact_id']}" if q["fact_id"] else ""
        w(f"{q['count']:6d}  {q['question']}{fact}\n")
    if not r["top_questions"]:
        w("     -\n")
    w("\ntop unanswered (declined, not answered since)\n")
    for q in r["top_unanswered"]:
        w(f"{q['count']:6d}  {q['question']}   (last {q['last_asked']})\n")
    if not r["top_unanswered"]:
        w("     -\n")
    w("\nfeedback per fact (helpful / not helpful)\n")
    for f in r["feedback"]:
        w(f"{f['up']:6d} {f['down']:6d}  {f['fact_id']}\n")
    if not r["feedback"]:
        w("     -\n")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].strip("-")
    return slug or "question"


def stub_records(rows: Sequence[Unanswered], *, source: str, now: float) -> str:
    """YAML stub fact records, most asked first, each preceded by a comment saying how often it was asked."""
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# natobot stats --unanswered --yaml: {len(rows)} unanswered question(s) from {source}, {stamp}.",
        "# Stub records (docs/data-format.md): for each one worth answering, rename the id to",
        "# <topic>.<slug>, fill in section, kind, answer, entities and source.quote (verbatim from the",
        "# seed), give it at least three questions, move it into data/<topic>.yaml, then run",
        "# `natobot validate` and /reload.",
    ]
    if not rows:
        lines.append("facts: []")
        return "\n".join(lines) + "\n"
    lines.append("facts:")
    seen: set[str] = set()
    for r in rows:
        base = f"todo.{_slug(r.question)}"
        ident, i = base, 2
        while ident in seen:
            ident, i = f"{base}-{i}", i + 1
        seen.add(ident)
        questions: list[str] = []
        for q in (r.question, *r.examples):
            q = " ".join(q.split()).lower()
            if q and q not in questions:
                questions.append(q)
        record = {
            "id": ident,
            "section": "TODO",
            "kind": "TODO",
            "answer": "TODO",
            "questions": questions,
            "entities": [],
            "source": {"doc": "TODO", "quote": "TODO"},
        }
        last = dt.datetime.fromtimestamp(r.last_ts, dt.UTC).date().isoformat()
        lines.append(f"  # declined {r.count} time(s), last on {last}")
        dumped = yaml.safe_dump([record], sort_keys=False, allow_unicode=True, width=1000)
        lines.extend("  " + line for line in dumped.splitlines())
    return "\n".join(lines) + "\n"


def main() -> int:  # `python -m bot.stats_cli`, handy before the lead's CLI wires `natobot stats`
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
