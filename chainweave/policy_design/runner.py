"""`design`: search a design's decision variables, then re-evaluate the chosen mixes on fresh seeds.

The steps: load and check the design (before anything is written); open or resume its optuna
study (`chainweave.policy_design.search`); search until the trial budget is told; take the
feasible Pareto front; re-evaluate up to ``evaluation.mixes`` of its trials, and the baseline,
on fresh seeds the search never saw (out of sample, so that the winner's curse of the search
shows: a mix chosen because its replications were lucky looks worse on new ones); write the
tables and the manifest. The figures are `chainweave.figures.design.plot_design`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from scipy import stats

from chainweave import __version__
from chainweave.analysis import policy_contrasts
from chainweave.comparison import replicate_seeds
from chainweave.errors import ParameterError
from chainweave.policy_design.problem import Problem, prepare_problem
from chainweave.policy_design.search import (
    RUNS,
    SLOT,
    constraint_violation,
    evaluate_tasks,
    open_study,
    owner_lock,
    run_search,
    stored_trials,
)
from chainweave.policy_design.spec import DesignSpec, load_design
from chainweave.results import write_results
from chainweave.sweeps.executors import RunExecutor, RunTask, make_executor
from chainweave.sweeps.targets import Target


@dataclass(frozen=True)
class DesignResult:
    """The result of `design`.

    Attributes:
        trials: One row per trial, by ``trial`` (its position): batch, decision values,
            objectives (means over the replications), constraint measures and violations
            (<= 0: met), ``feasible``, ``pareto`` (on the feasible front), seeds.
        runs: One row per trial and replication: seed and every measure.
        pareto: The rows of ``trials`` on the feasible Pareto front, best first objective first.
        chosen: One row per re-evaluated mix: its decision values, and per measure the search's
            mean (``<m>_search``) and the fresh seeds' mean and interval (``<m>``,
            ``<m>_low``, ``<m>_high``); per constraint the fresh replications' share meeting it
            with its interval, and whether it is met out of sample (``<c>_met``, ``meets_all``).
        effects: Per chosen mix, scope (cluster and tiers) and metric (D, emissions, policy
            cost): the fresh seeds' mean, the paired difference to the baseline and intervals.
        manifest: The spec, base, seeds, sampler, storage, executor, timings, counts.
        folder: Where it was written.
    """

    trials: pd.DataFrame
    runs: pd.DataFrame
    pareto: pd.DataFrame
    chosen: pd.DataFrame
    effects: pd.DataFrame
    manifest: dict[str, Any]
    folder: Path


def _load(spec: DesignSpec | str | Path | Mapping[str, Any]) -> tuple[DesignSpec, Path | None, str]:
    """Returns (spec, folder relative paths start from, source name) of any form of a design."""
    if isinstance(spec, DesignSpec):
        return spec, None, "(script)"
    if isinstance(spec, Mapping):
        return DesignSpec.from_dict(spec), None, "(script)"
    loaded, folder = load_design(spec)
    return loaded, folder, str(spec)


def fresh_seeds(seed: int, replications: int, used: Sequence[int]) -> list[int]:
    """Returns ``replications`` seeds for the out-of-sample runs, none of them in ``used``."""
    taken = set(used)
    stream = np.random.SeedSequence([seed, 1]).generate_state(replications + len(taken), dtype=np.uint32)
    return [int(s) for s in stream if int(s) not in taken][:replications]


def _check_whole(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParameterError(name, value, f"a whole number >= {low}")


def design(
    spec: DesignSpec | str | Path | Mapping[str, Any],
    executor: Any = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    trials: int | None = None,
    seed: int | None = None,
    storage: str | None = None,
    progress: bool = True,
    retries: int = 3,
    target: Target | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> DesignResult:
    """Searches a policy design (or resumes it) and re-evaluates its chosen mixes on fresh seeds.

    Args:
        spec: A `DesignSpec`, a mapping of design fields, or the path of a design YAML file.
        executor: A `distributed.Client` to run on a Dask cluster; None: locally.
        workers: Local processes, >= 1 (1: in this process); ignored with a Dask executor.
        scheduler: Address of a Dask scheduler to connect to, e.g. ``tcp://host:8786``.
        out: Output folder; default the spec's ``results`` (or ``results/<name>``). A folder
            holding this design's study (finished or not) resumes it.
        trials: Trial budget, >= 1; default the spec's. A larger budget extends a stored study;
            a smaller one uses its first trials.
        seed: Seed of the search and of all runs, >= 0; default the spec's.
        storage: optuna storage URL of the study; default the spec's, or SQLite in ``out``.
        progress: Show a progress bar (trials told, rate, time left) on standard error.
        retries: Times a chunk of runs is resubmitted after its Dask worker died.
        target: Evaluate this instead of the spec's base (see `prepare_problem`).
        on_batch: Called with the number of trials told after each batch.

    Raises:
        ParameterError: for anything wrong with the design, before any run and any write.
        DesignInterrupted: on Ctrl-C, with the told trials stored.
    """
    started = time.perf_counter()
    spec, folder, source = _load(spec)
    updates: dict[str, Any] = {}
    if seed is not None:
        _check_whole("seed", seed, 0)
        updates["seed"] = seed
    if trials is not None:
        _check_whole("trials", trials, 1)
        updates["trials"] = trials
    spec = spec.model_copy(update=updates)
    problem = prepare_problem(spec, folder, source, target)
    out_dir = Path(out) if out is not None else spec.results_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise ParameterError("out", str(out_dir), "a folder (or a path where one can be made)")
    url = storage or spec.storage or f"sqlite:///{(out_dir / 'study.db').resolve()}"
    if url.partition(":")[0].partition("+")[0] not in ("sqlite", "postgresql", "mysql", "oracle", "mssql"):
        raise ParameterError("storage", url, "an optuna storage URL (sqlite:///file.db, postgresql://...)")
    seeds = replicate_seeds(spec.seed, spec.replications)
    oos = fresh_seeds(spec.seed, spec.evaluation.replications, seeds)
    fingerprint = spec.fingerprint(problem.description)
    runner = make_executor(executor, workers, scheduler, retries)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with owner_lock(out_dir):
            study = open_study(spec, url, fingerprint)
            searched = run_search(study, spec, problem, seeds, runner, progress, out_dir, on_batch)
            trials_table, runs = trial_tables(study, problem, spec, seeds)
            pareto = trials_table[trials_table["pareto"]].copy()
            pareto = pareto.sort_values([problem.objectives[0][1], "trial"],
                                        ascending=[problem.objectives[0][0].sense == "minimize", True])
            picked = choose_mixes(pareto, trials_table, problem, spec.evaluation.mixes)
            evaluating = time.perf_counter()
            chosen, effects, oos_runs = reevaluate(picked, study, problem, spec, oos, runner)
            evaluating = time.perf_counter() - evaluating
            manifest = {
                "kind": "design", "chainweave_version": __version__, "optuna_version": optuna.__version__,
                "numpy_version": np.__version__, "name": spec.name, "description": spec.description,
                "source": source, "fingerprint": fingerprint, "spec": spec.model_dump(mode="json"),
                "base": problem.description, "storage": url, "study": spec.name,
                "variables": [{"column": v.column, "path": v.path, "choices": v.choices}
                              for v in problem.variables],
                "objectives": [{"column": column, "sense": o.sense} for o, column in problem.objectives],
                "constraints": [{"column": column, **c.model_dump(include={"min", "max", "share"})}
                                for c, column in problem.constraints],
                "sampler": spec.search.sampler, "batch": spec.search.batch, "trials": spec.trials,
                "trials_resumed": searched.resumed, "trials_redone": searched.redone,
                "trials_this_session": searched.told, "replications": spec.replications, "seeds": seeds,
                "fresh_seeds": oos, "feasible": int(trials_table["feasible"].sum()),
                "pareto": int(len(pareto)),
                "chosen": [int(t) for t in chosen["trial"]] if len(chosen) else [],
                "executor": runner.description, "workers": runner.workers,
                "search_compute_seconds": searched.compute_seconds, "reevaluation_seconds": evaluating,
                "wall_seconds": time.perf_counter() - started,
            }
            tables = {"trials": trials_table, "runs": runs, "pareto": pareto, "chosen": chosen,
                      "effects": effects, "fresh_runs": oos_runs}
            write_results(out_dir, tables, manifest)
    finally:
        runner.close()
    return DesignResult(trials_table, runs, pareto, chosen, effects, manifest, out_dir)


def trial_tables(study: optuna.Study, problem: Problem, spec: DesignSpec,
                 seeds: Sequence[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns the trials table and the runs table of the design's first ``spec.trials`` trials."""
    rows, run_rows = [], []
    done = [t for t in stored_trials(study) if t.user_attrs[SLOT] < spec.trials]
    for t in done:
        slot = t.user_attrs[SLOT]
        measures = json.loads(t.user_attrs[RUNS])
        row: dict[str, Any] = {"trial": slot, "number": t.number, "batch": slot // spec.search.batch,
                               **problem.labels(t.params)}
        for (_, column), value in zip(problem.objectives, t.values, strict=True):
            row[column] = value
        feasible = True
        for i, (c, column) in enumerate(problem.constraints):
            violation = constraint_violation(c, measures[column])
            if column not in row:
                row[column] = float(np.mean(measures[column]))
            row[f"violation_{i}"] = violation
            feasible &= violation <= 0
        row["feasible"] = feasible
        row["seeds"] = " ".join(str(s) for s in seeds)
        rows.append(row)
        for r, s in enumerate(seeds):
            run_rows.append({"trial": slot, "replicate": r, "seed": s,
                             **{c: measures[c][r] for c in problem.measures}})
    trials = pd.DataFrame(rows)
    if trials.empty:
        return trials, pd.DataFrame(run_rows)
    trials["pareto"] = pareto_mask(trials, problem)
    return trials, pd.DataFrame(run_rows)


