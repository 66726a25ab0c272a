"""Benchmark of the engine: throughput, memory, phases, scaling, the reference, the national run.

Measures, for the configurations of `benchmarks.configurations`:

- firm-steps per second and time per step (best of k repetitions per seed, set-up timed
  apart) at each size, each size in a fresh subprocess so that its peak memory (the process's
  peak resident set minus the resident set before the model was built) is its own;
- time per phase at each size;
- the speed ratio of the vectorised engine to the per-agent reference
  (`tests/reference_model.py`), both run in the same process on the same cluster and seed
  (the reference is run for fewer steps at large sizes);
- scaling: time per step against firms (the sizes), against places (k copies of the default
  synthetic cluster on a grid, so density is fixed, at a fixed number of firms) and total
  stepping time against steps;
- the national scenario (`chainweave.scenarios.national`) at full size, in a fresh process:
  graph, set-up and stepping times, peak memory.

Results are printed as a table and written as JSON to ``benchmarks/results/`` (ignored by
git); ``python -m benchmarks.compare A.json B.json`` compares two result files.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from benchmarks.configurations import FULL, QUICK, Suite
from benchmarks.output import save_results

ROOT = Path(__file__).resolve().parents[1]


def _status_mb(field: str) -> float:
    """Returns a size field of /proc/self/status (Linux), MiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """Returns the current resident set size of this process, MiB (Linux /proc)."""
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """Returns the peak resident set size of this process so far, MiB (Linux /proc).

    VmHWM, not getrusage's ru_maxrss: a child process inherits its parent's ru_maxrss
    through fork and keeps it through exec, so a worker started after the suite's
    in-process reference runs (over 1 GB) would report the parent's peak as its own.
    """
    return _status_mb("VmHWM")


