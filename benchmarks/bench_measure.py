"""Benchmark of the measure phase under one and under more index systems, same window.

``python -m benchmarks.bench_measure [--firms N] [--systems iis] [--repeats K]`` builds one model
(default 1,000,000 firms on the default synthetic cluster), steps it once, and then times the
measure phase (`ClusterModel.measure`: totals, indicators, scores, records) K times with the
``default`` system alone and K times with ``default`` plus the named systems, interleaved, so
that both see the same load of a shared machine. It reports the minimum and median of each and
their ratios (the issue's bound: one extra system adds at most 20 %), and times the scoring
alone (`chainweave.measures.score_groupings`). Results go to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

from benchmarks.output import save_results


def measure_times(firms: int, extra: list[str], repeats: int, seed: int = 1) -> dict[str, Any]:
    """Returns the measure phase's times (s) with default alone and with the extra systems."""
    from chainweave.agents.firm import place_year
    from chainweave.measurement import load_system
    from chainweave.measures import DEFAULT_SYSTEM, place_totals, score_groupings
    from chainweave.model import ClusterModel
    from chainweave.network import Tier

    model = ClusterModel(rng=seed, n_firms=firms, record_flows=False)
    model.step()
    variants = {"default": (DEFAULT_SYSTEM,),
                "with_extra": (DEFAULT_SYSTEM, *(load_system(name) for name in extra))}
    phase: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, systems in variants.items():
            model.systems = systems
            started = time.perf_counter()
            model.measure(model)
            phase[name].append(time.perf_counter() - started)
            model._records.pop()  # the year is recorded once, whatever the repetitions
            model._cluster_records.pop()
    model.last = place_year(model)
    totals, n = place_totals(model), model.net.n
    groupings = [(np.arange(n), n), (model.net.tier.astype(np.int64), len(Tier)),
                 (np.zeros(n, dtype=np.int64), 1)]
    scoring = {}
    for name, systems in variants.items():
        started = time.perf_counter()
        for _ in range(50):
            score_groupings(totals, groupings, systems)
        scoring[name] = (time.perf_counter() - started) / 50
    result: dict[str, Any] = {"firms": firms, "places": n, "extra_systems": extra, "repeats": repeats,
                              "measure_s": phase, "scoring_s": scoring}
    for stat, fn in (("min", min), ("median", statistics.median)):
        result[f"ratio_{stat}"] = fn(phase["with_extra"]) / fn(phase["default"])
    return result


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark, prints its summary and writes the JSON; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_measure")
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--systems", default="iis", help="extra systems, comma-separated")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    r = measure_times(args.firms, [s for s in args.systems.split(",") if s], args.repeats)
    for name in ("default", "with_extra"):
        times = r["measure_s"][name]
        print(f"{name:>10}: measure phase min {1e3 * min(times):.1f} ms, median "
              f"{1e3 * statistics.median(times):.1f} ms; scoring alone {1e3 * r['scoring_s'][name]:.2f} ms")
    print(f"with {', '.join(r['extra_systems'])}: ratio of minima {r['ratio_min']:.3f}, of medians "
          f"{r['ratio_median']:.3f} (bound 1.20)")
    save_results(r, "measure")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
