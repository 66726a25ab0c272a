"""A design's problem: its decision variables, measures and the target that runs a trial.

`prepare_problem` turns a validated `DesignSpec` into a `Problem`, checking before any run
every variable's path and values (each bound and choice, and all variables at their low and
high ends together) against the base scenario, and every measure's metric, scope and step
(through the sweeps' own output checks, `chainweave.sweeps.targets`). A `Problem` holds:

- the variables as optuna distributions (bounds: floats or whole numbers; choices: the index
  of a choice) and how a sampled value becomes a scenario value and a table value;
- the measures (objectives and constraints: a metric at a step, optionally summed over the
  years and divided by another metric), each a column of a run's outputs;
- the target that evaluates one run (`chainweave.sweeps.targets.ScenarioTarget`, or a
  script's own target through the same code path), and for scenario bases the baseline and
  the effect measures of the out-of-sample re-evaluation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from chainweave.errors import ParameterError
from chainweave.policy_design.spec import ConstraintSpec, DesignSpec, MeasureSpec, ObjectiveSpec
from chainweave.scenarios import Scenario
from chainweave.sweeps.spec import OutputSpec
from chainweave.sweeps.targets import (
    TIERS,
    Output,
    ScenarioTarget,
    Target,
    _expected,
    _inner,
    _is_integer,
    _load_base,
    _outputs,
    _path_problem,
)


@dataclass(frozen=True)
class Variable:
    """A decision variable as the search sees it.

    Attributes:
        column: Its column in the tables.
        path: The scenario field it sets.
        distribution: Its optuna distribution (choices: the index of the choice).
        choices: The values chosen among, or None for bounds.
        integer: Whole numbers (bounds only).
    """

    column: str
    path: str
    distribution: BaseDistribution
    choices: tuple[Any, ...] | None = None
    integer: bool = False

    def value(self, param: Any) -> Any:
        """Returns the scenario value of a sampled parameter."""
        if self.choices is not None:
            return self.choices[int(param)]
        return int(param) if self.integer else float(param)

    def label(self, param: Any) -> Any:
        """Returns the table value of a sampled parameter (a choice that is no number as JSON text)."""
        value = self.value(param)
        if self.choices is not None and not self.numeric_choices:
            return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        return value

    @property
    def numeric_choices(self) -> bool:
        """Whether every choice is a number (the column is then numeric)."""
        return self.choices is not None and all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in self.choices)


@dataclass(frozen=True)
class Measure:
    """A measure of one run: a metric at a step, optionally cumulated and divided by another.

    Attributes:
        column: Its column in a run's outputs.
        numerator: The metric, as sweep outputs at one step whose values are summed (one, or
            one per tier for a places-table metric of the whole cluster).
        denominator: The metric it is divided by (likewise), or None.
        cumulative: Summed over steps 1..step (the years simulated).
    """

    column: str
    numerator: tuple[Output, ...]
    denominator: tuple[Output, ...] | None = None
    cumulative: bool = False

    def value(self, tables: Mapping[str, pd.DataFrame]) -> float:
        """Returns the measure in the tables of one run (a ratio over 0 is infinite or NaN)."""
        top = self._take(self.numerator, tables)
        if self.denominator is None:
            return top
        bottom = self._take(self.denominator, tables)
        if bottom == 0:
            return math.copysign(math.inf, top) if top else math.nan
        return top / bottom

    def _take(self, outputs: tuple[Output, ...], tables: Mapping[str, pd.DataFrame]) -> float:
        if not self.cumulative:
            return float(sum(output.value(tables) for output in outputs))
        step = outputs[0].step
        last = int(tables["cluster"]["step"].iloc[-1]) if step is None else step
        return float(sum(_cumulated(output, tables, last) for output in outputs))


def _cumulated(output: Output, tables: Mapping[str, pd.DataFrame], last: int) -> float:
    """Returns an output summed over steps 1..last (what `Output.value` gives at each, added up)."""
    if output.source in ("cluster", "cluster_tier"):
        cluster = tables["cluster"]
        column = output.metric if output.source == "cluster" else f"{output.metric}_{output.scope}"
        return float(cluster.loc[cluster["step"].between(1, last), column].sum())
    places = tables["places"]
    rows = places[places["step"].between(1, last)]
    if output.source == "place":
        return float(rows.loc[rows["place_name"] == output.scope, output.metric].sum())
    rows = rows[rows["tier"] == output.scope]
    if output.aggregate == "sum":
        return float(rows[output.metric].sum())
    return float(rows.groupby("step")[output.metric].mean().sum())


@dataclass(frozen=True)
class RenamedTarget:
    """A script's own target whose outputs are renamed to the design's measure columns.

    Attributes:
        target: The script's target (``evaluate(values, seed) -> {output: value}``).
        columns: {measure column: the target's output name}.
    """

    target: Target
    columns: Mapping[str, str]

    def evaluate(self, values: dict[str, Any], seed: int) -> dict[str, float]:
        """Returns {measure column: value} of one run of the script's target."""
        out = self.target.evaluate(values, seed)
        return {column: float(out[name]) for column, name in self.columns.items()}


EFFECTS: tuple[tuple[str, str, MeasureSpec], ...] = (
    *((scope, "D", MeasureSpec(metric="D", scope=scope)) for scope in ("cluster", *TIERS)),
    *((scope, "emissions", MeasureSpec(metric="emissions", scope=scope)) for scope in ("cluster", *TIERS)),
    *((scope, "policy_cost", MeasureSpec(metric="policy_spend", scope=scope, cumulative=True))
      for scope in ("cluster", *TIERS)),
)
"""(scope, metric, measure) of the chosen mixes' effects against the baseline, at the final step:
D, emissions (t CO2 per year) and the cumulative policy cost (M yuan) per scope."""


@dataclass(frozen=True)
class Problem:
    """What the search works on.

    Attributes:
        variables: The decision variables, in the spec's order.
        objectives: (spec, measure column) per objective.
        constraints: (spec, measure column) per constraint.
        measures: Every measure column a run yields, in order.
        target: Evaluates one run of a trial.
        baseline: Evaluates one run of the baseline with the effect measures (scenario bases).
        effects_target: Evaluates one run of a trial with the effect measures (scenario bases).
        effects: (scope, metric, column) of the effect measures.
        description: JSON-able description of the base (manifest; decides resumability).
        horizon: Years each run simulates (None for a script's target).
    """

    variables: tuple[Variable, ...]
    objectives: tuple[tuple[ObjectiveSpec, str], ...]
    constraints: tuple[tuple[ConstraintSpec, str], ...]
    measures: tuple[str, ...]
    target: Target
    baseline: Target | None
    effects_target: Target | None
    effects: tuple[tuple[str, str, str], ...]
    description: dict[str, Any]
    horizon: int | None

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """{variable column: distribution}, in order (what optuna samples)."""
        return {v.column: v.distribution for v in self.variables}

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Returns {scenario path: value} of a trial's sampled parameters."""
        return {v.path: v.value(params[v.column]) for v in self.variables}

    def labels(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Returns {variable column: table value} of a trial's sampled parameters."""
        return {v.column: v.label(params[v.column]) for v in self.variables}


def prepare_problem(spec: DesignSpec, folder: Path | None = None, source: str = "(script)",
                    target: Target | None = None) -> Problem:
    """Returns the problem of a design, checked against its base before any run.

    Args:
        spec: A validated design.
        folder: Folder of the design file (a scenario path in ``base`` is relative to it).
        source: The design file, for error messages.
        target: A script's own target instead of the base: each measure is its output named
            ``metric`` (no scope, step, cumulation or ratio), variables are passed by path.

    Raises:
        ParameterError: naming ``source`` and the field, for an unknown base, policy, path,
            metric or scope, a value the base rejects, or a step after the horizon.
    """
    pairs = [*(("objectives", i, m) for i, m in enumerate(spec.objectives)),
             *(("constraints", i, m) for i, m in enumerate(spec.constraints))]
    if target is not None:
        return _script_problem(spec, source, target, pairs)
    base = _load_base(spec, folder, source)
    baseline = _load_base(spec.model_copy(update={"policies": []}), folder, source)
    variables = tuple(_variable(base, v, i, source) for i, v in enumerate(spec.variables))
    _check_corners(base, variables, source)
    horizon = base.horizon
    for v in variables:
        if v.path == "horizon":
            horizon = min(horizon, *(v.choices or (v.distribution.low,)))
    probe, _ = base.run(seed=base.seed, steps=0, record_flows=False)
    measures: dict[str, Measure] = {}
    for kind, i, m in pairs:
        measures.setdefault(m.column, _measure(m, m.column, f"{kind}[{i}]", probe, base, horizon, source))
    effects = {f"_effect_{metric}_{scope}": _measure(m, f"_effect_{metric}_{scope}", "effects", probe, base,
                                                     horizon, source)
               for scope, metric, m in EFFECTS}
    everything = (*measures.values(), *effects.values())
    return Problem(
        variables=variables,
        objectives=tuple((o, o.column) for o in spec.objectives),
        constraints=tuple((c, c.column) for c in spec.constraints),
        measures=tuple(measures),
        target=ScenarioTarget(base.resolved(), base.source, tuple(measures.values()), base),
        baseline=ScenarioTarget(baseline.resolved(), baseline.source, everything, baseline),
        effects_target=ScenarioTarget(base.resolved(), base.source, everything, base),
        effects=tuple((scope, metric, f"_effect_{metric}_{scope}") for scope, metric, _ in EFFECTS),
        description={"scenario": base.resolved(), "baseline": baseline.resolved()},
        horizon=horizon,
    )


def _script_problem(spec: DesignSpec, source: str, target: Target,
                    pairs: list[tuple[str, int, MeasureSpec]]) -> Problem:
    """Returns the problem of a design evaluated by a script's own target."""
    if not isinstance(target, Target):
        raise ParameterError("target", target, "an object with evaluate(values, seed) -> dict")
    columns: dict[str, str] = {}
    for kind, i, m in pairs:
        if m.scope != "cluster" or m.step != "final" or m.cumulative or m.per:
            raise ParameterError(f"{source}: {kind}[{i}]", m.metric,
                                 "an output of the script's target: no scope, step, cumulative or per")
        columns.setdefault(m.name or m.metric, m.metric)
    variables = []
    for i, v in enumerate(spec.variables):
        if v.choices is not None:
            variables.append(Variable(v.column, v.path, CategoricalDistribution(list(range(len(v.choices)))),
                                      tuple(v.choices)))
        else:
            variables.append(_bounded(v, bool(v.integer), f"{source}: variables[{i}]"))
    renamed = RenamedTarget(target, columns)
    return Problem(
        variables=tuple(variables),
        objectives=tuple((o, o.name or o.metric) for o in spec.objectives),
        constraints=tuple((c, c.name or c.metric) for c in spec.constraints),
        measures=tuple(columns), target=renamed, baseline=None, effects_target=None, effects=(),
        description={"target": type(target).__qualname__}, horizon=None,
    )


def _bounded(v: Any, integer: bool, where: str) -> Variable:
    """Returns a variable searched between bounds."""
    low, high = v.bounds
    if integer:
        low_i, high_i = math.ceil(low), math.floor(high)
        if low_i >= high_i:
            raise ParameterError(f"{where}.bounds", v.bounds, "bounds holding at least two whole numbers")
        return Variable(v.column, v.path, IntDistribution(low_i, high_i, log=v.log), integer=True)
    return Variable(v.column, v.path, FloatDistribution(float(low), float(high), log=v.log))


def _variable(base: Scenario, v: Any, i: int, source: str) -> Variable:
    """Returns a decision variable, its path and every bound or choice checked against the base."""
    where = f"{source}: variables[{i}]"
    parts = v.path.split(".")
    if len(parts) == 3 and parts[0] == "policies" and parts[2] == "targets":
        labels = [p.name for p in base.spec.policies]
        if parts[1] not in labels:
            raise ParameterError(f"{where}.path", v.path,
                                 "policies.<label>.targets for a policy of the base "
                                 f"({', '.join(labels) or 'none'}; add policies with the design's policies "
                                 "field)")
        if v.choices is None:
            raise ParameterError(where, v.path, "choices (targets are chosen among mappings such as "
                                 "{tiers: [county]})")
    else:
        problem = _path_problem(base, v.path)
        if problem:
            raise ParameterError(f"{where}.path", v.path, problem)
    if v.choices is not None:
        variable = Variable(v.column, v.path, CategoricalDistribution(list(range(len(v.choices)))),
                            tuple(v.choices))
        values = [(f"choices[{j}]", c) for j, c in enumerate(v.choices)]
    else:
        whole = _is_integer(base, v.path) if v.integer is None else v.integer
        variable = _bounded(v, whole, where)
        low, high = variable.distribution.low, variable.distribution.high
        values = [("bounds", low), ("bounds", high)]
    for key, value in values:
        try:
            base.with_values({v.path: value})
        except ParameterError as err:
            raise ParameterError(f"{where}.{key}", value, _expected(err, v.path)) from None
    return variable


def _check_corners(base: Scenario, variables: tuple[Variable, ...], source: str) -> None:
    """Checks that the base accepts all variables at their low ends together, and at their high ends."""
    for end, index in (("low", 0), ("high", -1)):
        corner = {v.path: (v.choices[index] if v.choices is not None else
                           (v.distribution.low, v.distribution.high)[index]) for v in variables}
        try:
            base.with_values(corner)
        except ParameterError as err:
            raise ParameterError(f"{source}: variables", f"all at their {end} ends (first or last choice)",
                                 f"values the base accepts together: {_inner(err.field)} {err.expected}"
                                 ) from None


def _measure(m: MeasureSpec, column: str, where: str, probe: Mapping[str, pd.DataFrame], base: Scenario,
             horizon: int, source: str) -> Measure:
    """Returns a measure, its metric (and ``per`` metric), scope and step checked on a step-0 probe."""
    def output(metric: str, field: str) -> tuple[Output, ...]:
        spec = OutputSpec(metric=metric, scope=m.scope, steps=[m.step], aggregate=m.aggregate, name=column)
        try:
            if m.scope == "cluster" and metric not in probe["cluster"].columns and m.aggregate == "sum":
                # A places-table metric of the whole cluster: the sum of its tiers' sums.
                return tuple(_outputs(spec.model_copy(update={"scope": tier}), 0, probe, base, horizon,
                                      source)[0] for tier in TIERS)
            return (_outputs(spec, 0, probe, base, horizon, source)[0],)
        except ParameterError as err:
            inner = err.field.replace(f"{source}: outputs[0]", f"{source}: {where}")
            inner = inner.replace(".steps", ".step").replace(".metric", f".{field}")
            raise ParameterError(inner, err.value, err.expected) from None

    numerator = output(m.metric, "metric")
    denominator = output(m.per, "per") if m.per else None
    return Measure(column, numerator, denominator, m.cumulative)
