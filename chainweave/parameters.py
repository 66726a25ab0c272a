"""Model parameters and the sector table, as frozen and validated settings.

`ModelParams` holds every behavioural constant, exogenous condition and policy lever of the
engine. Each field carries its unit, its admissible range and a one-line meaning in its
metadata; `docs/ODD.md` gives the source or the reason for each default. Policy levers default
to "off" (zero or their status-quo value) so that a scenario switches them on rather than code
branching on names.

`SectorTable` describes the industries: chain stage, class (primary, secondary, tertiary),
high-tech and resource-based flags, carbon intensity and the input-output coefficients that
tie the industry chain together.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chainweave.errors import ParameterError


class Stage(IntEnum):
    """Position of a sector on the industry chain."""

    UPSTREAM = 0
    MIDSTREAM = 1
    DOWNSTREAM = 2


class IndustryClass(IntEnum):
    """National-accounts class of a sector (primary, secondary, tertiary industry)."""

    PRIMARY = 0
    SECONDARY = 1
    TERTIARY = 2


def _p(default: Any, lo: float, hi: float, unit: str, doc: str) -> Any:
    """Declares a parameter field with its admissible closed range, unit and meaning."""
    return field(default=default, metadata={"range": (lo, hi), "unit": unit, "doc": doc})


INF = math.inf


@dataclass(frozen=True)
class ModelParams:
    """Behavioural constants, exogenous conditions and policy levers of one run.

    Field metadata hold ``range`` (closed interval), ``unit`` and ``doc``; construction
    validates every field and raises `ParameterError` naming the first bad one.
    """

    # --- size and horizon -------------------------------------------------------------
    n_firms: int = _p(5_000, 1, 1e9, "firms", "firms at step 0, placed by population")
    enterprises_per_person: float = _p(
        0.031, 0.0001, 0.2, "enterprises/person",
        "real enterprises per resident (what a model firm stands for)"
    )
    institutes_per_tier: tuple[int, int, int] = _p(
        (40, 8, 1), 0, 1000, "institutes",
        "research institutes per core, secondary, county place of its tier's mean population"
    )
    banks_per_tier: tuple[int, int, int] = _p((6, 3, 1), 0, 1000, "banks", "banks per place by tier")
    vc_per_tier: tuple[int, int, int] = _p(
        (4, 1, 0), 0, 1000, "funds", "venture-capital funds per place by tier"
    )
    incubators_per_tier: tuple[int, int, int] = _p(
        (250, 30, 3), 0, 10000, "incubators", "incubators per place by tier"
    )
    intermediaries_per_tier: tuple[int, int, int] = _p(
        (150, 15, 1), 0, 10000, "offices", "technology-transfer intermediaries per place by tier"
    )

    # --- spillover kernel (network.py) ------------------------------------------------
    kernel_decay_km: float = _p(120.0, 5, 2000, "km", "e-folding distance of the spillover kernel")
    hop_attenuation: float = _p(
        0.6, 0.0, 1.0, "1", "kernel factor per hierarchy hop between two places"
    )
    barrier_within: float = _p(
        0.1, 0.0, 1.0, "1", "administrative barrier between places of one jurisdiction"
    )
    barrier_between: float = _p(
        0.5, 0.0, 1.0, "1", "administrative barrier between different jurisdictions"
    )
    kernel_cutoff: float = _p(
        1e-3, 1e-06, 0.5, "1", "kernel weights below this are dropped (sparse kernel)"
    )

    # --- people (government.migrate_population) ----------------------------------------
    participation_rate: float = _p(0.55, 0.2, 0.9, "1", "labour force / resident population")
    natural_growth_rate: float = _p(0.001, -0.05, 0.05, "1/yr", "births minus deaths / population")
    mobility_rate: float = _p(0.02, 0, 0.2, "1/yr", "share of residents who weigh a move")
    migration_decay_km: float = _p(200.0, 10, 2000, "km", "distance friction of moves")
    utility_wage: float = _p(1.0, 0, 5, "1", "weight of log wage in place utility")
    utility_services: float = _p(
        0.5, 0, 5, "1", "weight of log public services per head in utility"
    )
    utility_pollution: float = _p(
        0.3, 0, 5, "1", "weight of emissions per head (t CO2) in utility"
    )
    stay_preference: float = _p(2.0, 0, 10, "1", "utility bonus for staying put")
    urbanization_speed: float = _p(
        0.08, 0.0, 1.0, "1/yr", "share of the urbanization gap closed per year"
    )

    # --- production and markets (firm.produce_and_trade) -------------------------------
    output_scale: float = _p(
        0.5, 0.05, 5, "M yuan/worker", "scale of Y = s A L^alpha K^(1-alpha) per worker"
    )
    capital_per_worker: float = _p(0.3, 0.01, 5, "M yuan/worker", "step-0 capital per worker")
    tier_productivity: tuple[float, float, float] = _p(
        (1.3, 1.0, 0.75), 0.2, 5, "1", "step-0 productivity factor by tier"
    )
    tier_position: tuple[float, float, float] = _p(
        (0.5, 0.35, 0.2), 0.0, 1.0, "1", "step-0 mean value-chain position by tier"
    )
    employment_rate: float = _p(0.92, 0.5, 1, "1", "step-0 employed / labour force")
    primary_output_per_km2: float = _p(
        4.0, 0, 100, "M yuan/km2", "most primary-industry output a place's land yields"
    )
    labour_elasticity: float = _p(0.6, 0.05, 0.95, "1", "alpha in Y = A L^alpha K^(1-alpha)")
    wage_base: float = _p(0.08, 0.005, 1, "M yuan/worker/yr", "wage at reference productivity")
    wage_productivity_passthrough: float = _p(
        0.7, 0, 1.5, "1", "elasticity of the local wage to mean productivity"
    )
    wage_tightness_elasticity: float = _p(
        0.5, 0, 2, "1", "elasticity of the wage to labour demand / supply"
    )
    wage_tightness_change_elasticity: float = _p(
        1.0, 0, 5, "1", "response of the wage to this year's change of labour demand / supply"
    )
    consumption_share: float = _p(0.6, 0.0, 1.0, "1", "share of wages spent on final goods")
    export_growth: float = _p(0.04, -0.1, 0.1, "1/yr", "growth of demand from outside the cluster")
    export_share: float = _p(
        0.35, 0.0, 0.95, "1", "least share of step-0 output sold outside the cluster"
    )
    trade_decay_km: float = _p(250.0, 10, 2000, "km", "e-folding distance of goods sourcing")
    competitiveness_exponent: float = _p(
        2.0, 0, 5, "1", "gamma: market share ~ capacity * competitiveness^gamma"
    )
    position_premium: float = _p(
        0.5, 0, 2, "1", "price premium of a firm at the top of the value chain"
    )
    markup_adjustment: float = _p(
        0.04, 0.0, 0.5, "1", "nu: relative change of the mark-up per relative change of market share"
    )
    dividend_payout: float = _p(
        0.3, 0.0, 1.0, "1", "share of profit after tax paid to households as dividends"
    )
    labour_adjustment: float = _p(
        0.5, 0.0, 1.0, "1", "share of the gap between sold and capacity output closed by hiring"
    )
    max_labour_change: float = _p(0.2, 0, 0.5, "1/yr", "bound on a firm's yearly labour change")

    # --- finance (service.provide_services) -------------------------------------------
    depreciation_rate: float = _p(0.08, 0.01, 0.3, "1/yr", "capital depreciation")
    investment_accelerator: float = _p(
        0.5, 0, 2, "1", "desired capital growth per unit of excess demand"
    )
    target_leverage: float = _p(
        0.6, 0, 0.9, "1", "debt / capital firms borrow to keep (also the step-0 balance sheet)"
    )
    interest_rate: float = _p(0.045, 0, 0.2, "1/yr", "loan rate")
    debt_repayment_rate: float = _p(0.2, 0.02, 1, "1/yr", "share of debt repaid each year")
    bank_capacity_per_gdp: float = _p(
        0.25, 0, 2, "1", "new lending capacity of a place's banks / local value added"
    )
    vc_capacity_per_gdp: float = _p(
        0.004, 0, 0.05, "1", "venture-capital capacity of a place's funds / local value added"
    )
    vc_ticket: float = _p(
        2.0, 0, 100, "M yuan", "venture investment sought by a young high-tech enterprise"
    )
    young_age: int = _p(3, 1, 10, "yr", "age below which a firm counts as a startup")
    service_reach: float = _p(
        1.0, 0, 3, "1", "multiplier of the kernel for services sought in other places"
    )

    # --- incubators and intermediaries -------------------------------------------------
    incubator_capacity_per_tier: tuple[float, float, float] = _p(
        (80.0, 50.0, 30.0), 0, 10000, "startups", "startups (enterprises) one incubator can host, by tier"
    )
    incubator_effectiveness: float = _p(
        0.35, 0.0, 1.0, "1", "without upgrade spending: 0 = landlord ('a formality'), 1 = full"
    )
    incubator_support: float = _p(
        0.1, 0, 10, "M yuan", "support per incubated startup enterprise at full effectiveness"
    )
    incubation_entry_boost: float = _p(
        1.0, 0, 5, "1", "entry multiplier per unit incubation coverage"
    )
    intermediary_capacity: float = _p(
        2000.0, 0, 100000, "enterprises", "enterprises one intermediary can serve"
    )
    intermediary_effectiveness: float = _p(0.5, 0.0, 1.0, "1", "quality of intermediaries")
    intermediary_boost: float = _p(
        2.0, 0, 10, "1", "transfer-odds multiplier at full intermediary coverage"
    )

    # --- innovation (institute / firm) -------------------------------------------------
    researchers_per_institute: float = _p(
        300.0, 0, 10000, "FTE", "mean researchers per institute at step 0"
    )
    funding_per_researcher: float = _p(
        0.4, 0, 5, "M yuan/FTE/yr", "base funding of an institute per researcher"
    )
    researcher_cost: float = _p(
        0.4, 0.01, 5, "M yuan/FTE/yr", "yearly talent spending that keeps one extra researcher"
    )
    knowledge_productivity: float = _p(
        0.5, 0, 10, "units/yr", "scale a of knowledge production a R^0.7 F^0.3"
    )
    knowledge_depreciation: float = _p(0.1, 0.01, 0.5, "1/yr", "obsolescence of knowledge")
    patents_per_rd: float = _p(
        0.7, 0, 10, "patents/M yuan", "expected patents per M yuan of R&D (or knowledge unit)"
    )
    field_relatedness: float = _p(
        0.2, 0.0, 1.0, "1", "usefulness of an institute's knowledge to an unmatched sector"
    )
    rd_innovation_share: float = _p(
        0.5, 0.0, 1.0, "1", "xi: share of firm R&D spent on innovation (rest: imitation)"
    )
    innovation_intensity: float = _p(
        10.0, 0, 100, "1", "zeta_in: P(innovate) = 1 - exp(-zeta_in * IN / revenue)"
    )
    imitation_intensity: float = _p(
        10.0, 0, 100, "1", "zeta_im: P(imitate) = 1 - exp(-zeta_im * IM / revenue)"
    )
    innovation_draw_low: float = _p(-0.05, -0.5, 0.5, "1", "lower end of the productivity jump")
    innovation_draw_high: float = _p(0.12, -0.5, 0.5, "1", "upper end of the productivity jump")
    transfer_probability_max: float = _p(
        0.3, 0.0, 1.0, "1/yr", "odds of a technology transfer with ample knowledge and intermediaries"
    )
    transfer_gain: float = _p(0.03, 0, 0.2, "1", "productivity gain of a technology transfer")
    position_gain: float = _p(
        0.05, 0.0, 1.0, "1", "share of the gap to the top of the value chain closed by innovation"
    )
    absorptive_half: float = _p(
        0.03, 0.0001, 10, "units/worker", "own knowledge per worker that alone gives absorption one half"
    )
    absorptive_researchers_half: float = _p(
        0.008, 1e-4, 0.1, "FTE/worker", "researchers per worker that alone give absorption one half"
    )
    relay_share: float = _p(
        0.05, 0.0, 1.0, "1/yr", "share of knowledge absorbed from other places that joins the stock"
    )
    relay_by_tier: tuple[float, float, float] = _p(
        (1.0, 1.0, 1.0), 0.0, 1.0, "1",
        "share of relayed knowledge a core, secondary, county place radiates on"
    )
    knowledge_density_elasticity: float = _p(
        0.2, 0, 1, "1", "elasticity of knowledge interaction to employment density"
    )
    patent_rd_elasticity: float = _p(
        0.85, 0.3, 1.2, "1", "elasticity of firms' patents to their own R&D"
    )
    patent_spillover_elasticity: float = _p(
        0.035, 0, 0.5, "1", "elasticity of firms' patents to knowledge absorbed from other places"
    )
    patent_institute_elasticity: float = _p(
        0.1, 0, 0.5, "1", "elasticity of firms' patents to the institute knowledge they reach"
    )
    innovation_knowledge_elasticity: float = _p(
        0.1, 0, 0.5, "1", "elasticity of innovation odds to usable knowledge per worker"
    )
    vc_rd_share: float = _p(
        0.3, 0.0, 1.0, "1", "share of venture capital received that pays for R&D staff"
    )
    innovation_credit_share: float = _p(
        0.1, 0.0, 1.0, "1", "share of a high-tech firm's new credit that pays for R&D staff"
    )
    researcher_wage_elasticity: float = _p(
        0.4, 0, 2, "1", "elasticity of researchers' wage to local R&D spending / wage bill"
    )

    # --- accounts, exit, entry, relocation ---------------------------------------------
    vat_rate: float = _p(0.09, 0, 0.3, "1", "tax on value added")
    profit_tax_rate: float = _p(0.25, 0, 0.5, "1", "corporate income tax")
    exit_hazard: float = _p(
        0.02, 0, 0.3, "1/yr", "yearly exit probability from causes outside the model"
    )
    loss_shock_sd: float = _p(
        0.6, 0.0, 1.0, "1", "sd of a firm's unforeseen yearly loss / revenue, at the reference size"
    )
    loss_shock_size_elasticity: float = _p(
        0.2, 0.0, 0.5, "1", "how fast the sd of the loss falls with the firm's size (labour / reference size)"
    )
    entry_rate: float = _p(
        0.085, 0, 0.3, "1/yr", "entrants per year per step-0-sized firm's worth of a cell's jobs"
    )
    founding_share: float = _p(
        0.02, 0.0, 1.0, "1",
        "founders of an industry a place lacks, per founder it would see with its share of the sector's jobs",
    )
    entrant_relative_size: float = _p(
        0.25, 0.05, 1.0, "1", "an entrant's labour as a share of its cell's mean firm's"
    )
    entrant_productivity_spread: float = _p(
        0.1, 0.0, 1.0, "1", "sigma of an entrant's log productivity around its cell's mean"
    )
    min_firm_size: float = _p(
        0.05, 0.0, 0.5, "1", "labour, as a share of the step-0 mean firm's, below which a firm closes"
    )
    overhead_per_enterprise: float = _p(
        0.05, 0.0, 5.0, "M yuan/enterprise/yr", "fixed cost an enterprise pays whatever its size"
    )
    relocation_rate: float = _p(
        0.15, 0, 1, "1/yr", "max yearly probability that a pushed firm relocates"
    )
    relocation_cost_gap: float = _p(
        0.3, 0.01, 10, "1", "wage gap to the child place at which the push is one half"
    )

    # --- emissions and resources ---------------------------------------------------------
    productivity_cleanliness: float = _p(
        0.5, 0, 2, "1", "elasticity of a firm's carbon intensity to its relative productivity"
    )
    extraction_per_output: float = _p(
        1.0, 0, 100, "reserve units/M yuan", "reserves used per unit of resource-sector output"
    )
    depletion_elasticity: float = _p(
        0.5, 0, 3, "1", "resource firms' productivity ~ (reserves/initial)^this"
    )
    reserve_years: float = _p(
        40.0, 5, 500, "yr", "years the step-0 reserves of a resource place last at step-0 extraction"
    )

    # --- policy levers (defaults: off / status quo) ----------------------------------------
    rd_subsidy_share: float = _p(0.02, 0.0, 1.0, "1", "budget share paid as R&D subsidy")
    talent_share: float = _p(0.01, 0.0, 1.0, "1", "budget share for talent attraction")
    public_services_share: float = _p(0.45, 0.0, 1.0, "1", "budget share for public services")
    incubator_share: float = _p(0.005, 0.0, 1.0, "1", "budget share for incubators")
    platform_share: float = _p(0.01, 0.0, 1.0, "1", "budget share for public R&D platforms")
    enforcement_share: float = _p(
        0.005, 0.0, 1.0, "1", "budget share for environmental enforcement"
    )
    collaboration: float = _p(
        0.0, 0.0, 1.0, "1", "cut in barrier_between for pairs of collaborating governments"
    )
    carbon_price: float = _p(0.0, 0, 2000, "yuan/t CO2", "price of emissions paid by firms")
    emission_standard: float = _p(
        INF, 0.0, INF, "t CO2/M yuan", "firms above this intensity face enforced closure"
    )
    public_services_depreciation: float = _p(
        0.05, 0.01, 0.5, "1/yr", "decay of the public-services stock"
    )
    enforcement_cost: float = _p(
        40.0, 0, 2000, "yuan/t CO2", "compliance cost per tonne at full enforcement"
    )
    enforcement_half_cost: float = _p(
        50.0, 1, 10000, "yuan/t CO2", "enforcement spend per t CO2 that yields level 0.5"
    )
    incubator_upgrade_cost: float = _p(
        1.0, 0.01, 100, "M yuan/startup/yr", "yearly spending per hosted startup closing half the quality gap"
    )

    def __post_init__(self) -> None:
        _make_counts_whole_and_values_finite(self)
        for f in dataclasses.fields(self):
            lo, hi = f.metadata["range"]
            value = getattr(self, f.name)
            items = value if isinstance(value, tuple) else (value,)
            unit = "" if f.metadata["unit"] == "1" else f" {f.metadata['unit']}"
            expected = f"a number in [{lo:g}, {hi:g}]{unit}"
            if isinstance(value, tuple) and len(value) != 3:
                raise ParameterError(f.name, value, "three values (core, secondary, county)")
            for item in items:
                if isinstance(item, bool) or not isinstance(item, int | float | np.number):
                    raise ParameterError(f.name, value, expected)
                if not (lo <= item <= hi) or (math.isnan(item)):
                    raise ParameterError(f.name, value, expected)
            if isinstance(f.default, int) and not isinstance(f.default, bool) and value != int(value):
                raise ParameterError(f.name, value, "a whole number")
        shares = sum(getattr(self, name) for name in POLICY_SHARES)
        if shares > 1.0 + 1e-12:
            raise ParameterError(
                "+".join(POLICY_SHARES), round(shares, 6), "budget shares summing to at most 1"
            )
        if self.innovation_draw_low > self.innovation_draw_high:
            raise ParameterError(
                "innovation_draw_low", self.innovation_draw_low, "<= innovation_draw_high"
            )

    def replace(self, **changes: Any) -> ModelParams:
        """Returns a copy with some fields changed, validated; unknown names are rejected."""
        names = {f.name for f in dataclasses.fields(self)}
        for name in changes:
            if name not in names:
                raise ParameterError(name, changes[name], "a ModelParams field name")
        return dataclasses.replace(self, **changes)


def _make_counts_whole_and_values_finite(params: ModelParams) -> None:
    """Checks that every number is finite and every count whole; stores counts as ints.

    Infinity is accepted only where it is the field's default ("no limit", as for
    ``emission_standard``); NaN never. A count is a field annotated ``int`` or a tuple of
    ints (``n_firms``, ``institutes_per_tier``); a whole float given for one (``1.0e3`` in a
    YAML file) is stored as the int it equals.

    Raises:
        ParameterError: naming the field, for a non-finite number or a fractional count.
    """
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        items = value if isinstance(value, tuple) else (value,)
        defaults = f.default if isinstance(f.default, tuple) else (f.default,)
        numbers = [v for v in items if isinstance(v, int | float | np.number) and not isinstance(v, bool)]
        if any(math.isnan(v) or (math.isinf(v) and v not in defaults) for v in numbers):
            raise ParameterError(f.name, value, "finite numbers" if isinstance(value, tuple) else
                                 "a finite number")
        is_count = str(f.type) in ("int", "<class 'int'>", "tuple[int, int, int]")
        if not is_count or len(numbers) != len(items):
            continue  # wrong types are reported by the range check
        if any(v != int(v) for v in numbers):
            expected = "whole numbers" if isinstance(value, tuple) else "a whole number"
            raise ParameterError(f.name, value, expected)
        whole = tuple(int(v) for v in items)
        object.__setattr__(params, f.name, whole if isinstance(value, tuple) else whole[0])


POLICY_SHARES: tuple[str, ...] = (
    "rd_subsidy_share",
    "talent_share",
    "public_services_share",
    "incubator_share",
    "platform_share",
    "enforcement_share",
)
"""Budget shares of a city government's policy mix, in the order governments store them."""

