"""Benchmark of the regulations search: accuracy, latency, index build and cached load.

Run: .venv/bin/python bench/knowledge_bench.py [--rounds N] [--scale 20]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import KnowledgeBase  # noqa: E402
from knowledge.evaluation import evaluate, load_items  # noqa: E402

FOLDER = ROOT / "knowledge"
EVAL = ROOT / "tests" / "knowledge" / "eval_questions.json"
EXTRA_QUESTIONS = [
    "",
    "？？？",
    "😀😀😀",
    "红十字会法第十一条",
    "<b>慈善法</b> 第二十二条",
    "红会" * 2500,
    "捐赠款物 " * 1000,
]


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
            return "pinned to one core"
        except OSError:
            pass
    return "not pinned"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    position = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[position]


def latencies(base: KnowledgeBase, questions: list[str], rounds: int) -> list[float]:
    base.search("预热")
    timings = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            base.search(question, top=3)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def replicate(folder: Path, target: Path, scale: int) -> int:
    """Copy every document ``scale`` times under altered titles; returns the number of files."""
    count = 0
    for source in sorted(folder.iterdir()):
        if source.suffix != ".md" or source.name.lower().startswith("readme"):
            continue
        text = source.read_text(encoding="utf-8")
        for copy in range(scale):
            altered = text if copy == 0 else _retitle(text, f"（第{copy}份复本）")
            (target / f"{source.stem}-{copy:02d}.md").write_text(altered, encoding="utf-8")
            count += 1
    return count


def _retitle(text: str, suffix: str) -> str:
    text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)}{suffix}", text, count=1,
                  flags=re.MULTILINE)
    return re.sub(r"^# (.*)$", lambda m: f"# {m.group(1)}{suffix}", text, count=1,
                  flags=re.MULTILINE)


def timed_load(folder: Path, cache_dir: Path) -> tuple[KnowledgeBase, float]:
    start = time.perf_counter()
    base = KnowledgeBase.load(folder, cache_dir)
    return base, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=20)
    args = parser.parse_args()
    core = pin_to_one_core()
    items = load_items(EVAL)
    questions = [item["question"] for item in items] + EXTRA_QUESTIONS

    with tempfile.TemporaryDirectory() as temp:
        temp_dir = Path(temp)
        base, cold = timed_load(FOLDER, temp_dir / "cache")
        _, warm = timed_load(FOLDER, temp_dir / "cache")
        report = evaluate(base, items)
        shipped = latencies(base, questions, args.rounds)

        big_folder = temp_dir / "big"
        big_folder.mkdir()
        files = replicate(FOLDER, big_folder, args.scale)
        big, big_cold = timed_load(big_folder, temp_dir / "big-cache")
        _, big_warm = timed_load(big_folder, temp_dir / "big-cache")
        big_latency = latencies(big, questions, 1)
        units = len(base._state.corpus.passages)
        big_units = len(big._state.corpus.passages)

    rows = [
        ("top-1 accuracy", f"{report.top1_rate:.1%}", ">= 85%", report.top1_rate >= 0.85),
        ("top-3 accuracy", f"{report.top3_rate:.1%}", ">= 95%", report.top3_rate >= 0.95),
        ("no-basis recall", f"{report.no_basis_recall:.1%}", ">= 90%",
         report.no_basis_recall >= 0.90),
        ("no-basis precision", f"{report.no_basis_precision:.1%}", ">= 90%",
         report.no_basis_precision >= 0.90),
        ("p50 latency, shipped", f"{statistics.median(shipped):.2f} ms", "", None),
        ("p95 latency, shipped", f"{percentile(shipped, 0.95):.2f} ms", "< 20 ms",
         percentile(shipped, 0.95) < 20),
        ("max latency, shipped", f"{max(shipped):.2f} ms", "", None),
        (f"p50 latency, {args.scale}x", f"{statistics.median(big_latency):.2f} ms", "", None),
        (f"p95 latency, {args.scale}x", f"{percentile(big_latency, 0.95):.2f} ms", "< 200 ms",
         percentile(big_latency, 0.95) < 200),
        ("cold index build, shipped", f"{cold:.2f} s", "< 3 s", cold < 3),
        ("warm (cached) load, shipped", f"{warm:.3f} s", "", None),
        (f"cold index build, {args.scale}x", f"{big_cold:.2f} s", "", None),
        (f"warm (cached) load, {args.scale}x", f"{big_warm:.2f} s", "", None),
    ]
    print(f"knowledge bench: {len(items)} eval questions ({report.answerable} answerable, "
          f"{report.no_basis_expected} without basis), {len(questions)} timed queries x "
          f"{args.rounds}; {units} units shipped, {big_units} units in {files} files at "
          f"{args.scale}x; {core}")
    width = max(len(row[0]) for row in rows)
    print(f"| {'metric':<{width}} | {'value':>10} | {'target':>9} | ok |")
    print(f"|{'-' * (width + 2)}|{'-' * 12}|{'-' * 11}|----|")
    for name, value, target, ok in rows:
        mark = "" if ok is None else ("yes" if ok else "NO")
        print(f"| {name:<{width}} | {value:>10} | {target:>9} | {mark:>2} |")
    if report.failures:
        print("\nmisses:")
        for failure in report.failures:
            print(f"  {failure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
