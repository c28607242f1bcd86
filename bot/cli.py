"""The `natobot` command. `ask` and `chat` never import python-telegram-bot, so they start fast."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engine.errors import DataError

if TYPE_CHECKING:
    from bot.engine import Engine


def _engine() -> Engine:
    from bot.engine import Engine

    return Engine.load()


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.replies import render_plain, respond

    engine = _engine()
    if args.question:
        answer = respond(engine, " ".join(args.question))
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else render_plain(answer))
        return 0
    if not args.json:
        print("natobot ask: give a QUESTION, or use --json to read questions from standard input", file=sys.stderr)
        return 2
    for line in sys.stdin:
        question = line.rstrip("\n").rstrip("\r")
        print(json.dumps(respond(engine, question).to_json(), ensure_ascii=False), flush=True)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.replies import render_plain, respond, start_text

    engine = _engine()
    print(start_text(engine))
    print("\n(Type a question; Ctrl-D or /quit to leave.)")
    context = None
    while True:
        try:
            line = input("\nyou> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.strip() in ("/quit", "/exit"):
            return 0
        answer = respond(engine, line, context)
        context = answer.context or context
        print("\nnatobot> " + render_plain(answer).replace("\n", "\n         "))


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.engine.loader import compile_library

    library, problems = compile_library(Path(args.root) if args.root else None)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    assert library is not None
    rows = sum(len(t.rows) for t in library.tables)
    print(f"ok: {len(library.documents)} documents, {len(library.facts)} facts, {len(library.tables)} tables "
          f"({rows} rows), {len(library.entities)} entities, {len(library.topics)} topics")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from bot.engine.extract import extract_paths

    return extract_paths(args.paths, sys.stdout)


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from bot.runner import run

    return run(list(argv))


def cmd_stats(argv: Sequence[str]) -> int:
    from bot.stats_cli import run

    return run(list(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="natobot", description="Short, sourced answers about NATO documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question (or, with --json, one per line of standard input)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("question", nargs="*", help="the question, as typed in a chat")
    sub.add_parser("chat", help="interactive terminal chat (no token needed)")
    val = sub.add_parser("validate", help="check seeds/, data/ and intents/")
    val.add_argument("--root", help=argparse.SUPPRESS)
    ext = sub.add_parser("extract", help="propose candidate fact records from plain-text documents")
    ext.add_argument("paths", nargs="+", help="plain-text documents")
    sub.add_parser("run", help="run the Telegram bot (see `natobot run --help`)", add_help=False)
    sub.add_parser("stats", help="usage report from the database (see `natobot stats --help`)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `run` and `stats` own their options; hand them the rest of the line untouched.
    if argv and argv[0] == "run":
        return cmd_run(argparse.Namespace(), argv[1:])
    if argv and argv[0] == "stats":
        return cmd_stats(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    handlers = {"ask": cmd_ask, "chat": cmd_chat, "validate": cmd_validate, "extract": cmd_extract}
    try:
        return handlers[args.command](args)
    except DataError as exc:
        print(f"natobot: the data is broken, refusing to start.\n{exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
