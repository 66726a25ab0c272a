"""The design file schema (pydantic) and its loading: what a policy-design YAML may say.

A design names a base scenario (bundled or a file), policies to add to it and values to fix,
the decision variables (any scenario field by its dotted path, with bounds or a finite set of
choices: policy strengths, start years, targets), the objectives (a metric at a step, for the
cluster, a tier or a place, optionally summed over the years or divided by another metric, to
minimise or maximise), the constraints (the same measures with a lower or upper bound, met on
average or in a share of the replications), the replications (common random numbers: every
trial runs on the same seeds), the trial budget, the search (optuna's NSGA-II or TPE), the
out-of-sample re-evaluation of the chosen mixes, and where results go. `load_design` reads
and validates a file; `DesignSpec.from_dict` does the same for a mapping built in a script.
Every problem is one `ParameterError` naming the file, the field path, the value and what was
expected. Checks that need the base (paths, values the scenario accepts, metrics, steps) are
made by `chainweave.policy_design.problem`.

Example file (``chainweave/scenarios/designs/default_design.yaml`` is a longer one)::

    name: cheapest_county_lift
    base: yijing_jingen
    policies: [rd_subsidy, collaboration]
    fixed: {params.n_firms: 2000, horizon: 10}
    variables:
      - {path: policies.rd_subsidy.extra_share, bounds: [0.0, 0.1]}
      - {path: policies.rd_subsidy.targets, choices: [{}, {tiers: [county]}]}
      - {path: policies.collaboration.level, bounds: [0.0, 1.0]}
    objectives:
      - {metric: policy_spend, cumulative: true, sense: minimize}
    constraints:
      - {metric: D, scope: county, min: 0.7, share: 0.8}
    replications: 3
    trials: 64
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chainweave.errors import ParameterError
from chainweave.sweeps.spec import _one_line, check_column, column_name
from chainweave.yaml_files import read_yaml_mapping

RESERVED_COLUMNS: tuple[str, ...] = ("trial", "number", "batch", "replicate", "seed", "seeds", "feasible",
                                     "pareto", "mix", "scenario")
"""Columns of the output tables that variable and measure names may not take."""


class _Section(BaseModel):
    """A section of a design file: unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class VariableSpec(_Section):
    """One decision variable: a scenario field the search sets.

    Attributes:
        path: Dotted path of a scenario field (``policies.rd_subsidy.extra_share``,
            ``policies.talent.start``, ``policies.talent.targets``, ``params.kernel_decay_km``).
        name: Column name in the tables; default the path without ``params.``/``policies.``,
            dots as underscores.
        bounds: ``[low, high]``, low < high: the search takes any value between them.
        choices: The values the search chooses among (at least 2): numbers, names, or mappings
            such as ``{tiers: [county]}`` for a policy's targets.
        integer: Whole numbers between the bounds; default: whether the base's value is one.
        log: Search the bounds on a log scale (low > 0).
    """

    path: str = Field(min_length=1)
    name: str | None = None
    bounds: list[float] | None = Field(None, min_length=2, max_length=2)
    choices: list[Any] | None = Field(None, min_length=2)
    integer: bool | None = None
    log: bool = False

    @property
    def column(self) -> str:
        """The variable's column name in the tables."""
        return column_name(self.path, self.name)


class MeasureSpec(_Section):
    """A quantity a run yields: a metric at a step, for the cluster, a tier or a place.

    Attributes:
        metric: A column of the cluster table (scope ``cluster``; also ``<metric>_<tier>`` for
            a tier) or of the places table (summed or averaged over a tier, or one place's).
            With a script's own target: the name of one of its outputs.
        scope: ``cluster``, ``core``, ``secondary``, ``county``, or a place's name.
        step: The step (year) it is taken at: a whole number >= 0, or ``final``.
        aggregate: How a tier's places combine when the cluster table has no tier column.
        cumulative: Sum the metric over steps 1..step (the years simulated): a cumulative cost.
        per: Divide by this metric, taken the same way (same scope, step and cumulation):
            ``{metric: policy_spend, per: budget, cumulative: true}`` is the budget share.
        name: Column name in the tables; default ``[cum_]<metric>[_per_<per>][_<scope>]_<step>``.
    """

    metric: str = Field(min_length=1)
    scope: str = "cluster"
    step: int | Literal["final"] = "final"
    aggregate: Literal["sum", "mean"] = "sum"
    cumulative: bool = False
    per: str | None = Field(None, min_length=1)
    name: str | None = None

    @property
    def column(self) -> str:
        """The measure's column name in the tables."""
        if self.name is not None:
            return self.name
        scope = "" if self.scope == "cluster" else "_" + re.sub(r"\W+", "_", self.scope).strip("_").lower()
        step = "final" if self.step == "final" else f"step{self.step}"
        per = f"_per_{self.per}" if self.per else ""
        return f"{'cum_' if self.cumulative else ''}{self.metric}{per}{scope}_{step}"


