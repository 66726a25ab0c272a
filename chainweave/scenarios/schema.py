"""The scenario file schema (pydantic): what a scenario YAML may say, with types and ranges.

A scenario names its places (a bundled table, a synthetic cluster, or a list of places), what
it changes in them, its sector table, model parameters, per-government policy mixes, policies,
horizon and seed, and the comparison `run.py compare` makes. A file only says what differs from
the defaults (or from the scenario it ``extends``). Checks that need the places or the model
(unknown place names, parameter ranges) are made by `chainweave.scenarios.scenario`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from chainweave.errors import ParameterError
from chainweave.measurement.spec import MeasurementSpec
from chainweave.scenarios.policies import POLICIES

TierName = Literal["core", "secondary", "county"]
ResourceName = Literal["none", "growing", "mature", "declining", "regenerating"]


MAX_PLACES = 100_000
"""Most places a scenario may have (a synthetic cluster's cores x secondary x counties included)."""
MAX_POPULATION = 1e9
"""Largest population of one place, persons (the largest cities hold a few tens of millions)."""
MAX_AREA_KM2 = 2e7
"""Largest land area of one place, km2 (Russia is 1.7e7)."""


class _Section(BaseModel):
    """A section of a scenario file: unknown keys are errors, types are not coerced, numbers finite."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _repeated(names: list[str]) -> str | None:
    """Returns the first name that occurs twice, None if all are distinct."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


class SyntheticSpec(_Section):
    """A synthetic cluster (`chainweave.network.synthetic_cluster`)."""

    n_cores: int = Field(1, ge=1, le=100)
    n_secondary: int = Field(4, ge=0, le=500)
    n_counties: int = Field(6, ge=0, le=500)
    seed: int = Field(0, ge=0, le=2**63 - 1)

    @model_validator(mode="after")
    def _bounded_size(self) -> SyntheticSpec:
        n = self.n_cores * (1 + self.n_secondary * (1 + self.n_counties))
        if n > MAX_PLACES:
            raise ValueError(f"n_cores: got {self.n_cores} x (1 + {self.n_secondary} x (1 + "
                             f"{self.n_counties})) = {n:,} places; expected at most {MAX_PLACES:,}")
        return self


class SyntheticPlaces(_Section):
    """``places: {synthetic: {...}}``."""

    synthetic: SyntheticSpec = SyntheticSpec()


class PlaceRow(_Section):
    """One place given in the file (people, km2, degrees, shares in [0, 1])."""

    name: str = Field(min_length=1)
    tier: TierName
    parent: str | None = None
    population: float = Field(gt=0, le=MAX_POPULATION)
    area_km2: float = Field(gt=0, le=MAX_AREA_KM2)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    urban_share: float = Field(0.5, ge=0, le=1)
    resource_type: ResourceName = "none"
    productivity_factor: float = Field(1.0, gt=0)
    rd_factor: float = Field(1.0, ge=0)
    industry_shares: list[float] | None = Field(None, min_length=3, max_length=3)
    industry_weights: dict[str, PositiveFloat] | None = None


class PlaceOverride(_Section):
    """Changes to one place of a bundled table (any field of `PlaceRow` but its name)."""

    tier: TierName | None = None
    parent: str | None = None
    population: float | None = Field(None, gt=0, le=MAX_POPULATION)
    area_km2: float | None = Field(None, gt=0, le=MAX_AREA_KM2)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    urban_share: float | None = Field(None, ge=0, le=1)
    resource_type: ResourceName | None = None
    productivity_factor: float | None = Field(None, gt=0)
    rd_factor: float | None = Field(None, ge=0)
    industry_shares: list[float] | None = Field(None, min_length=3, max_length=3)
    industry_weights: dict[str, PositiveFloat] | None = None


class SectorOverride(_Section):
    """Changes to one sector of the sector table."""

    carbon_intensity: float | None = Field(None, ge=0)
    base_productivity: float | None = Field(None, gt=0)
    rd_share: float | None = Field(None, ge=0, le=1)
    wage_ratio: float | None = Field(None, gt=0)
    local_share: float | None = Field(None, ge=0, le=1)
    high_tech: bool | None = None
    resource_based: bool | None = None


class SectorSpec(_Section):
    """A whole sector table (`chainweave.parameters.SectorTable`), one entry per sector."""

    names: list[str] = Field(min_length=1)
    stage: list[Literal["upstream", "midstream", "downstream"]]
    industry_class: list[Literal["primary", "secondary", "tertiary"]]
    high_tech: list[bool]
    resource_based: list[bool]
    carbon_intensity: list[float]
    io: list[list[float]]
    final_demand_share: list[float]
    base_productivity: list[float]
    rd_share: list[float]
    tier_mix: list[list[float]]
    wage_ratio: list[float] | None = None
    local_share: list[float] | None = None
    industrial: list[bool] | None = None

    @field_validator("names")
    @classmethod
    def _distinct_names(cls, names: list[str]) -> list[str]:
        twice = _repeated(names)
        if twice is not None:
            raise ValueError(f"got {twice!r} twice; expected distinct sector names")
        bad = [n for n in names if not n.isidentifier()]
        if bad:
            raise ValueError(f"got {bad[0]!r}; expected sector names that are identifiers "
                             "(letters, digits, _)")
        return names


class GovernmentMix(_Section):
    """A government's own policy mix and levers at baseline (shares of its budget)."""

    rd_subsidy_share: float | None = Field(None, ge=0, le=1)
    talent_share: float | None = Field(None, ge=0, le=1)
    public_services_share: float | None = Field(None, ge=0, le=1)
    incubator_share: float | None = Field(None, ge=0, le=1)
    platform_share: float | None = Field(None, ge=0, le=1)
    enforcement_share: float | None = Field(None, ge=0, le=1)
    collaboration: float | None = Field(None, ge=0, le=1)
    carbon_price: float | None = Field(None, ge=0, le=1e5)
    emission_standard: float | None = Field(None, gt=0)


class Targets(_Section):
    """Where a policy acts.

    Places in any of ``tiers`` (all if empty) and, if ``places`` or ``jurisdictions`` are given,
    only those places or the places governed by those cities.
    """

    tiers: list[TierName] = []
    places: list[str] = []
    jurisdictions: list[str] = []


class PolicyUse(_Section):
    """One policy of the library, with its parameters, targets, start year and ramp."""

    policy: str
    label: str | None = None
    start: int = Field(0, ge=0, le=1000)
    ramp: int = Field(0, ge=0, le=1000)
    targets: Targets = Targets()
    params: dict[str, float] = {}
    sectors: list[str] | None = Field(None, min_length=1)

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, name: str) -> str:
        if name not in POLICIES:
            raise ValueError(f"one of {', '.join(POLICIES)}")
        return name

    @model_validator(mode="after")
    def _known_parameters(self) -> PolicyUse:
        known = POLICIES[self.policy].parameters
        for key, value in self.params.items():
            if key not in known:
                raise ValueError(f"params.{key}: got {value!r}; expected a parameter of "
                                 f"{self.policy} ({', '.join(known)})")
            p = known[key]
            if not p.lower <= value <= p.upper:
                raise ValueError(f"params.{key}: got {value!r}; expected a value in "
                                 f"[{p.lower:g}, {p.upper:g}] {p.unit}")
        if self.sectors is not None and not POLICIES[self.policy].sectors:
            raise ValueError(f"sectors: got {self.sectors!r}; expected no sectors ({self.policy} "
                             "takes none)")
        return self

    @property
    def name(self) -> str:
        """The label of this use (the policy name unless ``label`` is given)."""
        return self.label or self.policy


