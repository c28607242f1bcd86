"""Network faults between the bot and the Bot API: error answers, timeouts, dropped connections, a restart of
the API server. After each one the bot keeps running, answers every question (asked before, during or after
the fault) exactly once, does not hammer the server and does not flood the log.

429 with retry_after and a 502 at start-up are covered in test_e2e_resilience.py.

Bounds used below, per outage second (a stand-in outage is 2-3 s; PTB's polling backoff after a network
error is 1 s, then x1.5 per further error, after a timeout 0 s, and each timed-out poll itself lasts the read
timeout; our send retries wait 0.25, 0.5, 1, 2, 4 s, each plus up to 50% jitter):
- getUpdates attempts: at most 1 + outage / 1 s (the backoff never waits less than 1 s after an error, and a
  timed-out poll takes the whole read timeout). A spinning client would make hundreds.
- log records at INFO or above: at most 2 per outage second, plus 2 (one ERROR per failed poll from PTB and
  one INFO line per answer whose send had to be retried). A client logging every attempt of a tight loop
  would write hundreds; one line per failed attempt of a sane backoff stays within this.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.chat.retry import is_transient

from .botapi import RESET, BotAPIStandIn, Json, group_chat, private_chat, user, wait_until
from .conftest import POLL_TIMEOUT, running
from .helpers import ME

ANN, BOB, CY = user(1001, "Ann", "ann"), user(1002, "Bob", "bob"), user(1003, "Cy", None)
READ_TIMEOUT = 1.0  # the client's read timeout in these tests (PTB's default is 5 s): a hang outlasts it fast
QUESTIONS = {  # question -> the first line of its answer
    "when did Kazakhstan join PfP": "Kazakhstan joined the Partnership for Peace (PfP) in 1995.",
    "when did Kyrgyzstan join PfP": "Kyrgyzstan joined the Partnership for Peace (PfP) in 1994.",
    "when did NATO and the Republic of Korea start dialogue": "NATO and the Republic of Korea began their dialogue "
    "in 2005.",
}
KZ, KG, KR = QUESTIONS
BAD_GATEWAY = '"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"'


@pytest.fixture(autouse=True)
def _keep_alive(api: BotAPIStandIn) -> None:
    """Pooled keep-alive connections, as with Telegram: faults also hit connections the client reuses."""
    api.keep_alive = True


@dataclass
class Attempt:
    method: str
    at: float
    error: str | None  # the exception's class name, None when an answer came back


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Attempt]]:
    """Every HTTP request the bot makes, as the client sees it: refused and timed-out ones included (the
    stand-in cannot count a connection it never accepted)."""
    seen: list[Attempt] = []
    real = HTTPXRequest.do_request

    async def counting(self: HTTPXRequest, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        try:
            result = await real(self, url, method, *args, **kwargs)
        except Exception as exc:
            seen.append(Attempt(name, time.monotonic(), type(exc).__name__))
            raise
        seen.append(Attempt(name, time.monotonic(), None))
        return result

    monkeypatch.setattr(HTTPXRequest, "do_request", counting)
    yield seen


def short_read_timeout(app: Any, read: float = READ_TIMEOUT) -> None:
    """Cut the client's read timeout (for getUpdates: the long-poll timeout plus this) so that a hang outlasts
    it in a second instead of five. PTB takes timeouts at build time only, and build_application uses the
    defaults, so this reaches into both of the bot's HTTPXRequest objects before the app is initialized."""
    timeout = httpx.Timeout(connect=5.0, read=read, write=5.0, pool=1.0)
    for request in app.bot._request:  # (the getUpdates request, the one for every other method)
        request._client_kwargs["timeout"] = timeout
        request._client.timeout = timeout


def between(records: list[logging.LogRecord], start: float, end: float, level: int = logging.INFO) -> list[str]:
    """Messages of the records at ``level`` or above logged in [start, end] (time.time() seconds)."""
    return [f"{r.levelname} {r.getMessage()}" for r in records if r.levelno >= level and start <= r.created <= end]


def polls(attempts: list[Attempt], start: float, end: float) -> list[Attempt]:
    return [a for a in attempts if a.method == "getUpdates" and start <= a.at <= end]


