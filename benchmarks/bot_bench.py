"""The whole-bot benchmark of issue 6, in one command:

    .venv/bin/python -m benchmarks.bot_bench [--quick] [--parts throughput,slow_api,rss,limits]

The bot runs as its own process (as in production) and long-polls the Bot API stand-in of the end-to-end tests
(tests/e2e/botapi.py), served over HTTP on 127.0.0.1 by this process; the engine is the real one
(``Engine.load()``) and storage a temporary SQLite file.

* throughput (rate limiter and flood guard off): a burst of questions in many private chats plus group mentions
  is pushed at once; updates/s from the first push to the last answer, latency (push -> the stand-in receiving
  the sendMessage) p50/p95/p99, and the exactly-once check: every update handed out by getUpdates once, every
  question answered by exactly one message, no apology, no failed send. Then a paced run (a fixed offered rate,
  one question per new chat) for the latency of a bot that is not behind. This bot is started as
  ``python -m benchmarks.bot_bench --serve``: ``natobot run``'s polling, built with ``rate_limit=False``.
* slow_api: the same burst against a stand-in that takes 50 ms to answer sendMessage, as Telegram's servers do
  from far away: what answering one update at a time would cost (each answer waits out the round trip).
* rss: peak RSS (VmHWM) of ``python -m bot.runner run``, the real bot (limiter and flood guard on), after a few
  thousand questions (and that of the throughput bot).
* limits (``python -m bot.runner run``, limiter on): a burst of private questions and group mentions; from the
  stand-in's sendMessage receipt times, the most sends in any 1 s window overall (Telegram: 30), in any 1 s
  window per private chat (1) and in any 60 s window per group (20). Each group gets more than 20 mentions, so
  the full run lasts over a minute; --quick sends fewer and checks the group window over the time that elapsed.

Prints a table and writes benchmarks/bot_results.json (``"quick": true`` after a --quick smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from tests.e2e.botapi import BOT_USERNAME, BotAPIStandIn, Json, group_chat, private_chat, user

ROOT = Path(__file__).resolve().parents[1]
QUESTION_SETS = ROOT / "tests" / "questions"
APOLOGY_START = "Sorry, something went wrong"
READY_TIMEOUT = 60.0
SERVE = ["benchmarks.bot_bench", "--serve"]  # the throughput bot: python -m benchmarks.bot_bench --serve
SLOW_API_DELAY = 0.05  # s: sendMessage's round trip in the slow_api part
Row = tuple[str, str]


# --- the traffic -------------------------------------------------------------------------------------------


@dataclass
class Traffic:
    """What was pushed: per chat the push times of its questions, in order, and every update id."""

    pushed: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    update_ids: list[int] = field(default_factory=list)
    private: set[int] = field(default_factory=set)

    def add(self, api: BotAPIStandIn, chat: Json, sender: Json, text: str) -> None:
        self.update_ids.append(api.message(chat, sender, text)["update_id"])
        self.pushed[chat["id"]].append(time.monotonic())
        if chat["type"] == "private":
            self.private.add(chat["id"])

    @property
    def count(self) -> int:
        return len(self.update_ids)


def question_texts() -> list[str]:
    """The project's question set without commands: plain questions, each answered by one message."""
    texts = []
    for path in sorted(QUESTION_SETS.glob("*.yaml")):
        texts += [str(item["q"]) for item in yaml.safe_load(path.read_text()) if not str(item["q"]).startswith("/")]
    return texts


@dataclass(frozen=True)
class Burst:
    """``chats`` private chats with ``per_chat`` questions each, ``groups`` groups with ``per_group`` mentions
    (from ``per_group // 2`` users: two each, under the flood guard's 6 per 20 s), and ``extra`` questions in one
    more private chat. Chat and user ids start at ``base`` so that runs do not share chats."""

    chats: int
    per_chat: int
    groups: int = 0
    per_group: int = 0
    extra: int = 0
    base: int = 100_000


