"""Calibration by the method of simulated moments: scenario parameters fitted to validation targets.

A calibration file names the parameters to fit (scenario fields by dotted path, with
bounds), the moments (targets of the validation registry, each with a weight), the size
the moments are simulated at, the number of trials and a seed. Each trial sets the
parameters on every moment's design (under the design's own values, which define the
experiment), simulates every moment at the same seeds (common random numbers, so two trials
differ only by their parameters) and scores

    J(theta) = sum_k w_k * ((m_k(theta) - c_k) / s_k) ** 2

with m_k the moment's mean over seeds, c_k the centre of its accepted range and s_k its
half-width (the centre's magnitude, or 1, when the range is a point); a one-sided range
[a, inf) or (-inf, b] scores only the distance beyond its bound, scaled by the bound's
magnitude (or 1). A moment in the middle of its range scores 0; at the edge of a two-sided
range it scores its weight. Moments that cannot be measured make the trial fail.

The optimiser is optuna's TPE sampler (Bergstra et al. 2011; Akiba et al. 2019): it is
global and derivative-free, so it copes with a noisy, possibly non-smooth objective, needs
only bounds, and stores every trial in an SQLite database in the output folder. A local
refinement with scipy (Nelder-Mead) would need a starting point, has no bounds or storage,
and a stopped fit would start over. Trial 0 evaluates the scenario's current values (the
"before" of the fit). Each trial's sampler is seeded from the calibration's seed and the
number of trials already complete, and a trial cut short (the process killed) is marked
failed when the fit resumes, so a fit stopped at any point and run again ends with the same
trials and result as one never stopped. Trials run one after another; the runs of a trial
go to this process, a local pool or a Dask cluster (the sweeps' executors).

References:
    McFadden (1989), Econometrica 57(5), 995-1026; Gourieroux and Monfort (1996), Simulation-
    Based Econometric Methods; Bergstra, Bardenet, Bengio and Kegl (2011), Algorithms for
    hyper-parameter optimization, NeurIPS; Akiba et al. (2019), Optuna, KDD.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chainweave import __version__
from chainweave.errors import ParameterError
from chainweave.results import write_results
from chainweave.validation.registry import TargetSpec, _one_line, load_registry
from chainweave.validation.suite import DEFAULT_SEED, SuiteEvaluator, evaluate_suite, target_interval, tasks
from chainweave.yaml_files import read_yaml_mapping

STUDY_FILE = "study.db"
"""The optuna SQLite database in a calibration folder."""

MEASUREMENT_FAILED = "measurement_failed"
"""User attribute of a trial whose moments could not all be measured."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FitParameter(_Section):
    """A parameter to fit: a scenario field by dotted path, and its bounds.

    Attributes:
        path: Scenario field, e.g. ``params.exit_hazard``.
        bounds: [low, high], low < high.
        integer: Whether the value is a whole number.
        log: Whether to sample on a log scale (low > 0).
    """

    path: str = Field(min_length=1)
    bounds: tuple[float, float]
    integer: bool = False
    log: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> FitParameter:
        low, high = self.bounds
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"bounds must be finite with low < high (got {list(self.bounds)})")
        if self.log and low <= 0:
            raise ValueError("a log-scale parameter needs low > 0")
        return self


class Moment(_Section):
    """A target of the registry used as a moment, with its weight.

    Attributes:
        target: The target's id.
        weight: Its weight in the objective, > 0.
    """

    target: str
    weight: float = Field(1.0, gt=0)


