"""The sweep file schema (pydantic) and its loading: what a sweep YAML may say.

A sweep names a base (a scenario, bundled or a file, or an analytic test function such as
``analytic:ishigami``), policies to add to it and values to fix, the parameters to vary (any
scenario field by its dotted path, with bounds or levels), the design, the replications per
design point, the seed, the outputs of interest and where results go. `load_sweep` reads and
validates a file; `SweepSpec.from_dict` does the same for a mapping built in a script. Every
problem is one `ParameterError` naming the file, the field path, the value and what was
expected. Checks that need the base (parameter paths, bounds the scenario accepts, metrics)
are made by `chainweave.sweeps.targets`; checks of the design's size by
`chainweave.sweeps.designs`.

Example file (``chainweave/scenarios/sweeps/default_sensitivity.yaml`` is a longer one)::

    name: decay_and_subsidy
    base: yijing_jingen
    policies: [rd_subsidy]
    fixed: {params.n_firms: 2000, horizon: 10}
    parameters:
      - {path: params.kernel_decay_km, bounds: [40, 240]}
      - {path: policies.rd_subsidy.extra_share, bounds: [0.0, 0.1]}
    design: {method: sobol, samples: 64}
    replications: 2
    seed: 7
    outputs:
      - {metric: D}
      - {metric: D, scope: county, steps: [5, final]}
"""

from __future__ import annotations

import hashlib
import json
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chainweave.errors import ParameterError
from chainweave.outputs import plain_name
from chainweave.yaml_files import read_yaml_mapping

Method = Literal["grid", "lhs", "morris", "sobol"]
"""Designs: full factorial grid, Latin hypercube, Morris trajectories, Sobol'/Saltelli."""

RESERVED_COLUMNS: tuple[str, ...] = ("run_id", "point", "replicate", "seed", "status", "error")
"""Columns of the runs table that parameter and output names may not take."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")



def column_name(path: str, name: str | None = None) -> str:
    """Returns the table column of a scenario path (a sweep parameter, a design variable).

    ``name`` if given, else the path without its ``params.`` or ``policies.`` prefix, with
    non-word characters as underscores.
    """
    if name is not None:
        return name
    return re.sub(r"\W+", "_", path.removeprefix("params.").removeprefix("policies."))

class _Section(BaseModel):
    """A section of a sweep file: unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class ParameterSpec(_Section):
    """One parameter varied by the sweep.

    Attributes:
        path: Dotted path of a scenario field (``params.kernel_decay_km``,
            ``policies.rd_subsidy.extra_share``, ``horizon``), or an input of an analytic base.
        name: Column name in the runs table; default the path without ``params.``/``policies.``,
            dots as underscores.
        bounds: ``[low, high]``, low < high, for every design (grids take ``design.levels``
            evenly spaced values from it).
        levels: The values a grid takes (grids only).
        integer: Round values to whole numbers; default: whether the base's value is one.
    """

    path: str = Field(min_length=1)
    name: str | None = None
    bounds: list[float] | None = Field(None, min_length=2, max_length=2)
    levels: list[float] | None = Field(None, min_length=1)
    integer: bool | None = None

    @property
    def column(self) -> str:
        """The parameter's column name in the runs table."""
        return column_name(self.path, self.name)


class DesignSpec(_Section):
    """How parameter values are chosen.

    Attributes:
        method: ``grid`` (every combination of levels), ``lhs`` (Latin hypercube, ``samples``
            points), ``morris`` (``samples`` trajectories of D + 1 points on ``levels`` levels),
            ``sobol`` (Saltelli's scheme for first-order and total indices: ``samples`` x (D + 2)
            points; ``samples`` a power of 2).
        samples: Size parameter of lhs, morris and sobol designs, >= 1 (>= 2 for morris and sobol).
        levels: Levels per parameter of grids given bounds, and of Morris designs (even, >= 2).
        max_runs: Most runs (points x replications) the sweep may make; a larger design is an error.
        conf_level: Confidence level of the indices' intervals, in (0, 1).
    """

    method: Method
    samples: int | None = Field(None, ge=1)
    levels: int = Field(4, ge=2, le=1000)
    max_runs: int = Field(100_000, ge=1)
    conf_level: float = Field(0.95, gt=0.0, lt=1.0)


