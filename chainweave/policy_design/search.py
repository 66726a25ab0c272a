"""The search: optuna trials asked and told batch by batch, by the one process that owns the study.

Optuna proposes trials (decision values); each trial's runs (one per replication, on common
seeds) are evaluated on an executor (this process, a local pool or Dask); the trial's
objectives and constraint violations are told back. To give the same trials on any executor
and after any interruption:

- one process (the owner, holding a lock on the output folder) asks and tells; executors only
  run the model, so the order runs finish in does not matter;
- trials are asked in batches of ``search.batch`` (NSGA-II's population): all of a batch are
  asked, then all its runs evaluated, then all told, in trial order;
- each batch has its own sampler, seeded from the design's seed and the batch's number, so
  what it proposes depends only on the finished trials, not on a sampler's history;
- the sampler works on an in-memory copy of the study (fast: optuna reads every trial many
  times per proposal); the stored study receives each finished trial whole, in one write
  (`optuna.Study.add_trial`), and each batch's proposals, in one write, before its runs start.
  A design run again (after Ctrl-C, ``kill -9`` or a lost machine) rebuilds the copy from the
  finished trials, finishes the stored batch's remaining proposals, and goes on: the same
  trials as a run that was never stopped.

The study lives in an optuna storage: by default SQLite in the output folder (``study.db``,
in write-ahead-log mode), or any optuna storage URL. Other processes can read it while the
design runs (optuna-dashboard, a script); an unfinished design resumes from it.
"""

from __future__ import annotations

import fcntl
import json
import math
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.study._constrained_optimization import _CONSTRAINTS_KEY
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from chainweave.errors import ParameterError
from chainweave.policy_design.problem import Problem
from chainweave.policy_design.spec import ConstraintSpec, DesignSpec
from chainweave.sweeps.executors import RunExecutor, RunResult, RunTask

SLOT = "chainweave_slot"
"""User attribute of a trial: its position in the design (0, 1, ...)."""
BATCH = "chainweave_batch"
"""User attribute of the stored study: the batch being evaluated (first and end slot, proposals)."""
VIOLATIONS = "chainweave_violations"
"""User attribute of a trial: its constraint violations (<= 0: met), stored before it is told."""
RUNS = "chainweave_runs"
"""User attribute of a trial: the measures of each replication (lists in replicate order)."""
FINGERPRINT = "chainweave_fingerprint"
"""User attribute of the study: the design's fingerprint (a changed design is not resumed)."""


class DesignInterrupted(KeyboardInterrupt):
    """A design stopped by Ctrl-C; its told trials are stored; run it again to resume.

    Attributes:
        done: Trials told.
        total: Trials of the design.
        folder: The design's folder.
    """

    def __init__(self, done: int, total: int, folder: Path) -> None:
        self.done, self.total, self.folder = done, total, folder
        super().__init__(f"{done} of {total} trials stored in {folder}; the same design resumes there")


def sampler_seed(seed: int, batch: int) -> int:
    """Returns the sampler's seed for batch number ``batch`` (from the design's seed)."""
    return int(np.random.SeedSequence([seed, 2, batch]).generate_state(1, dtype=np.uint32)[0])


def constraint_violation(spec: ConstraintSpec, values: Sequence[float]) -> float:
    """Returns how far a trial's replications are from meeting a constraint; <= 0 when met.

    Without ``share``, the mean must satisfy the bound: the violation is ``min - mean`` (or
    ``mean - max``). With ``share`` q of R replications, at least ceil(q R) of them must: the
    violation is the bound's distance to the ceil(q R)-th best replication, which is <= 0
    exactly when enough replications meet it and, unlike the share itself, tells the sampler
    how far off a trial is.
    """
    x = np.asarray(values, dtype=float)
    if spec.share is None:
        stat = float(x.mean())
    else:
        k = max(1, math.ceil(spec.share * len(x) - 1e-9))
        ordered = np.sort(x)[::-1] if spec.min is not None else np.sort(x)
        stat = float(ordered[k - 1])
    return spec.min - stat if spec.min is not None else stat - spec.max


def make_sampler(spec: DesignSpec, seed: int) -> optuna.samplers.BaseSampler:
    """Returns the design's optuna sampler with ``seed`` (both read trials' constraints from the study)."""
    if spec.search.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=spec.search.batch, seed=seed)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


