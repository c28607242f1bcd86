"""The engine benchmarks of issue 6, in one command:

    .venv/bin/python -m benchmarks.bench [--quick]

* engine: questions/s and p50 / p99 latency over the project's question set (tests/questions) on the real library
  (1x) and on a synthetic library 100 times larger (benchmarks/make_corpus.py; at 100x the question set is joined
  by as many synthetic questions drawn from the clones' phrasings), with the answer accuracy;
* the naive baseline in the same run: rapidfuzz `process.extractOne` over every phrasing (questions and answer)
  of every fact with `fuzz.token_set_ratio`, answering with the best one's answer when it scores >=
  BASELINE_CUTOFF (scorer and cutoff are the most accurate of a sweep on the question set at 1x: the default
  WRatio gets 27% right, token_set_ratio 59%);
* start-up: wall time of a cold `natobot ask "when did Kyrgyzstan join PfP"` (a new process; median of 5 with a
  warm compiled-engine cache, and one with NATOBOT_NO_CACHE=1) and of `Engine.load()` (cache warm and cold);
* memory: peak RSS (resource.getrusage in a fresh process) of the engine, loaded and having answered the set.

Prints a table and writes benchmarks/results.json. The synthetic library is generated once into a scratch folder
(regenerated whenever the data or the generator change); the engine caches live in the same scratch folder, never
in the user's ~/.cache. --quick: 10x instead of 100x, fewer repetitions (a smoke run, not the figures).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results.json"
ASK_QUESTION = "when did Kyrgyzstan join PfP"
BASELINE_CUTOFF = 70.0  # token_set_ratio score under which the baseline declines
BIG_SAMPLE = 200  # at 100x: questions of the set timed (evenly spaced), plus half as many synthetic ones
BASELINE_SAMPLE = 60  # at 100x: questions the baseline answers (one baseline question takes ~0.5 s there)
TARGETS = {
    "engine_qps_1x": 2000.0,
    "engine_qps_100x": 500.0,
    "speedup_vs_baseline_100x": 10.0,
    "cold_ask_s": 0.5,
}

# Run in a fresh interpreter: time Engine.load, answer the questions, report peak RSS.
_PROBE = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
from bot.engine import Engine
t1 = time.perf_counter()
engine = Engine.load(cache=os.environ.get("BENCH_CACHE") == "1")
t2 = time.perf_counter()
questions = json.loads(sys.stdin.read() or "[]")
for q in questions:
    engine.answer(q)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "answer_s": t3 - t2, "facts": engine.fact_count,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- machine --------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import rapidfuzz

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "rapidfuzz": rapidfuzz.__version__}


# --- the synthetic library ------------------------------------------------------------------------

def _fingerprint(scale: int, seed: int) -> str:
    digest = hashlib.sha256(f"{scale}:{seed}\n".encode())
    files = [Path(__file__).with_name("make_corpus.py")]
    files += [p for d in ("seeds", "intents", "data") for p in sorted((ROOT / d).rglob("*")) if p.is_file()]
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ensure_corpus(folder: Path, scale: int, seed: int = 6) -> float:
    """Generate the scale-x library into `folder` unless an up-to-date one is there; the seconds it took."""
    stamp = folder / ".stamp"
    want = _fingerprint(scale, seed)
    if stamp.exists() and stamp.read_text() == want:
        return 0.0
    from benchmarks.make_corpus import generate

    log(f"generating the {scale}x library in {folder} ...")
    t0 = time.perf_counter()
    generate(folder, scale, seed)
    stamp.write_text(want)
    return time.perf_counter() - t0


# --- helpers --------------------------------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[rank]


def env_for(root: Path, cache_home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATOBOT_NO_CACHE", "NATOBOT_ROOT")}
    env.update(NATOBOT_ROOT=str(root), XDG_CACHE_HOME=str(cache_home), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def probe(root: Path, cache_home: Path, *, cache: bool, questions: Sequence[str] = ()) -> dict[str, Any]:
    env = env_for(root, cache_home, BENCH_CACHE="1" if cache else "0")
    out = subprocess.run([sys.executable, "-c", _PROBE], input=json.dumps(list(questions)), env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def natobot_ask(root: Path, cache_home: Path, runs: int, no_cache: bool) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("natobot")
    cmd = [str(exe), "ask", ASK_QUESTION] if exe.exists() else [sys.executable, "-m", "bot", "ask", ASK_QUESTION]

    def once(**extra: str) -> tuple[float, str]:
        t0 = time.perf_counter()
        out = subprocess.run(cmd, env=env_for(root, cache_home, **extra), cwd=ROOT, capture_output=True, text=True,
                             check=True)
        return time.perf_counter() - t0, out.stdout

    _, reply = once()  # makes sure the cache is warm
    warm = [once()[0] for _ in range(runs)]
    cold = once(NATOBOT_NO_CACHE="1")[0] if no_cache else None  # minutes at 100x: only with --cold
    return {"warm_median_s": statistics.median(warm), "warm_runs_s": warm, "no_cache_s": cold,
            "answered_1994": "1994" in reply}


def timed(fn: Callable[[str], Any], questions: Sequence[str], repeat: int) -> tuple[list[Any], dict[str, float]]:
    """Answer every question `repeat` times, every pass timed; the first pass's results, throughput, latency."""
    results: list[Any] = []
    latencies: list[float] = []
    t0 = time.perf_counter()
    for n in range(repeat):
        for q in questions:
            s = time.perf_counter()
            r = fn(q)
            latencies.append(time.perf_counter() - s)
            if n == 0:
                results.append(r)
    total = time.perf_counter() - t0
    return results, {"questions": len(latencies), "seconds": total, "qps": len(latencies) / total,
                     "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
                     "max_ms": max(latencies) * 1000}


