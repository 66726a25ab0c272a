"""Benchmark of sweeps: runs per second on the local pool, and the Dask path's per-run overhead.

Measures, through `chainweave.sweeps.sweep` (part files written, as in a real sweep):

- runs per second of the default scenario (``yijing_jingen``; a Latin hypercube over the R&D
  subsidy's strength and the kernel's decay distance) in this process (``--workers 1``) and on
  a local pool of 2 processes; pool start-up is included, as a user meets it;
- the per-run overhead of each executor: sweeps of a function that costs microseconds (the
  Ishigami function) at two sizes, the time per run being the slope between them (so start-up
  drops out) and the intercept the start-up; for the local pool (2 processes) and a Dask
  LocalCluster (2 worker processes, 1 thread each, started before timing), with the default
  chunks (runs per task) and with one run per task; the Dask overhead is the difference of
  the slopes;
- the same scenario sweep on the Dask cluster, for runs per second, with the workers' malloc
  trimming off (``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: None``) and at
  Dask's default (on, 65536), which makes model runs about twice as slow.

Prints a table and writes JSON to ``benchmarks/results/sweep-<time>.json`` (ignored by git).
Run as ``python -m benchmarks.bench_sweep [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.output import save_results

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SweepSuite:
    """One configuration of the sweep benchmark.

    Attributes:
        scenario_runs: Runs of the default-scenario sweep per executor.
        n_firms: Firms of the default scenario (None: the scenario's own, 20,000).
        horizon: Years per run (None: the scenario's own, 20).
        overhead_runs: The two sweep sizes of the overhead measurement (trivial runs).
        single_task_runs: The two sizes with one run per task (and per part file).
    """

    scenario_runs: int
    n_firms: int | None
    horizon: int | None
    overhead_runs: tuple[int, int]
    single_task_runs: tuple[int, int]


FULL = SweepSuite(scenario_runs=16, n_firms=None, horizon=None, overhead_runs=(400, 4000),
                  single_task_runs=(100, 1000))
QUICK = SweepSuite(scenario_runs=16, n_firms=2000, horizon=5, overhead_runs=(200, 1000),
                   single_task_runs=(50, 250))


def scenario_spec(suite: SweepSuite) -> dict[str, Any]:
    """Returns the default-scenario sweep of the suite (a Latin hypercube, one replicate)."""
    fixed = {k: v for k, v in (("params.n_firms", suite.n_firms), ("horizon", suite.horizon)) if v}
    return {"name": "bench_scenario", "base": "yijing_jingen", "policies": ["rd_subsidy"], "fixed": fixed,
            "parameters": [{"path": "policies.rd_subsidy.extra_share", "bounds": [0.0, 0.1]},
                           {"path": "params.kernel_decay_km", "bounds": [40.0, 240.0]}],
            "design": {"method": "lhs", "samples": suite.scenario_runs}, "seed": 1,
            "outputs": [{"metric": "D"}, {"metric": "D", "scope": "county"}, {"metric": "patents"}]}


def trivial_spec(runs: int, batch_size: int) -> dict[str, Any]:
    """Returns a sweep of the Ishigami function (microseconds a run): what is left is overhead."""
    return {"name": "bench_overhead", "base": "analytic:ishigami",
            "parameters": [{"path": f"x{i}", "bounds": [-math.pi, math.pi]} for i in (1, 2, 3)],
            "design": {"method": "lhs", "samples": runs}, "seed": 1, "outputs": [{"metric": "y"}],
            "batch_size": batch_size}


def timed_sweep(spec: dict[str, Any], **kwargs: Any) -> float:
    """Runs a sweep into a fresh temporary folder; returns its compute time (s, start-up included)."""
    from chainweave.sweeps import sweep

    with tempfile.TemporaryDirectory() as folder:
        result = sweep(spec, out=Path(folder) / "out", progress=False, **kwargs)
    return float(result.manifest["compute_seconds"])


def slope(spec_of: Any, sizes: tuple[int, int], **kwargs: Any) -> dict[str, float]:
    """Returns time per run (slope between two sizes) and start-up (intercept) of an executor."""
    small, large = (timed_sweep(spec_of(n), **kwargs) for n in sizes)
    per_run = (large - small) / (sizes[1] - sizes[0])
    return {"per_run_ms": per_run * 1e3, "startup_s": small - per_run * sizes[0],
            "seconds": [small, large], "runs": list(sizes)}


MODES: tuple[tuple[str, str, int], ...] = (("chunked", "overhead_runs", 32),
                                          ("one_run_per_task", "single_task_runs", 1))
"""Overhead measurements: (label, suite field with the two sizes, batch size = largest chunk)."""


def run_suite(suite: SweepSuite, log: Any = print) -> dict[str, Any]:
    """Runs every measurement of ``suite``; returns the results (JSON-ready)."""
    import dask
    from distributed import Client, LocalCluster

    results: dict[str, Any] = {"machine": machine(), "suite": asdict(suite), "scenario": {}, "overhead": {}}
    spec, runs = scenario_spec(suite), suite.scenario_runs
    for label, field, batch in MODES:
        log(f"  overhead, local pool of 2, {label} ...")
        results["overhead"][f"local_2_{label}"] = slope(lambda n, b=batch: trivial_spec(n, b),
                                                        getattr(suite, field), workers=2)
    startup = {"local_1": 0.0, "local_2": results["overhead"]["local_2_chunked"]["startup_s"],
               "dask_2": 0.0, "dask_2_trimmed": 0.0}
    for workers in (1, 2):
        log(f"  default scenario, {runs} runs, workers={workers} ...")
        results["scenario"][f"local_{workers}"] = {"seconds": timed_sweep(spec, workers=workers)}
    for name, trim in (("dask_2", None), ("dask_2_trimmed", 65536)):
        log(f"  starting a Dask LocalCluster of 2 worker processes, MALLOC_TRIM_THRESHOLD_={trim} ...")
        os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)  # a nanny sets it in its own process too
        started = time.perf_counter()
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": trim}), \
                warnings.catch_warnings(), \
                LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            warnings.simplefilter("ignore", RuntimeWarning)  # the advice about MALLOC_TRIM_THRESHOLD_
            results[f"{name}_cluster_start_s"] = time.perf_counter() - started
            timed_sweep(trivial_spec(50, 32), executor=client)  # workers import chainweave once
            for label, field, batch in MODES:
                log(f"  overhead, Dask, {label} ...")
                results["overhead"][f"{name}_{label}"] = slope(lambda n, b=batch: trivial_spec(n, b),
                                                               getattr(suite, field), executor=client)
            log(f"  default scenario, {runs} runs, Dask ...")
            results["scenario"][name] = {"seconds": timed_sweep(spec, executor=client)}
    for key, r in results["scenario"].items():
        r["runs_per_s"] = runs / r["seconds"]
        r["startup_s"] = startup[key]
        r["runs_per_s_after_startup"] = runs / (r["seconds"] - startup[key])
    overhead = results["overhead"]
    results["overhead_dask_minus_local_ms"] = {
        label: overhead[f"dask_2_{label}"]["per_run_ms"] - overhead[f"local_2_{label}"]["per_run_ms"]
        for label, _, _ in MODES}
    return results


def machine() -> dict[str, Any]:
    """Returns what identifies the machine and the software versions."""
    import dask
    import distributed

    return {"python": platform.python_version(), "numpy": np.__version__, "dask": dask.__version__,
            "distributed": distributed.__version__, "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "load_avg_1min": os.getloadavg()[0]}


def report(results: dict[str, Any]) -> str:
    """Returns the results as text tables."""
    suite = results["suite"]
    size = (f"{suite['n_firms'] or 20000:,} firms, {suite['horizon'] or 20} years")
    lines = [f"default scenario (yijing_jingen, {size}), {suite['scenario_runs']} runs; the local pool's "
             "start-up (measured below) taken out in the last column",
             f"{'executor':<36}{'seconds':>9}{'runs/s':>9}{'runs/s after start-up':>23}"]
    names = {"local_1": "this process (--workers 1)", "local_2": "local pool, 2 processes",
             "dask_2": "Dask LocalCluster, 2 workers", "dask_2_trimmed": "  the same, Dask's malloc trim"}
    for key, r in results["scenario"].items():
        lines.append(f"{names[key]:<36}{r['seconds']:>9.2f}{r['runs_per_s']:>9.2f}"
                     f"{r['runs_per_s_after_startup']:>23.2f}")
    lines += ["", "per-run overhead (trivial runs; slope between two sweep sizes; intercept = start-up)",
              f"{'executor':<40}{'ms/run':>8}{'start-up s':>12}"]
    for key, r in results["overhead"].items():
        lines.append(f"{key:<40}{r['per_run_ms']:>8.3f}{r['startup_s']:>12.2f}")
    for label, difference in results["overhead_dask_minus_local_ms"].items():
        lines.append(f"Dask minus local pool, {label}: {difference:+.3f} ms per run")
    m = results["machine"]
    lines += ["", f"Dask cluster start {results['dask_2_cluster_start_s']:.1f} s; dask {m['dask']}, numpy "
              f"{m['numpy']}, python {m['python']}, {m['cpus']} CPUs, load average at start "
              f"{m['load_avg_1min']:.2f}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the sweep benchmark, prints its tables and writes JSON; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small runs (about a minute)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file (default: benchmarks/results/sweep-<time>.json)")
    args = parser.parse_args(argv)
    suite = QUICK if args.quick else FULL
    print(f"sweep benchmark ({'quick' if args.quick else 'full'} suite)")
    results = run_suite(suite)
    print()
    print(report(results))
    save_results(results, "sweep", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
