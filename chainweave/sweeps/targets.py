"""What a sweep run evaluates: a `Target` turns parameter values and a seed into outputs.

`ScenarioTarget` runs a scenario with the values set by path (`Scenario.with_values`) and
takes the outputs of interest from its tables: a metric at chosen steps, for the cluster, a
tier or one place. `IshigamiTarget` is the Ishigami function, whose Sobol' indices are known,
so the sweep machinery can be checked end to end (``base: analytic:ishigami``). A script may
pass any object with an ``evaluate`` method to `chainweave.sweeps.sweep`.

`prepare_target` builds the target of a sweep file and checks, before any run, every path,
bound, metric, scope and step against the base: one `ParameterError` naming the sweep file
and its field.

References:
    Ishigami and Homma (1990), An importance quantification technique in uncertainty analysis
    for computer models. Proc. ISUMA '90, 398-403. Sobol' and Levitan (1999), Comput. Phys.
    Commun. 117, 52-61 (the indices of the Ishigami function).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from chainweave.errors import ParameterError
from chainweave.network import Tier
from chainweave.parameters import ModelParams
from chainweave.scenarios import POLICIES, Scenario, list_scenarios, load_scenario
from chainweave.scenarios.schema import ScenarioSpec
from chainweave.sweeps.spec import OutputSpec, SweepSpec, check_columns

TIERS: tuple[str, ...] = tuple(t.name.lower() for t in Tier)
"""Tier scopes of an output: core, secondary, county."""


@runtime_checkable
class Target(Protocol):
    """Anything a sweep can run: parameter values and a seed in, named outputs out."""

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """Returns {output column: value} for one run.

        Args:
            values: Value of each varied parameter, by its path.
            seed: The run's seed (from the sweep's seed and the run id).
        """
        ...


@dataclass(frozen=True)
class Output:
    """One output column: a metric at one step for a scope.

    Attributes:
        column: Column name in the runs table.
        metric: Column of the cluster or places table.
        scope: ``cluster``, a tier name, or a place name.
        step: The step, or None for the run's final step.
        source: Where the value comes from: ``cluster`` (the cluster table's ``metric``),
            ``cluster_tier`` (its ``<metric>_<tier>``), ``places_tier`` (places of the tier,
            summed or averaged), ``place`` (one place's row).
        aggregate: ``sum`` or ``mean``, for ``places_tier``.
    """

    column: str
    metric: str
    scope: str
    step: int | None
    source: str
    aggregate: str = "sum"

    def value(self, tables: Mapping[str, pd.DataFrame]) -> float:
        """Returns the output's value in the tables of one run."""
        cluster = tables["cluster"]
        step = int(cluster["step"].iloc[-1]) if self.step is None else self.step
        if self.source == "cluster":
            return float(cluster.loc[cluster["step"] == step, self.metric].iloc[0])
        if self.source == "cluster_tier":
            return float(cluster.loc[cluster["step"] == step, f"{self.metric}_{self.scope}"].iloc[0])
        places = tables["places"]
        at_step = places[places["step"] == step]
        if self.source == "place":
            return float(at_step.loc[at_step["place_name"] == self.scope, self.metric].iloc[0])
        values = at_step.loc[at_step["tier"] == self.scope, self.metric]
        return float(values.sum() if self.aggregate == "sum" else values.mean())

    def series(self, tables: Mapping[str, pd.DataFrame]) -> np.ndarray:
        """Returns the output's value at every step of one run, step 0 first (``step`` ignored)."""
        cluster = tables["cluster"].sort_values("step")
        if self.source == "cluster":
            return cluster[self.metric].to_numpy(float)
        if self.source == "cluster_tier":
            return cluster[f"{self.metric}_{self.scope}"].to_numpy(float)
        places = tables["places"]
        if self.source == "place":
            one = places.loc[places["place_name"] == self.scope].sort_values("step")
            return one[self.metric].to_numpy(float)
        in_tier = places.loc[places["tier"] == self.scope].groupby("step", sort=True)[self.metric]
        return (in_tier.sum() if self.aggregate == "sum" else in_tier.mean()).to_numpy(float)


@dataclass
class ScenarioTarget:
    """Runs a scenario with parameter values set by path; returns the outputs of interest.

    Pickles as the resolved scenario (plain data), so it travels to process pools and Dask
    workers; each process rebuilds the `Scenario` once.

    Attributes:
        resolved: The base scenario, resolved (`Scenario.resolved`), policies and fixed values in.
        source: Where the base came from, for error messages.
        outputs: The output columns.
        per_step: Return each output at every step (an array, step 0 first) instead of at
            its step (`chainweave.run_model` asks for this; sweeps do not).
    """

    resolved: dict[str, Any]
    source: str
    outputs: tuple[Output, ...]
    _base: Scenario | None = field(default=None, repr=False, compare=False)
    per_step: bool = False

    @property
    def base(self) -> Scenario:
        """The base scenario (built on first use in each process)."""
        if self._base is None:
            self._base = Scenario.from_dict(self.resolved, self.source)
        return self._base

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_base": None}

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """Runs the base with ``values`` set at ``seed``; returns {output column: value}."""
        scenario = self.base.with_values(values) if values else self.base
        tables, _ = scenario.run(seed=seed, record_flows=False)
        if self.per_step:
            return {out.column: out.series(tables) for out in self.outputs}
        return {out.column: out.value(tables) for out in self.outputs}


@dataclass(frozen=True)
class IshigamiTarget:
    """The Ishigami function y = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i in [-pi, pi].

    With a = 7 and b = 0.1 its first-order Sobol' indices are 0.314, 0.442, 0 and its total
    indices 0.558, 0.442, 0.244 (Sobol' and Levitan 1999). The seed is not used.

    Attributes:
        a: Weight of the sin^2 x2 term.
        b: Weight of the x3^4 sin x1 interaction.
        inputs: Values of inputs that are not varied, by name (x1, x2, x3).
    """

    a: float = 7.0
    b: float = 0.1
    inputs: Mapping[str, float] = field(default_factory=dict)

    INPUTS = ("x1", "x2", "x3")
    CONSTANTS = ("a", "b")
    OUTPUTS = ("y",)

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """Returns {"y": f(x1, x2, x3)}."""
        x = {**self.inputs, **values}
        x1, x2, x3 = (float(x[name]) for name in self.INPUTS)
        return {"y": math.sin(x1) + self.a * math.sin(x2) ** 2 + self.b * x3**4 * math.sin(x1)}


ANALYTIC: dict[str, type[IshigamiTarget]] = {"ishigami": IshigamiTarget}
"""Analytic test functions a sweep's ``base: analytic:<name>`` can name."""


@dataclass(frozen=True)
class PreparedTarget:
    """A sweep's target with what the sweep needs to know about it.

    Attributes:
        target: What each run evaluates.
        columns: Output columns, in order.
        integer: Per varied parameter, whether its values are whole numbers.
        description: JSON-able description of the base (manifest; decides resumability).
    """

    target: Target
    columns: tuple[str, ...]
    integer: tuple[bool, ...]
    description: dict[str, Any]


def prepare_target(spec: SweepSpec, folder: Path | None = None, source: str = "(script)",
                   target: Target | None = None) -> PreparedTarget:
    """Returns the target of a sweep, checked against the spec before any run.

    Args:
        spec: A validated sweep.
        folder: Folder of the sweep file (a scenario path in ``base`` is relative to it).
        source: The sweep file, for error messages.
        target: A target of the script's own instead of the spec's ``base``; its outputs are
            the spec's output metrics (or names), and nothing is checked against it.

    Raises:
        ParameterError: naming ``source`` and the field, for an unknown base, policy, path or
            metric, a value the base rejects, or a step after the horizon.
    """
    if target is not None:
        if not isinstance(target, Target):
            raise ParameterError("target", target, "an object with evaluate(values, seed) -> dict")
        columns = [o.name or o.metric for o in spec.outputs]
        check_columns([p.column for p in spec.parameters], columns, source)
        return PreparedTarget(target, tuple(columns), tuple(bool(p.integer) for p in spec.parameters),
                              {"target": f"{type(target).__module__}.{type(target).__qualname__}"})
    if spec.base.startswith("analytic:"):
        return _analytic(spec, source)
    return _scenario(spec, folder, source)


def _analytic(spec: SweepSpec, source: str) -> PreparedTarget:
    name = spec.base.removeprefix("analytic:")
    if name not in ANALYTIC:
        raise ParameterError(f"{source}: base", spec.base,
                             f"a scenario or {', '.join(f'analytic:{n}' for n in ANALYTIC)}")
    cls = ANALYTIC[name]
    if spec.policies:
        raise ParameterError(f"{source}: policies", spec.policies, f"none (analytic:{name} has no policies)")
    for path, value in spec.fixed.items():
        if path not in (*cls.INPUTS, *cls.CONSTANTS):
            known = ", ".join(cls.INPUTS + cls.CONSTANTS)
            raise ParameterError(f"{source}: fixed.{path}", value,
                                 f"an input or constant of analytic:{name} ({known})")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(f"{source}: fixed.{path}", value, "a number")
    for i, p in enumerate(spec.parameters):
        if p.path not in cls.INPUTS:
            raise ParameterError(f"{source}: parameters[{i}].path", p.path,
                                 f"an input of analytic:{name} ({', '.join(cls.INPUTS)})")
    varied = {p.path for p in spec.parameters}
    missing = [x for x in cls.INPUTS if x not in varied and x not in spec.fixed]
    if missing:
        raise ParameterError(f"{source}: parameters", sorted(varied),
                             f"every input of analytic:{name} varied or fixed (missing {', '.join(missing)})")
    columns = []
    for i, out in enumerate(spec.outputs):
        if out.metric not in cls.OUTPUTS or out.scope != "cluster" or out.steps != ["final"]:
            raise ParameterError(f"{source}: outputs[{i}]", out.metric,
                                 f"an output of analytic:{name} ({', '.join(cls.OUTPUTS)}), "
                                 "no scope or steps")
        columns.append(out.name or out.metric)
    check_columns([p.column for p in spec.parameters], columns, source)
    constants = {k: float(v) for k, v in spec.fixed.items() if k in cls.CONSTANTS}
    inputs = {k: float(v) for k, v in spec.fixed.items() if k in cls.INPUTS}
    target = cls(**constants, inputs=inputs)
    return PreparedTarget(target, tuple(columns), tuple(bool(p.integer) for p in spec.parameters),
                          {"analytic": name, **constants, "inputs": inputs})


def _load_base(spec: SweepSpec, folder: Path | None, source: str) -> Scenario:
    """Returns the base scenario with the sweep's policies added and fixed values set."""
    reference = spec.base
    if reference not in list_scenarios() and folder is not None and not Path(reference).is_absolute():
        reference = str(folder / reference)
    try:
        base = load_scenario(reference)
    except ParameterError as err:
        if err.field == "scenario":  # not found: the sweep's field is wrong
            raise ParameterError(f"{source}: base", spec.base, err.expected) from None
        raise
    if spec.policies:
        try:
            base = base.with_policies(spec.policies)
        except ParameterError as err:
            raise ParameterError(f"{source}: policies ({_inner(err.field)})", err.value,
                                 err.expected) from None
    for path, value in spec.fixed.items():
        try:
            base = base.with_values({path: value})
        except ParameterError as err:
            raise ParameterError(f"{source}: fixed.{path}", value, _expected(err, path)) from None
    return base


def _inner(field_path: str) -> str:
    """Returns a scenario error's field path without its ``<scenario>: `` prefix."""
    return field_path.split(": ", 1)[-1]


def _expected(err: ParameterError, path: str) -> str:
    """Returns what a scenario expected, naming its own field when it is not ``path``."""
    inner = _inner(err.field)
    return err.expected if inner == path else f"{err.expected} (at {inner})"


def _path_problem(base: Scenario, path: str) -> str | None:
    """Returns what a path should look like if ``base`` has no such field, else None."""
    parts = path.split(".")
    if parts[0] == "params":
        if len(parts) != 2 or parts[1] not in ModelParams.__dataclass_fields__:
            return "params.<a ModelParams field> (see docs/ODD.md)"
    elif parts[0] == "policies":
        labels = {p.name: p.policy for p in base.spec.policies}
        if len(parts) != 3 or parts[1] not in labels:
            return (f"policies.<label>.<parameter> for a policy of the base ({', '.join(labels) or 'none'}; "
                    "add policies with the sweep's policies field)")
        known = POLICIES[labels[parts[1]]].parameters
        if parts[2] not in (*known, "start", "ramp"):
            return f"a parameter of {labels[parts[1]]} ({', '.join((*known, 'start', 'ramp'))})"
    elif parts[0] not in ScenarioSpec.model_fields or parts[0] in ("name", "description", "seed"):
        return "a numeric scenario field path (params.<field>, policies.<label>.<parameter>, horizon, ...)"
    return None


def _is_integer(base: Scenario, path: str) -> bool:
    """Returns whether the base's value at ``path`` is a whole number (int, not bool)."""
    parts = path.split(".")
    if parts[0] == "params":
        value: Any = getattr(base.params, parts[1])
    elif parts[0] == "policies":
        if parts[2] in ("start", "ramp"):
            return True
        use = next(p for p in base.spec.policies if p.name == parts[1])
        value = use.params.get(parts[2], POLICIES[use.policy].parameters[parts[2]].default)
    else:
        value = base.resolved()
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else None
    return isinstance(value, int) and not isinstance(value, bool)


def _scenario(spec: SweepSpec, folder: Path | None, source: str) -> PreparedTarget:
    base = _load_base(spec, folder, source)
    integer = []
    for i, p in enumerate(spec.parameters):
        where = f"{source}: parameters[{i}]"
        problem = _path_problem(base, p.path)
        if problem:
            raise ParameterError(f"{where}.path", p.path, problem)
        whole = _is_integer(base, p.path) if p.integer is None else p.integer
        integer.append(whole)
        values = p.levels if p.levels is not None else p.bounds
        key = "levels" if p.levels is not None else "bounds"
        for value in values:
            value = round(value) if whole else value
            try:
                base.with_values({p.path: value})
            except ParameterError as err:
                raise ParameterError(f"{where}.{key}", value, _expected(err, p.path)) from None
    for end, pick in (("lower", min), ("upper", max)):
        corner = {p.path: pick(p.levels if p.levels is not None else p.bounds) for p in spec.parameters}
        corner = {k: round(v) if whole else v for (k, v), whole in zip(corner.items(), integer, strict=True)}
        try:
            base.with_values(corner)
        except ParameterError as err:
            raise ParameterError(f"{source}: parameters", f"all at their {end} ends", "values the base "
                                 f"accepts together: {_inner(err.field)} {err.expected}") from None
    horizon = base.horizon
    for p in spec.parameters:
        if p.path == "horizon":
            horizon = min(horizon, *(p.levels if p.levels is not None else p.bounds))
    outputs = scenario_outputs(base, spec.outputs, horizon, source)
    columns = [o.column for o in outputs]
    check_columns([p.column for p in spec.parameters], columns, source)
    resolved = base.resolved()
    target = ScenarioTarget(resolved, base.source, tuple(outputs), base)
    return PreparedTarget(target, tuple(columns), tuple(integer), {"scenario": resolved})


def scenario_outputs(base: Scenario, specs: list[OutputSpec], horizon: int, source: str) -> list[Output]:
    """Returns the output columns of output specs, checked against a step-0 run of ``base``.

    Raises:
        ParameterError: naming ``source`` and ``outputs[i]`` for an unknown metric or scope, or
            a step after ``horizon``.
    """
    probe, _ = base.run(seed=base.seed, steps=0, record_flows=False)
    return [out for i, o in enumerate(specs) for out in _outputs(o, i, probe, base, horizon, source)]


def _outputs(out: OutputSpec, i: int, probe: Mapping[str, pd.DataFrame], base: Scenario, horizon: int,
             source: str) -> list[Output]:
    """Returns the output columns of one output spec, checked against a step-0 probe run."""
    where = f"{source}: outputs[{i}]"
    cluster, places = probe["cluster"], probe["places"]
    numeric = set(places.select_dtypes("number").columns) - {"seed", "step", "place"}
    if out.scope == "cluster":
        if out.metric not in cluster.columns or out.metric in ("seed", "step"):
            raise ParameterError(f"{where}.metric", out.metric, "a column of the cluster table (D, C, T, "
                                 "score_industry, patents, emissions, ...; docs/ODD.md lists them)")
        source_kind = "cluster"
    elif out.scope in TIERS:
        if f"{out.metric}_{out.scope}" in cluster.columns:
            source_kind = "cluster_tier"
        elif out.metric in numeric:
            source_kind = "places_tier"
        else:
            raise ParameterError(f"{where}.metric", out.metric,
                                 f"a metric with a {out.scope} column in the cluster table (D, C, T, "
                                 "score_*, spillover_innovation, inflow_*) or a numeric column of the "
                                 "places table")
    elif out.scope in set(base.network.names):
        if out.metric not in numeric:
            raise ParameterError(f"{where}.metric", out.metric, "a numeric column of the places table")
        source_kind = "place"
    else:
        raise ParameterError(f"{where}.scope", out.scope, f"cluster, {', '.join(TIERS)} or a place "
                             f"of the base ({base.network.names[0]}, ...)")
    result = []
    for step in out.steps:
        if isinstance(step, int) and step > horizon:
            raise ParameterError(f"{where}.steps", step, f"steps <= the horizon ({horizon}) or final")
        label = "final" if step == "final" else f"step{step}"
        scope = "" if out.scope == "cluster" else "_" + re.sub(r"\W+", "_", out.scope).strip("_").lower()
        column = out.name or f"{out.metric}{scope}_{label}"
        result.append(Output(column, out.metric, out.scope, None if step == "final" else step, source_kind,
                             out.aggregate))
    return result