class ObjectiveSpec(MeasureSpec):
    """An objective: the mean of a measure over the replications, to minimise or maximise.

    Attributes:
        sense: ``minimize`` or ``maximize``.
    """

    sense: Literal["minimize", "maximize"]


class ConstraintSpec(MeasureSpec):
    """A constraint: a measure with a lower (``min``) or upper (``max``) bound.

    Attributes:
        min: The measure must be >= this.
        max: The measure must be <= this.
        share: Met in at least this share of the replications, in (0, 1]; default: met by the
            mean over the replications.
    """

    min: float | None = None
    max: float | None = None
    share: float | None = Field(None, gt=0.0, le=1.0)


class SearchSpec(_Section):
    """How the search chooses trials (optuna).

    Attributes:
        sampler: ``nsga2`` (NSGA-II, a genetic algorithm; any number of objectives) or ``tpe``
            (tree-structured Parzen estimator; good for one objective and few trials).
            Constraints are handled by both (feasible trials dominate infeasible ones).
        batch: Trials proposed and evaluated together (NSGA-II: the population size), >= 2;
            all runs of a batch go to the workers at once.
    """

    sampler: Literal["nsga2", "tpe"] = "nsga2"
    batch: int = Field(16, ge=2, le=100_000)


class EvaluationSpec(_Section):
    """The out-of-sample re-evaluation of the chosen mixes.

    Attributes:
        replications: Fresh seeds (none used by the search) each chosen mix and the baseline
            run on, >= 2.
        mixes: How many mixes to re-evaluate: feasible Pareto-front trials spread along the
            first objective (its best included), >= 1.
        confidence: Level of the intervals, in (0, 1).
    """

    replications: int = Field(10, ge=2, le=100_000)
    mixes: int = Field(5, ge=1, le=1000)
    confidence: float = Field(0.95, gt=0.0, lt=1.0)