class Variant(_Section):
    """A named set of policies compared with the baseline."""

    name: str = Field(min_length=1)
    policies: list[PolicyUse] = Field(min_length=1)


class CompareSpec(_Section):
    """What `run.py compare` does: the variants, replications and confidence level."""

    variants: list[str | Variant] = []
    replications: int = Field(5, ge=1, le=10_000)
    confidence: float = Field(0.95, gt=0, lt=1)

    @field_validator("variants")
    @classmethod
    def _known_variants(cls, variants: list[str | Variant]) -> list[str | Variant]:
        for v in variants:
            if isinstance(v, str) and v not in POLICIES:
                raise ValueError(f"policy names ({', '.join(POLICIES)}) or {{name, policies}}; got {v!r}")
        names = [v if isinstance(v, str) else v.name for v in variants]
        if "baseline" in names or len(set(names)) != len(names):
            raise ValueError("distinct variant names other than 'baseline'")
        return variants


class ScenarioSpec(_Section):
    """A whole scenario, after ``extends`` is resolved."""

    name: str = Field(min_length=1)
    description: str = ""
    places: str | SyntheticPlaces | list[PlaceRow] = SyntheticPlaces()
    place_overrides: dict[str, PlaceOverride] = {}
    sectors: Literal["default", "hubei_industries"] | SectorSpec = "default"
    sector_overrides: dict[str, SectorOverride] = {}
    params: dict[str, Any] = {}
    governments: dict[str, GovernmentMix] = {}
    policies: list[PolicyUse] = []
    horizon: int = Field(30, ge=0, le=1000)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    compare: CompareSpec = CompareSpec()
    # Issue 16: index systems the runs are scored under (checked in chainweave.measurement.spec).
    measurement: MeasurementSpec = MeasurementSpec()

    @field_validator("policies")
    @classmethod
    def _unique_labels(cls, policies: list[PolicyUse]) -> list[PolicyUse]:
        twice = _repeated([p.name for p in policies])
        if twice is not None:
            raise ValueError(f"got {twice!r} twice; expected policies with distinct labels (give 'label' "
                             "to use one policy twice)")
        return policies

    @field_validator("places")
    @classmethod
    def _places_listed_once(cls, places: str | SyntheticPlaces | list[PlaceRow]
                            ) -> str | SyntheticPlaces | list[PlaceRow]:
        if isinstance(places, list):
            if not places:
                raise ValueError("got []; expected at least one place")
            if len(places) > MAX_PLACES:
                raise ValueError(f"got {len(places):,} places; expected at most {MAX_PLACES:,}")
            twice = _repeated([p.name for p in places])
            if twice is not None:
                raise ValueError(f"got {twice!r} twice; expected distinct place names")
        return places

    @model_validator(mode="after")
    def _policies_act_within_horizon(self) -> ScenarioSpec:
        uses = [(f"policies[{i}]", p) for i, p in enumerate(self.policies)]
        uses += [(f"compare.variants[{i}].policies[{j}]", p) for i, v in enumerate(self.compare.variants)
                 if isinstance(v, Variant) for j, p in enumerate(v.policies)]
        for where, use in uses:
            if use.start >= max(self.horizon, 1):
                raise ValueError(f"{where}.start: got {use.start}; expected a start year before the "
                                 f"horizon ({self.horizon} years), or the policy never acts")
        return self


