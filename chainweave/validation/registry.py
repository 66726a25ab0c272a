"""The registry of validation targets: what is known, where it comes from, how it is measured.

A target is one entry of a YAML registry (the bundled one is ``targets.yaml`` beside this
module): an id, its source (a citation and, where it comes from one, the seed file), the
named statistic that measures it (`chainweave.validation.statistics.STATISTICS`) with its
arguments, the design (scenario, size, seeds, steps, extra values, and the arms it runs:
one for a baseline statistic, two with common random numbers for a paired intervention or
a switch), the accepted range and why that range. Targets the model fails today are marked
``known_gap`` with the figure measured and what is missing. Adding a target is adding an
entry; nothing else changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chainweave.errors import ParameterError
from chainweave.yaml_files import read_yaml_mapping

Kind = Literal["baseline", "paired", "switch"]
"""A baseline statistic (one arm); a paired intervention (a policy or a change against the
baseline, same seeds); a switch (a mechanism turned off against the baseline, same seeds)."""

PassRule = Literal["mean", "interval", "report"]
"""``mean``: the mean over seeds lies in the range; ``interval``: its whole 95 % interval
does (a significant effect); ``report``: the figure is reported against the range, and
neither passes nor fails."""

BASE_ARM = "base"
"""Name of the arm every design has: the scenario with the design's values."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Source(_Entry):
    """Where a target comes from.

    Attributes:
        citation: The paper, issue or data set, in words.
        seed_file: The file in ``shared/seeds/`` it comes from, or None.
    """

    citation: str = Field(min_length=1)
    seed_file: str | None = None


class Event(_Entry):
    """A change of model parameters for some years of a run (a shock).

    Attributes:
        start: First step (year) the values hold, >= 1.
        end: Last step they hold (None: to the end of the run), >= start.
        set: `ModelParams` field -> value during those years.
        scale: `ModelParams` field -> factor applied to the run's value during those years.
    """

    start: int = Field(ge=1)
    end: int | None = None
    set: dict[str, float] = {}
    scale: dict[str, float] = {}

    @model_validator(mode="after")
    def _ordered(self) -> Event:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) must be >= start ({self.start})")
        if not self.set and not self.scale:
            raise ValueError("an event sets or scales at least one parameter")
        return self


class Arm(_Entry):
    """One variant a design runs, on top of the design's scenario and values.

    Attributes:
        set: Scenario field by dotted path -> value (as ``run.py run --set``).
        policies: Policies to add (library names or policy mappings with targets).
        events: Parameter changes for some years of the run.
    """

    set: dict[str, Any] = {}
    policies: list[str | dict[str, Any]] = []
    events: list[Event] = []


class Size(_Entry):
    """Size of a design: firms, years, seeds.

    Attributes:
        n_firms: Firms at step 0 (None: the scenario's).
        steps: Years each run lasts, >= 0.
        seeds: Replicates (seeds), >= 2 for an interval.
    """

    n_firms: int | None = Field(None, ge=1)
    steps: int = Field(ge=0)
    seeds: int = Field(ge=2)


class Design(_Entry):
    """How a target is measured.

    Attributes:
        kind: Baseline statistic, paired intervention or switch.
        scenario: Bundled scenario name or YAML file.
        full: Size of the full suite.
        quick: Size of ``--quick`` (smaller firms, steps and seeds).
        set: Scenario values of every arm, by dotted path.
        arms: Named arms besides ``base`` (a paired design or a switch has at least one).
        firm_panel: Whether the statistic needs each firm's state every year.
    """

    kind: Kind = "baseline"
    scenario: str = "yijing_jingen"
    full: Size
    quick: Size
    set: dict[str, Any] = {}
    arms: dict[str, Arm] = {}
    firm_panel: bool = False

    @model_validator(mode="after")
    def _arms_fit_kind(self) -> Design:
        if BASE_ARM in self.arms:
            raise ValueError(f"arm name {BASE_ARM!r} is the design itself; name the others")
        if self.kind == "baseline" and self.arms:
            raise ValueError("a baseline design has no arms (use kind: paired or switch)")
        if self.kind != "baseline" and not self.arms:
            raise ValueError(f"a {self.kind} design needs at least one arm besides base")
        return self


class Statistic(_Entry):
    """The named statistic that measures a target, with its arguments.

    Attributes:
        name: A key of `chainweave.validation.statistics.STATISTICS`.
        args: Keyword arguments of the statistic.
    """

    name: str
    args: dict[str, Any] = {}


