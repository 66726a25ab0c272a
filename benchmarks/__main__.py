"""``python -m benchmarks``: the engine benchmark suite (see `benchmarks.bench_engine`).

``--quick`` runs small sizes; ``--metrics`` runs the analysis benchmark
(`benchmarks.bench_metrics`) after it.
"""

from __future__ import annotations

import sys

from benchmarks import bench_engine, bench_metrics


def main(argv: list[str] | None = None) -> int:
    """Runs the engine suite (and the metrics benchmark with ``--metrics``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    metrics = "--metrics" in argv
    code = bench_engine.main([a for a in argv if a != "--metrics"])
    if metrics and code == 0:
        code = bench_metrics.main([])
    return code


if __name__ == "__main__":
    raise SystemExit(main())