class DesignSpec(_Section):
    """A whole policy design; see the module docstring for an example.

    Attributes:
        name: Name of the design (default results folder ``results/<name>``, and the study's name).
        description: What the design asks, in words.
        base: Bundled scenario name or scenario YAML path (relative to the design file).
        policies: Library policies added to the base (names, or mappings as in a scenario's
            ``policies``), so that their parameters can be decision variables; the baseline of
            the out-of-sample effects is the base without them.
        fixed: Values set on the base (and the baseline) by path (``params.n_firms: 2000``).
        variables: The decision variables, at least one.
        objectives: At least one.
        constraints: Any number.
        replications: Runs per trial, >= 1, on the same seeds for every trial.
        trials: Trials the search makes in all (a resumed design counts those stored).
        seed: Seed of the search, of the replications' seeds and of the fresh seeds, >= 0.
        search: The sampler and the batch size.
        evaluation: The out-of-sample re-evaluation.
        results: Output folder (relative to the working directory); default ``results/<name>``.
        storage: An optuna storage URL (``postgresql://...``) holding the study; default a SQLite
            file ``study.db`` in the output folder.
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = "yijing_jingen"
    policies: list[str | dict[str, Any]] = []
    fixed: dict[str, Any] = {}
    variables: list[VariableSpec] = Field(min_length=1)
    objectives: list[ObjectiveSpec] = Field(min_length=1)
    constraints: list[ConstraintSpec] = []
    replications: int = Field(3, ge=1, le=10_000)
    trials: int = Field(64, ge=1, le=1_000_000)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    search: SearchSpec = SearchSpec()
    evaluation: EvaluationSpec = EvaluationSpec()
    results: str | None = None
    storage: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "(script)") -> DesignSpec:
        """Returns the validated spec of a mapping; one `ParameterError` naming the field if bad."""
        try:
            spec = cls.model_validate(dict(data))
        except ValidationError as err:
            raise _one_line(err, source, cls) from None
        check_spec(spec, source)
        return spec

    @property
    def results_dir(self) -> Path:
        """Where the results go: ``results``, or ``results/<name>``."""
        return Path(self.results) if self.results else Path("results") / self.name

    def fingerprint(self, base: Mapping[str, Any]) -> str:
        """Returns a hash of what decides the trials (not their number, the re-evaluation or paths).

        Args:
            base: JSON-able description of the resolved base (a changed scenario file is a
                different design).
        """
        decisive = self.model_dump(exclude={"name", "description", "results", "storage", "trials",
                                            "evaluation"})
        text = json.dumps({"spec": decisive, "base": base}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_spec(spec: DesignSpec, source: str) -> None:
    """Checks what the schema cannot: bounds or choices, bounds order, names, constraint bounds.

    Raises:
        ParameterError: naming ``source`` and the field path.
    """
    for i, v in enumerate(spec.variables):
        where = f"{source}: variables[{i}]"
        if (v.bounds is None) == (v.choices is None):
            raise ParameterError(where, v.path, "either bounds or choices")
        if v.bounds is not None and not v.bounds[0] < v.bounds[1]:
            raise ParameterError(f"{where}.bounds", v.bounds, "[low, high] with low < high")
        if v.log and (v.bounds is None or v.bounds[0] <= 0):
            raise ParameterError(f"{where}.log", v.log, "log only with bounds whose low end is > 0")
        if v.choices is not None:
            texts = [json.dumps(c, sort_keys=True) for c in v.choices]
            if len(set(texts)) != len(texts):
                raise ParameterError(f"{where}.choices", v.choices, "distinct values")
            if v.integer is not None or v.log:
                raise ParameterError(where, v.path, "no integer or log with choices")
    paths = [v.path for v in spec.variables]
    for i, path in enumerate(paths):
        if path in paths[:i]:
            raise ParameterError(f"{source}: variables[{i}].path", path, "each variable once")
        if path in spec.fixed:
            raise ParameterError(f"{source}: variables[{i}].path", path,
                                 "a path not also in fixed (a decision variable is not fixed)")
    for i, c in enumerate(spec.constraints):
        if (c.min is None) == (c.max is None):
            raise ParameterError(f"{source}: constraints[{i}]", c.metric, "exactly one of min and max")
    for kind, items in (("objectives", spec.objectives), ("constraints", spec.constraints)):
        for i, m in enumerate(items):
            if isinstance(m.step, int) and m.step < 0:
                raise ParameterError(f"{source}: {kind}[{i}].step", m.step, "a step >= 0 or final")
    taken: list[str] = []
    for kind, items in (("variables", spec.variables), ("objectives", spec.objectives)):
        for i, item in enumerate(items):
            check_column(item.column, f"{source}: {kind}[{i}].name", taken, others="variable or measure",
                         reserved=RESERVED_COLUMNS)
            taken.append(item.column)
    # A constraint may take the column of an objective on the same measure; else names are unique.
    objectives = {o.column: o for o in spec.objectives}
    for i, c in enumerate(spec.constraints):
        same = objectives.get(c.column)
        if same is not None and _measure_key(same) == _measure_key(c):
            continue
        check_column(c.column, f"{source}: constraints[{i}].name", taken, others="variable or measure",
                     reserved=RESERVED_COLUMNS)
        taken.append(c.column)


def _measure_key(m: MeasureSpec) -> tuple[Any, ...]:
    """Returns what decides a measure's value (two specs with the same key are one measure)."""
    return m.metric, m.scope, m.step, m.aggregate, m.cumulative, m.per


def load_design(path: str | Path) -> tuple[DesignSpec, Path]:
    """Returns the validated design of a YAML file and the file's folder (for relative paths).

    Raises:
        ParameterError: one line naming the file, the field path and what was expected.
    """
    source = str(path)
    file = Path(path)
    data = read_yaml_mapping(file, source, "design")
    return DesignSpec.from_dict(data, source), file.parent