def _path(loc: tuple[Any, ...]) -> str:
    """Returns a dotted field path from a pydantic error location (list items as [i])."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "list[PlaceRow]", "SyntheticPlaces", "Variant", "SectorSpec",
                      "literal['default']") or str(part).startswith(("function-", "list[")):
            continue  # union branch names, not fields
        else:
            out += f".{part}" if out else str(part)
    return out


def validate_spec(data: dict[str, Any], source: str) -> ScenarioSpec:
    """Returns the validated spec, or raises one `ParameterError` naming file and field path."""
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as err:
        # For a union (places: name, synthetic or list) every branch reports; the deepest
        # error is the one inside the branch the file meant.
        first = max(err.errors(include_url=False), key=lambda e: len(e["loc"]))
        message = first["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
        path = _path(first["loc"])
        if first["type"] == "extra_forbidden":
            message = "no such field here (see docs/scenarios.md)"
        elif first["type"] == "missing":
            raise ParameterError(f"{source}: {path}", _Raw("nothing"),
                                 "a value (the field is required)") from None
        for words, sign in (("greater than or equal to ", ">= "), ("less than or equal to ", "<= "),
                            ("greater than ", "> "), ("less than ", "< ")):
            message = message.replace(words, sign)
        key, _, rest = message.partition(": ")
        if rest.startswith("got ") and re.fullmatch(r"[\w.\[\]]+", key):  # a field inside this one
            path, message = f"{path}.{key}" if path else key, rest
        if message.startswith("got "):
            got, _, expected = message.partition("; expected ")
            raise ParameterError(f"{source}: {path}", _Raw(got[4:]), expected) from None
        raise ParameterError(f"{source}: {path}", first.get("input"), message) from None


class _Raw(str):
    """A value already written as text (shown without quotes)."""

    def __repr__(self) -> str:
        return str(self)