def first_lines(api: BotAPIStandIn, chat_id: int) -> list[str]:
    return [t.split("\n")[0] for t in api.texts(chat_id)]


def answered_once(api: BotAPIStandIn, asked: list[Json]) -> None:
    """Each question has exactly one answer, the right one, in order per chat; every update was handed out
    exactly once (nothing was lost on the way, nothing answered twice)."""
    for chat_id in {q["chat"]["id"] for q in asked}:
        expected = [QUESTIONS[q["text"].replace(ME, "").strip()] for q in asked if q["chat"]["id"] == chat_id]
        assert first_lines(api, chat_id) == expected, f"chat {chat_id}"
    assert [api.delivered.get(q["update_id"]) for q in asked] == [1] * len(asked)


@dataclass
class Outage:
    """A fault ridden out: when it lasted (monotonic and wall clock) and the questions asked around it."""

    t0: float
    w0: float
    t1: float = 0.0
    w1: float = 0.0
    asked: list[Json] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.t1 - self.t0


async def ask_during_and_after(api: BotAPIStandIn, chat: Json, before: Json, timeout: float) -> Outage:
    """One question while the fault lasts (it ends with that answer) and one after; each of the three (with
    ``before``) must be answered exactly once."""
    outage = Outage(time.monotonic(), time.time())
    during = api.message(chat, ANN, KG)
    await wait_until(lambda: len(api.bot_messages(chat["id"])) == 2, timeout=timeout, what="the answer during")
    outage.t1, outage.w1 = time.monotonic(), time.time()
    after = api.message(chat, ANN, KR)
    await wait_until(lambda: len(api.bot_messages(chat["id"])) == 3, timeout=5, what="the answer after")
    outage.asked = [before, during, after]
    return outage


def outage_bounds(seconds: float) -> tuple[int, int]:
    """(getUpdates attempts, log records) allowed during an outage of ``seconds``; see the module docstring."""
    return 1 + math.ceil(seconds), 2 * math.ceil(seconds) + 2


# --- which failures are retried -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (NetworkError("httpx.ConnectError: All connection attempts failed"), True),  # refused: never sent
        (NetworkError("httpx.RemoteProtocolError: Server disconnected without sending a response"), True),
        (NetworkError("Bad Gateway (502)"), True),
        (TimedOut(), False),  # no cause known: it may have been sent
        (BadRequest("Bad Request: message is too long"), False),
        (Forbidden("Forbidden: bot was blocked by the user"), False),
    ],
)
def test_only_failures_that_did_not_reach_telegram_are_retried(error: Exception, retried: bool) -> None:
    assert is_transient(error) is retried


@pytest.mark.parametrize(
    ("cause", "retried"),
    [
        (httpx.ConnectTimeout("connect"), True),  # never connected
        (httpx.PoolTimeout("pool"), True),  # never left the client
        (httpx.WriteTimeout("write"), True),  # the request was not sent in full: Telegram cannot act on it
        (httpx.ReadTimeout("read"), False),  # sent in full, no answer yet: it may well have been delivered
    ],
)
def test_a_timeout_is_retried_only_when_the_request_was_not_sent_in_full(
    cause: httpx.TimeoutException, retried: bool
) -> None:
    try:
        raise TimedOut() from cause
    except TimedOut as error:
        assert is_transient(error) is retried


# --- sendMessage fails, without effect ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 500, RESET], ids=["502", "500", "connection-reset"])
async def test_a_failed_send_is_retried_and_the_answer_arrives_once(
    api: BotAPIStandIn, make_app: Any, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.INFO)
    chat = private_chat(ANN)
    async with running(make_app()):
        before = api.message(chat, ANN, KZ)
        await wait_until(lambda: api.bot_messages(chat["id"]), what="the first answer")
        api.fail("sendMessage", status, times=2)  # two attempts in a row fail, the third gets through
        during = api.message(chat, ANN, KG)
        await wait_until(lambda: len(api.bot_messages(chat["id"])) == 2, timeout=8, what="the retried answer")
        after = api.message(chat, ANN, KR)
        await wait_until(lambda: len(api.bot_messages(chat["id"])) == 3, what="the answer after")
    answered_once(api, [before, during, after])
    assert len(api.calls_of("sendMessage")) == 5 and api.injected["sendMessage"] == 2
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.INFO]  # one line per affected answer; later attempts DEBUG
    # Nothing else, except that PTB logs an ERROR for each 502 HTML page it cannot parse as JSON.
    noise = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert noise == (["Can not load invalid JSON data: " + BAD_GATEWAY] * 2 if status == 502 else [])