@contextmanager
def owner_lock(folder: Path) -> Iterator[None]:
    """Holds the design folder's lock (released by the system even if the process is killed).

    Raises:
        ParameterError: if another process is running this design there.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".design.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ParameterError("out", str(folder), "a folder no other design process is running in "
                                 "(wait for it, or give another --out)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_storage(url: str) -> optuna.storages.RDBStorage | str:
    """Returns an optuna storage of a ``sqlite:///`` URL in write-ahead-log mode (others as given).

    WAL with ``synchronous=NORMAL`` commits without waiting for the disk each time (a design
    writes a few rows per trial) and keeps the file whole if the process is killed; only a
    crash of the machine itself can lose the last commits, which a resumed design redoes.
    """
    if not url.startswith("sqlite:///"):
        return url
    path = url.removeprefix("sqlite:///")

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=60.0, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    return optuna.storages.RDBStorage(url, engine_kwargs={"creator": connect})


def open_study(spec: DesignSpec, storage: str, fingerprint: str) -> optuna.Study:
    """Returns the design's study in ``storage``, created if new.

    Raises:
        ParameterError: if the storage holds a study of this name for a different design.
    """
    directions = [o.sense for o in spec.objectives]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study = optuna.create_study(storage=sqlite_storage(storage), study_name=spec.name,
                                    directions=directions, load_if_exists=True)
    stored = study.user_attrs.get(FINGERPRINT)
    if stored is None:
        study.set_user_attr(FINGERPRINT, fingerprint)
    elif stored != fingerprint:
        raise ParameterError("out", storage, f"a storage without another design named {spec.name!r} "
                             "(it holds one with other variables, measures, seeds or base; give another "
                             "--out or name)")
    if [d.name.lower() for d in study.directions] != directions:
        raise ParameterError("out", storage, f"a study {spec.name!r} with directions {directions}")
    return study


@dataclass
class SearchStats:
    """What a search session did.

    Attributes:
        resumed: Trials stored before this session.
        redone: Trials proposed before an interruption whose runs were evaluated in this session.
        told: Trials finished in this session.
        compute_seconds: Time spent evaluating runs (s).
    """

    resumed: int = 0
    redone: int = 0
    told: int = 0
    compute_seconds: float = 0.0


def stored_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Returns the design's finished trials in the stored study, in slot order."""
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    trials = [t for t in trials if SLOT in t.user_attrs]
    return sorted(trials, key=lambda t: t.user_attrs[SLOT])