class TargetSpec(_Entry):
    """One validation target.

    Attributes:
        id: Unique identifier (snake_case).
        title: What the target says, in a line.
        group: Topic (economy, knowledge, chains, calibration, resource, innovation, ...).
        source: Citation and seed file.
        measures: What is measured, in words (unit included).
        statistic: The named statistic and its arguments.
        design: Scenario, sizes, arms.
        accepted: [low, high]; None on a side: unbounded.
        pass_rule: ``mean``, ``interval`` or ``report`` (see `PassRule`).
        why: Why this range.
        known_gap: Whether the model is known to fail this target today.
        gap: What is missing for a known gap, with the figure measured.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    group: str
    source: Source
    measures: str
    statistic: Statistic
    design: Design
    accepted: tuple[float | None, float | None]
    pass_rule: PassRule = "mean"
    why: str = Field(min_length=1)
    known_gap: bool = False
    gap: str | None = None

    @field_validator("statistic")
    @classmethod
    def _known_statistic(cls, value: Statistic) -> Statistic:
        from chainweave.validation.statistics import STATISTICS

        if value.name not in STATISTICS:
            raise ValueError(f"unknown statistic {value.name!r} (known: {', '.join(sorted(STATISTICS))})")
        return value

    @model_validator(mode="after")
    def _range(self) -> TargetSpec:
        low, high = self.accepted
        if low is None and high is None:
            raise ValueError("accepted needs at least one bound")
        if low is not None and high is not None and not low <= high:
            raise ValueError(f"accepted low ({low}) must be <= high ({high})")
        if any(b is not None and not math.isfinite(b) for b in self.accepted):
            raise ValueError("accepted bounds must be finite numbers or null")
        if self.known_gap and not self.gap:
            raise ValueError("a known gap says what is missing (field gap)")
        return self

    def size(self, quick: bool) -> Size:
        """Returns the size of the full suite, or of ``--quick``."""
        return self.design.quick if quick else self.design.full

    def in_range(self, value: float) -> bool:
        """Returns whether ``value`` lies in the accepted range (NaN: never)."""
        low, high = self.accepted
        if value != value:  # NaN
            return False
        return (low is None or value >= low) and (high is None or value <= high)

    def range_text(self) -> str:
        """Returns the accepted range as text: [a, b], >= a or <= b."""
        low, high = self.accepted
        if low is None:
            return f"<= {high:g}"
        if high is None:
            return f">= {low:g}"
        return f"[{low:g}, {high:g}]"


BUNDLED = "targets.yaml"
"""File name of the bundled registry (in this package)."""


def bundled_registry_path() -> Path:
    """Returns the path of the bundled registry file."""
    return Path(str(resources.files("chainweave.validation") / BUNDLED))


def _one_line(err: ValidationError, source: str) -> ParameterError:
    """Returns one `ParameterError` for a pydantic error: its deepest location's problem."""
    first = max(err.errors(include_url=False), key=lambda e: len(e["loc"]))
    path = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    if first["type"] == "extra_forbidden":
        message = "no such field here"
    elif first["type"] == "missing":
        return ParameterError(f"{source}: {path}", None, "a value (the field is required)")
    return ParameterError(f"{source}: {path}" if path else source, first.get("input"), message)


def parse_targets(entries: Sequence[Mapping[str, Any]], source: str) -> tuple[TargetSpec, ...]:
    """Returns the validated targets of a list of registry entries.

    Args:
        entries: One mapping per target.
        source: How errors name the registry.

    Raises:
        ParameterError: One line naming the entry and field of the first problem, or a
            repeated id.
    """
    targets: list[TargetSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{source}: targets[{i}]"
        if not isinstance(entry, Mapping):
            raise ParameterError(where, type(entry).__name__, "a mapping of target fields")
        name = entry.get("id", "?")
        try:
            target = TargetSpec.model_validate(dict(entry))
        except ValidationError as err:
            raise _one_line(err, f"{where} ({name})") from None
        if target.id in seen:
            raise ParameterError(f"{where}.id", target.id, "an id no other target has")
        seen.add(target.id)
        targets.append(target)
    return tuple(targets)


def load_registry(path: str | Path | None = None) -> tuple[TargetSpec, ...]:
    """Returns the targets of a registry file (default: the bundled one).

    The file holds a mapping with a ``targets`` list.

    Raises:
        ParameterError: For an unreadable or malformed file or a bad entry (one line).
    """
    file = bundled_registry_path() if path is None else Path(path)
    source = str(path) if path is not None else f"chainweave/validation/{BUNDLED}"
    data = read_yaml_mapping(file, source, "validation registry")
    entries = data.get("targets")
    if not isinstance(entries, list) or not entries:
        raise ParameterError(f"{source}: targets", entries, "a non-empty list of targets")
    unknown = set(data) - {"targets"}
    if unknown:
        raise ParameterError(source, sorted(unknown), "only the field targets at the top level")
    return parse_targets(entries, source)


def select(targets: Sequence[TargetSpec], only: Sequence[str] | None) -> tuple[TargetSpec, ...]:
    """Returns the targets whose id is in ``only`` (all if None), in registry order.

    Raises:
        ParameterError: If an id of ``only`` is not in the registry.
    """
    if not only:
        return tuple(targets)
    ids = {t.id for t in targets}
    for name in only:
        if name not in ids:
            raise ParameterError("--only", name, f"a target id of the registry ({len(ids)} ids; "
                                 "run.py validation --list shows them)")
    wanted = set(only)
    return tuple(t for t in targets if t.id in wanted)
