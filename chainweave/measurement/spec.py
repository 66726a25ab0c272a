"""Index systems as data: the file schema (pydantic), its checks, and the bundled systems.

An index system is a YAML mapping (a file, a bundled name, or inline in a scenario's
``measurement.systems`` list); see docs/scenarios.md for the fields. `parse_system` validates
one and returns an `IndexSystem`; every problem (an unknown indicator, a cost indicator without
bounds, weights that do not sum to 1, ...) is one `ParameterError` naming where, the value
and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chainweave.errors import ParameterError
from chainweave.measurement.catalogue import BY_NAME
from chainweave.measurement.systems import IndexSystem, IndicatorUse, Subsystem
from chainweave.yaml_files import read_yaml_mapping

BUNDLED_SYSTEMS = resources.files("chainweave.measurement") / "bundled"
"""Folder of the bundled index systems (``<name>.yaml``)."""
RESERVED_NAMES: tuple[str, ...] = ("core", "secondary", "county", "score", "baseline")
"""Names a system may not take: they would clash with the tables' tier and score columns."""
WEIGHT_TOLERANCE = 1e-9
"""How far given weights may sum from 1."""
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class IndicatorSpec(_Section):
    """One indicator of a subsystem: catalogue name, direction and bounds."""

    name: str
    direction: Literal["benefit", "cost"] = "benefit"
    bounds: Literal["baseline", "fixed"] | list[float] | None = None


class SubsystemSpec(_Section):
    """A subsystem: indicators, weights (method or given) and how they combine."""

    indicators: list[str | IndicatorSpec] = Field(min_length=1)
    weights: Literal["equal", "entropy", "pca"] | dict[str, float] = "equal"
    aggregate: Literal["weighted_sum", "coordination"] = "weighted_sum"


class SystemSpec(_Section):
    """A whole index system file."""

    name: str
    description: str = ""
    coupling: Literal["standard", "revised", "paper"] = "standard"
    theta: float = Field(0.5, gt=0, le=1)
    bounds: Literal["fixed", "baseline"] = "fixed"
    subsystems: dict[str, SubsystemSpec] = Field(min_length=2)
    subsystem_weights: dict[str, float] | None = None


def list_systems() -> list[str]:
    """Returns the names of the bundled index systems."""
    return sorted(p.name.removesuffix(".yaml") for p in BUNDLED_SYSTEMS.iterdir()
                  if p.name.endswith(".yaml"))


def _location(loc: tuple[Any, ...]) -> str:
    """Returns a dotted path from a pydantic error location, without union branch names."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "IndicatorSpec", "list[float]", "dict[str,float]") or str(part).startswith(
                ("literal[", "function-")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _join(where: str, field: str) -> str:
    """Returns the path of ``field`` under ``where`` (a file's name ends with a colon)."""
    return f"{where} {field}" if where.endswith(":") else f"{where}.{field}"


def _check_weights(where: str, weights: dict[str, float], names: Sequence[str], what: str) -> None:
    """Raises unless ``weights`` gives one non-negative weight per name, summing to 1."""
    if sorted(weights) != sorted(names):
        raise ParameterError(where, sorted(weights), f"one weight for each {what} ({', '.join(names)})")
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1) > WEIGHT_TOLERANCE:
        raise ParameterError(where, round(sum(weights.values()), 12),
                             "non-negative weights summing to 1")


def parse_system(data: Any, where: str) -> IndexSystem:
    """Returns the `IndexSystem` of a mapping of system fields, checked.

    Args:
        data: The system's fields (as read from YAML).
        where: Where the mapping came from, prefixed to every error's field path.

    Raises:
        ParameterError: One line naming the field, the value and what was expected.
    """
    if not isinstance(data, dict):
        raise ParameterError(where, data, "an index system: a mapping with name and subsystems")
    try:
        spec = SystemSpec.model_validate(data)
    except ValidationError as err:
        first = max(err.errors(include_url=False), key=lambda e: len(e["loc"]))
        message = first["msg"].removeprefix("Input should be ")
        if first["type"] == "extra_forbidden":
            message = "no such field here (see docs/scenarios.md)"
        elif first["type"] == "missing":
            message = "a value (the field is required)"
        raise ParameterError(_join(where, _location(first["loc"])), first.get("input"), message) from None
    if not _IDENTIFIER.match(spec.name) or spec.name in RESERVED_NAMES:
        raise ParameterError(_join(where, "name"), spec.name, "a lower-case snake_case name other than "
                             f"{', '.join(RESERVED_NAMES)}")
    if spec.coupling == "paper" and len(spec.subsystems) != 2:
        raise ParameterError(_join(where, "subsystems"), list(spec.subsystems),
                             "exactly two subsystems for the paper's coupling form")
    if spec.subsystem_weights is not None:
        _check_weights(_join(where, "subsystem_weights"), spec.subsystem_weights, list(spec.subsystems),
                       "subsystem")
    subsystems = tuple(_subsystem(_join(where, f"subsystems.{name}"), name, sub, spec)
                       for name, sub in spec.subsystems.items())
    weights = (None if spec.subsystem_weights is None
               else tuple(spec.subsystem_weights[s.name] for s in subsystems))
    return IndexSystem(name=spec.name, description=spec.description, subsystems=subsystems,
                       coupling=spec.coupling, theta=spec.theta, subsystem_weights=weights)