class CalibrationSpec(_Section):
    """A calibration file.

    Attributes:
        name: Name of the fit (snake_case): the default folder, the study's name.
        description: What is fitted and why.
        parameters: Parameters to fit.
        moments: Targets to match.
        size: ``quick`` or ``full``: the moments' design sizes.
        n_firms: Firms of every moment's runs (None: the size's).
        seeds: Seeds per moment (None: the size's), >= 2.
        trials: Trials in all (the first evaluates the current values), >= 2.
        seed: Seed of the sampler.
        simulation_seed: Root of the simulations' seeds (common to every trial).
        registry: Registry file (None: the bundled one).
        results: Output folder (None: results/calibration/<name>).
    """

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str = ""
    parameters: list[FitParameter] = Field(min_length=1)
    moments: list[Moment] = Field(min_length=1)
    size: str = Field("quick", pattern=r"^(quick|full)$")
    n_firms: int | None = Field(None, ge=1)
    seeds: int | None = Field(None, ge=2)
    trials: int = Field(30, ge=2, le=100_000)
    seed: int = Field(0, ge=0, lt=2**31)
    simulation_seed: int = Field(DEFAULT_SEED, ge=0)
    registry: str | None = None
    results: str | None = None

    def fingerprint(self) -> str:
        """Returns a hash of what decides the trials' values (not where they go)."""
        data = self.model_dump(mode="json", exclude={"results", "description"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def load_spec(
    spec: CalibrationSpec | str | Path | Mapping[str, Any],
) -> tuple[CalibrationSpec, str, Path | None]:
    """Returns (spec, how errors name it, its folder) of a spec, a mapping or a YAML file.

    Raises:
        ParameterError: One line for an unreadable file or a bad field.
    """
    if isinstance(spec, CalibrationSpec):
        return spec, "(script)", None
    if isinstance(spec, str | Path):
        source, folder = str(spec), Path(spec).parent
        data = read_yaml_mapping(Path(spec), source, "calibration")
    else:
        source, folder, data = "(script)", None, dict(spec)
    try:
        return CalibrationSpec.model_validate(data), source, folder
    except ValidationError as err:
        raise _one_line(err, source) from None


def _sized(target: TargetSpec, spec: CalibrationSpec) -> TargetSpec:
    """Returns the target with the spec's firm and seed counts on the size it uses."""
    quick = spec.size == "quick"
    size = target.size(quick)
    changes = {k: v for k, v in (("n_firms", spec.n_firms), ("seeds", spec.seeds)) if v is not None}
    if not changes:
        return target
    design = target.design.model_copy(update={"quick" if quick else "full": size.model_copy(update=changes)})
    return target.model_copy(update={"design": design})


def moment_scale(target: TargetSpec) -> tuple[float | None, float | None, float]:
    """Returns (centre or None, the one-sided bound or None, scale) of a target's range."""
    low, high = target.accepted
    if low is not None and high is not None:
        centre = (low + high) / 2
        half = (high - low) / 2
        return centre, None, half if half > 0 else (abs(centre) or 1.0)
    bound = low if low is not None else high
    return None, bound, abs(bound) or 1.0


def moment_score(target: TargetSpec, value: float) -> float:
    """Returns ((m - c) / s)^2 for a two-sided range, the squared scaled excess for a one-sided one."""
    centre, bound, scale = moment_scale(target)
    if not math.isfinite(value):
        return math.inf
    if centre is not None:
        return ((value - centre) / scale) ** 2
    low, _ = target.accepted
    excess = max(0.0, bound - value) if low is not None else max(0.0, value - bound)
    return (excess / scale) ** 2


@dataclass
class CalibrationResult:
    """A finished calibration.

    Attributes:
        best: Fitted value of each parameter, by path.
        before: The parameters' values before the fit (the scenario's).
        objective_before: J at ``before``; objective_after: J at ``best``.
        moments: One row per moment: target, weight, range, mean before and after, scores.
        trials: One row per complete trial: number, parameter values, J, each moment's mean.
        manifest: The spec, seeds, versions, timings.
        folder: Where it was written.
    """

    best: dict[str, float]
    before: dict[str, float]
    objective_before: float
    objective_after: float
    moments: pd.DataFrame
    trials: pd.DataFrame
    manifest: dict[str, Any]
    folder: Path


def current_values(spec: CalibrationSpec, targets: list[TargetSpec]) -> dict[str, float]:
    """Returns each parameter's value in the first moment's scenario (the defaults), clipped to its bounds."""
    from chainweave.scenarios import load_scenario

    scenario = load_scenario(targets[0].design.scenario)
    data = scenario.resolved()
    out = {}
    for p in spec.parameters:
        value: Any = data
        for part in p.path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None and p.path.startswith("params."):
            value = getattr(scenario.params, p.path.split(".", 1)[1], None)
        if not isinstance(value, int | float):
            raise ParameterError(f"parameters ({p.path})", value, "a numeric scenario field")
        out[p.path] = float(min(max(value, p.bounds[0]), p.bounds[1]))
    return out


def _prepare(spec: CalibrationSpec, source: str) -> list[TargetSpec]:
    from chainweave.validation.runner import prepare

    registry = {t.id: t for t in load_registry(spec.registry)}
    targets = []
    for i, m in enumerate(spec.moments):
        if m.target not in registry:
            raise ParameterError(f"{source}: moments[{i}].target", m.target, "a target id of the registry")
        targets.append(_sized(registry[m.target], spec))
    for p in spec.parameters:
        for bound in p.bounds:
            value = int(bound) if p.integer else bound
            try:
                _, unmeasurable = prepare(targets, spec.size == "quick", {p.path: value})
            except ParameterError as err:
                raise ParameterError(f"{source}: parameters ({p.path})", bound, err.expected) from None
            if unmeasurable:
                name = next(iter(unmeasurable))
                raise ParameterError(f"{source}: moments", name, "a target the model can measure today "
                                     f"({unmeasurable[name]})")
    return targets


def calibrate(
    spec: CalibrationSpec | str | Path | Mapping[str, Any],
    executor: Any = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
) -> CalibrationResult:
    """Runs (or resumes) a calibration and returns the fit.

    Args:
        spec: A `CalibrationSpec`, a mapping of its fields, or a YAML file.
        executor: A `distributed.Client` to run each trial's simulations on.
        workers: Local processes (1: this process).
        scheduler: Address of a Dask scheduler.
        out: Output folder (default the spec's ``results`` or results/calibration/<name>);
            a folder holding this calibration unfinished is resumed.
        progress: Show a progress bar of trials.

    Raises:
        ParameterError: For a bad spec, parameter, moment, folder or executor, before any run.
    """
    import optuna
    from tqdm import tqdm

    from chainweave.sweeps.executors import make_executor

    started = time.perf_counter()
    spec, source, _ = load_spec(spec)
    targets = _prepare(spec, source)
    before = current_values(spec, targets)
    default = Path("results") / "calibration" / spec.name
    folder = Path(out) if out is not None else Path(spec.results or default)
    folder.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{(folder / STUDY_FILE).resolve()}"
    study = optuna.create_study(study_name=spec.name, storage=storage, load_if_exists=True,
                                direction="minimize")
    fingerprint = spec.fingerprint()
    stored = study.user_attrs.get("fingerprint")
    if stored is not None and stored != fingerprint:
        raise ParameterError("--out", str(folder), "a new folder, or one holding this calibration "
                             "(it holds a different one)")
    study.set_user_attr("fingerprint", fingerprint)
    # One process per folder: a trial still running or waiting here was cut short.
    unfinished = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
    for trial in study.get_trials(deepcopy=False, states=unfinished):
        study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
    finished = _finished(study)
    resumed = len(finished)
    quick = spec.size == "quick"
    evaluator = SuiteEvaluator(tuple(targets), quick)
    runner = make_executor(executor, workers, scheduler)
    distributions = {p.path: _distribution(p) for p in spec.parameters}
    try:
        bar = tqdm(total=spec.trials, initial=resumed, desc=spec.name, unit="trial", disable=not progress)
        while len(finished) < spec.trials:
            study.sampler = optuna.samplers.TPESampler(seed=spec.seed * 100_003 + len(finished))
            fixed = before if not finished else None
            trial = study.ask(distributions) if fixed is None else _ask_fixed(study, distributions, fixed)
            values = {p.path: _cast(p, trial.params[p.path]) for p in spec.parameters}
            means = _simulate(evaluator, targets, quick, spec.simulation_seed, values, runner)
            scores = [m.weight * moment_score(t, means[t.id])
                      for m, t in zip(spec.moments, targets, strict=True)]
            for t in targets:
                trial.set_user_attr(f"moment.{t.id}", means[t.id])
            objective = float(sum(scores))
            if math.isfinite(objective):
                study.tell(trial, objective)
            else:  # a moment could not be measured there: a finished trial without a value
                trial.set_user_attr(MEASUREMENT_FAILED, True)
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            finished = _finished(study)
            bar.update(1)
        bar.close()
    finally:
        runner.close()
    return _result(spec, study, targets, before, folder, resumed, runner.description,
                   time.perf_counter() - started)


def _distribution(p: FitParameter) -> Any:
    from optuna.distributions import FloatDistribution, IntDistribution

    low, high = p.bounds
    if p.integer:
        return IntDistribution(int(math.ceil(low)), int(math.floor(high)), log=p.log)
    return FloatDistribution(low, high, log=p.log)


def _cast(p: FitParameter, value: float) -> float:
    return int(value) if p.integer else float(value)


def _ask_fixed(study: Any, distributions: dict[str, Any], values: dict[str, float]) -> Any:
    """Returns a new trial at fixed values (the scenario's: trial 0, the fit's "before")."""
    study.enqueue_trial(values, skip_if_exists=False)
    return study.ask(distributions)


def _complete(study: Any) -> list[Any]:
    import optuna

    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def _finished(study: Any) -> list[Any]:
    """Returns the trials evaluated to the end: complete, or failed because a moment was NaN.

    Trials cut short by an interruption are failed too, but without the mark: they do not
    count, so the trial is done again and the sequence of seeds stays that of a whole fit.
    """
    import optuna

    failed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.FAIL,))
    return _complete(study) + [t for t in failed if t.user_attrs.get(MEASUREMENT_FAILED)]