def _engine(stored: optuna.Study, trials: list[FrozenTrial]) -> optuna.Study:
    """Returns an in-memory copy of the stored study's finished trials, for the samplers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        engine = optuna.create_study(directions=[d.name.lower() for d in stored.directions])
        engine.add_trials(trials)
    return engine


def run_search(study: optuna.Study, spec: DesignSpec, problem: Problem, seeds: Sequence[int],
               runner: RunExecutor, progress: bool, folder: Path,
               on_batch: Callable[[int], None] | None = None) -> SearchStats:
    """Asks, evaluates and tells trials in batches until the design has ``spec.trials`` of them.

    Args:
        study: The design's stored study (this process owns it).
        spec: The design.
        problem: Its variables, measures and target.
        seeds: The replications' seeds (the same for every trial).
        runner: Where runs are evaluated.
        progress: Show a progress bar of trials on standard error.
        folder: The design's folder (for the interruption message).
        on_batch: Called with the number of trials stored after each batch (tests stop a design here).

    Raises:
        DesignInterrupted: on Ctrl-C (finished trials stay stored; the batch is finished on resume).
    """
    stats = SearchStats()
    finished = stored_trials(study)
    done = len(finished)
    stats.resumed = min(done, spec.trials)
    engine = _engine(study, finished)
    size = spec.search.batch
    bar = tqdm(total=spec.trials, initial=stats.resumed, desc=spec.name, unit="trial", disable=not progress)
    try:
        while done < spec.trials:
            record = study.user_attrs.get(BATCH)
            if record is not None and record["start"] <= done < record["end"]:
                # Proposed before an interruption: the same proposals, for the slots not stored.
                start = record["start"]
                proposals = record["trials"][done - start:min(record["end"], spec.trials) - start]
                asked = None
                stats.redone += len(proposals)
            else:
                # A batch ends at a multiple of its size (a budget raised later fills the last one up).
                end = min((done // size + 1) * size, spec.trials)
                engine.sampler = make_sampler(spec, sampler_seed(spec.seed, done // size))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    asked = [engine.ask(problem.distributions) for _ in range(done, end)]
                proposals = [{"params": t.params,
                              "system_attrs": engine._storage.get_trial_system_attrs(t._trial_id)}
                             for t in asked]
                study.set_user_attr(BATCH, {"start": done, "end": end, "trials": proposals})
            evaluated, seconds = _evaluate(problem, seeds, runner, [p["params"] for p in proposals])
            stats.compute_seconds += seconds
            for i, (proposal, (values, measures, violations)) in enumerate(zip(proposals, evaluated,
                                                                                strict=True)):
                attrs = {SLOT: done + i, RUNS: json.dumps(measures), VIOLATIONS: violations}
                constraints = {f"c{j}": v for j, v in enumerate(violations)}
                if asked is not None:
                    for key, value in attrs.items():
                        asked[i].set_user_attr(key, value)
                    for key, value in constraints.items():
                        asked[i].set_constraint(key, value)
                    trial = engine.tell(asked[i], values)
                else:
                    system = dict(proposal["system_attrs"])
                    system |= {f"{_CONSTRAINTS_KEY}:{key}": value for key, value in constraints.items()}
                    trial = optuna.trial.create_trial(
                        params=proposal["params"], distributions=problem.distributions, values=values,
                        user_attrs=attrs, system_attrs=system)
                    engine.add_trial(trial)
                study.add_trial(trial)
            stats.told += len(proposals)
            done += len(proposals)
            bar.update(len(proposals))
            if on_batch is not None:
                on_batch(done)
    except KeyboardInterrupt:
        bar.close()
        raise DesignInterrupted(min(len(stored_trials(study)), spec.trials), spec.trials, folder) from None
    finally:
        bar.close()
    return stats


def _evaluate(problem: Problem, seeds: Sequence[int], runner: RunExecutor, params: list[dict[str, Any]]
              ) -> tuple[list[tuple[list[float], dict[str, list[float]], list[float]]], float]:
    """Evaluates every run of a batch of trials on the executor.

    Returns, per trial, (objective values, {measure: value per replication}, constraint
    violations), and the seconds spent evaluating.
    """
    reps = len(seeds)
    tasks: list[RunTask] = [(i * reps + r, problem.values(p), seeds[r])
                            for i, p in enumerate(params) for r in range(reps)]
    started = time.perf_counter()
    results = evaluate_tasks(runner, problem.target, tasks, chunk=reps)
    seconds = time.perf_counter() - started
    out = []
    for i, p in enumerate(params):
        runs = [results[i * reps + r] for r in range(reps)]
        measures = {c: [float(run[c]) for run in runs] for c in problem.measures}
        bad = [column for column, xs in measures.items() if not np.all(np.isfinite(xs))]
        if bad:
            raise RuntimeError(f"trial with {problem.labels(p)}: measure {bad[0]} is not finite in some "
                               f"replication ({measures[bad[0]]})")
        violations = [constraint_violation(c, measures[column]) for c, column in problem.constraints]
        values = [float(np.mean(measures[column])) for _, column in problem.objectives]
        out.append((values, measures, violations))
    return out, seconds


def evaluate_tasks(runner: RunExecutor, target: Any, tasks: list[RunTask], chunk: int) -> dict[int, dict]:
    """Returns {task id: outputs} of runs evaluated on ``runner`` in chunks of ``chunk`` runs.

    Raises:
        RuntimeError: naming the run and its one-line error, if a run failed (a design's
            trials need every replication).
    """
    size = max(1, chunk)
    if runner.workers > 1:  # at least ~4 chunks per worker, for load balance
        size = max(1, min(size, math.ceil(len(tasks) / (4 * runner.workers))))
    chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
    out: dict[int, dict] = {}
    results: list[RunResult]
    for results in runner.results(target, chunks):
        for run_id, outputs, error in results:
            if error:
                raise RuntimeError(f"run {run_id} failed: {error}")
            out[run_id] = outputs
    return out