# --- what is asked --------------------------------------------------------------------------------

def question_set() -> list[dict[str, Any]]:
    from tests.scoring import load_questions

    return load_questions()


def synthetic_questions(library: Any, n: int, seed: int = 6) -> list[tuple[str, str]]:
    """(question, fact id) pairs: one phrasing each of n random clone facts."""
    rng = random.Random(seed)
    clones = [f for f in library.facts if ".syn" in f.id]
    picks = rng.sample(clones, min(n, len(clones)))
    return [(rng.choice(f.questions), f.id) for f in picks]


def accuracy(items: Sequence[dict[str, Any]], replies: Sequence[tuple[bool, str]]) -> dict[str, float]:
    from tests.scoring import is_decline, passes

    ans = [passes(i, a, t) for i, (a, t) in zip(items, replies, strict=True) if not is_decline(i)]
    dec = [passes(i, a, t) for i, (a, t) in zip(items, replies, strict=True) if is_decline(i)]
    return {"all": (sum(ans) + sum(dec)) / len(items), "answerable": sum(ans) / max(1, len(ans)),
            "decline": sum(dec) / max(1, len(dec))}


class Baseline:
    """Naive fuzzy lookup: the best phrasing of all, by WRatio, answers with its fact's answer."""

    def __init__(self, facts: Sequence[Any]) -> None:
        from rapidfuzz import fuzz, process, utils

        self.extract, self.scorer, self.process = process.extractOne, fuzz.token_set_ratio, utils.default_process
        self.choices: list[str] = []
        self.owner: list[Any] = []
        for fact in facts:
            for phrasing in (*fact.questions, fact.answer):
                self.choices.append(self.process(phrasing))
                self.owner.append(fact)

    def __call__(self, question: str) -> tuple[bool, str, str | None]:
        best = self.extract(self.process(question), self.choices, scorer=self.scorer, processor=None)
        if best is None or best[1] < BASELINE_CUTOFF:
            return False, "", None
        fact = self.owner[best[2]]
        return True, fact.answer, fact.id


# --- one scale ------------------------------------------------------------------------------------

def spaced(items: Sequence[Any], n: int) -> list[Any]:
    """n items evenly spread over the sequence (every topic file of the question set is represented)."""
    if n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


