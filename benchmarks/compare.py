"""Compares two engine benchmark result files: % change of each timing with a 95% interval.

Like Mesa's ``benchmarks/compare_timings.py``: for each measurement present in both files,
the change of the mean over its repetitions, with a bootstrap interval of that change
(resampling each file's repetitions). Timings with one repetition get no interval.

Run as ``python -m benchmarks.compare OLD.json NEW.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np


def repetitions(results: dict[str, Any]) -> dict[str, list[float]]:
    """Returns every timing with its repetitions, keyed by a readable name (seconds)."""
    out: dict[str, list[float]] = {}
    for n, r in results.get("sizes", {}).items():
        out[f"step at {int(n):,} firms"] = r["all_step_s"]
        out[f"set-up at {int(n):,} firms"] = r["all_setup_s"]
    for r in results.get("places", {}).values():
        firms = results["suite"]["place_firms"]
        out[f"step at {r['places']} places, {firms:,} firms"] = r["all_step_s"]
    for r in results.get("reference", []):
        out[f"reference step at {r['firms']:,} firms"] = [r["reference_step_s"]]
    if "national" in results:
        national = results["suite"]["national_firms"]
        out[f"national step, {national:,} firms"] = results["national"]["all_step_s"]
    return out


def change_interval(old: list[float], new: list[float], rng: np.random.Generator,
                    draws: int = 10_000) -> tuple[float, float, float]:
    """Returns (% change of the mean, low, high) with a bootstrap 95% interval."""
    a, b = np.asarray(old), np.asarray(new)
    change = 100 * (b.mean() / a.mean() - 1)
    if len(a) < 2 or len(b) < 2:
        return change, np.nan, np.nan
    ma = rng.choice(a, (draws, len(a))).mean(axis=1)
    mb = rng.choice(b, (draws, len(b))).mean(axis=1)
    low, high = np.percentile(100 * (mb / ma - 1), [2.5, 97.5])
    return change, float(low), float(high)


def compare(old: dict[str, Any], new: dict[str, Any], seed: int = 0) -> str:
    """Returns a text table of the changes from ``old`` to ``new`` (negative: faster)."""
    rng = np.random.default_rng(seed)
    a, b = repetitions(old), repetitions(new)
    lines = [f"{'timing':<40} {'old ms':>9} {'new ms':>9} {'change':>8} {'95% interval':>18}"]
    for name in a.keys() & b.keys():
        change, low, high = change_interval(a[name], b[name], rng)
        interval = "" if np.isnan(low) else f"[{low:+.1f}%, {high:+.1f}%]"
        lines.append(f"{name:<40} {np.mean(a[name]) * 1e3:>9.1f} {np.mean(b[name]) * 1e3:>9.1f} "
                     f"{change:>+7.1f}% {interval:>18}")
    return "\n".join([lines[0], *sorted(lines[1:])])


def main(argv: list[str] | None = None) -> int:
    """Prints the comparison of two result files; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    print(compare(json.loads(args.old.read_text()), json.loads(args.new.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