LEVERS: tuple[str, ...] = (*POLICY_SHARES, "collaboration", "carbon_price", "emission_standard")
"""`ModelParams` fields a city government sets (kind ``lever`` in `chainweave.parameters_table`);
every other field is a behavioural constant or an exogenous condition."""


@dataclass(frozen=True, eq=False)
class SectorTable:
    """The industries of a cluster and the input-output coefficients between them.

    Attributes:
        names: Sector names, valid identifiers.
        stage: `Stage` of each sector on the industry chain.
        industry_class: `IndustryClass` of each sector.
        high_tech: Whether firms of the sector count as high-tech (venture capital targets them).
        resource_based: Whether output draws down a place's resource reserves.
        carbon_intensity: Emissions per output at reference productivity, t CO2 per M yuan.
        io: Input-output coefficients, ``io[i, j]`` = input from sector i per unit output of
            sector j (M yuan per M yuan); column sums below 1.
        final_demand_share: Share of household final demand falling on each sector; sums to 1.
        base_productivity: Step-0 mean productivity of each sector (relative units).
        rd_share: Step-0 share of revenue a firm of the sector spends on R&D, in [0, 1].
        tier_mix: Share of step-0 firms in each sector by tier (sectors x 3: core,
            secondary, county); each column sums to 1.
        investment_share: Share of each sector's goods in a unit of new capital; sums to 1;
            None: the final-demand shares.
        wage_ratio: Wage of the sector's workers relative to the place's wage, > 0; None: 1
            for every sector.
        local_share: Share of households' and governments' spending on the sector's goods
            that is bought in the buyer's own place (retail, personal and public services
            are consumed where people live), in [0, 1]; None: 0 for every sector (all goods
            sourced by the gravity rule).
        industrial: Whether the sector is industry in China's industrial statistics (mining,
            manufacturing, power, gas and water: the industries of seed 004's specialization
            index); None: the secondary-class sectors.
    """

    names: tuple[str, ...]
    stage: NDArray[np.int8]
    industry_class: NDArray[np.int8]
    high_tech: NDArray[np.bool_]
    resource_based: NDArray[np.bool_]
    carbon_intensity: NDArray[np.float64]
    io: NDArray[np.float64]
    final_demand_share: NDArray[np.float64]
    base_productivity: NDArray[np.float64]
    rd_share: NDArray[np.float64]
    tier_mix: NDArray[np.float64]
    investment_share: NDArray[np.float64] | None = None
    wage_ratio: NDArray[np.float64] | None = None
    local_share: NDArray[np.float64] | None = None
    industrial: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n = len(self.names)
        if n == 0:
            raise ParameterError("sectors", self.names, "at least one sector")
        if self.industrial is None:
            object.__setattr__(self, "industrial",
                               np.asarray(self.industry_class) == IndustryClass.SECONDARY)
        if self.investment_share is None:
            object.__setattr__(self, "investment_share", self.final_demand_share)
        if self.wage_ratio is None:
            object.__setattr__(self, "wage_ratio", np.ones(n))
        if self.local_share is None:
            object.__setattr__(self, "local_share", np.zeros(n))
        for name in ("stage", "industry_class", "high_tech", "resource_based",
                     "carbon_intensity", "final_demand_share", "base_productivity", "rd_share",
                     "investment_share", "wage_ratio", "local_share", "industrial"):
            arr = np.asarray(getattr(self, name))
            if arr.shape != (n,):
                raise ParameterError(f"sectors.{name}", arr.shape, f"one value per sector ({n})")
            object.__setattr__(self, name, arr)
        io = np.asarray(self.io, dtype=float)
        if io.shape != (n, n):
            raise ParameterError("sectors.io", io.shape, f"a {n}x{n} matrix")
        if (io < 0).any() or (io.sum(axis=0) >= 1).any():
            raise ParameterError(
                "sectors.io", io.sum(axis=0).round(3).tolist(),
                "non-negative coefficients whose column sums are below 1",
            )
        object.__setattr__(self, "io", io)
        mix = np.asarray(self.tier_mix, dtype=float)
        if mix.shape != (n, 3) or (mix < 0).any() or not np.allclose(mix.sum(axis=0), 1.0):
            raise ParameterError("sectors.tier_mix", mix.round(3).tolist(),
                                 f"a {n}x3 table of shares, each tier's column summing to 1")
        object.__setattr__(self, "tier_mix", mix)
        if (self.carbon_intensity < 0).any() or not np.isfinite(self.carbon_intensity).all():
            raise ParameterError("sectors.carbon_intensity", self.carbon_intensity.tolist(),
                                 "finite values >= 0")
        for name in ("base_productivity", "wage_ratio"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if not ((arr > 0) & np.isfinite(arr)).all():
                raise ParameterError(f"sectors.{name}", arr.tolist(), "finite values > 0")
        for name in ("rd_share", "final_demand_share", "investment_share", "local_share"):
            arr = getattr(self, name)
            if not ((arr >= 0) & (arr <= 1)).all():
                raise ParameterError(f"sectors.{name}", arr.tolist(), "shares in [0, 1]")
        for name in ("final_demand_share", "investment_share"):
            if not math.isclose(getattr(self, name).sum(), 1.0, abs_tol=1e-9):
                raise ParameterError(f"sectors.{name}", float(getattr(self, name).sum()),
                                     "shares summing to 1")

    @property
    def n(self) -> int:
        """Number of sectors."""
        return len(self.names)

    @property
    def industrial_names(self) -> tuple[str, ...]:
        """Names of the sectors marked ``industrial`` (seed 004's specialization index counts them)."""
        return tuple(name for name, industrial in zip(self.names, self.industrial, strict=True)
                     if industrial)

    @property
    def value_added_share(self) -> NDArray[np.float64]:
        """Value added per unit output of each sector at price 1: 1 - column sum of `io`."""
        return 1.0 - self.io.sum(axis=0)


def default_sectors() -> SectorTable:
    """Returns a nine-sector table spanning the industry chain of a Hubei-style cluster.

    The coefficients are illustrative, not estimated: they give each sector its chain stage
    (raw materials feed processing, processing feeds final goods) and orders of magnitude
    typical of a Chinese industrial city (heavy own use in chemicals and optoelectronics, services
    bought by every sector). Carbon intensities are set so that the default cluster emits about
    1.7 t CO2 per 10,000 yuan of value added, the resource-city figure of the source paper.
    `docs/ODD.md` lists each value and its reason; scenarios replace the table when they have
    data. Phosphorus chemicals stand for the chemical chain of the source paper, optoelectronics
    for the high-tech chain.
    """
    names = (
        "agriculture", "mining", "chemicals", "building_materials", "equipment",
        "optoelectronics", "food_consumer", "logistics_trade", "tech_services",
    )
    S, M, D = Stage.UPSTREAM, Stage.MIDSTREAM, Stage.DOWNSTREAM
    P, Ii, T = IndustryClass.PRIMARY, IndustryClass.SECONDARY, IndustryClass.TERTIARY
    # io[i, j]: input from sector i per unit of output of sector j.
    io = np.array([
        #  agri  mine  chem  bmat  equip opto  food  logi  tech
        [0.15, 0.00, 0.03, 0.00, 0.00, 0.00, 0.30, 0.01, 0.00],  # agriculture
        [0.00, 0.05, 0.15, 0.20, 0.02, 0.00, 0.00, 0.00, 0.00],  # mining
        [0.08, 0.03, 0.25, 0.08, 0.05, 0.06, 0.05, 0.01, 0.01],  # chemicals
        [0.00, 0.02, 0.02, 0.15, 0.10, 0.02, 0.01, 0.01, 0.00],  # building materials
        [0.02, 0.08, 0.04, 0.04, 0.25, 0.08, 0.02, 0.04, 0.02],  # equipment
        [0.00, 0.00, 0.01, 0.00, 0.06, 0.30, 0.01, 0.01, 0.06],  # optoelectronics
        [0.02, 0.00, 0.00, 0.00, 0.00, 0.00, 0.10, 0.03, 0.00],  # food and consumer goods
        [0.04, 0.06, 0.07, 0.08, 0.07, 0.06, 0.08, 0.10, 0.05],  # logistics and trade
        [0.01, 0.02, 0.03, 0.02, 0.04, 0.08, 0.02, 0.04, 0.15],  # tech services
    ])
    return SectorTable(
        names=names,
        stage=np.array([S, S, M, M, M, M, D, D, D], dtype=np.int8),
        industry_class=np.array([P, Ii, Ii, Ii, Ii, Ii, Ii, T, T], dtype=np.int8),
        high_tech=np.array([0, 0, 0, 0, 0, 1, 0, 0, 1], dtype=bool),
        resource_based=np.array([0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool),
        carbon_intensity=np.array([60.0, 250.0, 400.0, 600.0, 80.0, 30.0, 50.0, 40.0, 10.0]),
        io=io,
        final_demand_share=np.array([0.10, 0.0, 0.04, 0.02, 0.08, 0.10, 0.30, 0.26, 0.10]),
        # Capital goods: construction (building materials) and machinery (equipment) make most
        # of China's fixed investment; installation, transport and software the rest.
        investment_share=np.array([0.0, 0.0, 0.0, 0.45, 0.45, 0.0, 0.0, 0.05, 0.05]),
        base_productivity=np.array([0.6, 1.0, 1.1, 0.9, 1.2, 1.5, 0.9, 1.0, 1.4]),
        # Average wage by sector / all sectors, urban non-private units, 2021 (NBS, China
        # Statistical Yearbook 2022, table 4-13; all 106,837 yuan): farming 53,819; mining
        # 108,467; manufacturing 92,459 (the five manufacturing sectors); transport 109,851
        # and wholesale and retail 107,735 (logistics and trade); information technology
        # 201,506 and scientific research 151,776 (tech services).
        wage_ratio=np.array([0.50, 1.02, 0.87, 0.87, 0.87, 0.87, 0.87, 1.02, 1.65]),
        # Households and governments buy logistics and trade (retail margins, passenger
        # transport, catering) where they live: retail is non-tradable between regions (Jensen
        # and Kletzer 2005); firms' freight and wholesale purchases go by the gravity rule.
        local_share=np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]),
        rd_share=np.array([0.002, 0.005, 0.01, 0.005, 0.016, 0.04, 0.005, 0.003, 0.03]),
        tier_mix=np.array([
            # core  secondary county
            [0.02, 0.10, 0.30],  # agriculture
            [0.01, 0.04, 0.08],  # mining
            [0.06, 0.14, 0.12],  # chemicals
            [0.04, 0.08, 0.10],  # building materials
            [0.16, 0.14, 0.06],  # equipment
            [0.14, 0.06, 0.02],  # optoelectronics
            [0.12, 0.16, 0.16],  # food and consumer goods
            [0.25, 0.20, 0.14],  # logistics and trade
            [0.20, 0.08, 0.02],  # tech services
        ]),
    )