def _subsystem(where: str, name: str, sub: SubsystemSpec, system: SystemSpec) -> Subsystem:
    """Returns one checked subsystem of a system spec."""
    if not _IDENTIFIER.match(name):
        raise ParameterError(where, name, "a lower-case snake_case subsystem name")
    uses = []
    for k, entry in enumerate(sub.indicators):
        spec = IndicatorSpec(name=entry) if isinstance(entry, str) else entry
        at = _join(where, f"indicators[{k}]")
        info = BY_NAME.get(spec.name)
        if info is None:
            raise ParameterError(at, spec.name, f"an indicator of the catalogue ({', '.join(BY_NAME)})")
        if spec.direction == "cost" and spec.bounds is None:
            raise ParameterError(at, spec.name, "bounds for a cost indicator ([lower, upper], "
                                 "baseline or fixed)")
        bounds = spec.bounds if spec.bounds is not None else system.bounds
        if bounds == "baseline":
            uses.append(IndicatorUse(spec.name, spec.direction, None, None, from_baseline=True))
            continue
        lower, upper = (info.lower, info.upper) if bounds == "fixed" else (bounds + [None, None])[:2]
        if not isinstance(bounds, str) and (len(bounds) != 2 or not upper > lower):
            raise ParameterError(f"{at}.bounds", bounds, "[lower, upper] with upper > lower")
        uses.append(IndicatorUse(spec.name, spec.direction, float(lower), float(upper)))
    names = [u.name for u in uses]
    if len(set(names)) != len(names):
        raise ParameterError(_join(where, "indicators"), names, "each indicator once")
    if sub.aggregate == "coordination" and system.coupling == "paper" and len(uses) != 2:
        raise ParameterError(_join(where, "indicators"), names,
                             "exactly two indicators for a coordination subsystem of the paper's form")
    if sub.aggregate == "coordination" and len(uses) < 2:
        raise ParameterError(_join(where, "indicators"), names, "two or more indicators to couple")
    method = sub.weights
    if isinstance(method, dict):
        _check_weights(_join(where, "weights"), method, names, "indicator")
        uses = [IndicatorUse(u.name, u.direction, u.lower, u.upper, u.from_baseline, float(method[u.name]))
                for u in uses]
        method = "given"
    return Subsystem(name, tuple(uses), method, sub.aggregate)


def load_system(reference: str, where: str = "systems") -> IndexSystem:
    """Returns the index system of a bundled name (see `list_systems`) or a YAML file.

    Raises:
        ParameterError: For a name that is neither, or a file that fails the checks.
    """
    if reference in list_systems():
        path, source = Path(str(BUNDLED_SYSTEMS / f"{reference}.yaml")), reference
    else:
        path, source = Path(reference), reference
        if not path.is_file():
            raise ParameterError(where, reference, f"a bundled index system "
                                 f"({', '.join(list_systems())}) or a YAML file")
    return parse_system(read_yaml_mapping(path, source, "index system"), f"{source}:")


def resolve_systems(entries: Sequence[str | dict[str, Any]], where: str) -> tuple[IndexSystem, ...]:
    """Returns ``default`` followed by the other systems a scenario or command names.

    Args:
        entries: Bundled names, file paths or inline mappings; ``default`` may be listed or not.
        where: Field path of the list, for errors (``file: measurement.systems``).

    Raises:
        ParameterError: For a bad entry, or two systems with one name.
    """
    systems = [load_system("default")]
    for k, entry in enumerate(entries):
        at = f"{where}[{k}]"
        system = load_system(entry, at) if isinstance(entry, str) else parse_system(entry, at)
        if system.name == "default" and entry == "default":
            continue
        if any(s.name == system.name for s in systems):
            raise ParameterError(f"{at}.name", system.name, "a name no other system of the run has")
        systems.append(system)
    return tuple(systems)


class MeasurementSpec(_Section):
    """A scenario's ``measurement`` section: the index systems its runs are scored under.

    ``systems`` lists bundled names, YAML files or inline systems; ``default`` is always
    scored (its columns are the unprefixed ones) whether listed or not. Entries are checked
    by `resolve_systems` when the scenario is loaded.
    """

    systems: list[str | dict[str, Any]] = ["default"]