def pareto_mask(trials: pd.DataFrame, problem: Problem) -> np.ndarray:
    """Returns, per trial, whether it is feasible and no feasible trial dominates it."""
    signs = np.array([1.0 if o.sense == "minimize" else -1.0 for o, _ in problem.objectives])
    values = trials[[column for _, column in problem.objectives]].to_numpy(float) * signs
    feasible = trials["feasible"].to_numpy(bool)
    mask = feasible.copy()
    for i in np.flatnonzero(feasible):
        others = values[feasible]
        dominated = np.all(others <= values[i], axis=1) & np.any(others < values[i], axis=1)
        mask[i] = not dominated.any()
    return mask


def choose_mixes(pareto: pd.DataFrame, trials: pd.DataFrame, problem: Problem, mixes: int) -> pd.DataFrame:
    """Returns the trials to re-evaluate: up to ``mixes`` of the front, spread along its first objective.

    The first objective's best trial is always among them. With no feasible trial, the trial
    violating the constraints least (sum of positive violations) is re-evaluated, so that the
    outputs show how far the search got.
    """
    if len(pareto):
        # Duplicate decision values (the same mix asked twice) are re-evaluated once.
        columns = [v.column for v in problem.variables]
        front = pareto.drop_duplicates(subset=columns)
        index = np.unique(np.linspace(0, len(front) - 1, min(mixes, len(front))).round().astype(int))
        return front.iloc[index]
    if trials.empty:
        return trials
    violations = trials[[c for c in trials.columns if c.startswith("violation_")]].clip(lower=0).sum(axis=1)
    return trials.loc[[violations.idxmin()]]


