"""The ``sweep`` subcommand of ``run.py`` (listed in `chainweave.cli.SUBCOMMANDS`).

``python run.py sweep SPEC.yaml [--workers N | --scheduler ADDRESS] [--out DIR]`` runs (or
resumes) the sweep of a file, prints its indices and draws its figures; a bad file, base,
design, folder or scheduler ends in one line and exit code 2 before any run; Ctrl-C stores the
finished runs and says how to resume. Runs that failed are listed in one warning line at the
end (the sweep still finishes, exit code 0), with what became of the indices.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from chainweave.arguments import seed_value, whole_number

if TYPE_CHECKING:
    import pandas as pd


def format_indices(indices: pd.DataFrame, method: str, top: int = 5) -> str:
    """Returns the indices as text: per output, its ``top`` parameters by ST (Sobol') or mu*."""
    key = "ST" if method == "sobol" else "mu_star"
    lines = []
    for output, rows in indices.groupby("output", sort=False):
        lines.append(f"{output}:")
        for r in rows.sort_values(key, ascending=False, na_position="last").head(top).itertuples():
            if method == "sobol":
                lines.append(f"  {r.parameter:<28} S1 {r.S1:6.3f} [{r.S1_ci_low:6.3f}, {r.S1_ci_high:6.3f}]"
                             f"   ST {r.ST:6.3f} [{r.ST_ci_low:6.3f}, {r.ST_ci_high:6.3f}]")
            else:
                lines.append(f"  {r.parameter:<28} mu* {r.mu_star:10.4g} [{r.mu_star_ci_low:10.4g}, "
                             f"{r.mu_star_ci_high:10.4g}]   sigma {r.sigma:10.4g}")
    return "\n".join(lines)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Runs or resumes a sweep file; prints its indices; writes tables and figures."""
    from chainweave.sweeps.runner import SweepInterrupted, failure_summary, sweep

    try:
        result = sweep(args.spec, workers=args.workers, scheduler=args.scheduler, out=args.out,
                       seed=args.seed, progress=not args.no_progress)
    except SweepInterrupted as stop:
        print(f"run.py: interrupted: {stop}", file=sys.stderr)
        return 130
    m = result.manifest
    if result.indices is not None:
        title = "Sobol' indices (S1, ST" if m["method"] == "sobol" else "Morris screening (mu*"
        print(f"{title} with {m['conf_level']:.0%} intervals; mean over {m['replications']} replications)")
        print(format_indices(result.indices, m["method"]))
    figures = []
    if not args.no_figures:
        from chainweave.figures.sweep import plot_sweep

        figures = plot_sweep(result.folder)
    for line in failure_summary(result):
        print(f"run.py: warning: {line}", file=sys.stderr)
    resumed = f", {m['runs_resumed']} of them stored before" if m["runs_resumed"] else ""
    print(f"\nsweep {m['name']}: {m['method']} design, {m['points']} points x {m['replications']} "
          f"replications = {m['runs']} runs{resumed}; {m['runs_this_session']} runs in "
          f"{m['compute_seconds']:.1f} s on {m['executor']}; tables in {result.folder}/"
          + (f", {len(figures)} figure files in {result.folder}/figures/" if figures else ""))
    return 0


def sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the arguments of ``sweep``: the file, --workers or --scheduler, --out, --seed."""
    parser.add_argument("spec", metavar="SPEC.yaml", help="sweep file (see chainweave/scenarios/sweeps/)")
    parser.add_argument("--workers", type=whole_number(1, 1024), default=min(2, os.cpu_count() or 1),
                        help="local processes (default: up to 2; 1 runs in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on the Dask cluster of this scheduler, e.g. tcp://host:8786")
    parser.add_argument("--out", default=None,
                        help="output folder (default: the file's results, or results/<name>); "
                             "a folder holding this sweep unfinished is resumed")
    parser.add_argument("--seed", type=seed_value, default=None,
                        help="seed of the sweep (default: the file's)")
    parser.add_argument("--no-figures", action="store_true",
                        help="write tables only (figures: run.py plot DIR)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")

