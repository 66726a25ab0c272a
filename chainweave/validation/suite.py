"""Running validation targets: arms of a design over seeds, on any sweep executor.

`SuiteEvaluator` turns one task, (target, seed) with optional parameter values, into the
target's statistic for that seed: it runs each arm of the target's design (the scenario with
the design's values, the arm's values, policies and events, at the chosen size) with the same
seed (common random numbers) and applies the named statistic. Runs shared by several targets
(same scenario, values, size and seed) are computed once per chunk. It has the ``evaluate``
method of `chainweave.sweeps.targets.Target`, so the sweeps' executors run it unchanged
(`chainweave.sweeps.executors.make_executor`: this process, a local pool, a Dask cluster).

`evaluate_suite` runs every task of a set of targets with a progress bar and returns one
row per (target, seed); `summarize` turns those rows into one row per target: mean, 95 %
interval over seeds, pass or fail.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chainweave.errors import ParameterError
from chainweave.validation.registry import BASE_ARM, Arm, TargetSpec
from chainweave.validation.statistics import RESPONSES, STATISTICS, RunRecord, needs_firm_panel

CONFIDENCE = 0.95
"""Confidence level of the intervals over seeds."""

DEFAULT_SEED = 12
"""Root of the suite's seeds (`suite_seeds`)."""

FIRM_PANEL_COLUMNS: tuple[str, ...] = ("uid", "place", "sector", "labour", "output", "age")
"""Firm-table columns the firm panel keeps each step."""


def suite_seeds(root: int, n: int) -> list[int]:
    """Returns the first ``n`` seeds of the suite: SeedSequence(root).spawn(n), one word each.

    The first k seeds are the same whatever ``n``, so targets with fewer seeds share runs.
    """
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(root).spawn(n)]


@dataclass(frozen=True)
class ArmRun:
    """Everything that decides one run of an arm, but the seed.

    Attributes:
        scenario: Bundled scenario name or file.
        values: Scenario values by dotted path (design, arm, calibration, size).
        policies: Policies added.
        events: Parameter changes for some years (``Event`` mappings).
        steps: Years run.
        firm_panel: Whether each firm's state is kept every year.
    """

    scenario: str
    values: tuple[tuple[str, Any], ...]
    policies: str
    events: str
    steps: int
    firm_panel: bool

    def key(self, seed: int) -> str:
        """Returns a string naming this run at ``seed`` (for sharing runs)."""
        return json.dumps([self.scenario, self.values, self.policies, self.events, self.steps,
                           self.firm_panel, seed], default=str)


def arm_runs(target: TargetSpec, quick: bool, values: Mapping[str, Any] | None = None) -> dict[str, ArmRun]:
    """Returns the runs of each arm of a target's design (``base`` first).

    Args:
        target: The target.
        quick: Use the design's ``quick`` size.
        values: Scenario values by path set under the design's own (calibrated parameters).
    """
    design, size = target.design, target.size(quick)
    common = {**dict(values or {}), **design.set}
    if size.n_firms is not None:
        common["params.n_firms"] = size.n_firms
    firm_panel = design.firm_panel or needs_firm_panel(target.statistic.name, target.statistic.args)
    out = {}
    for name, arm in {BASE_ARM: Arm(), **design.arms}.items():
        merged = {**common, **arm.set}
        out[name] = ArmRun(
            scenario=design.scenario, values=tuple(sorted(merged.items())),
            policies=json.dumps(arm.policies, sort_keys=True),
            events=json.dumps([e.model_dump() for e in arm.events], sort_keys=True),
            steps=size.steps, firm_panel=firm_panel)
    return out


def _scenario(run: ArmRun, bases: dict[str, Any]) -> Any:
    """Returns the scenario of an arm run (base scenarios loaded once per process)."""
    from chainweave.scenarios import load_scenario

    if run.scenario not in bases:
        bases[run.scenario] = load_scenario(run.scenario)
    scenario = bases[run.scenario].with_values(dict(run.values)) if run.values else bases[run.scenario]
    policies = json.loads(run.policies)
    return scenario.with_policies(policies) if policies else scenario


def check_arm(run: ArmRun, bases: dict[str, Any]) -> None:
    """Raises `ParameterError` if an arm cannot be built (unknown path, policy or parameter)."""
    from chainweave.parameters import ModelParams

    _scenario(run, bases)
    fields = ModelParams.__dataclass_fields__
    for event in json.loads(run.events):
        for name in (*event["set"], *event["scale"]):
            if name not in fields:
                raise ParameterError("events", name, "a ModelParams field")


def _snapshot(model: Any) -> pd.DataFrame:
    f = model.firms
    frame = pd.DataFrame({name: getattr(f, name).copy() for name in FIRM_PANEL_COLUMNS})
    frame.insert(0, "step", model.year)
    return frame


