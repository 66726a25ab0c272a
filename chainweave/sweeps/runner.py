"""`sweep`: check a sweep, run what is not yet stored, write the runs table and indices.

Everything that can be wrong with a sweep (the file, the base, paths and bounds, outputs, the
design's size, the scheduler, the output folder) is checked before the first run, and nothing
is written until then. Runs go to the executor in chunks; finished runs are written in batches
as Parquet part files (`chainweave.sweeps.store`), at least every `FLUSH_SECONDS`; an interrupted
sweep started again runs only the runs not stored. When every run is stored, the runs table
(one row per run id), the indices and the manifest are written (`chainweave.results`).

A run that raises or gives an output that is not a finite number is stored with ``status``
``failed`` and its error line, and the sweep goes on; the indices use the runs that finished
(`chainweave.sweeps.indices.indices_of_finished_runs`), and `failure_summary` says what failed.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from chainweave import __version__
from chainweave.errors import ParameterError
from chainweave.results import write_results
from chainweave.sweeps.designs import Design, build_design
from chainweave.sweeps.executors import InProcess, RunExecutor, RunResult, RunTask, make_executor
from chainweave.sweeps.indices import indices_of_finished_runs
from chainweave.sweeps.spec import SweepSpec, load_sweep
from chainweave.sweeps.store import RunStore
from chainweave.sweeps.targets import Target, prepare_target

FLUSH_SECONDS = 10.0
"""Longest time finished runs wait in memory before they are written (s)."""
MAX_LISTED_FAILURES = 20
"""Run ids of failed runs the manifest lists (all are in the runs table)."""


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C after storing its finished runs; run it again to resume.

    Attributes:
        done: Runs stored.
        total: Runs of the sweep.
        folder: The sweep folder.
    """

    def __init__(self, done: int, total: int, folder: Path) -> None:
        self.done, self.total, self.folder = done, total, folder
        super().__init__(f"{done} of {total} runs stored in {folder}; the same sweep resumes there")


@dataclass(frozen=True)
class SweepResult:
    """The result of `sweep`.

    Attributes:
        runs: One row per run, sorted by ``run_id``: point, replicate, seed, the parameter
            values (one column each), the outputs (NaN for a failed run), ``status`` (``ok`` or
            ``failed``) and ``error`` (one line for a failed run, "" otherwise).
        indices: Morris or Sobol' indices per output and parameter; None for grids and hypercubes.
        manifest: The spec, the resolved base, the design, versions, executor and timings.
        folder: Where it was written.
    """

    runs: pd.DataFrame
    indices: pd.DataFrame | None
    manifest: dict[str, Any]
    folder: Path


def _load(spec: SweepSpec | str | Path | Mapping[str, Any]) -> tuple[SweepSpec, Path | None, str]:
    """Returns (spec, folder relative paths start from, source name) of any form of a sweep."""
    if isinstance(spec, SweepSpec):
        return spec, None, "(script)"
    if isinstance(spec, Mapping):
        return SweepSpec.from_dict(spec), None, "(script)"
    loaded, folder = load_sweep(spec)
    return loaded, folder, str(spec)


def _task(design: Design, run_id: int) -> RunTask:
    """Returns what a worker needs to evaluate a run: its id, parameter values and seed."""
    point, _, seed = design.run(run_id)
    return run_id, design.point_values(point), seed


def _outputs_or_error(values: Mapping[str, Any], outputs: tuple[str, ...]) -> tuple[dict[str, float], str]:
    """Returns a run's outputs as floats and "", or NaNs and why they are unusable."""
    found: dict[str, float] = {}
    for column in outputs:
        try:
            found[column] = float(values[column])
        except KeyError:
            return dict.fromkeys(outputs, math.nan), f"no output {column}"
        except (TypeError, ValueError):
            return dict.fromkeys(outputs, math.nan), f"output {column} is not a number ({values[column]!r})"
        if not math.isfinite(found[column]):
            return dict.fromkeys(outputs, math.nan), f"output {column} is {found[column]} (not finite)"
    return found, ""