class OutputSpec(_Section):
    """An output of interest: a metric at chosen steps, for the cluster, a tier or a place.

    Attributes:
        metric: A column of the cluster table (scope ``cluster``; also ``<metric>_<tier>`` for a
            tier) or of the places table (summed or averaged over a tier, or one place's value).
            For an analytic base, the name of its output (``y``).
        scope: ``cluster``, ``core``, ``secondary``, ``county``, or a place's name.
        steps: Steps (years) at which to take it: whole numbers >= 0 and/or ``final``.
        aggregate: How a tier's places combine when the cluster table has no tier column.
        name: Column name in the runs table (one step only); default
            ``<metric>[_<scope>]_<final|stepN>``.
    """

    metric: str = Field(min_length=1)
    scope: str = "cluster"
    steps: list[int | Literal["final"]] = Field(["final"], min_length=1)
    aggregate: Literal["sum", "mean"] = "sum"
    name: str | None = None


class SweepSpec(_Section):
    """A whole sweep; see the module docstring for an example.

    Attributes:
        name: Name of the sweep (default results folder ``results/<name>``).
        description: What the sweep asks, in words.
        base: Bundled scenario name, scenario YAML path (relative to the sweep file), or
            ``analytic:<function>`` (`chainweave.sweeps.targets.ANALYTIC`).
        policies: Library policies added to the base before anything is set (names, or
            mappings as in a scenario's ``policies``), so their parameters can be varied.
        fixed: Values set on the base for every run, by path (``params.n_firms: 2000``).
        parameters: The parameters varied, at least one.
        design: How their values are chosen.
        replications: Runs per design point, each with its own seed, >= 1.
        seed: Seed of the design and of every run's seed, >= 0.
        outputs: Outputs of interest, at least one.
        results: Output folder (a relative path starts from the sweep file's folder); default
            ``results/<name>`` in the working directory.
        batch_size: Finished runs per Parquet part file written (also written every few seconds).
    """

    name: str = Field(min_length=1)
    description: str = ""
    base: str = "yijing_jingen"
    policies: list[str | dict[str, Any]] = []
    fixed: dict[str, Any] = {}
    parameters: list[ParameterSpec] = Field(min_length=1)
    design: DesignSpec
    replications: int = Field(1, ge=1, le=100_000)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    outputs: list[OutputSpec] = Field(min_length=1)
    results: str | None = None
    batch_size: int = Field(32, ge=1, le=1_000_000)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "(script)") -> SweepSpec:
        """Returns the validated spec of a mapping; one `ParameterError` naming the field if bad."""
        try:
            spec = cls.model_validate(dict(data))
        except ValidationError as err:
            raise _one_line(err, source) from None
        check_spec(spec, source)
        return spec

    @property
    def results_dir(self) -> Path:
        """Where the results go: ``results``, or ``results/<name>`` (see `results_folder`)."""
        return Path(self.results) if self.results else Path("results") / self.name

    def results_folder(self, folder: Path | None) -> Path:
        """Returns where the results go, a relative ``results`` taken from ``folder`` (the file's)."""
        path = self.results_dir
        return folder / path if self.results and folder is not None and not path.is_absolute() else path

    def fingerprint(self, base: Mapping[str, Any]) -> str:
        """Returns a hash of everything that decides the runs' values (not where they go).

        Args:
            base: JSON-able description of the resolved base (so that a changed scenario
                file is a different sweep).
        """
        decisive = self.model_dump(exclude={"name", "description", "results", "batch_size"})
        text = json.dumps({"spec": decisive, "base": base}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_spec(spec: SweepSpec, source: str) -> None:
    """Checks what the schema cannot: bounds order, levels, names, design settings.

    Raises:
        ParameterError: naming ``source`` and the field path.
    """
    plain_name(spec.name, f"{source}: name")
    if spec.results is not None and not spec.results.strip():
        raise ParameterError(f"{source}: results", spec.results,
                             "a folder name (leave results out for results/<name>)")
    method = spec.design.method
    for i, p in enumerate(spec.parameters):
        where = f"{source}: parameters[{i}]"
        if p.bounds is not None and not p.bounds[0] < p.bounds[1]:
            raise ParameterError(f"{where}.bounds", p.bounds, "[low, high] with low < high")
        if method == "grid":
            if (p.bounds is None) == (p.levels is None):
                raise ParameterError(where, p.path, "either bounds or levels (grid designs)")
            if p.levels is not None and len(set(p.levels)) != len(p.levels):
                raise ParameterError(f"{where}.levels", p.levels, "distinct values")
        else:
            if p.levels is not None:
                raise ParameterError(f"{where}.levels", p.levels, f"bounds only ({method} designs sample "
                                     "between bounds; levels are for grid designs)")
            if p.bounds is None:
                raise ParameterError(f"{where}.bounds", None, f"[low, high] ({method} designs)")
    columns = [p.column for p in spec.parameters]
    for i, column in enumerate(columns):
        check_column(column, f"{source}: parameters[{i}].name", columns[:i])
    paths = [p.path for p in spec.parameters]
    for i, path in enumerate(paths):
        if path in paths[:i]:
            raise ParameterError(f"{source}: parameters[{i}].path", path, "each parameter varied once")
        if path in spec.fixed:
            raise ParameterError(f"{source}: parameters[{i}].path", path,
                                 "a path not also in fixed (a varied value is not fixed)")
    for i, out in enumerate(spec.outputs):
        if out.name is not None and len(out.steps) != 1:
            raise ParameterError(f"{source}: outputs[{i}].name", out.name,
                                 "no name for an output at several steps (names are made per step)")
        if any(isinstance(s, int) and s < 0 for s in out.steps):
            raise ParameterError(f"{source}: outputs[{i}].steps", out.steps, "steps >= 0 or final")
    design = spec.design
    if method != "grid" and design.samples is None:
        raise ParameterError(f"{source}: design.samples", None, f"a whole number >= 1 ({method} designs)")
    if method in ("morris", "sobol") and design.samples is not None and design.samples < 2:
        raise ParameterError(f"{source}: design.samples", design.samples, f">= 2 ({method} designs)")
    if method == "sobol" and design.samples is not None and design.samples & (design.samples - 1):
        raise ParameterError(f"{source}: design.samples", design.samples,
                             "a power of 2 (Sobol' sequences are balanced at powers of 2)")
    if method == "morris" and design.levels % 2:
        raise ParameterError(f"{source}: design.levels", design.levels, "an even number (Morris designs)")


def check_column(column: str, field: str, taken: list[str], others: str = "parameter or output",
                 reserved: tuple[str, ...] = RESERVED_COLUMNS) -> None:
    """Checks that a table column name is an identifier, not ``reserved`` and not ``taken``.

    Raises:
        ParameterError: naming ``field``; ``others`` says what else holds names (for the message).
    """
    if not _IDENTIFIER.match(column):
        raise ParameterError(field, column, "a valid identifier (letters, digits, _)")
    if column in reserved:
        raise ParameterError(field, column, f"a name other than {', '.join(reserved)}")
    if column in taken:
        raise ParameterError(field, column, f"a name no other {others} has")


def check_columns(parameters: list[str], outputs: list[str], source: str) -> None:
    """Checks that output column names are identifiers, distinct and not parameter names.

    Raises:
        ParameterError: naming ``source`` and the output.
    """
    for i, column in enumerate(outputs):
        check_column(column, f"{source}: outputs (column {column!r})", [*parameters, *outputs[:i]])


def load_sweep(path: str | Path) -> tuple[SweepSpec, Path]:
    """Returns the validated sweep of a YAML file and the file's folder (for relative paths).

    Raises:
        ParameterError: one line naming the file, the field path and what was expected.
    """
    source = str(path)
    file = Path(path)
    data = read_yaml_mapping(file, source, "sweep")
    return SweepSpec.from_dict(data, source), file.parent


def _path(loc: tuple[Any, ...]) -> str:
    """Returns a dotted field path from a pydantic error location (list items as [i])."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in ("str", "int", "float", "bool", "literal['final']") or str(part).startswith(
                ("dict[", "list[", "function-")):
            continue  # union branch names, not fields
        else:
            out += f".{part}" if out else str(part)
    return out


def _fields_at(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """Returns the field names of the section of ``root`` at a pydantic error location."""
    model = root
    for part in loc:
        if isinstance(part, int) or part not in model.model_fields:
            continue
        annotation = model.model_fields[part].annotation
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
    return list(model.model_fields)


def _one_line(err: ValidationError, source: str, root: type[BaseModel] | None = None) -> ParameterError:
    """Returns one `ParameterError` for a pydantic error: the deepest location's problem.

    Args:
        err: The error.
        source: The file, for the message.
        root: The schema validated (its fields are listed for an unknown key); default `SweepSpec`.
    """
    first = max(err.errors(include_url=False), key=lambda e: len(e["loc"]))
    path = _path(first["loc"])
    where = f"{source}: {path}" if path else source
    message = first["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    if first["type"] == "extra_forbidden":
        fields = ", ".join(_fields_at(first["loc"][:-1], root or SweepSpec))
        return ParameterError(where, first.get("input"), f"no such field here (fields: {fields})")
    if first["type"] == "missing":
        return ParameterError(where, _Raw("nothing"), "a value (the field is required)")
    for words, sign in (("greater than or equal to ", ">= "), ("less than or equal to ", "<= "),
                        ("greater than ", "> "), ("less than ", "< ")):
        message = message.replace(words, sign)
    return ParameterError(where, first.get("input"), message)


class _Raw(str):
    """A value already written as text (shown without quotes)."""

    def __repr__(self) -> str:
        return str(self)