def reevaluate(picked: pd.DataFrame, study: optuna.Study, problem: Problem, spec: DesignSpec,
               seeds: Sequence[int], runner: RunExecutor) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Runs the picked trials (and, for a scenario base, the baseline) on fresh seeds.

    Returns (chosen, effects, fresh runs): see `DesignResult`; the fresh runs table has one row
    per mix (``mix`` = its trial, -1 the baseline) and replication with every measure.
    """
    if picked.empty:
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    by_slot = {t.user_attrs[SLOT]: t for t in stored_trials(study)}
    slots = [int(s) for s in picked["trial"]]
    reps = len(seeds)
    target = problem.effects_target or problem.target
    tasks: list[RunTask] = [(i * reps + r, problem.values(by_slot[s].params), seeds[r])
                            for i, s in enumerate(slots) for r in range(reps)]
    results = evaluate_tasks(runner, target, tasks, chunk=reps)
    runs = [{"mix": s, "replicate": r, "seed": seeds[r], **results[i * reps + r]}
            for i, s in enumerate(slots) for r in range(reps)]
    if problem.baseline is not None:
        base = evaluate_tasks(runner, problem.baseline, [(r, {}, seeds[r]) for r in range(reps)], chunk=reps)
        runs += [{"mix": -1, "replicate": r, "seed": seeds[r], **base[r]} for r in range(reps)]
    fresh = pd.DataFrame(runs)
    level = spec.evaluation.confidence
    rows = []
    for s, row in zip(slots, picked.itertuples(index=False), strict=True):
        mine = fresh[fresh["mix"] == s]
        out: dict[str, Any] = {"trial": s, **{v.column: getattr(row, v.column) for v in problem.variables}}
        for column in problem.measures:
            x = mine[column].to_numpy(float)
            low, high = _t_interval(x, level)
            out |= {f"{column}_search": getattr(row, column), column: x.mean(), f"{column}_low": low,
                    f"{column}_high": high}
        meets = True
        for i, (c, column) in enumerate(problem.constraints):
            x = mine[column].to_numpy(float)
            met = x >= c.min if c.min is not None else x <= c.max
            interval = stats.binomtest(int(met.sum()), len(x)).proportion_ci(level, method="wilson")
            ok = constraint_violation(c, x) <= 0
            out |= {f"met_share_{i}": met.mean(), f"met_share_{i}_low": interval.low,
                    f"met_share_{i}_high": interval.high, f"violation_{i}": constraint_violation(c, x),
                    f"met_{i}": ok}
            meets &= ok
        out["feasible_search"] = bool(row.feasible)
        out["meets_all"] = meets
        rows.append(out)
    chosen = pd.DataFrame(rows)
    effects = _effects(fresh, slots, problem, level) if problem.baseline is not None else pd.DataFrame()
    return chosen, effects, fresh.rename(columns=lambda c: c.removeprefix("_effect_"))


def _t_interval(x: np.ndarray, level: float) -> tuple[float, float]:
    """Returns the t interval of the mean of ``x`` (NaN with fewer than 2 values or no spread)."""
    if len(x) < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean() - half), float(x.mean() + half)


def _effects(fresh: pd.DataFrame, slots: list[int], problem: Problem, level: float) -> pd.DataFrame:
    """Returns each mix's paired effect against the baseline per scope and metric (fresh seeds)."""
    label = {s: f"trial_{s}" for s in slots} | {-1: "baseline"}
    parts = []
    for scope, metric, column in problem.effects:
        long = pd.DataFrame({"scenario": fresh["mix"].map(label), "replicate": fresh["replicate"],
                             "step": problem.horizon, "value": fresh[column]})
        c = policy_contrasts(long, "value", confidence=level, paired=True)
        parts.append(c.assign(scope=scope, metric=metric))
    effects = pd.concat(parts, ignore_index=True)
    effects = effects[effects["scenario"] != "baseline"]
    effects.insert(0, "trial", effects["scenario"].str.removeprefix("trial_").astype(int))
    return effects[["trial", "scope", "metric", "n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low",
                    "diff_ci_high"]].reset_index(drop=True)