def _simulate(evaluator: SuiteEvaluator, targets: list[TargetSpec], quick: bool, root: int,
              values: dict[str, float], runner: Any) -> dict[str, float]:
    """Returns each moment's mean over its seeds at the parameter values (NaN if a seed is not measured).

    For a response target the moment is the figure of the seeds' mean path (`target_interval`).
    """
    runs = evaluate_suite(evaluator, tasks(targets, quick, root, values), runner, progress=False)
    means = {}
    for t in targets:
        mine = runs[runs["target"] == t.id]
        measured = len(mine) > 0 and np.isfinite(mine["value"].to_numpy(float)).all()
        means[t.id] = target_interval(t, mine)[0] if measured else math.nan
    return means


def _result(spec: CalibrationSpec, study: Any, targets: list[TargetSpec], before: dict[str, float],
            folder: Path, resumed: int, executor: str, seconds: float) -> CalibrationResult:
    complete = sorted(_complete(study), key=lambda t: t.number)
    if not complete or complete[0].params != {p.path: _cast(p, before[p.path]) for p in spec.parameters}:
        raise ParameterError("moments", [m.target for m in spec.moments],
                             "targets measurable at the scenario's own values (trial 0 failed; "
                             f"see {folder / STUDY_FILE})")
    first, best = complete[0], min(complete, key=lambda t: (t.value, t.number))
    rows = []
    for number, t in enumerate(complete):
        rows.append({"trial": number, **t.params, "objective": t.value,
                     **{f"moment_{k.removeprefix('moment.')}": v for k, v in t.user_attrs.items()}})
    trials = pd.DataFrame(rows)
    moments = []
    for m, t in zip(spec.moments, targets, strict=True):
        m_before, m_after = first.user_attrs[f"moment.{t.id}"], best.user_attrs[f"moment.{t.id}"]
        moments.append({"target": t.id, "weight": m.weight, "accepted": t.range_text(),
                        "before": m_before, "after": m_after,
                        "score_before": m.weight * moment_score(t, m_before),
                        "score_after": m.weight * moment_score(t, m_after)})
    fitted = {p.path: _cast(p, best.params[p.path]) for p in spec.parameters}
    manifest = {
        "kind": "calibration", "chainweave_version": __version__, "name": spec.name,
        "spec": spec.model_dump(mode="json"), "fingerprint": spec.fingerprint(),
        "objective": "J = sum_k w_k ((m_k - c_k) / s_k)^2 (see chainweave.validation.calibration)",
        "before": before, "best": fitted, "objective_before": first.value, "objective_after": best.value,
        "best_trial": complete.index(best), "trials": len(complete), "trials_resumed": resumed,
        "executor": executor, "wall_seconds": seconds, "study": STUDY_FILE,
    }
    moments_table = pd.DataFrame(moments)
    write_results(folder, {"trials": trials, "moments": moments_table}, manifest)
    return CalibrationResult(fitted, before, first.value, best.value, moments_table, trials, manifest, folder)


def format_fit(result: CalibrationResult) -> str:
    """Returns the fit as text: objective before and after, each moment, the fitted values."""
    lines = [f"objective J: {result.objective_before:.4g} before (the scenario's values), "
             f"{result.objective_after:.4g} after", "", "moment                                  weight  "
             "accepted           before       after"]
    for r in result.moments.itertuples():
        lines.append(f"{r.target:<40}{r.weight:6.3g}  {r.accepted:<16}{r.before:>10.4g}  {r.after:>10.4g}")
    lines += ["", "parameter                               before       fitted"]
    for path, value in result.best.items():
        lines.append(f"{path:<40}{result.before[path]:>10.4g}   {value:>10.4g}")
    return "\n".join(lines)