def tiled_cluster(copies: int, seed: int = 0) -> nx.Graph:
    """Returns ``copies`` default synthetic clusters side by side (fixed density of places).

    Copy i is the default cluster drawn with seed ``seed + i``, on a regular grid: 8 copies
    per row, 8 degrees of longitude apart (about 770 km at 30 N), rows 7 degrees of latitude
    apart. Each copy is within reach of only its grid neighbours, so places per area, and
    place pairs per place, stay bounded as copies are added.
    """
    from chainweave.network import synthetic_cluster

    graph = nx.Graph(name=f"{copies} synthetic clusters")
    for i in range(copies):
        part = synthetic_cluster(seed=seed + i)
        shift_lon, shift_lat = 8.0 * (i % 8) - 28.0, -7.0 * (i // 8)
        mapping = {name: f"{name}@{i}" for name in part.nodes}
        for name, data in part.nodes(data=True):
            moved = dict(data, lat=data["lat"] + shift_lat, lon=data["lon"] + shift_lon)
            if moved["parent"] is not None:
                moved["parent"] = mapping[moved["parent"]]
            graph.add_node(mapping[name], **moved)
    return graph


def time_model(n_firms: int, steps: int, seed: int, graph: nx.Graph | None,
               record_flows: bool = False) -> dict[str, Any]:
    """Builds one model and steps it; returns set-up and stepping times and per-phase times."""
    from chainweave.model import ClusterModel

    started = time.perf_counter()
    model = ClusterModel(graph=graph, rng=seed, n_firms=n_firms, record_flows=record_flows)
    setup = time.perf_counter() - started
    firm_steps = 0
    started = time.perf_counter()
    for _ in range(steps):
        firm_steps += len(model.firms)
        model.step()
    stepping = time.perf_counter() - started
    result = {
        "places": model.net.n, "pairs": len(model.net.pairs.src), "firms_final": len(model.firms),
        "setup_s": setup, "step_s": stepping / steps, "firm_steps": firm_steps,
        "firm_steps_per_s": firm_steps / stepping,
        "phase_s": {k: v / steps for k, v in model.phase_seconds.items()},
    }
    # A model is a reference cycle (Mesa's agents and reporters point back to it), which only
    # the garbage collector frees: without this, finished repetitions stay in memory and the
    # peak counts several models.
    del model
    gc.collect()
    return result


def best_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Returns the fastest run (by time per step), with every repetition's times attached."""
    best = dict(min(runs, key=lambda r: r["step_s"]))
    best["all_step_s"] = [r["step_s"] for r in runs]
    best["all_setup_s"] = [r["setup_s"] for r in runs]
    return best


def worker(task: dict[str, Any]) -> dict[str, Any]:
    """Runs one measurement in this (fresh) process; returns its results.

    Peak memory counts from the resident set after the package and its libraries are
    imported, so it is what the model and its graph take.
    """
    import chainweave.model  # noqa: F401  (imports numpy, scipy, pandas, mesa)
    import chainweave.scenarios.national  # noqa: F401

    before = rss_mb()
    graph = None
    started = time.perf_counter()
    if task["graph"] == "national":
        from chainweave.scenarios.national import national_cluster

        graph = national_cluster()
    elif task["graph"].startswith("tiled:"):
        graph = tiled_cluster(int(task["graph"].split(":")[1]))
    graph_s = time.perf_counter() - started
    runs = [time_model(task["firms"], task["steps"], seed, graph)
            for seed in task["seeds"] for _ in range(task["repeats"])]
    result = best_of(runs)
    result.update(graph_s=graph_s, rss_before_mb=before, peak_rss_mb=peak_rss_mb())
    result["peak_bytes_per_firm"] = (result["peak_rss_mb"] - before) * 2**20 / task["firms"]
    return result


def in_subprocess(task: dict[str, Any]) -> dict[str, Any]:
    """Runs `worker` on ``task`` in a fresh Python process; returns its results."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_engine", "--worker", json.dumps(task)],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark worker failed on {task}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_ratio(n_firms: int, fast_steps: int, ref_steps: int, seed: int = 1) -> dict[str, Any]:
    """Times the vectorised engine and the per-agent reference in this process, same cluster.

    Both start from the same state; set-up is timed apart. The reference's time per step is
    taken over ``ref_steps`` years (fewer than the engine's at large sizes: it is slow).
    """
    sys.path.insert(0, str(ROOT / "tests"))
    from reference_model import ReferenceModel

    from chainweave.model import ClusterModel
    from chainweave.network import synthetic_cluster

    graph = synthetic_cluster(seed=0)
    result: dict[str, Any] = {"firms": n_firms, "fast_steps": fast_steps, "reference_steps": ref_steps}
    for name, cls, steps in (("fast", ClusterModel, fast_steps), ("reference", ReferenceModel, ref_steps)):
        started = time.perf_counter()
        model = cls(graph=graph, rng=seed, n_firms=n_firms, record_flows=False)
        result[f"{name}_setup_s"] = time.perf_counter() - started
        started = time.perf_counter()
        model.run(steps)
        result[f"{name}_step_s"] = (time.perf_counter() - started) / steps
        del model
    result["ratio"] = result["reference_step_s"] / result["fast_step_s"]
    return result


def machine() -> dict[str, Any]:
    """Returns what identifies the machine and the software versions."""
    import mesa
    import scipy

    return {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "mesa": mesa.__version__, "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "load_avg_1min": os.getloadavg()[0],
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def run_suite(suite: Suite, log: Any = print) -> dict[str, Any]:
    """Runs every measurement of ``suite``; returns the results (JSON-ready)."""
    results: dict[str, Any] = {"machine": machine(), "suite": dataclasses.asdict(suite)}
    results["sizes"] = {}
    for n in suite.sizes:
        log(f"  throughput at {n:,} firms ...")
        results["sizes"][str(n)] = in_subprocess({"graph": "default", "firms": n, "steps": suite.steps,
                                                  "seeds": list(suite.seeds), "repeats": suite.repeats})
    results["reference"] = []
    for n, fast_steps, ref_steps in suite.reference:
        log(f"  per-agent reference at {n:,} firms ...")
        results["reference"].append(reference_ratio(n, fast_steps, ref_steps))
    results["places"] = {}
    for copies in suite.place_copies:
        log(f"  scaling in places: {copies} cluster copies ...")
        task = {"graph": f"tiled:{copies}", "firms": suite.place_firms, "steps": suite.steps,
                "seeds": [1], "repeats": 2}
        results["places"][str(copies)] = in_subprocess(task)
    results["steps"] = {}
    for steps in suite.step_counts:
        log(f"  scaling in steps: {steps} steps ...")
        run = best_of([time_model(suite.place_firms, steps, 1, None) for _ in range(2)])
        results["steps"][str(steps)] = {"total_s": run["step_s"] * steps, "step_s": run["step_s"]}
    if suite.national_firms:
        log(f"  national scenario: {suite.national_firms:,} firms, {suite.national_steps} steps ...")
        results["national"] = in_subprocess({"graph": "national", "firms": suite.national_firms,
                                             "steps": suite.national_steps, "seeds": [1], "repeats": 1})
        nat = results["national"]
        nat["total_s"] = nat["graph_s"] + nat["setup_s"] + nat["step_s"] * suite.national_steps
    return results


def report(results: dict[str, Any]) -> str:
    """Returns the results as text tables."""
    lines = ["throughput (best of k per seed; firm-steps/s counts live firms at the start of each step)",
             f"{'firms':>10} {'places':>7} {'setup s':>8} {'step ms':>9} {'firm-steps/s':>14} "
             f"{'peak MB':>8} {'B/firm':>7}"]
    for n, r in results["sizes"].items():
        lines.append(f"{int(n):>10,} {r['places']:>7} {r['setup_s']:>8.2f} {r['step_s'] * 1e3:>9.1f} "
                     f"{r['firm_steps_per_s']:>14,.0f} {r['peak_rss_mb'] - r['rss_before_mb']:>8.0f} "
                     f"{r['peak_bytes_per_firm']:>7.0f}")
    lines += ["", "time per phase, ms per step"]
    sizes = list(results["sizes"])
    phases = list(results["sizes"][sizes[-1]]["phase_s"])
    lines.append(f"{'phase':<22}" + "".join(f"{int(n):>12,}" for n in sizes))
    for phase in phases:
        lines.append(f"{phase:<22}" + "".join(
            f"{results['sizes'][n]['phase_s'].get(phase, 0.0) * 1e3:>12.2f}" for n in sizes))
    lines += ["", "vectorised vs per-agent reference (same process, same cluster and seed)",
              f"{'firms':>10} {'vector ms/step':>15} {'reference ms/step':>18} {'ratio':>7} {'ref steps':>9}"]
    for r in results["reference"]:
        lines.append(f"{r['firms']:>10,} {r['fast_step_s'] * 1e3:>15.1f} "
                     f"{r['reference_step_s'] * 1e3:>18.0f} {r['ratio']:>7.0f} {r['reference_steps']:>9}")
    lines += ["", "scaling in places (copies of the default cluster, fixed firms)",
              f"{'places':>8} {'pairs':>9} {'step ms':>9}"]
    for r in results["places"].values():
        lines.append(f"{r['places']:>8} {r['pairs']:>9,} {r['step_s'] * 1e3:>9.1f}")
    lines += ["", "scaling in steps", f"{'steps':>6} {'total s':>8} {'ms/step':>8}"]
    for steps, r in results["steps"].items():
        lines.append(f"{int(steps):>6} {r['total_s']:>8.2f} {r['step_s'] * 1e3:>8.1f}")
    if "national" in results:
        r, suite = results["national"], results["suite"]
        lines += ["", f"national scenario: {r['places']:,} places, {r['pairs']:,} place pairs, "
                  f"{suite['national_firms']:,} firms, {suite['national_steps']} steps",
                  f"  graph {r['graph_s']:.1f} s, set-up {r['setup_s']:.1f} s, "
                  f"stepping {r['step_s'] * suite['national_steps']:.1f} s ({r['step_s'] * 1e3:.0f} ms/step, "
                  f"{r['firm_steps_per_s']:,.0f} firm-steps/s), total {r['total_s']:.1f} s, "
                  f"peak {r['peak_rss_mb']:.0f} MB"]
    m = results["machine"]
    lines += ["", f"numpy {m['numpy']}, scipy {m['scipy']}, mesa {m['mesa']}, python {m['python']}, "
              f"{m['cpus']} CPUs, load average at start {m['load_avg_1min']:.2f}"]
    return "\n".join(lines)


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``run.py bench`` (listed in ``run.py``)."""
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")


def bench_command(args: argparse.Namespace) -> int:
    """Runs ``run.py bench``: the engine benchmark; returns the exit code."""
    return main(["--quick"] if args.quick else [])


def main(argv: list[str] | None = None) -> int:
    """Runs the engine benchmark, prints its tables and writes JSON; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file (default: benchmarks/results/engine-<time>.json)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    suite = QUICK if args.quick else FULL
    print(f"engine benchmark ({'quick' if args.quick else 'full'} suite)")
    results = run_suite(suite)
    print()
    print(report(results))
    save_results(results, "engine", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
