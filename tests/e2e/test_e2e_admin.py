"""Admin commands over the Bot API stand-in: hidden from everyone else, and the curation loop end to end
(a declined question shows up in /unanswered; a record added on disk and /reload make it answerable without a
restart; a broken data file is refused with file:line and the old data keeps answering)."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.chat.app import build_application
from bot.chat.flood import FloodGuard
from bot.chat.texts import UNKNOWN_COMMAND

from .botapi import BotAPIStandIn, private_chat, user, wait_until
from .conftest import fast_limiter, running, settings_for

REPO = Path(__file__).resolve().parents[2]
ANN = user()  # an ordinary user
ANN_CHAT = private_chat(ANN)
ADMIN = user(4242, "Ada", "ada_admin")
ADMIN_CHAT = private_chat(ADMIN)
RELOAD_TIMEOUT = 30  # a full Engine.load(cache=False) takes a few seconds

DECLINED = "who handles bomb disposal in kosovo"
NEW_RECORD = """
  - id: kosovo.ksf-bomb-disposal
    section: kosovo.ksf
    kind: relation
    answer: >-
      Bomb disposal (explosive ordnance disposal) in Kosovo is a task of the Kosovo Security Force (KSF), which
      has primary responsibility for security tasks not appropriate for the police.
    questions:
      - who handles bomb disposal in kosovo
      - who clears unexploded bombs in kosovo
      - kosovo bomb disposal
    entities: [ksf, kosovo]
    source:
      quote: "explosive ordnance disposal, management of hazardous material"
    related: [kosovo.ksf-responsibilities]
"""
BROKEN_RECORD = """
  - id: kosovo.broken-record
    section: kosovo.ksf
    kind: rumour
    answer: This record is broken on purpose.
    questions: [broken one, broken two, broken three]
    entities: [ksf]
    source:
      quote: "KFOR"
"""

Bot = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def admin_bot(api: BotAPIStandIn, engine: Any, tmp_path: Path) -> AsyncIterator[Bot]:
    settings = replace(settings_for(api, tmp_path), admin_ids=frozenset({ADMIN["id"]}))
    app = build_application(settings, engine, flood=FloodGuard(limit=1000), rate_limit=fast_limiter())
    async with running(app):
        yield app


async def nth_reply(api: BotAPIStandIn, chat: Any, n: int, timeout: float = 5.0) -> str:
    """The text of the bot's n-th message (1-based) in ``chat``, waiting for it."""
    msgs = await wait_until(
        lambda: len(api.bot_messages(chat["id"])) >= n and api.bot_messages(chat["id"]), timeout, f"reply {n}"
    )
    return str(msgs[n - 1]["text"])


async def test_non_admin_gets_the_unknown_command_reply_and_menus_hide_admin_commands(
    api: BotAPIStandIn, admin_bot: Bot
) -> None:
    for n, command in enumerate(["/weather", "/stats", "/unanswered", "/reload", "/unanswered 5"], 1):
        api.message(ANN_CHAT, ANN, command)
        assert await nth_reply(api, ANN_CHAT, n) == UNKNOWN_COMMAND, command
    assert len(api.bot_messages(ANN_CHAT["id"])) == 5
    menus = api.commands
    assert menus, "the command menus were published"
    assert not {c["command"] for cmds in menus.values() for c in cmds} & {"stats", "unanswered", "reload"}


async def test_admin_unanswered_lists_a_question_declined_earlier_and_stats_counts_it(
    api: BotAPIStandIn, admin_bot: Bot
) -> None:
    api.message(ANN_CHAT, ANN, DECLINED.replace("kosovo", "Kosovo"))  # listed in normalised form
    assert "Bomb disposal" not in await nth_reply(api, ANN_CHAT, 1)
    api.message(ANN_CHAT, ANN, "when did Kazakhstan join PfP")
    assert "1995" in await nth_reply(api, ANN_CHAT, 2)

    api.message(ADMIN_CHAT, ADMIN, "/unanswered")
    listing = await nth_reply(api, ADMIN_CHAT, 1)
    assert listing.startswith("Top unanswered questions") and f"1. {DECLINED} — 1×" in listing
    assert "kazakhstan" not in listing

    api.message(ADMIN_CHAT, ADMIN, "/stats")
    report = await nth_reply(api, ADMIN_CHAT, 2)
    assert "Questions: 2 — answered 50%, clarified 0%, declined 50%" in report
    assert "Unanswered: 1" in report and "Storage: ok" in report and "facts" in report


async def test_curation_loop_new_record_and_reload_then_a_broken_file_is_refused(
    api: BotAPIStandIn, engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "library"
    for name in ("seeds", "intents", "data"):
        shutil.copytree(REPO / name, root / name)
    monkeypatch.setenv("NATOBOT_ROOT", str(root))  # what /reload's Engine.load(cache=False) reads
    settings = replace(settings_for(api, tmp_path), admin_ids=frozenset({ADMIN["id"]}))
    # The bot starts on the session engine: the same files as the copy, so the first (slow) load is shared.
    app = build_application(settings, engine, flood=FloodGuard(limit=1000), rate_limit=fast_limiter())
    before = engine.fact_count
    async with running(app):
        api.message(ANN_CHAT, ANN, DECLINED)
        declined = await nth_reply(api, ANN_CHAT, 1)
        assert "Bomb disposal" not in declined and engine.answer(DECLINED).status == "declined"

        with (root / "data" / "kosovo.yaml").open("a", encoding="utf-8") as fh:
            fh.write(NEW_RECORD)
        api.message(ADMIN_CHAT, ADMIN, "/reload")
        assert await nth_reply(api, ADMIN_CHAT, 1, RELOAD_TIMEOUT) == (f"Reloaded: {before + 1} facts (was {before}).")

        api.message(ANN_CHAT, ANN, DECLINED)
        assert (await nth_reply(api, ANN_CHAT, 2)).startswith("Bomb disposal (explosive ordnance disposal) in Kosovo")
        api.message(ADMIN_CHAT, ADMIN, "/unanswered")  # answered since: it left the list
        assert (await nth_reply(api, ADMIN_CHAT, 2)).startswith("No unanswered questions")

        kosovo = root / "data" / "kosovo.yaml"
        first_new_line = len(kosovo.read_text(encoding="utf-8").splitlines()) + 1
        with kosovo.open("a", encoding="utf-8") as fh:
            fh.write(BROKEN_RECORD)
        bad_line = first_new_line + BROKEN_RECORD.splitlines().index("    kind: rumour")
        api.message(ADMIN_CHAT, ADMIN, "/reload")
        refused = await nth_reply(api, ADMIN_CHAT, 3, RELOAD_TIMEOUT)
        assert refused.startswith("Reload failed: ") and f"previous data ({before + 1} facts)" in refused
        problem = rf"^data/kosovo\.yaml:{bad_line}: kosovo\.broken-record: unknown kind 'rumour'"
        assert re.search(problem, refused, re.MULTILINE), refused

        api.message(ANN_CHAT, ANN, DECLINED)  # the data loaded by the first /reload still answers
        assert (await nth_reply(api, ANN_CHAT, 3)).startswith("Bomb disposal (explosive ordnance disposal)")
        api.message(ANN_CHAT, ANN, "when did Kazakhstan join PfP")
        assert "1995" in (await nth_reply(api, ANN_CHAT, 4)).split("\n")[0]