def _rows(design: Design, results: list[RunResult], outputs: tuple[str, ...]) -> pd.DataFrame:
    """Returns evaluated runs as rows of the runs table (failed runs: NaN outputs, status, error)."""
    rows = []
    for run_id, values, error in results:
        point, replicate, seed = design.run(run_id)
        params = design.point_values(point)
        found, problem = (dict.fromkeys(outputs, math.nan), error) if error else \
            _outputs_or_error(values, outputs)
        rows.append({"run_id": run_id, "point": point, "replicate": replicate, "seed": seed,
                     **{c: params[p] for c, p in zip(design.columns, design.paths, strict=True)},
                     **found, "status": "failed" if problem else "ok", "error": problem})
    table = pd.DataFrame(rows)
    for column in ("run_id", "point", "replicate", "seed"):
        table[column] = table[column].astype(np.int64)
    for column, whole in zip(design.columns, design.integer, strict=True):
        table[column] = table[column].astype(np.int64 if whole else np.float64)
    return table


def sweep(
    spec: SweepSpec | str | Path | Mapping[str, Any],
    executor: Any = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    seed: int | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    retries: int = 3,
    target: Target | None = None,
) -> SweepResult:
    """Runs a sensitivity sweep (or resumes it) and returns its runs and indices.

    Args:
        spec: A `SweepSpec`, a mapping of sweep fields, or the path of a sweep YAML file.
        executor: A `distributed.Client` to run on a Dask cluster; None: locally.
        workers: Local processes, >= 1 (1: in this process); ignored with a Dask executor.
        scheduler: Address of a Dask scheduler to connect to, e.g. ``tcp://host:8786``.
        out: Output folder; default the spec's ``results`` (or ``results/<name>``). A folder
            holding an unfinished run of the same sweep is resumed.
        seed: Seed of the design and the runs, >= 0; default the spec's.
        progress: Show a progress bar (runs done, rate, time left) on standard error.
        batch_size: Finished runs per part file; default the spec's.
        retries: Times a chunk is resubmitted after its Dask worker died.
        target: Evaluate this instead of the spec's base (see `prepare_target`).

    Raises:
        ParameterError: for anything wrong with the sweep, before any run and any write.
        SweepInterrupted: on Ctrl-C, after storing the finished runs.
    """
    started = time.perf_counter()
    spec, folder, source = _load(spec)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise ParameterError("seed", seed, "a whole number in [0, 2**63)")
        spec = spec.model_copy(update={"seed": seed})
    prepared = prepare_target(spec, folder, source, target)
    design = build_design(spec, prepared.integer, source)
    batch = spec.batch_size if batch_size is None else batch_size
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ParameterError("batch_size", batch, "a whole number >= 1")
    out_dir = Path(out) if out is not None else spec.results_folder(folder)
    store = RunStore(out_dir, spec.fingerprint(prepared.description))
    store.check()
    runner = make_executor(executor, workers, scheduler, retries)
    try:
        store.open({"name": spec.name, "source": source, "spec": spec.model_dump(mode="json"),
                    "base": prepared.description, "runs": design.n_runs})
        done = store.done()
        for note in store.notes:
            print(f"warning: {note}", file=sys.stderr)
        todo = [run_id for run_id in range(design.n_runs) if run_id not in done]
        # Chunks: about 8 per worker for load balance, no larger than a batch; 1 run in-process.
        size = 1 if isinstance(runner, InProcess) else min(batch, math.ceil(len(todo) / (8 * runner.workers)))
        size = max(1, size)
        chunks = [[_task(design, run_id) for run_id in todo[i:i + size]] for i in range(0, len(todo), size)]
        computing = time.perf_counter()
        if chunks:
            _execute(runner, prepared.target, chunks, design, prepared.columns, store, batch,
                     len(done), progress, spec.name)
        computing = time.perf_counter() - computing
    finally:
        runner.close()
        store.close()
    runs = store.read()
    if len(runs) != design.n_runs:
        raise RuntimeError(f"{out_dir} holds {len(runs)} of {design.n_runs} runs after the sweep")
    failed = runs.loc[runs["status"] != "ok", "run_id"].tolist()
    indices, indices_note = indices_of_finished_runs(design, runs, prepared.columns, spec.design.conf_level)
    manifest = {
        "kind": "sweep", "chainweave_version": __version__, "numpy_version": np.__version__,
        "name": spec.name, "description": spec.description, "source": source,
        "fingerprint": store.fingerprint, "spec": spec.model_dump(mode="json"), "base": prepared.description,
        "method": design.method,
        "parameters": [{"column": p.column, "path": p.path, "bounds": p.bounds, "levels": p.levels,
                        "integer": whole} for p, whole in zip(spec.parameters, design.integer, strict=True)],
        "outputs": list(prepared.columns), "points": design.n_points, "replications": design.replications,
        "runs": design.n_runs, "runs_resumed": len(done), "runs_this_session": len(todo),
        "seed": spec.seed, "conf_level": spec.design.conf_level, "salib": design.salib_settings(),
        "executor": runner.description,
        "workers": runner.workers, "compute_seconds": computing,
        "runs_failed": len(failed), "failed_run_ids": failed[:MAX_LISTED_FAILURES],
        "indices_note": indices_note, "parts_set_aside": [str(p) for p in store.set_aside],
        "wall_seconds": time.perf_counter() - started,
    }
    tables = {"runs": runs} | ({"indices": indices} if indices is not None else {})
    write_results(out_dir, tables, manifest)
    return SweepResult(runs, indices, manifest, out_dir)


