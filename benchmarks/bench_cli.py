"""Benchmark: start-up of the command line, as whole processes, as a user meets it.

Times ``python run.py --help``, ``--version``, an argument error (``run --step 3``, which asks
for ``--steps``), an unknown subcommand, a bad ``--set`` name and ``python -m chainweave --help``,
each the best of ``--repeat`` runs of a fresh interpreter, and ``import chainweave.cli`` alone.
The goal is well under one second for each (the CLI loads the model, pandas and matplotlib only
in the handler of the subcommand being run). Results go to ``benchmarks/results/`` as JSON.

Run as ``python -m benchmarks.bench_cli``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.output import save_results

ROOT = Path(__file__).resolve().parents[1]

CASES: dict[str, list[str]] = {
    "run.py --help": ["run.py", "--help"],
    "run.py --version": ["run.py", "--version"],
    "run.py run --step 3 (argument error)": ["run.py", "run", "--step", "3"],
    "run.py rnu (unknown subcommand)": ["run.py", "rnu"],
    "run.py run --set n_frms=3 (unknown --set name)": ["run.py", "run", "--set", "n_frms=3"],
    "python -m chainweave --help": ["-m", "chainweave", "--help"],
    "import chainweave.cli": ["-c", "import chainweave.cli"],
}
"""Case name -> arguments of the Python interpreter."""


def time_process(args: list[str], repeat: int) -> dict[str, float]:
    """Returns the best and median wall time (s) of ``repeat`` fresh interpreters running ``args``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"best_s": times[0], "median_s": times[len(times) // 2]}


def main(argv: list[str] | None = None) -> int:
    """Times every case, prints a table and writes JSON; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file (default: benchmarks/results/cli-<time>.json)")
    args = parser.parse_args(argv)
    results = {"python": sys.version.split()[0], "repeat": args.repeat,
               "load_avg_1min": os.getloadavg()[0], "cases": {}}
    print(f"{'case':<50} {'best (s)':>9} {'median (s)':>11}")
    for name, case in CASES.items():
        timing = time_process(case, args.repeat)
        results["cases"][name] = timing
        print(f"{name:<50} {timing['best_s']:9.3f} {timing['median_s']:11.3f}")
    save_results(results, "cli", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
