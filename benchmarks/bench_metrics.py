"""Benchmark: the full analysis metric set on a 1,000,000-row places table.

The table mimics the engine's output: 3,000 places x 30 steps x 11 runs, with two indicators
per subsystem and four industry outputs per place. Set-up (building the table and the place
graph) is timed apart from the metrics; each metric is timed as the best of ``--repeat`` runs.
Results go to ``benchmarks/results/`` (ignored by git) as JSON.

Run as ``python -m benchmarks.bench_metrics``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from chainweave.analysis import (
    AVOID_ZEROS_RANGE,
    coupling_coordination,
    diversification_index,
    herfindahl_index,
    lagged_regression,
    morans_i,
    policy_contrasts,
    specialization_index,
    standardize_indicators,
    subsystem_scores,
)

INDICATORS = [
    f"{s}_{k}" for s in ("industry", "innovation", "service", "urbanization") for k in ("a", "b")
]
INDUSTRIES = ["chem", "agri", "mach", "serv"]


def build_table(places: int, steps: int, runs: int, seed: int) -> pd.DataFrame:
    """Return a synthetic long places table (one row per run, step and place)."""
    rng = np.random.default_rng(seed)
    n = places * steps * runs
    run = np.repeat(np.arange(runs), places * steps)
    step = np.tile(np.repeat(np.arange(1, steps + 1), places), runs)
    place = np.tile(np.arange(places), steps * runs)
    table = pd.DataFrame(
        {
            "scenario": np.where(run < runs // 2 + 1, "baseline", "subsidy"),
            "replicate": run,
            "step": step,
            "place": place,
            "tier": pd.Categorical(
                np.where(place < 30, "core", np.where(place < 300, "sua", "county"))
            ),
        }
    )
    trend = step / steps
    for col in INDICATORS:
        table[col] = rng.gamma(2.0, 1.0, n) * (1.0 + trend)
    for col in INDUSTRIES:
        table[col] = rng.gamma(2.0, 10.0, n)
    return table


def metric_set(table: pd.DataFrame, graph: nx.Graph, seed: int) -> dict[str, float]:
    """Compute every metric once; return seconds per metric."""
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], object]) -> object:
        start = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - start
        return out

    baseline = table.loc[table["scenario"] == "baseline", INDICATORS]
    std = timed(
        "standardize",
        lambda: standardize_indicators(
            table[INDICATORS], reference=baseline, out_range=AVOID_ZEROS_RANGE
        ),
    )
    scores = timed(
        "entropy_subsystem_scores", lambda: subsystem_scores(std.values, method="entropy")
    )
    ccd = timed("coupling_standard", lambda: coupling_coordination(scores.scores, "standard"))
    timed("coupling_revised", lambda: coupling_coordination(scores.scores, "revised", scale="ten"))
    timed("coupling_paper", lambda: coupling_coordination(scores.scores.iloc[:, :2], "paper"))
    clusters = table[["replicate", "step"]].to_numpy()
    output = table[INDUSTRIES]
    timed("specialization", lambda: specialization_index(output, clusters))
    timed(
        "herfindahl_diversification",
        lambda: (herfindahl_index(output), diversification_index(output)),
    )
    long = table[["scenario", "replicate", "step", "place", "tier"]].assign(
        D=ccd["D"].to_numpy(), variant="standard"
    )
    last = long[long["step"] == long["step"].max()]
    timed(
        "morans_i_last_step_per_run",
        lambda: [
            morans_i(group.set_index("place")["D"], graph, rng=seed, permutations=99)
            for _, group in last.groupby("replicate")
        ],
    )
    timed("contrasts_cluster", lambda: policy_contrasts(long, "D", steps=[10, 20, 30]))
    timed("contrasts_tier", lambda: policy_contrasts(long, "D", by="tier", steps=[10, 20, 30]))
    run0 = long[long["replicate"] == 0].groupby("step")["D"].mean()
    innov = scores.scores["innovation"][long["replicate"].to_numpy() == 0]
    k = innov.groupby(long.loc[long["replicate"] == 0, "step"].to_numpy()).mean()
    timed("lagged_regression", lambda: lagged_regression(run0.to_numpy(), k.to_numpy()))
    return timings


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print per-metric and total times (best of ``--repeat``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=3000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/bench_metrics.json"))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    table = build_table(args.places, args.steps, args.runs, args.seed)
    graph = nx.random_geometric_graph(args.places, 0.03, seed=args.seed)
    setup = time.perf_counter() - start

    runs = [metric_set(table, graph, args.seed) for _ in range(args.repeat)]
    best = {name: min(r[name] for r in runs) for name in runs[0]}
    total = min(sum(r.values()) for r in runs)
    print(f"rows: {len(table):,}  set-up: {setup:.2f} s")
    for name, seconds in best.items():
        print(f"  {name:<30} {seconds:7.3f} s")
    print(f"full metric set (best of {args.repeat}): {total:.2f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"rows": len(table), "setup_s": setup, "total_s": total, "metrics_s": best}, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
