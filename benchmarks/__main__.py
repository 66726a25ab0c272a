"""``python -m benchmarks``: the engine benchmark suite (see `benchmarks.bench_engine`).

``--quick`` runs small sizes; ``--metrics`` runs the analysis benchmark
(`benchmarks.bench_metrics`) after it, and ``--sweeps`` the sweep benchmark
(`benchmarks.bench_sweep`: runs per second on the local pool and on Dask).
"""

from __future__ import annotations

import sys

from benchmarks import bench_engine, bench_metrics, bench_sweep


def main(argv: list[str] | None = None) -> int:
    """Runs the engine suite, then the metrics and sweep benchmarks when asked; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extras = {"--metrics", "--sweeps"}
    quick = "--quick" in argv
    code = bench_engine.main([a for a in argv if a not in extras])
    if "--metrics" in argv and code == 0:
        code = bench_metrics.main([])
    if "--sweeps" in argv and code == 0:
        code = bench_sweep.main(["--quick"] if quick else [])
    return code


if __name__ == "__main__":
    raise SystemExit(main())
