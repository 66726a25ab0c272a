"""`ClusterModel`: the city cluster as a Mesa model, one step per year.

The model builds the place network and the agents' column tables, owns the one random
generator, and runs each year as an ordered list of phases (DESIGN.md, "One step"):

1. governments allocate budgets;       5. firms produce and trade;
2. people migrate;                     6. accounts, exit/entry/relocation, resources;
3. services reach firms;               7. measure.
4. institutes and firms innovate;

It records per-place, per-edge and cluster tables (`tables()`), and cluster reporters in a
Mesa `DataCollector`, so Mesa's `batch_run` works with parameter overrides as keywords.
"""

from __future__ import annotations

import time as wallclock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from chainweave import __version__
from chainweave.agents import firm, government, institute, knowledge, service
from chainweave.agents.firm import Firm
from chainweave.agents.government import CityGovernment, GovernmentTable
from chainweave.agents.institute import InstituteTable, ResearchInstitute
from chainweave.agents.money import MoneyLedger
from chainweave.agents.service import ProviderTable, ServiceKind, ServiceProvider
from chainweave.agents.table import HandlesByType, group_sum
from chainweave.errors import ParameterError
from chainweave.measurement import IndexSystem
from chainweave.measures import DEFAULT_SYSTEM, place_totals, score_groupings
from chainweave.network import (
    Chain,
    PlaceNetwork,
    Tier,
    column_sums,
    interaction_reach_km,
    row_sums,
    spillover_kernel,
    synthetic_cluster,
)
from chainweave.parameters import POLICY_SHARES, ModelParams, SectorTable, default_sectors

Phase = Callable[["ClusterModel"], None]


class Intervention(Protocol):
    """A policy acting on a model's levers from a start year (see `apply_policies`)."""

    start: int
    ramp: int

    def apply(self, model: ClusterModel, intensity: float) -> None:
        """Moves the model's levers for this year, scaled by ``intensity`` in (0, 1]."""


def policy_intensity(policy: Intervention, year: int) -> float:
    """Returns how far a policy is phased in during ``year``, in [0, 1].

    0 up to its start year, then rising linearly to 1 over ``ramp`` years (at once when ramp is 0).
    """
    if year <= policy.start:
        return 0.0
    return 1.0 if policy.ramp <= 0 else min(1.0, (year - policy.start) / policy.ramp)


@dataclass(frozen=True)
class LeverBaseline:
    """The policy levers as the scenario set them, restored before policies act each year."""

    governments: dict[str, np.ndarray]
    providers: dict[str, np.ndarray]

    GOVERNMENT_LEVERS: ClassVar[tuple[str, ...]] = (
        *POLICY_SHARES, "collaboration", "carbon_price", "emission_standard", "bank_factor",
        "vc_factor")
    PROVIDER_LEVERS: ClassVar[tuple[str, ...]] = ("capacity_weight", "base_effectiveness")

    @classmethod
    def of(cls, model: ClusterModel) -> LeverBaseline:
        """Returns copies of the model's current levers."""
        return cls({k: getattr(model.governments, k).copy() for k in cls.GOVERNMENT_LEVERS},
                   {k: getattr(model.providers, k).copy() for k in cls.PROVIDER_LEVERS})

    def restore(self, model: ClusterModel) -> None:
        """Sets the model's levers back to these values (providers only if none were added)."""
        for k, v in self.governments.items():
            setattr(model.governments, k, v.copy())
        if len(model.providers) == len(next(iter(self.providers.values()))):
            for k, v in self.providers.items():
                setattr(model.providers, k, v.copy())
        model.exit_pressure[:] = 0.0
        model.entry_factor[:] = 1.0
        model.subsidy_weight[:] = 1.0


