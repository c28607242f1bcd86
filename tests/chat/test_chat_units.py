from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot

from bot.chat import callback_data, deeplink
from bot.chat.addressing import mentions_bot, question_text, replies_to_bot
from bot.chat.flood import FloodGuard, Verdict
from bot.chat.render import answer_html, answer_keyboard, split_html, utf16_len
from bot.config import Settings
from bot.engine.answer import Answer, Source, Suggestion

from .conftest import BOT, message_update

ANSWER = Answer(
    "q <b>", "answered", "KFOR & <NATO>", "kfor.overview", 0.9,
    (Source("002.txt", "Kosovo <page>", "a & b < c", "s", "2013-09"),), related=("kfor.comkfor",),
)  # fmt: skip


def test_answer_html_escapes_every_dynamic_string() -> None:
    html = answer_html(ANSWER)
    assert html.startswith("KFOR &amp; &lt;NATO&gt;")
    assert "<b>Kosovo &lt;page&gt;</b> (as of 2013-09)" in html
    assert "<blockquote>a &amp; b &lt; c</blockquote>" in html


def test_keyboards_carry_valid_callback_data_within_64_bytes() -> None:
    board = answer_keyboard(ANSWER)
    assert board is not None
    datas = [b.callback_data for row in board.inline_keyboard for b in row]
    assert datas == ["src|kfor.overview", "rel|kfor.overview", "up|kfor.overview", "dn|kfor.overview"]
    unclear = Answer("x", "clarify", "?", suggestions=tuple(Suggestion(f"q{i}", f"a.f{i}") for i in range(5)))
    board = answer_keyboard(unclear)
    assert board is not None and len(board.inline_keyboard) == 3


def test_callback_data_round_trip_and_rejects_forgeries() -> None:
    data = callback_data.encode("sub", "kfor", "commanders")
    assert data == "sub|kfor|commanders"
    assert callback_data.parse(data) == callback_data.Callback("sub", ("kfor", "commanders"))
    assert callback_data.encode("src", "x" * 70) is None
    for forged in ["", "src", "src|", "zap|kfor.overview", "src|a|b", "src|<b>", "src|" + "a" * 70, None, 5]:
        assert callback_data.parse(forged) is None


def test_deep_link_payload_round_trip() -> None:
    assert deeplink.encode("kazakhstan.pfp-joined") == "f_kazakhstan__pfp-joined"
    assert deeplink.decode("f_kazakhstan__pfp-joined") == "kazakhstan.pfp-joined"
    assert deeplink.encode("table:kfor_commanders") is None
    assert deeplink.decode("inline") is None and deeplink.decode("f_../etc") is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab <&>😀\n", max_size=300), min_size=1, max_size=60))
def test_split_keeps_chunks_small_well_formed_and_complete(lines: list[str]) -> None:
    from html import escape

    html = "\n".join(f"<b>{escape(line)}</b>" if i % 3 == 0 else escape(line) for i, line in enumerate(lines))
    html = f"<blockquote>{html}</blockquote>"
    chunks = split_html(html, limit=500)
    assert all(utf16_len(c) <= 500 for c in chunks)
    for chunk in chunks:
        assert chunk.count("<b>") == chunk.count("</b>") and chunk.count("<blockquote>") == 1


def test_split_short_text_is_one_chunk() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


def test_flood_guard_notifies_once_per_burst() -> None:
    now = [0.0]
    guard = FloodGuard(limit=2, window=10, clock=lambda: now[0])
    verdicts = [guard.check(1) for _ in range(5)]
    assert verdicts == [Verdict.ANSWER, Verdict.ANSWER, Verdict.NOTIFY, Verdict.DROP, Verdict.DROP]
    assert guard.check(2) is Verdict.ANSWER
    now[0] = 11
    assert guard.check(1) is Verdict.ANSWER


def test_settings_keep_the_token_out_of_repr() -> None:
    s = Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:secret-secret", "NATOBOT_ADMIN_IDS": "1, 2", "NATOBOT_DB": "x.db"})
    assert "secret" not in repr(s) and s.admin_ids == frozenset({1, 2})
    assert s.redact("url /bot1:secret-secret/getMe") == "url /bot[token]/getMe"


def test_group_addressing(tg_bot: Bot) -> None:
    mention = message_update(tg_bot, "@NatoBot_Test_Bot when did kfor start?",
                             entities=[{"type": "mention", "offset": 0, "length": 17}])  # fmt: skip
    assert mention.message and mentions_bot(mention.message)
    assert question_text(mention.message) == "when did kfor start?"
    other = message_update(tg_bot, "@other_bot hi", entities=[{"type": "mention", "offset": 0, "length": 10}])
    assert other.message and not mentions_bot(other.message)
    text_mention = message_update(
        tg_bot, "natobot, hi", entities=[{"type": "text_mention", "offset": 0, "length": 7, "user": BOT.to_dict()}]
    )
    assert text_mention.message and mentions_bot(text_mention.message)
    assert question_text(text_mention.message) == "hi"
    reply = message_update(tg_bot, "and Kazakhstan?", reply_to_from=BOT.to_dict())
    assert reply.message and replies_to_bot(reply.message)