def push_burst(api: BotAPIStandIn, burst: Burst, texts: Sequence[str], traffic: Traffic) -> None:
    """Round robin: the k-th question of every chat, then the (k+1)-th, as many people asking at once."""
    slots: list[tuple[int, Json, Json]] = []  # (round, chat, sender)
    for i in range(burst.chats):
        person = user(burst.base + i, f"P{i}", None)
        slots += [(k, private_chat(person), person) for k in range(burst.per_chat)]
    for g in range(burst.groups):
        chat = group_chat(-(10**12) - burst.base - g, f"Group {g}")
        members = [user(burst.base + 50_000 + g * 1000 + i, f"G{g}M{i}", None) for i in range(burst.per_group)]
        slots += [(k, chat, members[k // 2]) for k in range(burst.per_group)]
    loner = user(burst.base + 99_999, "Solo", None)
    slots += [(k, private_chat(loner), loner) for k in range(burst.extra)]
    slots.sort(key=lambda slot: slot[0])  # stable: chats keep their order within a round
    for n, (_, chat, sender) in enumerate(slots):
        text = texts[n % len(texts)]
        traffic.add(api, chat, sender, text if chat["type"] == "private" else f"@{BOT_USERNAME} {text}")


# --- what the bot sent -------------------------------------------------------------------------------------


def send_times(api: BotAPIStandIn, chats: set[int] | dict[int, Any]) -> dict[int, list[float]]:
    """Per chat, when the stand-in received each sendMessage (sorted)."""
    out: dict[int, list[float]] = defaultdict(list)
    for call in api.calls_of("sendMessage"):
        chat_id = int(call.params["chat_id"])
        if chat_id in chats:
            out[chat_id].append(call.at)
    return {c: sorted(ts) for c, ts in out.items()}


def answered(api: BotAPIStandIn, traffic: Traffic) -> bool:
    sends = send_times(api, traffic.pushed)
    return all(len(sends.get(c, ())) >= len(ts) for c, ts in traffic.pushed.items())


def wait_answered(api: BotAPIStandIn, traffic: Traffic, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not answered(api, traffic):
        if time.monotonic() > deadline:
            raise SystemExit(f"bot_bench: not every question was answered within {timeout:.0f} s")
        time.sleep(0.05)


def exactly_once(api: BotAPIStandIn, traffic: Traffic) -> dict[str, Any]:
    """Every update fetched once; per chat, as many bot messages as questions; no apology, no failed send."""
    sends = send_times(api, traffic.pushed)
    extra = sum(max(0, len(sends.get(c, ())) - len(ts)) for c, ts in traffic.pushed.items())
    missing = sum(max(0, len(ts) - len(sends.get(c, ()))) for c, ts in traffic.pushed.items())
    redelivered = sum(1 for uid in traffic.update_ids if api.delivered.get(uid) != 1)
    by_chat = api.bot_messages_by_chat()
    messages = [m for c in traffic.pushed for m in by_chat.get(c, [])]
    apologies = sum(m["text"].startswith(APOLOGY_START) for m in messages)
    failed = sum(len(ts) for ts in sends.values()) - len(messages)
    ok = not (extra or missing or redelivered or apologies or failed)
    return {"ok": ok, "missing": missing, "extra": extra, "not_delivered_once": redelivered,
            "apologies": apologies, "failed_sends": failed}  # fmt: skip


def latencies(api: BotAPIStandIn, traffic: Traffic) -> list[float]:
    """Push -> answer, in ms: within a chat the k-th answer is the k-th question's (the bot keeps chat order)."""
    sends = send_times(api, traffic.pushed)
    return [(s - p) * 1000 for c, ts in traffic.pushed.items() for p, s in zip(ts, sends.get(c, []), strict=False)]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")


def max_in_window(times: Sequence[float], width: float) -> int:
    """The most events in any window of ``width`` seconds (two events closer than ``width`` share one)."""
    ordered, best, start = sorted(times), 0, 0
    for i, t in enumerate(ordered):
        while ordered[start] <= t - width:
            start += 1
        best = max(best, i - start + 1)
    return best


# --- the bot process ---------------------------------------------------------------------------------------


def bot_env(api: BotAPIStandIn, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NATOBOT_"))}
    env.update(TELEGRAM_API_BASE_URL=api.base_url, TELEGRAM_BOT_TOKEN=api.token, NATOBOT_DB=str(db))
    env.update(NATOBOT_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    return env


@contextmanager
def bot_process(api: BotAPIStandIn, module_args: Sequence[str]) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m <module_args>`` polling ``api`` with a fresh database; stopped by SIGTERM, as systemd does."""
    with tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp, open(Path(tmp) / "bot.log", "w+b") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", *module_args], cwd=ROOT, env=bot_env(api, Path(tmp) / "bot.db"),
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        try:
            wait_ready(api, proc, log)
            yield proc
        finally:
            stop(proc, log)


def wait_ready(api: BotAPIStandIn, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    """post_init has published the description and the updater polls."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not (api.description and api.calls_of("getUpdates")):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise SystemExit(f"bot_bench: the bot did not start:\n{log.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.seek(0)
    errors = [line for line in log.read().decode(errors="replace").splitlines() if " ERROR " in line]
    if errors:
        print("bot_bench: the bot logged errors:\n" + "\n".join(errors[:10]), file=sys.stderr)


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def warm_up(api: BotAPIStandIn) -> None:
    """One question first: the bot's first answer opens connections and fills caches."""
    traffic = Traffic()
    push_burst(api, Burst(chats=1, per_chat=1, base=9_000_000), ["when did Kazakhstan join PfP"], traffic)
    wait_answered(api, traffic, timeout=30)


# --- the parts ---------------------------------------------------------------------------------------------


class SlowStandIn(BotAPIStandIn):
    """The stand-in, answering each sendMessage ``delay`` seconds late (in that request's own server thread, so
    other requests go on): the round trip to Telegram's servers from a bot hosted far from them."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        super().__init__()

    def api_sendMessage(self, p: Json) -> Json:
        time.sleep(self.delay)
        return super().api_sendMessage(p)


@contextmanager
def stand_in(api: BotAPIStandIn) -> Iterator[BotAPIStandIn]:
    api.keep_alive = True  # as Telegram's servers do: a new TCP connection per call would be the stand-in's cost
    api.start()
    try:
        yield api
    finally:
        api.stop()


def throughput(plan: Plan, texts: Sequence[str]) -> dict[str, Any]:
    """Limiter off: the burst (updates/s, latency, exactly once), then a paced run (latency when not behind)."""
    with stand_in(BotAPIStandIn()) as api, bot_process(api, SERVE) as proc:
        warm_up(api)
        result: dict[str, Any] = {"burst": timed_burst(api, plan.burst, texts)}
        result["paced"] = paced(api, plan.paced_rate, plan.paced_seconds, texts)
        result["bot_peak_rss_mb"] = round(peak_rss_mb(proc.pid), 1)
    return result


def slow_api(plan: Plan, texts: Sequence[str]) -> dict[str, Any]:
    with stand_in(SlowStandIn(SLOW_API_DELAY)) as api, bot_process(api, SERVE):
        warm_up(api)
        return {"api_delay_ms": SLOW_API_DELAY * 1000, **timed_burst(api, plan.slow_burst, texts)}


def timed_burst(api: BotAPIStandIn, burst: Burst, texts: Sequence[str]) -> dict[str, Any]:
    traffic = Traffic()
    start = time.monotonic()
    push_burst(api, burst, texts, traffic)
    wait_answered(api, traffic, timeout=300)
    last = max(ts[-1] for ts in send_times(api, traffic.pushed).values())
    time.sleep(1.0)  # a duplicate answer would arrive after the last expected one
    return {
        "updates": traffic.count, "private_chats": burst.chats, "groups": burst.groups,
        "seconds": round(last - start, 3), "updates_per_s": round(traffic.count / (last - start), 1),
        **latency_summary(latencies(api, traffic)), "exactly_once": exactly_once(api, traffic),
    }  # fmt: skip


def paced(api: BotAPIStandIn, rate: float, seconds: float, texts: Sequence[str]) -> dict[str, Any]:
    """One question every 1/rate s, each in a chat of its own (so none queues behind its own chat)."""
    traffic, n = Traffic(), round(rate * seconds)
    start = time.monotonic()
    for i in range(n):
        time.sleep(max(0.0, start + i / rate - time.monotonic()))
        person = user(5_000_000 + i, f"Q{i}", None)
        traffic.add(api, private_chat(person), person, texts[i % len(texts)])
    wait_answered(api, traffic, timeout=120)
    time.sleep(0.5)
    return {"offered_per_s": rate, "updates": n, **latency_summary(latencies(api, traffic)),
            "exactly_once": exactly_once(api, traffic)}  # fmt: skip


def latency_summary(lat: Sequence[float]) -> dict[str, float]:
    return {f"p{q}_ms": round(percentile(lat, q), 1) for q in (50, 95, 99)} | {"max_ms": round(max(lat), 1)}


def real_bot(burst: Burst, texts: Sequence[str]) -> tuple[Traffic, BotAPIStandIn, float, float]:
    """``natobot run`` as deployed (limiter and flood guard on) answers ``burst``: (traffic, stand-in, seconds,
    the bot's peak RSS in MB)."""
    with stand_in(BotAPIStandIn()) as api, bot_process(api, ["bot.runner", "run"]) as proc:
        warm_up(api)
        traffic = Traffic()
        start = time.monotonic()
        push_burst(api, burst, texts, traffic)
        wait_answered(api, traffic, timeout=900)
        seconds = time.monotonic() - start
        time.sleep(1.0)  # time for a duplicate to show
        return traffic, api, seconds, peak_rss_mb(proc.pid)


def rss(plan: Plan, texts: Sequence[str]) -> dict[str, Any]:
    traffic, api, seconds, peak = real_bot(plan.rss_burst, texts)
    return {"updates": traffic.count, "seconds": round(seconds, 1), "peak_rss_mb": round(peak, 1),
            "exactly_once": exactly_once(api, traffic)}  # fmt: skip


def limits(plan: Plan, texts: Sequence[str]) -> dict[str, Any]:
    """The most sendMessages in any window: overall (1 s), per private chat (1 s), per group (60 s)."""
    traffic, api, seconds, _ = real_bot(plan.limits_burst, texts)
    sends = send_times(api, traffic.pushed)
    private = [ts for c, ts in sends.items() if c in traffic.private]
    groups = [ts for c, ts in sends.items() if c not in traffic.private]
    return {
        "updates": traffic.count, "seconds": round(seconds, 1), "exactly_once": exactly_once(api, traffic),
        "max_overall_1s": max_in_window([t for ts in sends.values() for t in ts], 1.0),
        "max_private_chat_1s": max(max_in_window(ts, 1.0) for ts in private),
        "max_group_60s": max((max_in_window(ts, 60.0) for ts in groups), default=0),
        "group_window_observed_s": round(max((ts[-1] - ts[0] for ts in groups), default=0.0), 1),
    }  # fmt: skip


# --- the plan and the report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    burst: Burst  # throughput, limiter off
    paced_rate: float  # updates/s offered in the paced run
    paced_seconds: float
    slow_burst: Burst  # limiter off, sendMessage answered SLOW_API_DELAY late
    rss_burst: Burst  # natobot run, limiter on
    limits_burst: Burst  # natobot run, limiter on: groups get more mentions than their 20 a minute


FULL = Plan(
    burst=Burst(chats=200, per_chat=10, groups=5, per_group=20),
    paced_rate=100.0, paced_seconds=10.0,
    slow_burst=Burst(chats=100, per_chat=5, groups=2, per_group=10, base=200_000),
    rss_burst=Burst(chats=600, per_chat=5, base=300_000),
    limits_burst=Burst(chats=50, per_chat=4, groups=2, per_group=24, extra=5, base=400_000),
)  # fmt: skip
QUICK = Plan(
    burst=Burst(chats=50, per_chat=8, groups=2, per_group=10),
    paced_rate=50.0, paced_seconds=3.0,
    slow_burst=Burst(chats=40, per_chat=3, base=200_000),
    rss_burst=Burst(chats=100, per_chat=3, base=300_000),
    limits_burst=Burst(chats=20, per_chat=4, groups=2, per_group=6, extra=5, base=400_000),
)  # fmt: skip
PARTS: dict[str, Callable[[Plan, Sequence[str]], dict[str, Any]]] = {
    "throughput": throughput, "slow_api": slow_api, "rss": rss, "limits": limits,
}  # fmt: skip


def throughput_rows(r: dict[str, Any]) -> list[Row]:
    b, p = r["burst"], r["paced"]
    return [
        (f"limiter off: {b['updates']} updates at once, updates/s", f"{b['updates_per_s']:.0f}"),
        ("  latency p50 / p95 / p99 (ms)", f"{b['p50_ms']:.0f} / {b['p95_ms']:.0f} / {b['p99_ms']:.0f}"),
        ("  every update answered exactly once", yes_no(b["exactly_once"]["ok"])),
        (f"limiter off: {p['offered_per_s']:.0f} updates/s offered, latency p50 / p95 / p99 (ms)",
         f"{p['p50_ms']:.0f} / {p['p95_ms']:.0f} / {p['p99_ms']:.0f}"),
        ("  every update answered exactly once", yes_no(p["exactly_once"]["ok"])),
        ("  peak RSS of that bot (MB)", f"{r['bot_peak_rss_mb']:.0f}"),
    ]  # fmt: skip


def slow_api_rows(r: dict[str, Any]) -> list[Row]:
    return [
        (f"sendMessage {r['api_delay_ms']:.0f} ms late: {r['updates']} updates at once, updates/s",
         f"{r['updates_per_s']:.0f}"),
        ("  every update answered exactly once", yes_no(r["exactly_once"]["ok"])),
    ]  # fmt: skip


def rss_rows(r: dict[str, Any]) -> list[Row]:
    return [
        (f"natobot run: peak RSS after {r['updates']} updates (MB)", f"{r['peak_rss_mb']:.0f}"),
        ("  every update answered exactly once", yes_no(r["exactly_once"]["ok"])),
    ]


def limits_rows(r: dict[str, Any]) -> list[Row]:
    return [
        (f"limiter on: {r['updates']} updates in {r['seconds']:.0f} s; most sends in 1 s", str(r["max_overall_1s"])),
        ("  most sends to one private chat in 1 s", str(r["max_private_chat_1s"])),
        (f"  most sends to one group in 60 s ({r['group_window_observed_s']:.0f} s observed)",
         str(r["max_group_60s"])),
        ("  every update answered exactly once", yes_no(r["exactly_once"]["ok"])),
    ]  # fmt: skip


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "throughput": throughput_rows, "slow_api": slow_api_rows, "rss": rss_rows, "limits": limits_rows,
}  # fmt: skip


def rows(results: dict[str, Any]) -> list[Row]:
    return [row for name, part_rows in ROWS.items() if name in results for row in part_rows(results[name])]


def yes_no(flag: bool) -> str:
    return "yes" if flag else "NO"


def print_table(table: list[Row]) -> None:
    width = max(len(k) for k, _ in table)
    for k, v in table:
        print(f"{k:<{width}}  {v:>15}")


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())  # fmt: skip
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "load_average_at_start": os.getloadavg()}  # fmt: skip


def run(quick: bool, parts: Sequence[str]) -> dict[str, Any]:
    plan, texts = (QUICK if quick else FULL), question_texts()
    results: dict[str, Any] = {"quick": quick, "machine": machine()}
    started = time.monotonic()
    for name in parts:
        results[name] = PARTS[name](plan, texts)
    results["wall_s"] = round(time.monotonic() - started, 1)
    return results


def serve() -> int:
    """The throughput bot: ``natobot run``'s polling, built with the rate limiter and the flood guard off."""
    from bot.chat.app import ALLOWED_UPDATES, build_application
    from bot.chat.flood import FloodGuard
    from bot.config import Settings
    from bot.runner import POLL_TIMEOUT, configure_logging

    settings = Settings.from_env()
    configure_logging(settings)
    app = build_application(settings, flood=FloodGuard(limit=10**9), rate_limit=False)
    app.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=POLL_TIMEOUT, bootstrap_retries=5)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bot_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a smoke run (~1 min): fewer updates, no 60 s group window")
    p.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the bot process of the throughput part
    args = p.parse_args(argv)
    if args.serve:
        return serve()
    parts = [name for name in args.parts.split(",") if name]
    if unknown := [name for name in parts if name not in PARTS]:
        p.error(f"unknown part(s): {', '.join(unknown)}")
    results = run(args.quick, parts)
    print_table(rows(results))
    out = Path(__file__).resolve().parent / "bot_results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)} ({results['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