def failure_summary(result: SweepResult) -> list[str]:
    """Returns one line per thing to warn about: failed runs (how many, which), the indices' note."""
    m = result.manifest
    lines = []
    if m.get("runs_failed"):
        ids = m["failed_run_ids"]
        more = f", ... ({m['runs_failed'] - len(ids)} more)" if m["runs_failed"] > len(ids) else ""
        listed = ", ".join(map(str, ids))
        lines.append(f"{m['runs_failed']} of {m['runs']} runs failed (run ids {listed}{more}); "
                     f"their parameters, seed and error are the rows with status 'failed' in "
                     f"{result.folder / 'runs.csv'}")
    if m.get("indices_note"):
        lines.append(m["indices_note"])
    return lines


def _execute(runner: RunExecutor, target: Target, chunks: list[list[RunTask]], design: Design,
             outputs: tuple[str, ...], store: RunStore, batch: int, done: int, progress: bool,
             name: str) -> None:
    """Runs the chunks, writing finished runs in batches (and what is finished on any exit)."""
    pending: list[RunResult] = []
    last_write = time.monotonic()
    bar = tqdm(total=design.n_runs, initial=done, desc=name, unit="run", disable=not progress,
               smoothing=0.1)

    def flush() -> None:
        # The batch leaves ``pending`` before it is written, so a Ctrl-C that lands after the
        # part file is in place does not make the final flush write it a second time; one that
        # lands before puts it back, for the final flush to write.
        nonlocal pending, last_write
        if pending:
            batch_results, pending = pending, []
            rows = _rows(design, batch_results, outputs)
            try:
                store.append(rows)
            except KeyboardInterrupt:
                if int(rows["run_id"].iloc[0]) not in store.done():
                    pending = batch_results + pending
                raise
        last_write = time.monotonic()

    try:
        for results in runner.results(target, chunks):
            pending.extend(results)
            bar.update(len(results))
            if len(pending) >= batch or time.monotonic() - last_write > FLUSH_SECONDS:
                flush()
    except KeyboardInterrupt:
        flush()
        bar.close()
        raise SweepInterrupted(len(store.done()), design.n_runs, store.folder) from None
    finally:
        flush()
        bar.close()
