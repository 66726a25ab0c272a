"""`run`: the validation suite from registry to report.

Loads the registry, keeps the targets asked for, checks that every design can be built
(a known gap whose design names something the model does not have yet is reported as not
measurable; any other bad entry is an error before any run), runs every (target, seed) on
the chosen executor with a progress bar, and writes the folder: ``report.md``, ``targets``
(one row per target) and ``runs`` (one row per target and seed) as Parquet and CSV, figures
in ``figures/``, and ``manifest.json`` last.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chainweave import __version__
from chainweave.errors import ParameterError
from chainweave.results import atomic_write_bytes, write_results
from chainweave.validation.registry import TargetSpec, load_registry, parse_targets, select
from chainweave.validation.suite import (
    DEFAULT_SEED,
    SuiteEvaluator,
    arm_runs,
    check_arm,
    evaluate_suite,
    suite_seeds,
    summarize,
    tasks,
)

DEFAULT_OUT = Path("results") / "validation"
"""Where the suite writes unless told otherwise."""


@dataclass
class ValidationResult:
    """What a validation run returns.

    Attributes:
        summary: One row per target (source, range, mean, interval, status).
        runs: One row per target and seed.
        manifest: Size, seeds, executor, versions, timings.
        folder: Where it was written (None if nothing was written).
    """

    summary: pd.DataFrame
    runs: pd.DataFrame
    manifest: dict[str, Any]
    folder: Path | None

    @property
    def failed(self) -> list[str]:
        """Ids of the targets expected to pass (not known gaps) that did not."""
        s = self.summary
        return list(s.loc[s["expected_to_pass"] & (s["status"].isin(["FAIL", "not measurable"])), "id"])

    @property
    def regressed(self) -> list[str]:
        """Ids of the targets that passed at the baseline and do not now (empty without one)."""
        s = self.summary
        return list(s.loc[s["regressed"], "id"]) if "regressed" in s else []

    @property
    def exit_code(self) -> int:
        """0 when every target expected to pass passed, else 1.

        Against a baseline, "expected to pass" means "passed at the baseline"; without one,
        every target that is not a known gap.
        """
        if self.manifest.get("baseline"):
            return 1 if self.regressed else 0
        return 1 if self.failed else 0


def resolve_targets(registry: str | Path | Sequence[TargetSpec | Mapping[str, Any]] | None,
                    only: Sequence[str] | None = None) -> tuple[TargetSpec, ...]:
    """Returns the targets of a registry file, a list of entries or specs (None: bundled), filtered."""
    if registry is None or isinstance(registry, str | Path):
        targets = load_registry(registry)
    else:
        specs = [t for t in registry if isinstance(t, TargetSpec)]
        entries = [t for t in registry if not isinstance(t, TargetSpec)]
        targets = tuple(specs) + parse_targets(entries, "(script)")
    return select(targets, only)


def prepare(targets: Sequence[TargetSpec], quick: bool,
            values: Mapping[str, Any] | None = None) -> tuple[tuple[TargetSpec, ...], dict[str, str]]:
    """Returns (targets that can run, {id: why not} for known gaps whose design cannot be built).

    Raises:
        ParameterError: For a target expected to pass whose design cannot be built.
    """
    bases: dict[str, Any] = {}
    runnable, unmeasurable = [], {}
    for target in targets:
        try:
            for arm in arm_runs(target, quick, values).values():
                check_arm(arm, bases)
        except ParameterError as err:
            if not target.known_gap:
                raise ParameterError(f"target {target.id}: {err.field}", err.value, err.expected) from None
            unmeasurable[target.id] = f"not measurable today: {err}"
            continue
        runnable.append(target)
    return tuple(runnable), unmeasurable


def run(
    registry: str | Path | Sequence[TargetSpec | Mapping[str, Any]] | None = None,
    *,
    quick: bool = False,
    only: Sequence[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    executor: Any = None,
    out: str | Path | None = DEFAULT_OUT,
    seed: int = DEFAULT_SEED,
    progress: bool = True,
    figures: bool = True,
    baseline: str | Path | bool = True,
) -> ValidationResult:
    """Runs the validation suite and writes its report; returns the summary.

    Args:
        registry: A registry YAML file, a list of target entries (mappings or `TargetSpec`),
            or None for the bundled registry.
        quick: Use each design's reduced size (what CI runs).
        only: Target ids to run (default all).
        workers: Local processes (1: this process).
        scheduler: Address of a Dask scheduler (instead of the local pool).
        executor: A `distributed.Client` to run on.
        out: Output folder (None: write nothing).
        seed: Root of the seeds, >= 0 (the same seeds for every target: common random numbers).
        progress: Show a progress bar on standard error.
        figures: Draw each target's figure into ``out/figures``.
        baseline: A pass/fail baseline file to check against (True: the bundled quick
            baseline when ``quick``, none at full size; False: none).

    Raises:
        ParameterError: For a bad registry, id, count, scheduler or seed, before any run.
    """
    from chainweave.sweeps.executors import make_executor

    started = time.perf_counter()
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", seed, "a whole number >= 0")
    chosen = resolve_targets(registry, only)
    reference = None
    if baseline is not False and (quick or baseline is not True):
        from chainweave.validation.baseline import read_baseline

        reference = read_baseline(None if baseline is True else baseline)
    runnable, unmeasurable = prepare(chosen, quick)
    chunks = tasks(runnable, quick, seed)
    runner = make_executor(executor, workers, scheduler)
    try:
        evaluator = SuiteEvaluator(runnable, quick)
        runs = evaluate_suite(evaluator, chunks, runner, progress) if chunks else pd.DataFrame(
            columns=["task", "target", "seed", "value", "note", "path"])
    finally:
        runner.close()
    summary = summarize(chosen, runs, quick, unmeasurable)
    if reference is not None:
        from chainweave.validation.baseline import regressions

        summary["baseline_passed"] = [reference["passed"].get(i) for i in summary["id"]]
        summary["regressed"] = summary["id"].isin(regressions(summary, reference))
    manifest = {
        "kind": "validation", "chainweave_version": __version__, "numpy_version": np.__version__,
        "quick": quick, "seed": seed, "targets": [t.id for t in chosen],
        "seeds": suite_seeds(seed, max((t.size(quick).seeds for t in chosen), default=0)),
        "registry": str(registry) if isinstance(registry, str | Path) else
        ("bundled" if registry is None else "(script)"),
        "tasks": int(sum(len(c) for c in chunks)), "executor": runner.description,
        "workers": runner.workers, "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "baseline": None if reference is None else str(baseline if baseline is not True else "bundled quick"),
        "failed": [], "regressed": [], "wall_seconds": 0.0,
    }
    result = ValidationResult(summary, runs, manifest, None)
    manifest["failed"] = result.failed
    manifest["regressed"] = result.regressed
    manifest["counts"] = summary["status"].value_counts().to_dict()
    manifest["wall_seconds"] = time.perf_counter() - started
    if out is not None:
        result.folder = write_validation(out, result, figures)
    return result


def write_validation(out: str | Path, result: ValidationResult, figures: bool = True) -> Path:
    """Writes report.md, figures, the targets and runs tables, and the manifest (last)."""
    from chainweave.validation.report import format_report

    folder = Path(out)
    drawn: dict[str, str] = {}
    if figures:
        from chainweave.figures.validation import plot_targets

        written = plot_targets(result.summary, result.runs, folder / "figures")
        drawn = {k: f"figures/{v}" for k, v in written.items()}
    report = format_report(result.summary, result.manifest, drawn)
    atomic_write_bytes(folder / "report.md", report.encode())
    manifest = {**result.manifest, "report": "report.md", "figures": sorted(drawn.values())}
    return write_results(folder, {"targets": result.summary, "runs": result.runs}, manifest)
