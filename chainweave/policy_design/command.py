"""The ``design`` subcommand of ``run.py``; importing this registers it.

``python run.py design SPEC.yaml [--trials N] [--workers N | --scheduler ADDRESS] [--out DIR]``
searches (or resumes) the design of a file, prints the chosen mixes as re-evaluated on fresh
seeds and draws the figures; a bad file, base, folder or scheduler ends in one line and exit
code 2 before any run; Ctrl-C keeps the finished trials and says how to resume.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainweave.policy_design.runner import DesignResult


def format_chosen(result: DesignResult) -> str:
    """Returns the chosen mixes as text: decision values, then each measure on fresh seeds.

    Per measure: the fresh seeds' mean with its interval and, in parentheses, the search's mean
    on its own seeds (the gap is the winner's curse); per constraint the share of fresh
    replications meeting it; per tier the change in D against the baseline with its interval.
    """
    m = result.manifest
    spec = m["spec"]
    chosen = result.chosen
    if chosen.empty:
        return "no trial to re-evaluate"
    level = f"{spec['evaluation']['confidence']:.0%}"
    variables = [v["column"] for v in m["variables"]]
    lines = [f"Chosen mixes on {len(m['fresh_seeds'])} fresh seeds (mean [{level} interval], search's mean "
             f"on its {m['replications']} seeds in parentheses):"]
    measures = [c for c in chosen.columns if f"{c}_search" in chosen.columns]
    for row in chosen.itertuples(index=False):
        status = "meets every constraint" if row.meets_all else "MISSES a constraint"
        lines.append(f"trial {row.trial} ({status} out of sample"
                     + ("" if row.feasible_search else "; infeasible in the search too") + "):")
        lines.append("  " + ", ".join(f"{v} = {_fmt(getattr(row, v))}" for v in variables))
        for c in measures:
            lines.append(f"  {c:<34} {getattr(row, c):10.4g} [{getattr(row, f'{c}_low'):10.4g}, "
                         f"{getattr(row, f'{c}_high'):10.4g}]  ({getattr(row, f'{c}_search'):.4g})")
        for i, c in enumerate(spec["constraints"]):
            bound = f">= {c['min']}" if c.get("min") is not None else f"<= {c['max']}"
            need = f"share >= {c['share']}" if c.get("share") is not None else "on average"
            share, low, high = (getattr(row, f"met_share_{i}{end}") for end in ("", "_low", "_high"))
            lines.append(f"  constraint {i} ({c['metric']} {c.get('scope', 'cluster')} {bound}, {need}): "
                         f"met in {share:.0%} of fresh replications [{low:.0%}, {high:.0%}]")
        if not result.effects.empty:
            d = result.effects[(result.effects["trial"] == row.trial) & (result.effects["metric"] == "D")]
            lines.append("  change in D vs baseline: " + ", ".join(
                f"{e.scope} {e.diff:+.4f} [{e.diff_ci_low:+.4f}, {e.diff_ci_high:+.4f}]"
                for e in d.itertuples()))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def cmd_design(args: argparse.Namespace) -> int:
    """Searches or resumes a design file; prints the chosen mixes; writes tables and figures."""
    from chainweave.policy_design.runner import design
    from chainweave.policy_design.search import DesignInterrupted

    try:
        result = design(args.spec, workers=args.workers, scheduler=args.scheduler, out=args.out,
                        trials=args.trials, seed=args.seed, storage=args.storage,
                        progress=not args.no_progress)
    except DesignInterrupted as stop:
        print(f"run.py: interrupted: {stop}", file=sys.stderr)
        return 130
    print(format_chosen(result))
    figures = []
    if not args.no_figures:
        from chainweave.figures.design import plot_design

        figures = plot_design(result.folder)
    m = result.manifest
    resumed = f", {m['trials_resumed']} of them stored before" if m["trials_resumed"] else ""
    print(f"\ndesign {m['name']}: {m['sampler']} search, {m['trials']} trials x {m['replications']} "
          f"replications{resumed}; {m['feasible']} feasible, {m['pareto']} on the front; "
          f"{m['wall_seconds']:.1f} s on {m['executor']}; tables in {result.folder}/"
          + (f", {len(figures)} figure files in {result.folder}/figures/" if figures else ""))
    return 0


def _design_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC.yaml", help="design file (see chainweave/scenarios/designs/)")
    parser.add_argument("--trials", type=int, default=None,
                        help="trial budget (default: the file's); a larger one extends a stored design")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="local processes (default: up to 2; 1 runs in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the model on the Dask cluster of this scheduler, e.g. tcp://host:8786")
    parser.add_argument("--out", default=None,
                        help="output folder (default: the file's results, or results/<name>); "
                             "a folder holding this design's study resumes it")
    parser.add_argument("--seed", type=int, default=None, help="seed of the design (default: the file's)")
    parser.add_argument("--storage", default=None, metavar="URL",
                        help="optuna storage URL of the study (default: SQLite study.db in the folder)")
    parser.add_argument("--no-figures", action="store_true",
                        help="write tables only (figures: chainweave.figures.design.plot_design)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
