"""The ``validation`` and ``calibrate`` subcommands of ``run.py`` (listed in `chainweave.cli.SUBCOMMANDS`).

``python run.py validation [--quick] [--only ID,ID] [--workers N | --scheduler ADDRESS]
[--out DIR]`` runs the validation suite and writes its report; exit 0 when every target
expected to pass passes (at ``--quick``: every target that passed at the recorded baseline),
1 when one does not, 2 for bad input. ``python run.py calibrate SPEC.yaml`` fits scenario
parameters to validation targets by the method of simulated moments, resuming a stopped fit.
"""

from __future__ import annotations

import argparse
import os


def _ids(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def cmd_validation(args: argparse.Namespace) -> int:
    """Runs the validation suite; prints the counts and failures; writes the report."""
    from chainweave.validation.registry import load_registry, select
    from chainweave.validation.runner import run

    if args.list:
        for t in select(load_registry(args.registry), _ids(args.only)):
            gap = "  (known gap)" if t.known_gap else ""
            print(f"{t.id:<44} {t.group:<12} {t.range_text():<16} {t.title}{gap}")
        return 0
    baseline = False if args.no_baseline else (args.baseline or True)
    result = run(args.registry, quick=args.quick, only=_ids(args.only), workers=args.workers,
                 scheduler=args.scheduler, out=args.out, seed=args.seed, progress=not args.no_progress,
                 figures=not args.no_figures, baseline=baseline)
    m = result.manifest
    counts = ", ".join(f"{v} {k}" for k, v in m["counts"].items())
    print(f"validation: {len(m['targets'])} targets ({counts}) in {m['wall_seconds']:.0f} s on "
          f"{m['executor']}; report in {result.folder}/report.md")
    for row in result.summary.itertuples():
        if row.status in ("FAIL", "known gap, passes now") or getattr(row, "regressed", False):
            print(f"  {row.status:<22} {row.id}: {row.mean:.4g} against {row.accepted}")
    if m["baseline"]:
        regressed = result.regressed
        print("against the baseline: " + (f"{len(regressed)} regressed: {', '.join(regressed)}"
                                          if regressed else "no regression"))
    return result.exit_code


def _validation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="reduced size (fewer firms, steps and seeds; what CI runs)")
    parser.add_argument("--only", default=None, metavar="ID[,ID]", help="run only these targets")
    parser.add_argument("--registry", default=None, metavar="FILE",
                        help="registry YAML file (default: the bundled chainweave/validation/targets.yaml)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="local processes (default: up to 2; 1 runs in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on the Dask cluster of this scheduler, e.g. tcp://host:8786")
    parser.add_argument("--out", default="results/validation",
                        help="output folder (default results/validation)")
    parser.add_argument("--seed", type=int, default=12, help="root of the seeds (default 12)")
    parser.add_argument("--baseline", default=None, metavar="FILE",
                        help="pass/fail baseline to check against (default with --quick: the bundled one)")
    parser.add_argument("--no-baseline", action="store_true", help="do not check against a baseline")
    parser.add_argument("--list", action="store_true", help="list the targets and stop")
    parser.add_argument("--no-figures", action="store_true", help="write the report without figures")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Runs or resumes a calibration; prints the fit; writes it to the output folder."""
    from chainweave.validation.calibration import calibrate, format_fit

    result = calibrate(args.spec, workers=args.workers, scheduler=args.scheduler, out=args.out,
                       progress=not args.no_progress)
    print(format_fit(result))
    print(f"\ncalibration {result.manifest['name']}: {result.manifest['trials']} trials "
          f"({result.manifest['trials_resumed']} stored before) in {result.manifest['wall_seconds']:.0f} s; "
          f"fit in {result.folder}/")
    return 0


def _calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC.yaml", help="calibration file (see docs/validation.md)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="local processes (default: up to 2; 1 runs in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on the Dask cluster of this scheduler, e.g. tcp://host:8786")
    parser.add_argument("--out", default=None,
                        help="output folder (default: results/calibration/<name>); a folder holding "
                             "this calibration unfinished is resumed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