def apply_policies(model: ClusterModel) -> None:
    """Step 0: sets this year's policy levers: the scenario's baseline, then each policy.

    Every year the levers (governments' budget shares, collaboration, carbon price, emission
    standard, finance factors; providers' capacity and effectiveness; sector exit pressure,
    entry factors and subsidy weights) are reset to the baseline and each active policy moves
    them by its intensity (`policy_intensity`). Extra budget shares are what the policies cost:
    ``policy_spend`` = budget x (shares - baseline shares). Kernels are rebuilt when
    collaboration changed.
    """
    if not model.policies:
        return
    g = model.governments
    before = g.collaboration.copy()
    model.lever_baseline.restore(model)
    for policy in model.policies:
        intensity = policy_intensity(policy, model.year)
        if intensity > 0:
            policy.apply(model, intensity)
    shares = np.stack([getattr(g, name) for name in POLICY_SHARES])
    total = shares.sum(axis=0)
    over = total > 1.0
    if over.any():  # policies together cannot spend more than the budget
        for name in POLICY_SHARES:
            setattr(g, name, np.where(over, getattr(g, name) / total, getattr(g, name)))
    baseline = sum(model.lever_baseline.governments[name] for name in POLICY_SHARES)
    g.policy_spend = g.tax_revenue * np.maximum(np.minimum(total, 1.0) - baseline, 0.0)
    if not np.array_equal(before, g.collaboration):
        model.update_kernels()

FIRM_HANDLE_LIMIT = 20_000
"""Firms get Mesa agent handles only up to this many (handles cost ~1 KB each)."""