async def test_a_send_that_keeps_failing_is_given_up_with_one_warning_and_the_bot_goes_on(
    api: BotAPIStandIn, make_app: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.chat import retry

    monkeypatch.setattr(retry, "RETRY_DELAYS", (0.05, 0.05, 0.05))  # the same bounded loop, faster
    caplog.set_level(logging.INFO)
    chat = private_chat(ANN)
    async with running(make_app()):
        api.fail("sendMessage", 502, times=4)  # one attempt and three retries, all fail
        api.message(chat, ANN, KZ)
        await wait_until(lambda: api.calls_of("sendMessage"), what="a first attempt")
        after = api.message(chat, ANN, KG)
        await wait_until(lambda: api.bot_messages(chat["id"]), timeout=8, what="the next answer")
    assert first_lines(api, chat["id"]) == [QUESTIONS[KG]] and api.delivered[after["update_id"]] == 1
    assert len(api.calls_of("sendMessage")) == 5  # bounded: 4 for the lost answer, 1 for the next
    [warning] = [m for r in caplog.records if r.levelno >= logging.WARNING and BAD_GATEWAY not in (m := r.getMessage())]
    assert "Telegram API problem" in warning and "Bad Gateway" in warning


async def test_a_failed_send_in_a_group_still_replies_to_the_question(api: BotAPIStandIn, make_app: Any) -> None:
    group = group_chat()
    async with running(make_app()):
        api.fail("sendMessage", RESET)
        question = api.message(group, BOB, f"{ME} {KZ}")
        [reply] = await wait_until(lambda: api.bot_messages(group["id"]), timeout=8, what="the answer")
    assert reply["reply_to_message"]["message_id"] == question["message_id"]
    answered_once(api, [question])


# --- timeouts ----------------------------------------------------------------------------------------------


async def test_a_send_that_times_out_is_not_sent_again(
    api: BotAPIStandIn, make_app: Any, caplog: pytest.LogCaptureFixture, attempts: list[Attempt]
) -> None:
    """Telegram delivers the message but answers after the client's read timeout: the bot cannot tell whether
    it went through, and resending would show the answer twice (bot.chat.retry), so it does not."""
    caplog.set_level(logging.INFO)
    chat = private_chat(ANN)
    app = make_app()
    short_read_timeout(app)
    async with running(app):
        before = api.message(chat, ANN, KZ)
        await wait_until(lambda: api.bot_messages(chat["id"]), what="the first answer")
        api.hang("sendMessage", READ_TIMEOUT + 1.5)  # delivered at once, answered late
        during = api.message(chat, ANN, KG)
        await wait_until(lambda: len(api.bot_messages(chat["id"])) == 2, what="the slow answer")
        after = api.message(chat, ANN, KR)  # asked while the bot still waits for the slow answer
        await wait_until(lambda: len(api.bot_messages(chat["id"])) == 3, timeout=8, what="the answer after")
    answered_once(api, [before, during, after])
    sends = [a for a in attempts if a.method == "sendMessage"]
    assert [a.error for a in sends] == [None, "TimedOut", None]
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "timed out" in warning.lower() and "not sent again" in warning


async def test_a_get_updates_timeout_is_polled_again_without_losing_or_doubling_updates(
    api: BotAPIStandIn, make_app: Any, caplog: pytest.LogCaptureFixture, attempts: list[Attempt]
) -> None:
    caplog.set_level(logging.INFO)
    chat = private_chat(ANN)
    app = make_app()
    short_read_timeout(app)
    poll_wait = POLL_TIMEOUT + READ_TIMEOUT  # how long the client waits for a long poll's answer
    async with running(app):
        await wait_until(lambda: api.calls_of("getUpdates"), what="polling")
        api.hang("getUpdates", poll_wait + 1, times=2, takes_effect=False)  # two polls in a row time out
        before = api.message(chat, ANN, KZ)  # ends the long poll in progress; the next two hang
        await wait_until(lambda: api.injected["getUpdates"] == 1, what="the hang")
        outage = await ask_during_and_after(api, chat, before, timeout=3 * poll_wait)
    answered_once(api, outage.asked)
    max_polls, max_lines = outage_bounds(outage.seconds)
    tried, lines = polls(attempts, outage.t0, outage.t1), between(caplog.records, outage.w0, outage.w1)
    assert [a.error for a in tried][:2] == ["TimedOut", "TimedOut"]
    assert len(tried) <= max_polls, f"{len(tried)} getUpdates in {outage.seconds:.1f}s"
    assert len(lines) <= max_lines, lines  # PTB logs timed-out polls at DEBUG only: expect none


# --- dropped connections and a restart ---------------------------------------------------------------------


async def test_a_connection_reset_in_the_middle_of_get_updates_loses_nothing(
    api: BotAPIStandIn, make_app: Any, caplog: pytest.LogCaptureFixture, attempts: list[Attempt]
) -> None:
    caplog.set_level(logging.INFO)
    chat = private_chat(ANN)
    async with running(make_app()):
        await wait_until(lambda: api.calls_of("getUpdates"), what="polling")
        api.drop("getUpdates", after=0.5, times=2)  # two long polls in a row are cut half a second in
        before = api.message(chat, ANN, KZ)  # ends the long poll in progress; the next two are cut
        await wait_until(lambda: api.injected["getUpdates"] == 1, what="the drop")
        outage = await ask_during_and_after(api, chat, before, timeout=10)
    answered_once(api, outage.asked)
    max_polls, max_lines = outage_bounds(outage.seconds)
    tried, lines = polls(attempts, outage.t0, outage.t1), between(caplog.records, outage.w0, outage.w1)
    assert [a.error for a in tried][:2] == ["NetworkError", "NetworkError"]
    assert len(tried) <= max_polls, f"{len(tried)} getUpdates in {outage.seconds:.1f}s"
    assert len(lines) <= max_lines, lines
    assert sum("polling for updates" in line for line in lines) == 2  # one line per dropped poll (PTB's)


async def test_an_api_restart_is_ridden_out_and_every_question_answered_once(
    api: BotAPIStandIn, make_app: Any, caplog: pytest.LogCaptureFixture, attempts: list[Attempt]
) -> None:
    """The Bot API goes away for 2 s (connections refused) while the bot is sending an answer, and comes back
    on the same port with its state: the cut send is retried, updates queued meanwhile are fetched once."""
    caplog.set_level(logging.INFO)
    chat, group = private_chat(ANN), group_chat()
    down = 2.0
    async with running(make_app()):
        before = api.message(chat, ANN, KZ)
        await wait_until(lambda: api.bot_messages(chat["id"]), what="the first answer")
        api.hang("sendMessage", 30, takes_effect=False)  # the next answer is in flight when the server goes
        cut = api.message(chat, ANN, KG)
        await wait_until(lambda: api.injected["sendMessage"] == 1, what="the send in flight")
        t0, w0 = time.monotonic(), time.time()
        api.go_down()
        during = [api.message(chat, ANN, KR), api.message(group, BOB, f"{ME} {KZ}")]
        await asyncio.sleep(down)
        api.come_up()
        t1, w1 = time.monotonic(), time.time()
        after = [api.message(group, CY, f"{ME} {KG}"), api.message(private_chat(CY), CY, KR)]
        await wait_until(lambda: len(api.bot_messages(chat["id"])) == 3, timeout=15, what="the cut answer")
        await wait_until(lambda: len(api.bot_messages(CY["id"])) == 1, timeout=5, what="the answer after")
        await wait_until(lambda: len(api.bot_messages(group["id"])) == 2, timeout=5, what="the group's answers")
    answered_once(api, [before, cut, *during, *after])
    max_polls, max_lines = outage_bounds(down)
    tried, lines = polls(attempts, t0, t1), between(caplog.records, w0, w1)
    assert len(tried) <= max_polls, f"{len(tried)} getUpdates in {down}s"
    assert len(lines) <= max_lines, lines