def cold_build(label: str, root: Path, cache_home: Path, scratch: Path, force: bool) -> dict[str, Any]:
    """Engine.load() from YAML, which also stores the compiled cache. At 100x that takes minutes, so it is
    measured when the cache is missing (first run, or data / engine changed) or with --cold, and remembered."""
    from bot.engine.cache import cache_key

    key = cache_key(root)
    memo = scratch / f"cold-{label}.json"
    if not force and memo.exists() and (cache_home / "natobot" / f"engine-{key}.pickle").exists():
        saved = json.loads(memo.read_text())
        if saved.get("key") == key:
            return {**saved, "measured_this_run": False}
    shutil.rmtree(cache_home, ignore_errors=True)
    log(f"[{label}] building the engine from YAML (cold; stores the cache) ...")
    result = probe(root, cache_home, cache=True)
    result.update(key=key, date=time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    memo.write_text(json.dumps(result))
    return {**result, "measured_this_run": True}


def bench_scale(label: str, root: Path, cache_home: Path, scratch: Path, items: list[dict[str, Any]], *,
                repeat: int, sample: int | None, baseline_sample: int | None, synthetic: int, ask_runs: int,
                cold: bool) -> dict[str, Any]:
    from bot.engine import Engine

    out: dict[str, Any] = {"root": str(root)}
    items = spaced(items, sample) if sample else items
    texts = [str(i["q"]) for i in items]
    out["load_no_cache"] = cold_build(label, root, cache_home, scratch, cold)
    log(f"[{label}] loading from the cache, peak RSS ...")
    warm = [probe(root, cache_home, cache=True, questions=texts[:100] if n == 0 else ()) for n in range(3)]
    out["load_cached"] = {"load_s": statistics.median(w["load_s"] for w in warm),
                          "import_s": statistics.median(w["import_s"] for w in warm)}
    out["peak_rss_mb"] = warm[0]["maxrss_mb"]
    out["peak_rss_building_mb"] = out["load_no_cache"]["maxrss_mb"]
    out["facts"] = warm[0]["facts"]
    log(f"[{label}] natobot ask x{ask_runs} ...")
    out["natobot_ask"] = natobot_ask(root, cache_home, ask_runs, no_cache=cold or out["load_no_cache"]["load_s"] < 10)

    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    engine = Engine.load(root, cache=True)
    pairs = synthetic_questions(engine.library, synthetic) if synthetic else []
    all_texts = texts + [q for q, _ in pairs]
    log(f"[{label}] engine over {len(all_texts)} questions x{repeat} ...")
    answers, out["engine"] = timed(engine.answer, all_texts, repeat)
    out["engine"]["set_questions"] = len(items)
    out["engine"]["accuracy"] = accuracy(items, [(a.answered, a.text) for a in answers[:len(items)]])
    if pairs:
        hits = sum(a.answered and a.fact_id == fid for a, (_, fid) in zip(answers[len(items):], pairs, strict=True))
        out["engine"]["synthetic_fact_accuracy"] = hits / len(pairs)

    baseline = Baseline(engine.library.facts)
    out["baseline_phrasings"] = len(baseline.choices)
    b_items = spaced(items, baseline_sample * 2 // 3) if baseline_sample else items
    b_pairs = spaced(pairs, baseline_sample - len(b_items)) if baseline_sample and pairs else pairs
    b_texts = [str(i["q"]) for i in b_items] + [q for q, _ in b_pairs]
    log(f"[{label}] baseline over {len(b_texts)} questions ({len(baseline.choices)} phrasings) ...")
    b_answers, out["baseline"] = timed(baseline, b_texts, 1)
    out["baseline"]["set_questions"] = len(b_items)
    out["baseline"]["accuracy"] = accuracy(b_items, [(a, t) for a, t, _ in b_answers[:len(b_items)]])
    by_q = {str(i["q"]): (a.answered, a.text) for i, a in zip(items, answers, strict=False)}
    out["engine"]["accuracy_on_baseline_sample"] = accuracy(b_items, [by_q[str(i["q"])] for i in b_items])
    if b_pairs:
        hits = sum(a and fid == want for (a, _, fid), (_, want) in zip(b_answers[len(b_items):], b_pairs,
                                                                        strict=True))
        out["baseline"]["synthetic_fact_accuracy"] = hits / len(b_pairs)
    out["speedup_vs_baseline"] = out["engine"]["qps"] / out["baseline"]["qps"]
    del engine, baseline
    return out


# --- report ---------------------------------------------------------------------------------------

def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    big = results["scales"][results["big_label"]]
    one = results["scales"]["1x"]

    def row(name: str, value: float, target: float, met: bool, unit: str) -> dict[str, Any]:
        return {"target": name, "value": round(value, 3), "goal": target, "unit": unit, "met": bool(met)}

    acc_big = big["engine"]["accuracy_on_baseline_sample"]["all"]
    return [
        row("engine questions/s at 1x >= 2000", one["engine"]["qps"], 2000, one["engine"]["qps"] >= 2000, "q/s"),
        row(f"engine questions/s at {results['big_label']} >= 500", big["engine"]["qps"], 500,
            big["engine"]["qps"] >= 500, "q/s"),
        row(f">= 10x the naive baseline at {results['big_label']}", big["speedup_vs_baseline"], 10,
            big["speedup_vs_baseline"] >= 10, "x"),
        row(f"no loss of accuracy vs the baseline at {results['big_label']} (baseline's sample of the set)", acc_big,
            big["baseline"].get("accuracy", {}).get("all", 0.0),
            acc_big >= big["baseline"].get("accuracy", {}).get("all", 1.0), "share"),
        row("cold `natobot ask` < 0.5 s (1x, warm cache)", one["natobot_ask"]["warm_median_s"], 0.5,
            one["natobot_ask"]["warm_median_s"] < 0.5, "s"),
        row(f"cold `natobot ask` < 0.5 s ({results['big_label']}, warm cache)", big["natobot_ask"]["warm_median_s"],
            0.5, big["natobot_ask"]["warm_median_s"] < 0.5, "s"),
    ]


def render(results: dict[str, Any]) -> str:
    labels = list(results["scales"])
    s = results["scales"]
    lines = [f"machine: {results['machine']['nproc']} x {results['machine']['cpu']}, "
             f"Python {results['machine']['python']}", ""]
    head = f"{'':44}" + "".join(f"{lab:>16}" for lab in labels)
    lines.append(head)

    def add(name: str, get: Callable[[dict[str, Any]], Any], fmt: str) -> None:
        cells = []
        for lab in labels:
            try:
                cells.append(format(get(s[lab]), fmt))
            except (KeyError, TypeError, ValueError):
                cells.append("-")
        lines.append(f"{name:44}" + "".join(f"{c:>16}" for c in cells))

    add("facts", lambda r: r["facts"], "d")
    add("questions timed (set + synthetic) x repeat", lambda r: r["engine"]["questions"], "d")
    add("engine questions/s", lambda r: r["engine"]["qps"], ",.0f")
    add("engine p50 latency (ms)", lambda r: r["engine"]["p50_ms"], ".2f")
    add("engine p99 latency (ms)", lambda r: r["engine"]["p99_ms"], ".2f")
    add("question-set questions timed", lambda r: r["engine"]["set_questions"], "d")
    add("engine accuracy, question set", lambda r: r["engine"]["accuracy"]["all"], ".1%")
    add("  answerable / decline", lambda r: f"{r['engine']['accuracy']['answerable']:.1%} / "
                                           f"{r['engine']['accuracy']['decline']:.1%}", "")
    add("engine synthetic questions: right fact", lambda r: r["engine"]["synthetic_fact_accuracy"], ".1%")
    add("baseline phrasings", lambda r: r["baseline_phrasings"], ",d")
    add("baseline questions/s", lambda r: r["baseline"]["qps"], ",.1f")
    add("baseline p50 latency (ms)", lambda r: r["baseline"]["p50_ms"], ".2f")
    add("baseline p99 latency (ms)", lambda r: r["baseline"]["p99_ms"], ".2f")
    add("baseline: question-set questions", lambda r: r["baseline"]["set_questions"], "d")
    add("baseline accuracy, on those", lambda r: r["baseline"]["accuracy"]["all"], ".1%")
    add("engine accuracy, on those", lambda r: r["engine"]["accuracy_on_baseline_sample"]["all"], ".1%")
    add("  answerable / decline", lambda r: f"{r['baseline']['accuracy']['answerable']:.1%} / "
                                           f"{r['baseline']['accuracy']['decline']:.1%}", "")
    add("baseline synthetic questions: right fact", lambda r: r["baseline"]["synthetic_fact_accuracy"], ".1%")
    add("engine / baseline speed", lambda r: r["speedup_vs_baseline"], ".1f")
    add("`natobot ask` warm cache, median (s)", lambda r: r["natobot_ask"]["warm_median_s"], ".3f")
    add("`natobot ask` NATOBOT_NO_CACHE=1 (s)", lambda r: r["natobot_ask"]["no_cache_s"] or "(--cold)", ".3f")
    add("Engine.load() from cache (s)", lambda r: r["load_cached"]["load_s"], ".3f")
    add("Engine.load() from YAML + store cache (s)", lambda r: r["load_no_cache"]["load_s"], ".3f")
    add("import bot.engine (s)", lambda r: r["load_cached"]["import_s"], ".3f")
    add("peak RSS, engine loaded + answered (MB)", lambda r: r["peak_rss_mb"], ".1f")
    add("peak RSS, building from YAML (MB)", lambda r: r["peak_rss_building_mb"], ".1f")
    lines += ["", "targets (issue 6):"]
    for t in results["targets"]:
        lines.append(f"  [{'met' if t['met'] else 'NOT MET':>7}] {t['target']}: {t['value']} {t['unit']}")
    lines.append(f"\nfull run: {results['wall_s']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="natobot engine benchmarks (issue 6)")
    parser.add_argument("--quick", action="store_true", help="10x instead of 100x, fewer repetitions (smoke run)")
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "natobot-bench",
                        help="where the synthetic library and the engine caches go")
    parser.add_argument("--cold", action="store_true",
                        help="rebuild the 100x engine from YAML and time `natobot ask` without cache there too "
                             "(adds minutes; done anyway when the data or the engine changed)")
    parser.add_argument("--no-write", action="store_true", help="do not write benchmarks/results.json")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    scale = 10 if args.quick else 100
    big = f"{scale}x"
    args.scratch.mkdir(parents=True, exist_ok=True)
    corpus = args.scratch / f"corpus-{big}"
    items = question_set()
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(),
                               "quick": args.quick, "big_label": big, "ask_question": ASK_QUESTION,
                               "baseline_cutoff": BASELINE_CUTOFF, "question_set": len(items), "scales": {}}
    results["corpus_generation_s"] = ensure_corpus(corpus, scale)
    common = {"ask_runs": 3 if args.quick else 5, "cold": args.cold}
    results["scales"]["1x"] = bench_scale("1x", ROOT, args.scratch / "cache-1x", args.scratch, items,
                                          repeat=1 if args.quick else 3, sample=None, baseline_sample=None,
                                          synthetic=0, **common)
    results["scales"][big] = bench_scale(big, corpus, args.scratch / f"cache-{big}", args.scratch, items, repeat=1,
                                         sample=BIG_SAMPLE // (2 if args.quick else 1),
                                         baseline_sample=BASELINE_SAMPLE // (2 if args.quick else 1),
                                         synthetic=BIG_SAMPLE // (4 if args.quick else 2), **common)
    results["targets"] = targets(results)
    results["wall_s"] = time.perf_counter() - t0
    print(render(results))
    if not args.no_write:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