def simulate_arm(run: ArmRun, seed: int, bases: dict[str, Any] | None = None) -> RunRecord:
    """Runs one arm at one seed; returns its tables, final model and (if asked) firm panel.

    Events change `ModelParams` fields for the years they cover (set to a value or scaled
    from the run's own value) and are undone afterwards; the phases read the parameters each
    year, so a shock takes effect the year it starts.
    """
    scenario = _scenario(run, {} if bases is None else bases)
    model = scenario.build_model(seed=seed, record_flows=False, steps=run.steps)
    events = json.loads(run.events)
    params = model.params
    panel = [_snapshot(model)] if run.firm_panel else []
    for year in range(1, run.steps + 1):
        if events:
            changes: dict[str, float] = {}
            for e in events:
                if e["start"] <= year and (e["end"] is None or year <= e["end"]):
                    changes.update(e["set"])
                    changes.update({k: getattr(params, k) * v for k, v in e["scale"].items()})
            model.params = params.replace(**changes) if changes else params
        model.step()
        if run.firm_panel:
            panel.append(_snapshot(model))
    model.params = params
    tables = model.tables()
    return RunRecord({"places": tables["places"], "cluster": tables["cluster"]}, model,
                     pd.concat(panel, ignore_index=True) if panel else None)


@dataclass
class SuiteEvaluator:
    """Evaluates (target, seed) tasks; what the sweeps' executors run.

    A task's values hold ``target`` (the target's position in ``targets``) and, for a
    calibration, scenario values by dotted path. Pickles without its run cache, so it travels
    to pool and Dask workers; each chunk shares runs among its tasks.

    Attributes:
        targets: The targets of the suite.
        quick: Whether the designs' quick sizes are used.
    """

    targets: tuple[TargetSpec, ...]
    quick: bool = False
    cache_size: int = 4
    _cache: dict[str, RunRecord] = field(default_factory=dict, repr=False, compare=False)
    _bases: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_cache": {}, "_bases": {}}

    def _record(self, run: ArmRun, seed: int) -> RunRecord:
        key = run.key(seed)
        if key not in self._cache:
            while len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = simulate_arm(run, seed, self._bases)
        return self._cache[key]

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, Any]:
        """Returns the statistic of one target at one seed.

        Returns:
            {"value": the statistic, "note": why it is NaN or "", "path": for a response, the
            seed's path as JSON {step: value}, else ""}.
        """
        values = dict(values)
        target = self.targets[int(values.pop("target"))]
        arms = arm_runs(target, self.quick, values)
        try:
            runs = {name: self._record(run, seed) for name, run in arms.items()}
        except (ValueError, FloatingPointError, OverflowError, ZeroDivisionError) as err:
            # A run the engine cannot finish (e.g. at an extreme calibration trial) is a failed
            # measurement of this target, not the end of the suite.
            note = f"the run failed: {type(err).__name__}: {err}"[:300]
            return {"value": math.nan, "note": note, "path": ""}
        name, args = target.statistic.name, target.statistic.args
        path = ""
        try:
            if name in RESPONSES:
                series = RESPONSES[name].seed_path(runs, args)
                path = json.dumps({str(int(k)): float(v) for k, v in series.items()})
                value = RESPONSES[name].of_path(series, args)
            else:
                value = float(STATISTICS[name](runs, **args))
            note = "" if math.isfinite(value) else "the model does not output what this statistic needs"
        except (ValueError, KeyError, ZeroDivisionError, FloatingPointError, IndexError) as err:
            value, note = math.nan, f"{type(err).__name__}: {err}"[:300]
        return {"value": value, "note": note, "path": path}


def tasks(targets: Sequence[TargetSpec], quick: bool, root: int,
          values: Mapping[str, float] | None = None) -> list[list[tuple[int, dict[str, float], int]]]:
    """Returns the suite's tasks in chunks: tasks sharing a base run at one seed go together.

    Returns:
        Chunks of (task id, {"target": index, **values}, seed); the task id numbers the
        (target, seed) pairs in registry and seed order.
    """
    groups: dict[str, list[tuple[int, dict[str, float], int]]] = {}
    task_id = 0
    for i, target in enumerate(targets):
        base = arm_runs(target, quick, values)[BASE_ARM]
        for seed in suite_seeds(root, target.size(quick).seeds):
            groups.setdefault(base.key(seed), []).append((task_id, {"target": float(i), **dict(values or {})},
                                                         seed))
            task_id += 1
    return list(groups.values())


def evaluate_suite(evaluator: SuiteEvaluator, chunks: list[list[tuple[int, dict[str, float], int]]],
                   runner: Any, progress: bool = True, desc: str = "validation") -> pd.DataFrame:
    """Runs the chunks on an executor; returns one row per task: target, seed, value, note, path."""
    from tqdm import tqdm

    rows = []
    by_id = {task_id: (int(values["target"]), seed) for chunk in chunks for task_id, values, seed in chunk}
    with tqdm(total=len(by_id), desc=desc, unit="task", disable=not progress, smoothing=0.1) as bar:
        for results in runner.results(evaluator, chunks):
            for task_id, out, error in results:  # a run that raised is a missing value, with its error
                index, seed = by_id[task_id]
                rows.append({"task": task_id, "target": evaluator.targets[index].id, "seed": seed,
                             "value": math.nan if error else out["value"],
                             "note": error or out["note"], "path": "" if error else out["path"]})
            bar.update(len(results))
    return pd.DataFrame(rows).sort_values("task", ignore_index=True)


def interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Returns (mean, low, high): the mean over seeds and its t interval (NaNs dropped)."""
    from scipy import stats

    x = values[np.isfinite(values)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2 or np.ptp(x) == 0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def mean_paths(paths: Sequence[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Returns (seeds x steps table of the seeds' paths, their mean) from `evaluate` JSON paths."""
    table = pd.DataFrame([{int(k): v for k, v in json.loads(p).items()} for p in paths if p])
    table = table.reindex(sorted(table.columns), axis=1)
    return table, table.mean()


def response_interval(target: TargetSpec, paths: Sequence[str], confidence: float = CONFIDENCE,
                      resamples: int = 2000) -> tuple[float, float, float]:
    """Returns (figure, low, high) of a response target from its seeds' paths.

    The figure of the seeds' mean path, and its percentile bootstrap interval over seeds
    (``resamples`` draws of as many seeds, with replacement, from a fixed generator).
    """
    response, args = RESPONSES[target.statistic.name], target.statistic.args
    table, mean = mean_paths(paths)
    if table.empty:
        return math.nan, math.nan, math.nan
    figure = response.of_path(mean, args)
    if len(table) < 2:
        return figure, figure, figure
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(table), size=(resamples, len(table)))
    values = table.to_numpy(float)
    boot = np.array([response.of_path(pd.Series(values[d].mean(axis=0), index=table.columns), args)
                     for d in draws])
    low, high = np.quantile(boot, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return figure, float(low), float(high)


def target_interval(target: TargetSpec, rows: pd.DataFrame) -> tuple[float, float, float]:
    """Returns (mean, low, high) of a target from its rows of `evaluate_suite`.

    The mean over seeds of the statistic with its t interval; for a response, the figure of the
    seeds' mean path with its bootstrap interval (`response_interval`). NaN seeds are dropped.
    """
    values = rows["value"].to_numpy(float) if len(rows) else np.array([])
    if target.statistic.name in RESPONSES and len(rows):
        return response_interval(target, list(rows["path"][np.isfinite(values)]))
    return interval(values)


def verdict(target: TargetSpec, mean: float, low: float, high: float) -> tuple[bool | None, str]:
    """Returns (passed, status) of a target from its mean and interval.

    ``passed`` is None for a reported figure and for a target that could not be measured.
    Status: ``pass``, ``FAIL``, ``known gap`` (fails, as recorded), ``known gap, passes now``,
    ``reported``, ``not measurable``.
    """
    if not math.isfinite(mean):
        return None, "not measurable"
    if target.pass_rule == "report":
        return None, "reported"
    if target.pass_rule == "mean":
        passed = target.in_range(mean)
    else:
        passed = target.in_range(low) and target.in_range(high)
    if target.known_gap:
        return passed, "known gap, passes now" if passed else "known gap"
    return passed, "pass" if passed else "FAIL"


def summarize(targets: Sequence[TargetSpec], runs: pd.DataFrame, quick: bool,
              unmeasurable: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Returns one row per target: its source, range, size, mean with 95 % interval and verdict.

    Args:
        targets: The targets, in registry order.
        runs: Rows of `evaluate_suite`.
        quick: Whether the quick sizes were used (for the size columns).
        unmeasurable: Target id -> why its design cannot be built today (not run).
    """
    rows = []
    for target in targets:
        size = target.size(quick)
        mine = runs[runs["target"] == target.id] if len(runs) else runs
        values = mine["value"].to_numpy(float) if len(mine) else np.array([])
        mean, low, high = target_interval(target, mine)
        passed, status = verdict(target, mean, low, high)
        notes = sorted({n for n in mine["note"] if n}) if len(mine) else []
        if unmeasurable and target.id in unmeasurable:
            notes = [unmeasurable[target.id]]
        rows.append({
            "id": target.id, "group": target.group, "title": target.title,
            "citation": target.source.citation, "seed_file": target.source.seed_file or "",
            "measures": target.measures, "kind": target.design.kind, "scenario": target.design.scenario,
            "n_firms": size.n_firms, "steps": size.steps, "seeds": size.seeds,
            "seeds_measured": int(np.isfinite(values).sum()),
            "accepted_low": target.accepted[0], "accepted_high": target.accepted[1],
            "accepted": target.range_text(), "pass_rule": target.pass_rule,
            "mean": mean, "ci_low": low, "ci_high": high,
            "aggregate": "mean path" if target.statistic.name in RESPONSES else "mean over seeds",
            "statistic_args": json.dumps(target.statistic.args, sort_keys=True, default=str),
            "passed": passed, "status": status, "expected_to_pass": not target.known_gap,
            "why": target.why, "gap": target.gap or "", "note": "; ".join(notes),
        })
    return pd.DataFrame(rows)