class ClusterModel(mesa.Model):
    """A city cluster of firms, institutes, service providers and governments.

    Attributes:
        net: The `PlaceNetwork` (places, tiers, pairs within reach).
        params: The validated `ModelParams` of this run.
        sectors: The `SectorTable`.
        firms, institutes, providers, governments: Column tables of the four agent types.
        kernel: Sparse spillover kernel K[p, q] (see `chainweave.network.spillover_kernel`).
        trade_kernel: Sparse kernel of goods sourcing (distance decay and barriers, no hops).
        trade_reach: trade_kernel + I (origins of goods, each place included).
        service_reach: `service_reach` x kernel + I (origins of services).
        phases: The ordered phase functions of one year.
        firm_carbon_intensity: Each firm's carbon intensity this year, t CO2 per M yuan,
            set by the accounts (step 6a) for the exit phase's emission standard.
    """

    def __init__(
        self,
        graph: nx.Graph | None = None,
        params: ModelParams | None = None,
        sectors: SectorTable | None = None,
        rng: int | np.random.SeedSequence | np.random.Generator | None = None,
        steps: int | None = None,
        record_flows: bool = True,
        firm_handles: bool | None = None,
        policies: Sequence[Intervention] = (),
        government_mix: dict[str, dict[str, float]] | None = None,
        systems: Sequence[IndexSystem] = (DEFAULT_SYSTEM,),
        **overrides: Any,
    ) -> None:
        """Builds the cluster and runs year 0 (services, production, accounts) to set lags.

        Args:
            graph: Cluster graph (see `PlaceNetwork`); default: `synthetic_cluster()` with a
                seed drawn from ``rng``.
            params: Model parameters; default `ModelParams()`.
            sectors: Sector table; default `default_sectors()`.
            rng: Seed (int or SeedSequence) or Generator for every random draw of the run.
            steps: Years to run before ``running`` turns False (None: no limit), >= 0.
            record_flows: Whether to keep the per-edge flows table (large for big clusters).
            firm_handles: Whether to create a Mesa agent per firm; default: only up to
                `FIRM_HANDLE_LIMIT` firms.
            policies: Interventions that set policy levers each year (see `apply_policies`);
                scenarios build them from their policy list.
            government_mix: Baseline levers of single governments, by place name, e.g.
                ``{"Enshi": {"talent_share": 0.02}}`` (budget shares, ``collaboration``,
                ``carbon_price``, ``emission_standard``); the rest follow the parameters.
            systems: Fitted index systems each year is scored under
                (`chainweave.measurement`); ``default`` first, whose columns are unprefixed.
            **overrides: `ModelParams` fields to change, e.g. ``rd_subsidy_share=0.2``
                (this is how ``mesa.batch_run`` passes its parameters).
        """
        super().__init__(rng=rng)
        self.seed = rng if isinstance(rng, int | np.integer) else None
        started = wallclock.perf_counter()
        if steps is not None and (not isinstance(steps, int | np.integer) or steps < 0):
            raise ParameterError("steps", steps, "a whole number >= 0")
        self.params = (params or ModelParams()).replace(**overrides) if overrides \
            else (params or ModelParams())
        self.sectors = sectors or default_sectors()
        if graph is None:
            graph = synthetic_cluster(seed=int(self.rng.integers(2**31)))
        prm = self.params
        self.net = PlaceNetwork(graph, reach_km=interaction_reach_km(
            prm.kernel_decay_km, prm.kernel_cutoff, prm.trade_decay_km), n_sectors=self.sectors.n)
        self.horizon = steps
        self.record_flows = record_flows
        self.step_flows: dict[str, sp.csr_matrix] = {}
        self.step_counts: dict[str, np.ndarray] = {}
        self._records: list[dict[str, np.ndarray]] = []
        self._cluster_records: list[dict[str, float]] = []
        self._flow_records: list[pd.DataFrame] = []
        self.phase_seconds: dict[str, float] = {}

        self.policies = tuple(policies)
        self.systems = tuple(systems)
        if not self.systems or self.systems[0].name != "default" or not all(
                s.is_fitted for s in self.systems):
            raise ParameterError("systems", [s.name for s in self.systems],
                                 "the default index system first, then fitted systems")
        self.policy_state: dict[str, Any] = {}  # what one-off policies have done
        self.exit_pressure = np.zeros((self.net.n, self.sectors.n))
        self.entry_factor = np.ones((self.net.n, self.sectors.n))
        self.subsidy_weight = np.ones((self.net.n, self.sectors.n))
        self.governments = self._initial_governments(government_mix or {})
        self.firms = firm.initial_firms(self)
        self.enterprises_per_firm = (prm.enterprises_per_person * self.net.population.sum()
                                     / max(len(self.firms), 1))
        self.reference_firm_size = float(self.firms.labour.mean()) if len(self.firms) else 1.0
        self.institutes = self._initial_institutes()
        self.providers = self._initial_providers()
        self.update_kernels()
        self.phases: list[Phase] = [
            apply_policies,
            government.allocate_budget,
            service.upgrade_incubators,
            government.migrate_population,
            service.provide_services,
            institute.produce_knowledge,
            firm.innovate,
            firm.produce_and_trade,
            firm.settle_accounts,
            firm.exit_enter_relocate,
            government.deplete_resources,
            self.measure,
        ]
        self._firm_agents: dict[int, Firm] = {}
        self.ledger = MoneyLedger(self.net.n)
        want_handles = firm_handles if firm_handles is not None else prm.n_firms <= FIRM_HANDLE_LIMIT
        self.firm_handles = want_handles
        self.add_firm_handles(self.firms.uid)
        for table, cls in ((self.governments, CityGovernment), (self.institutes, ResearchInstitute),
                           (self.providers, ServiceProvider)):
            for uid in table.uid:
                cls(self, int(uid))
        self._year_zero()
        self.lever_baseline = LeverBaseline.of(self)
        self.datacollector = mesa.DataCollector(model_reporters={
            name: (lambda m, key=name: m._cluster_records[-1][key])
            for name in ("D", "C", "T", "population", "value_added", "emissions", "patents",
                         "firms", *(f"D_{t.name.lower()}" for t in Tier))
        })
        self.datacollector.collect(self)
        self.setup_seconds = wallclock.perf_counter() - started
        self.running = steps is None or steps > 0

    # --- construction -----------------------------------------------------------------
    def _initial_governments(self, mix: dict[str, dict[str, float]]) -> GovernmentTable:
        net, prm = self.net, self.params
        table = GovernmentTable(
            place=np.arange(net.n), population=net.population, urban_share=net.urban_share,
            labour_supply=prm.participation_rate * net.population,
            wage=np.full(net.n, prm.wage_base),
            **{name: np.full(net.n, getattr(prm, name)) for name in POLICY_SHARES},
            collaboration=np.full(net.n, prm.collaboration),
            carbon_price=np.full(net.n, prm.carbon_price),
            emission_standard=np.full(net.n, prm.emission_standard),
            bank_factor=np.ones(net.n), vc_factor=np.ones(net.n), resource_type=net.resource_type,
        )
        index = {name: i for i, name in enumerate(net.names)}
        for place, levers in mix.items():
            if place not in index:
                raise ParameterError(f"governments.{place}", place, "the name of a place in the cluster")
            for lever, value in levers.items():
                if lever not in (*POLICY_SHARES, "collaboration", "carbon_price", "emission_standard"):
                    raise ParameterError(f"governments.{place}.{lever}", value, "a policy lever")
                getattr(table, lever)[index[place]] = value
        shares = sum(getattr(table, name) for name in POLICY_SHARES)
        if (shares > 1 + 1e-12).any():
            i = int(np.argmax(shares))
            raise ParameterError(f"governments.{net.names[i]}", round(float(shares[i]), 6),
                                 "budget shares summing to at most 1")
        return table

    def _initial_institutes(self) -> InstituteTable:
        """Institutes per place by tier and population; fields follow the local firms' sectors."""
        net, prm, rng = self.net, self.params, self.rng
        counts = institute.institute_counts(net.population, net.tier, prm.institutes_per_tier)
        place = np.repeat(np.arange(net.n), counts)
        if len(place) == 0:
            return InstituteTable(place=place)
        cell = group_sum(self.firms.place * self.sectors.n + self.firms.sector, None,
                         net.n * self.sectors.n).reshape(net.n, -1) + 1e-9
        cum = np.cumsum(cell / cell.sum(axis=1, keepdims=True), axis=1)[place]
        field = np.minimum((cum < rng.random(len(place))[:, None]).sum(axis=1), self.sectors.n - 1)
        # Institutes' sizes vary (log-normal), but a place's researchers are its calibration:
        # its institutes times researchers_per_institute times its R&D factor.
        size = rng.lognormal(-0.125, 0.5, len(place))
        size /= (group_sum(place, size, net.n) / np.maximum(counts, 1))[place]
        researchers = prm.researchers_per_institute * net.rd_factor[place] * size
        funding = researchers * prm.funding_per_researcher
        flow = institute.knowledge_output(researchers, funding, prm.knowledge_productivity)
        return InstituteTable(
            place=place, field=field, base_researchers=researchers, researchers=researchers,
            funding=funding, new_knowledge=flow,
            knowledge=flow / max(prm.knowledge_depreciation, 1e-9),
            patents=prm.patents_per_rd * flow,
        )

    def _initial_providers(self) -> ProviderTable:
        """Banks, funds, incubators and intermediaries per place by tier."""
        net, prm = self.net, self.params
        parts = []
        for kind, per_tier in ((ServiceKind.BANK, prm.banks_per_tier),
                               (ServiceKind.VENTURE_CAPITAL, prm.vc_per_tier),
                               (ServiceKind.INCUBATOR, prm.incubators_per_tier),
                               (ServiceKind.INTERMEDIARY, prm.intermediaries_per_tier)):
            counts = np.asarray(per_tier)[net.tier]
            place = np.repeat(np.arange(net.n), counts)
            if kind == ServiceKind.INCUBATOR:
                weight = np.asarray(prm.incubator_capacity_per_tier)[net.tier[place]]
                eff = np.full(len(place), prm.incubator_effectiveness)
            elif kind == ServiceKind.INTERMEDIARY:
                weight = np.full(len(place), prm.intermediary_capacity)
                eff = np.full(len(place), prm.intermediary_effectiveness)
            else:  # finance: capacity is a share of the place's total, effectiveness 1
                weight = 1.0 / counts[place]
                eff = np.ones(len(place))
            parts.append((place, np.full(len(place), kind), weight, eff))
        place, kind, weight, eff = (np.concatenate(cols) for cols in zip(*parts, strict=True))
        return ProviderTable(place=place, kind=kind, capacity_weight=weight,
                             base_effectiveness=eff, effectiveness=eff.copy())

    def update_kernels(self) -> None:
        """Recomputes barriers and kernels (after a change in collaboration or parameters)."""
        prm, net = self.params, self.net
        self.pair_barrier = net.barrier(prm.barrier_within, prm.barrier_between,
                                        self.governments.collaboration)
        self.kernel = spillover_kernel(net.pairs, net.n, prm.kernel_decay_km,
                                       prm.hop_attenuation, self.pair_barrier, prm.kernel_cutoff)
        self.kernel_with_self = (self.kernel + sp.identity(net.n, format="csr")).tocsr()
        self.trade_kernel = spillover_kernel(net.pairs, net.n, prm.trade_decay_km, 1.0,
                                             self.pair_barrier, prm.kernel_cutoff)
        self.trade_reach = (self.trade_kernel + sp.identity(net.n, format="csr")).tocsr()
        self.service_reach = (prm.service_reach * self.kernel + sp.identity(net.n, format="csr")).tocsr()

    def _year_zero(self) -> None:
        """Runs year 0: budgets, services, knowledge, production and accounts, no migration.

        Lagged quantities (last year's output by sector, wage bill, value added, emissions,
        taxes, household income, investment) start from full use of capacity. Every firm of a
        sector starts with the sector's mark-up, the one at which the sector's revenue is what
        its firms' qualities (1 + premium x position) would fetch at price = quality (the
        revenue the step-0 calibration matches); prices are that mark-up on each firm's unit
        cost, and the sector prices of year 0 are their output-weighted means. Demand from outside the cluster
        per sector is the larger of `export_share` of that output and what the cluster's own
        demand leaves unsold, so year 0 starts near balance. Firms' patents of year 0 are
        expected values.
        """
        f, prm, sec, n = self.firms, self.params, self.sectors, self.net.n
        gov = self.governments
        self.reference_productivity = float((f.productivity * f.labour).sum() / f.labour.sum())
        jobs = group_sum(f.place, f.labour, n)
        self.place_productivity = np.divide(group_sum(f.place, f.labour * f.productivity, n), jobs,
                                            out=np.full(n, self.reference_productivity),
                                            where=jobs > 0)
        self.labour_tightness = np.full(n, prm.employment_rate)  # labour demand / supply
        # Step-0 wages: the base wage scaled by the place's productivity (passthrough phi).
        gov.wage = prm.wage_base * (self.place_productivity / self.reference_productivity) \
            ** prm.wage_productivity_passthrough
        firm.hire_and_pay(self)
        f.capacity = (prm.output_scale * f.productivity * f.labour ** prm.labour_elasticity
                      * f.capital ** (1 - prm.labour_elasticity))
        f.demand = f.capacity.copy()
        f.output = f.capacity.copy()
        f.price = firm.quality(self)
        capacity = group_sum(f.sector, f.capacity, sec.n)
        self.sector_price = np.divide(group_sum(f.sector, f.price * f.capacity, sec.n), capacity,
                                      out=np.ones(sec.n), where=capacity > 0)
        cost = firm.unit_cost(self, self.sector_price @ sec.io)
        cost_total = group_sum(f.sector, cost * f.capacity, sec.n)
        markup = np.divide(group_sum(f.sector, f.price * f.capacity, sec.n), cost_total,
                           out=np.ones(sec.n), where=cost_total > 0) - 1.0
        f.markup = np.clip(markup, firm.MARKUP_MIN, firm.MARKUP_MAX)[f.sector]
        f.price = (1.0 + f.markup) * cost
        self.sector_price = np.divide(group_sum(f.sector, f.price * f.capacity, sec.n), capacity,
                                      out=np.ones(sec.n), where=capacity > 0)
        self.base_unit_value_added = self.sector_price - self.sector_price @ sec.io
        f.revenue = f.output * f.price
        f.value_added = f.revenue - f.output * (self.sector_price @ sec.io)[f.sector]
        f.market_share = np.divide(f.output, capacity[f.sector], out=np.zeros(len(f)),
                                   where=capacity[f.sector] > 0)
        f.invested = prm.depreciation_rate * f.capital
        f.emissions = firm.carbon_intensity(self) * f.output
        self.last = firm.place_year(self)
        cell = f.place * sec.n + f.sector
        self.firm_knowledge = group_sum(cell, f.rd_share * f.revenue, n * sec.n).reshape(n, -1) \
            / max(prm.knowledge_depreciation, 1e-9)
        self.relayed_knowledge = np.zeros_like(self.firm_knowledge)
        self.knowledge_reference = None  # set once year 0 has run
        gov.tax_revenue = prm.vat_rate * self.last.value_added
        gov.budget = gov.tax_revenue.copy()
        f.rd_own = f.rd_share * f.revenue
        self.household_income = firm.household_income(self, firm.firm_accounts(self))
        domestic = firm.goods_demanded(self).total.sum(axis=0)
        self.export_demand = self.sector_price * np.maximum(prm.export_share * capacity,
                                                            capacity - domestic)
        # A first pass of production and accounts gives each firm its demand and each
        # government the taxes a normal year brings; state is then set for the recorded year.
        firm.produce_and_trade(self)
        f.labour_desired = f.labour.copy()
        firm.fund_rd(self)  # sets own R&D, a cost in the accounts
        accounts = firm.firm_accounts(self)
        gov.tax_revenue = accounts.taxes_by_place(f.place, n)
        self.household_income = firm.household_income(self, accounts)
        # Firms have kept a normal year's retained earnings for every year of their age.
        f.net_worth += f.age * np.maximum(accounts.profit - accounts.profit_tax - accounts.dividends, 0.0)
        # Public services start at the stock this spending would sustain.
        gov.public_services = gov.tax_revenue * gov.public_services_share \
            / max(prm.public_services_depreciation, 1e-9)
        government.allocate_budget(self)
        service.upgrade_incubators(self)
        government.set_initial_reserves(
            self, prm.extraction_per_output * self.last.resource_output)
        service.provide_services(self)
        firm.produce_and_trade(self)
        institute.produce_knowledge(self)
        self.firm_patents = prm.patents_per_rd * group_sum(f.place, firm.fund_rd(self), n)
        firm.settle_accounts(self)
        # Founders weigh incumbents' profitability against a normal year's (entry, 3.3.11).
        profitable = float((f.profit > 0).mean()) if len(f) else 1.0
        self.normal_profitable_share = max(profitable, firm.NORMAL_PROFITABLE_FLOOR)
        knowledge.burn_in_relay(self)
        self.step_flows["innovation"] = knowledge.knowledge_flows(self)
        self.step_counts = {k: np.zeros(n) for k in ("exits", "entries", "relocations_in",
                                                      "relocations_out")}
        self.ledger.open(self)  # before the record, which reports the opening deposits
        self.measure(self)
        self.knowledge_reference = knowledge.knowledge_reference(self)

    # --- running ------------------------------------------------------------------------
    def step(self) -> None:
        """Runs one year: the phases in order (see the module docstring)."""
        self.step_flows = {}
        self.ledger.begin_year()
        for phase in self.phases:
            started = wallclock.perf_counter()
            phase(self)
            name = getattr(phase, "__name__", str(phase))
            self.phase_seconds[name] = self.phase_seconds.get(name, 0.0) \
                + wallclock.perf_counter() - started
        self.datacollector.collect(self)
        if self.horizon is not None and self.time >= self.horizon:
            self.running = False

    @property
    def year(self) -> int:
        """Years completed (0 after construction)."""
        return int(round(self.time))

    @staticmethod
    def measure(model: ClusterModel) -> None:
        """Step 7: records the year's per-place, per-edge and cluster measures."""
        model._record_year()

    def _record_year(self) -> None:
        net, n = self.net, self.net.n
        self.last = firm.place_year(self)
        totals = place_totals(self)
        places, tiers, whole = score_groupings(totals, [
            (np.arange(n), n), (net.tier.astype(np.int64), len(Tier)), (np.zeros(n, dtype=np.int64), 1)],
            self.systems)
        flows = self.step_flows
        received = {
            # Orders from other places: the demand that radiates along the industry chain.
            "inflow_industry": _sent(flows["industry"]),
            "inflow_innovation": _received(flows["innovation"]),
            "inflow_service": _received(flows["service"]),
            # Knowledge absorbed from everything within reach, the place's own included.
            "spillover_innovation": row_sums(flows["innovation"]),
        }
        g = self.governments
        firms_by_sector = self.last.firms_by_sector
        record = {
            "step": np.full(n, self.year), "place": np.arange(n), **places,
            "wage": g.wage.copy(), "budget": g.budget.copy(), "enforcement": g.enforcement.copy(),
            "migration_in": g.migration_in.copy(), "migration_out": g.migration_out.copy(),
            "resource_type": g.resource_type.copy(), "reserves": g.reserves.copy(),
            "policy_spend": g.policy_spend.copy(),
            **{f"output_{name}": self.last.output_by_sector[:, j].copy()
               for j, name in enumerate(self.sectors.names)},
            **{f"firms_{name}": count for name, count in zip(
                self.sectors.names, firms_by_sector.T, strict=True)},
            **received,
            **{k: v.copy() for k, v in self.step_counts.items()},
        }
        self._records.append(record)
        cluster: dict[str, float] = {"step": self.year}
        for key, value in whole.items():
            cluster[key] = float(value[0])
        for t in Tier:
            for key in (f"{s.prefix()}{k}" for s in self.systems
                        for k in ("D", "C", "T", *s.score_keys()[:-3])):
                cluster[f"{key}_{t.name.lower()}"] = float(tiers[key][t])
            in_tier = net.tier == t
            for key, v in received.items():
                cluster[f"{key}_{t.name.lower()}"] = float(v[in_tier].mean()) if in_tier.any() else 0.0
        for key, v in self.step_counts.items():
            cluster[key] = float(v.sum())
        cluster["policy_spend"] = float(g.policy_spend.sum())
        self._cluster_records.append(cluster)
        if self.record_flows:
            self._flow_records.append(self._flow_rows())

    def _flow_rows(self) -> pd.DataFrame:
        frames = []
        for chain in Chain:
            flows = self.step_flows.get(chain.name.lower())
            if flows is None:
                continue
            coo = sp.coo_matrix(flows)
            keep = (coo.row != coo.col) & (coo.data > 0)
            frames.append(pd.DataFrame({
                "step": np.full(keep.sum(), self.year, dtype=np.int64),
                "source": coo.col[keep].astype(np.int64), "target": coo.row[keep].astype(np.int64),
                "chain": chain.name.lower(), "volume": coo.data[keep],
            }))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def run(self, steps: int) -> None:
        """Runs ``steps`` more years (ignores the horizon)."""
        if not isinstance(steps, int | np.integer) or steps < 0:
            raise ParameterError("steps", steps, "a whole number >= 0")
        for _ in range(steps):
            self.step()

    # --- handles --------------------------------------------------------------------------
    @property
    def agents_by_type(self) -> HandlesByType:
        """Mesa's agents by type; without firm handles, ``[Firm]`` says to use ``model.firms``."""
        missing = {} if self.firm_handles else {Firm: (
            f"no Mesa handles for firms: this model has {len(self.firms)} firms and makes handles "
            f"only up to FIRM_HANDLE_LIMIT = {FIRM_HANDLE_LIMIT} (or was built with firm_handles=False); "
            "read the column table model.firms (model.firms.productivity, model.firms.row(uid), ...) "
            "or build the model with firm_handles=True")}
        return HandlesByType(super().agents_by_type, missing)

    @classmethod
    def from_scenario(cls, scenario: str = "yijing_jingen", **kwargs: Any) -> ClusterModel:
        """Returns the model of a scenario: a `chainweave.scenarios.ScenarioModel`.

        Its keywords are plain values (the scenario's name, parameter values by path or short
        name, ``policies``, ``rng``, ``steps``), so Mesa's ``batch_run`` and SolaraViz can
        rebuild it: ``mesa.batch_run(ScenarioModel, parameters={"scenario_name":
        "yijing_jingen", ...})``. See `ScenarioModel` for the keywords.
        """
        from chainweave.scenarios.mesa_model import ScenarioModel

        return ScenarioModel(scenario, **kwargs)

    def add_firm_handles(self, uids: np.ndarray) -> None:
        """Creates Mesa agents for new firms (when handles are on)."""
        if self.firm_handles:
            for uid in uids:
                self._firm_agents[int(uid)] = Firm(self, int(uid))

    def remove_firm_handles(self, uids: np.ndarray) -> None:
        """Removes the Mesa agents of firms that left (when handles are on)."""
        if self.firm_handles:
            for uid in uids:
                self._firm_agents.pop(int(uid)).remove()

    # --- outputs ----------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Returns the tidy ``places``, ``flows`` and ``cluster`` tables recorded so far.

        ``places``: one row per place and step (name, tier, parent, seat coordinates, depth
        and distance below the core, totals, output per sector, indicators, subsystem scores,
        C, T, D, spillover received per chain, entries, exits, relocations, policy spending).
        ``flows``: one row per (step, source, target, chain) with volume > 0, source != target.
        ``cluster``: one row per step with cluster and per-tier aggregates, scores and D.
        """
        places = pd.DataFrame({k: np.concatenate([r[k] for r in self._records])
                               for k in self._records[0]})
        names = np.asarray(self.net.names)
        tier_names = np.array([t.name.lower() for t in Tier])
        places.insert(2, "place_name", names[places["place"]])
        places.insert(3, "tier", tier_names[self.net.tier[places["place"]]])
        index = places["place"].to_numpy()
        parent = self.net.parent[index]
        places.insert(4, "parent_name", np.where(parent >= 0, names[np.maximum(parent, 0)], ""))
        places.insert(5, "lat", self.net.lat[index])
        places.insert(6, "lon", self.net.lon[index])
        places.insert(7, "depth", self.net.depth[index])
        places.insert(8, "distance_to_core_km", self.net.distance_to_root_km[index])
        for system in self.systems:
            places[f"{system.prefix()}coupling_variant"] = system.coupling
        flows = (pd.concat(self._flow_records, ignore_index=True) if self._flow_records
                 else pd.DataFrame(columns=["step", "source", "target", "chain", "volume"]))
        if len(flows):
            flows.insert(3, "source_name", names[flows["source"]])
            flows.insert(4, "target_name", names[flows["target"]])
        cluster = pd.DataFrame(self._cluster_records)
        for system in self.systems:
            cluster[f"{system.prefix()}coupling_variant"] = system.coupling
        return {"places": places, "flows": flows, "cluster": cluster}

    def manifest(self) -> dict[str, Any]:
        """Returns what identifies this run: parameters, seed, versions, sizes, timings."""
        import dataclasses

        return {
            "chainweave_version": __version__,
            "mesa_version": mesa.__version__,
            "numpy_version": np.__version__,
            "seed": None if self.seed is None else int(self.seed),
            "steps": self.year,
            "places": self.net.n,
            "firms_final": len(self.firms),
            "sectors": list(self.sectors.names),
            "params": {k: (list(v) if isinstance(v, tuple) else v)
                       for k, v in dataclasses.asdict(self.params).items()},
            "coupling_variant": self.systems[0].coupling,
            "systems": {s.name: s.describe() for s in self.systems},
            "setup_seconds": self.setup_seconds,
            "phase_seconds": self.phase_seconds,
        }


def _received(flows: sp.csr_matrix | None) -> np.ndarray:
    """Returns, per place, what it received from other places (row sums off the diagonal)."""
    if flows is None:
        return np.zeros(0)
    return row_sums(flows) - flows.diagonal()


def _sent(flows: sp.csr_matrix | None) -> np.ndarray:
    """Returns, per place, what it sent to other places (column sums off the diagonal)."""
    if flows is None:
        return np.zeros(0)
    return column_sums(flows) - flows.diagonal()
