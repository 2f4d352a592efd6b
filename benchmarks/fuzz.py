"""Run the fuzzers of tests/fuzz/ for N minutes and count outcomes by kind.

    python benchmarks/fuzz.py --minutes 10

Each target (conditions, rule files, facts, dates, event logs) gets an equal share of the
time. Every input ends as ``ok`` (a clean result), ``rejected`` (a YibaoError: the input was
refused with the library's own message) or a failure: ``slow`` (over the target's
wall-clock bound) or the name of the unexpected exception. The first input of each failure
kind is printed. Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.targets import TARGETS, Slow, Target, outcome


class _TimeUp(Exception):
    pass


def run(target: Target, seconds: float, counts: Counter[str], examples: dict[str, str]) -> None:
    stop = time.monotonic() + seconds

    @given(target.strategy)
    @settings(
        max_examples=10**9,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(value: Any) -> None:
        if time.monotonic() > stop:
            raise _TimeUp
        try:
            kind = outcome(target, value)
        except Slow:
            kind = "slow"
        except Exception as exc:  # every other exception is a failure, counted by its type
            kind = f"{type(exc).__name__}"
            examples.setdefault(f"{target.name}/{kind}", "".join(traceback.format_exception(exc))[-1500:])
        counts[kind] += 1
        if kind == "slow":
            examples.setdefault(f"{target.name}/slow", repr(value)[:500])

    with contextlib.suppress(_TimeUp):
        fuzz()


def main() -> None:
    warnings.simplefilter("ignore")  # Hypothesis warns about the size of deliberately huge inputs
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=1.0, help="total running time (default 1)")
    args = parser.parse_args()
    share = args.minutes * 60 / len(TARGETS)
    results: dict[str, Counter[str]] = {}
    examples: dict[str, str] = {}
    started = time.monotonic()
    for target in TARGETS:
        counts: Counter[str] = Counter()
        run(target, share, counts, examples)
        results[target.name] = counts
    elapsed = time.monotonic() - started
    print(f"yibao-rules fuzz: {elapsed / 60:.1f} min, {len(TARGETS)} targets")
    print(f"{'target':<12}{'inputs':>9}{'ok':>9}{'rejected':>10}{'failures':>10}  failures by kind")
    total = Counter[str]()
    for name, counts in results.items():
        failures = {k: v for k, v in counts.items() if k not in ("ok", "rejected")}
        total.update(counts)
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(failures.items())) or "-"
        print(
            f"{name:<12}{sum(counts.values()):>9}{counts['ok']:>9}{counts['rejected']:>10}"
            f"{sum(failures.values()):>10}  {kinds}"
        )
    failed = sum(v for k, v in total.items() if k not in ("ok", "rejected"))
    print(f"{'total':<12}{sum(total.values()):>9}{total['ok']:>9}{total['rejected']:>10}{failed:>10}")
    for key, text in examples.items():
        print(f"\n--- first {key} ---\n{text}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
