"""The per-agent reference: the engine's yearly rules written the way Mesa tutorials write models.

`ReferenceModel` is the correctness oracle of the vectorised phases and their peer in the
benchmarks. It is built exactly like `ClusterModel` (same graph, initial draws and year 0, which
are set-up, not yearly rules), then holds every agent as a plain Mesa agent with its state in
Python attributes, and runs each year's phases one agent at a time:

- Firm behaviour is written per firm (`RefFirm` methods); institutes, providers and
  governments likewise.
- Each phase reads the state as it was at the phase's start: a phase first lets every agent
  report what the collective needs (sums per place, per place and sector), then computes the
  inherently collective parts per place from those sums (gravity sourcing, labour-market
  clearing, kernel products, over the kernels' rows), then lets every agent act.
- Random numbers: the vectorised phases draw arrays per phase from ``model.rng``, each for the
  agents that use it (every firm, or only innovators, imitators, young firms, ...); the
  reference draws the same arrays in the same order and hands the k-th such agent, in row
  order, element k.
- Rows: entrants take the rows of firms that left, as in the engine's firm table
  (`fill_rows`), so agent i here is row i there.
- Measurement (step 7) writes the agents' state back into the column tables and records it
  with the engine's recorder (the same output code, so tables can be compared cell by cell);
  the lags next year's phases read (`PlaceYear`) are recomputed here from the agents.
- Money: households' deposits by place are booked here payment by payment (income, goods
  bought, liquidation payouts, founders' equipment, migrants' deposits) and written into the
  ledger for the record; the other accounts are the engine's, checked by `tests/test_money.py`.

Results agree with the engine to floating-point round-off, not bit for bit: sums over the
place graph are taken in a different order here (scipy's sparse reductions vs. Python loops),
and numpy's array `exp`/`log`/`power` may differ from the C library's in the last bit. See
`tests/test_reference_equivalence.py` for the tolerance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import mesa
import numpy as np
import scipy.sparse as sp

from chainweave.agents.firm import (
    FRAGILITY_RANGE,
    MARKUP_MAX,
    MARKUP_MIN,
    MAX_WAGE_CHANGE,
    FirmTable,
    PlaceYear,
    UnmetDemand,
)
from chainweave.agents.government import DECLINING_BELOW, MATURE_BELOW, REGENERATING_ABOVE
from chainweave.agents.institute import RESEARCHER_ELASTICITY, InstituteTable
from chainweave.agents.money import Sector
from chainweave.agents.service import ProviderTable, ServiceKind
from chainweave.agents.table import poisson_counts
from chainweave.model import ClusterModel
from chainweave.network import MIN_MASS, ResourceType
from chainweave.parameters import POLICY_SHARES, IndustryClass


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _div(a: float, b: float, empty: float = 0.0) -> float:
    return a / b if b > 0 else empty


class RefAgent(mesa.Agent):
    """A Mesa agent whose state is plain attributes, one per column of its engine table."""

    columns: tuple[str, ...] = ()

    def __init__(self, model: ReferenceModel, state: dict[str, Any]) -> None:
        super().__init__(model)
        for name in self.columns:
            setattr(self, name, state[name])


class RefGovernment(RefAgent):
    """The government of one place (agent p governs place p)."""

    def allocate_budget(self, last_emissions: float) -> None:
        prm = self.model.params
        self.budget = self.tax_revenue
        self.rd_subsidy_pool = self.budget * self.rd_subsidy_share
        self.talent_spend = self.budget * self.talent_share
        self.platform_spend = self.budget * self.platform_share
        self.incubator_spend = self.budget * self.incubator_share
        self.public_services = (self.public_services * (1 - prm.public_services_depreciation)
                                + self.budget * self.public_services_share)
        spend_yuan = self.budget * self.enforcement_share * 1e6
        need = prm.enforcement_half_cost * last_emissions
        self.enforcement = _div(spend_yuan, spend_yuan + need)

    def utility(self, last_emissions: float, last_jobs: float) -> float:
        prm = self.model.params
        per_head_yuan = self.public_services * 1e6 / max(self.population, 1.0)
        emissions_per_head = last_emissions / max(self.population, 1.0)
        odds = min(1.0, _div(last_jobs, self.labour_supply, 1.0))
        return (prm.utility_wage * math.log(max(self.wage * odds, 1e-9) / prm.wage_base)
                + prm.utility_services * math.log1p(per_head_yuan / 1000.0)
                - prm.utility_pollution * emissions_per_head)

    def settle_migration(self, arrived: float, left: float, nonprimary_share: float) -> None:
        prm = self.model.params
        self.migration_in, self.migration_out = arrived, left
        self.population = (self.population + arrived - left) * (1 + prm.natural_growth_rate)
        self.urban_share = _clip(self.urban_share + prm.urbanization_speed
                                 * (nonprimary_share - self.urban_share), 0, 1)
        self.labour_supply = prm.participation_rate * self.population

    def reserve_ratio(self) -> float:
        return _div(self.reserves, self.full_reserves, 1.0)

    def deplete(self, resource_output: float, nonresource_va_share: float) -> None:
        is_resource = self.resource_type > ResourceType.NONE
        extraction = self.model.params.extraction_per_output * resource_output
        self.reserves = max(self.reserves - extraction, 0.0) if is_resource else 0.0
        ratio = self.reserve_ratio()
        if not is_resource:
            self.resource_type = ResourceType.NONE
        elif ratio > MATURE_BELOW:
            self.resource_type = ResourceType.GROWING
        elif ratio > DECLINING_BELOW:
            self.resource_type = ResourceType.MATURE
        elif nonresource_va_share > REGENERATING_ABOVE:
            self.resource_type = ResourceType.REGENERATING
        else:
            self.resource_type = ResourceType.DECLINING


class RefInstitute(RefAgent):
    """A research institute."""

    def produce(self, place_size: float, gov: RefGovernment) -> float:
        """Hires, gets funded and produces knowledge; returns its expected patents."""
        prm = self.model.params
        share = _div(self.base_researchers, place_size)
        self.researchers = self.base_researchers + gov.talent_spend / prm.researcher_cost * share
        self.funding = self.researchers * prm.funding_per_researcher + gov.platform_spend * share
        self.new_knowledge = (prm.knowledge_productivity * self.researchers ** RESEARCHER_ELASTICITY
                              * self.funding ** (1 - RESEARCHER_ELASTICITY))
        self.knowledge = (1 - prm.knowledge_depreciation) * self.knowledge + self.new_knowledge
        return prm.patents_per_rd * self.new_knowledge


class RefProvider(RefAgent):
    """A bank, venture fund, incubator or intermediary."""

    def upgrade(self, gain: float) -> None:
        if self.kind == ServiceKind.INCUBATOR:
            self.effectiveness = self.base_effectiveness + (1.0 - self.base_effectiveness) * gain


class RefFirm(RefAgent):
    """A firm; its methods are the firm's part of each yearly phase."""

    # --- step 3: services ---------------------------------------------------------------
    def plan_investment(self) -> float:
        """Sets desired investment; returns the credit it asks for."""
        prm = self.model.params
        excess = self.demand / self.capacity - 1.0 if self.capacity > 0 else 0.0
        growth = _clip(prm.investment_accelerator * excess, -prm.depreciation_rate, 0.3)
        self.desired = self.capital * (prm.depreciation_rate + growth)
        self.asked = max(prm.target_leverage * (self.capital + self.desired) - self.debt, 0.0)
        return self.asked

    def borrow(self, granted: float) -> None:
        prm = self.model.params
        self.credit = self.asked * granted
        equity = (1 - prm.target_leverage) * self.desired if self.net_worth > 0 else 0.0
        self.debt += self.credit
        self.invested = min(self.desired, equity + self.credit)

    def vc_ask(self) -> float:
        m, prm = self.model, self.model.params
        seeks = m.sectors.high_tech[self.sector] and self.age < prm.young_age
        return prm.vc_ticket * m.enterprises_per_firm if seeks else 0.0

    def raise_equity(self, granted: float) -> None:
        self.venture_capital = self.vc_ask() * granted
        self.net_worth += self.venture_capital
        self.invested += self.venture_capital

    def is_young(self) -> bool:
        return self.age < self.model.params.young_age

    def seek_incubator(self, u: float, coverage: float, quality: float) -> None:
        m = self.model
        self.incubated = self.is_young() and u < coverage
        if self.incubated:
            self.net_worth += m.params.incubator_support * m.enterprises_per_firm * quality

    # --- step 4b: innovation --------------------------------------------------------------
    def finance_rd(self) -> float:
        """Sets what its venture capital and S&T credit pay for R&D staff (out of its orders
        of capital goods)."""
        m, prm = self.model, self.model.params
        credit = prm.innovation_credit_share * self.credit if m.sectors.high_tech[self.sector] else 0.0
        self.rd_financed = min(prm.vc_rd_share * self.venture_capital + credit, self.invested)
        self.invested -= self.rd_financed
        self.rd_own = self.rd_share * self.revenue + self.rd_financed
        return self.rd_own

    def fund_rd(self, pool: float, own_here: float) -> float:
        self.rd_subsidy = _div(pool * self.rd_own, own_here)
        return self.rd_own + self.rd_subsidy

    def hire_rd_staff(self, rd: float, price: float) -> float:
        """Hires R&D staff with its budget; returns its real R&D (staff x base cost)."""
        cost = self.model.params.researcher_cost
        self.rd_workers = _div(rd, cost * price)
        return self.rd_workers * cost

    def try_innovation(self, rd: float, u_in: float, boost: float) -> None:
        """Decides whether it innovates, from its real R&D and its place's knowledge boost."""
        prm = self.model.params
        self.intensity = _div(rd, self.revenue)
        p_in = -math.expm1(-prm.innovation_intensity * prm.rd_innovation_share * self.intensity * boost)
        self.innovated = u_in < p_in

    def innovate(self, u_jump: float) -> None:
        """Draws its productivity jump (kept if positive) and moves up the value chain."""
        prm = self.model.params
        jump = prm.innovation_draw_low + (prm.innovation_draw_high - prm.innovation_draw_low) \
            * beta33_quantile(u_jump)
        if jump > 0:
            self.productivity = self.productivity * (1 + jump)
        self.position = self.position + prm.position_gain * (1 - self.position)

    def try_imitation(self, u_im: float) -> bool:
        """Decides whether it imitates; returns whether it does."""
        prm = self.model.params
        p_im = -math.expm1(-prm.imitation_intensity * (1 - prm.rd_innovation_share) * self.intensity)
        self.imitated = u_im < p_im
        return self.imitated

    def imitate(self, u_src: float, best: np.ndarray, absorb: float) -> None:
        """Looks at a place drawn through the kernel and closes part of its gap to the best there."""
        source = self.model.neighbour_of(self.place, u_src)
        gap = max(best[source, self.sector] - self.productivity, 0.0)
        self.productivity += absorb * gap

    def try_transfer(self, u_tr: float, k: float, coverage: float) -> None:
        prm = self.model.params
        odds = (prm.transfer_probability_max * k / (k + prm.absorptive_half)
                * (1 + prm.intermediary_boost * coverage) / (1 + prm.intermediary_boost))
        self.transferred = u_tr < odds
        if self.transferred:
            self.productivity = self.productivity * (1 + prm.transfer_gain)

    # --- step 5: production ----------------------------------------------------------------
    def hire(self, hired: float) -> None:
        self.labour = self.labour_desired * hired

    def produce(self, wage: float, reserve_ratio: float, materials: float) -> None:
        """Sets capacity, price (mark-up on unit cost) and competitiveness (quality / price)."""
        m, prm = self.model, self.model.params
        resource = reserve_ratio ** prm.depletion_elasticity \
            if m.sectors.resource_based[self.sector] else 1.0
        self.capacity = (prm.output_scale * self.productivity * resource
                         * self.labour ** prm.labour_elasticity
                         * self.capital ** (1 - prm.labour_elasticity))
        self.price = (1.0 + self.markup) * (_div(wage * self.labour, self.capacity) + materials)
        self.competitiveness = (1.0 + prm.position_premium * self.position) / self.price

    def set_pull(self, land_share: float, sector_mean: float) -> float:
        gamma = self.model.params.competitiveness_exponent
        self.pull = self.capacity * land_share * (self.competitiveness / sector_mean) ** gamma
        return self.pull

    def sell(self, demand: float) -> None:
        prm = self.model.params
        self.demand = demand
        self.output = min(self.capacity, self.demand)
        self.revenue = self.output * self.price
        gap = self.demand / self.capacity - 1.0 if self.capacity > 0 else 0.0
        change = _clip(prm.labour_adjustment * gap, -prm.max_labour_change, prm.max_labour_change)
        self.labour_desired = self.labour * (1 + change)

    def share_growth(self, sector_output: float) -> float:
        """Sets its new market share; returns the log change (0 without a share then or now)."""
        share = _div(self.output, sector_output)
        growth = math.log(share / self.market_share) if share > 0 and self.market_share > 0 else 0.0
        self.continuing = share > 0 and self.market_share > 0
        self.market_share = share
        return growth

    def adapt_markup(self, growth: float, mean_growth: float) -> None:
        if self.continuing:
            change = _clip(growth - mean_growth, -1.0, 1.0)
            self.markup = _clip(self.markup * math.exp(self.model.params.markup_adjustment * change),
                                MARKUP_MIN, MARKUP_MAX)

    # --- step 6: accounts, exit, relocation --------------------------------------------------
    def carbon_intensity(self) -> float:
        sec = self.model.sectors
        relative = sec.base_productivity[self.sector] / self.productivity
        return sec.carbon_intensity[self.sector] * relative ** self.model.params.productivity_cleanliness

    def settle(self, gov: RefGovernment) -> float:
        """Books the year's accounts; returns what it pays its government."""
        prm = self.model.params
        self.capital += self.capital_bought
        self.emissions = self.carbon_intensity() * self.output
        per_tonne = prm.carbon_price + gov.enforcement * prm.enforcement_cost
        emission_cost = per_tonne * self.emissions / 1e6
        vat = prm.vat_rate * max(self.value_added, 0.0)
        overhead = prm.overhead_per_enterprise * self.model.enterprises_per_firm
        self.profit = (self.value_added - vat - self.wage(gov) * self.labour - prm.interest_rate * self.debt
                       - prm.depreciation_rate * self.capital - emission_cost - self.rd_own - overhead)
        profit_tax = prm.profit_tax_rate * max(self.profit, 0.0)
        self.dividends = prm.dividend_payout * max(self.profit - profit_tax, 0.0)
        self.net_worth += self.profit - profit_tax - self.dividends
        self.capital *= 1 - prm.depreciation_rate
        self.debt *= 1 - prm.debt_repayment_rate
        self.age += 1
        return vat + profit_tax + emission_cost

    def wage(self, gov: RefGovernment) -> float:
        """The wage it pays a worker: its place's times its sector's ratio (`money.firm_wage`)."""
        return gov.wage * self.model.sectors.wage_ratio[self.sector]

    def is_dirty(self) -> bool:
        """Whether it emits more per output than the emission standard."""
        return self.carbon_intensity() > self.model.params.emission_standard

    def fragility(self) -> float:
        """The odds that this year's unforeseen loss exceeds its net worth (`firm.fragility`)."""
        m, prm = self.model, self.model.params
        if prm.loss_shock_sd == 0:
            return 0.0
        size = max(self.labour / m.reference_firm_size, 1e-12)
        sd = prm.loss_shock_sd * self.revenue * size ** -prm.loss_shock_size_elasticity
        buffer = max(self.net_worth, 0.0)
        if not buffer < FRAGILITY_RANGE * sd:
            return 0.0
        return 0.5 * math.erfc(buffer / sd / math.sqrt(2.0))

    def decide_exit(self, u_exit: float, u_close: float | None, quality: float, enforcement: float) -> bool:
        """Whether it exits; ``u_close`` is its closure draw (None unless it is dirty)."""
        prm = self.model.params
        hazard = (prm.exit_hazard + self.fragility()) * (1 - quality if self.incubated else 1.0)
        closed = u_close is not None and u_close < enforcement
        too_small = self.labour < prm.min_firm_size * self.model.reference_firm_size
        return self.net_worth < 0 or too_small or u_exit < hazard or closed

    def could_relocate(self, p_move: float) -> bool:
        """Whether it could be pushed out of its place (a pushable sector, a place that pushes)."""
        return bool(self.model.pushable[self.sector]) and p_move > 0

    def relocate(self, u_dest: float) -> int:
        """Moves to a child place drawn uniformly; returns the origin."""
        m = self.model
        origin = self.place
        start, end = m.net.children_offsets[origin], m.net.children_offsets[origin + 1]
        self.place = int(m.net.children[start + int(u_dest * (end - start))])
        return origin


class ReferenceModel(ClusterModel):
    """`ClusterModel` whose yearly phases run one agent at a time (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["firm_handles"] = False
        super().__init__(**kwargs)
        sec = self.sectors
        self.io_column_sum = sec.io.sum(axis=0)
        self.pushable = ((sec.carbon_intensity > np.median(sec.carbon_intensity))
                         | (sec.value_added_share < np.median(sec.value_added_share)))
        self.governments_ref = self._agents(RefGovernment, self.governments)
        self.institutes_ref = self._agents(RefInstitute, self.institutes)
        self.providers_ref = self._agents(RefProvider, self.providers)
        self.firms_ref = self._agents(RefFirm, self.firms)
        self.next_firm_uid = self.firms.next_uid
        # Households' money by place, booked here payment by payment (`chainweave.agents.money`).
        self.deposits = self.ledger.balance[Sector.HOUSEHOLDS].tolist()
        self.households_paid = [0.0] * self.net.n
        self.phases = [self.allocate_budget, self.upgrade_incubators, self.migrate_population,
                       self.provide_services, self.produce_knowledge, self.innovate,
                       self.produce_and_trade, self.settle_accounts, self.exit_enter_relocate,
                       self.deplete_resources, self.measure_agents]

    def _agents(self, cls: type[RefAgent], table: Any) -> list[Any]:
        cls.columns = table.column_names
        cols = {name: getattr(table, name).tolist() for name in table.column_names}
        return [cls(self, {name: cols[name][i] for name in cols}) for i in range(len(table))]

    # --- helpers over places -------------------------------------------------------------------
    def per_place(self, agents: list[Any], value: Any) -> np.ndarray:
        """Sums ``value(agent)`` over agents by place, in agent order."""
        out = [0.0] * self.net.n
        for a in agents:
            out[a.place] += value(a)
        return np.array(out)

    def per_cell(self, value: Any) -> np.ndarray:
        """Sums ``value(firm)`` over firms by (place, sector)."""
        out = np.zeros((self.net.n, self.sectors.n))
        acc = defaultdict(float)
        for f in self.firms_ref:
            acc[f.place, f.sector] += value(f)
        for key, v in acc.items():
            out[key] = v
        return out

    def kernel_row(self, kernel: sp.csr_matrix, p: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = kernel.indptr[p], kernel.indptr[p + 1]
        return kernel.indices[lo:hi], kernel.data[lo:hi]

    def gravity(self, demand: np.ndarray, supply: np.ndarray, kernel: sp.csr_matrix,
                cap_by_supply: bool) -> np.ndarray:
        """Returns dense F[p, q]: place p sources its demand from q by weight K[p, q] supply[q]."""
        n = self.net.n
        flows = np.zeros((n, n))
        for p in range(n):
            cols, weights = self.kernel_row(kernel, p)
            attract = {int(q): w * supply[q] for q, w in zip(cols, weights, strict=True)}
            attract[p] = supply[p]
            total = 0.0
            for q in sorted(attract):
                total += attract[q]
            if total > MIN_MASS:
                for q, a in attract.items():
                    flows[p, q] = demand[p] / total * a
        if cap_by_supply:
            asked = flows.sum(axis=0)
            for q in range(n):
                if asked[q] > supply[q]:
                    flows[:, q] *= min(supply[q] / asked[q], 1.0)
        return flows

    def neighbour_of(self, p: int, u: float) -> int:
        """Draws a place with weight K[p, q] (its own with weight 1) by walking row p."""
        cols, weights = self.kernel_row(self.kernel_with_self, p)
        target, running = u * weights.sum(), 0.0
        for q, w in zip(cols, weights, strict=True):
            running += w
            if running > target:
                return int(q)
        return int(cols[-1])

    # --- the phases ------------------------------------------------------------------------------
    def allocate_budget(self, _: Any = None) -> None:
        for p, g in enumerate(self.governments_ref):
            g.allocate_budget(self.last.emissions[p])

    def upgrade_incubators(self, _: Any = None) -> None:
        incubators = [s for s in self.providers_ref if s.kind == ServiceKind.INCUBATOR]
        hosts = self.per_place(incubators, lambda s: s.capacity_weight)
        for s in incubators:
            spend = self.governments_ref[s.place].incubator_spend
            need = self.params.incubator_upgrade_cost * hosts[s.place]
            s.upgrade(_div(spend, spend + need))

    def migrate_population(self, _: Any = None) -> None:
        prm, pairs, govs, n = self.params, self.net.pairs, self.governments_ref, self.net.n
        u = [g.utility(self.last.emissions[p], self.last.employment[p]) for p, g in enumerate(govs)]
        log_weight = {}
        shift = [0.0] * n  # max(0, largest log weight) of each origin: shares without overflow
        for i, (q, p) in enumerate(zip(pairs.src, pairs.dst, strict=True)):
            open_share = 1.0 - self.pair_barrier[i]
            lw = (-pairs.distance_km[i] / prm.migration_decay_km + math.log(open_share)
                  + u[p] - u[q] - prm.stay_preference) if open_share > 0 else -math.inf
            log_weight[p, q] = lw
            shift[q] = max(shift[q], lw)
        weight = {(p, q): math.exp(lw - shift[q]) for (p, q), lw in log_weight.items()}
        leave = [math.exp(-c) for c in shift]
        for (_, q), w in weight.items():
            leave[q] += w
        movers = [prm.mobility_rate * g.population / leave[q] for q, g in enumerate(govs)]
        arrived, left = [0.0] * n, [0.0] * n
        rows, cols, vals = [], [], []
        for (p, q), w in weight.items():
            flow = w * movers[q]
            arrived[p] += flow
            left[q] += flow
            rows.append(p)
            cols.append(q)
            vals.append(flow)
        per_head = [_div(self.deposits[q], g.population) for q, g in enumerate(govs)]
        for (p, q), w in weight.items():  # each mover takes the mean deposit of the place left
            self.deposits[q] -= w * movers[q] * per_head[q]
            self.deposits[p] += w * movers[q] * per_head[q]
        for p, g in enumerate(govs):
            g.settle_migration(arrived[p], left[p], self.last.nonprimary_employment_share[p])
        self.step_flows["migration"] = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))

    def capacity(self, kind: ServiceKind) -> np.ndarray:
        ours = [s for s in self.providers_ref if s.kind == kind]
        if kind in (ServiceKind.BANK, ServiceKind.VENTURE_CAPITAL):
            per_gdp = self.params.bank_capacity_per_gdp if kind == ServiceKind.BANK \
                else self.params.vc_capacity_per_gdp
            return self.per_place(ours, lambda s: s.capacity_weight * s.effectiveness) \
                * per_gdp * np.maximum(self.last.value_added, 0.0)
        return self.per_place(ours, lambda s: s.capacity_weight)

    def serve(self, kind: ServiceKind, asked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flows = self.gravity(asked, self.capacity(kind), self.params.service_reach * self.kernel, True)
        got = flows.sum(axis=1)
        granted = np.array([_clip(_div(got[p], asked[p]), 0, 1) for p in range(self.net.n)])
        return flows, granted

    def received_quality(self, kind: ServiceKind, flows: np.ndarray) -> np.ndarray:
        ours = [s for s in self.providers_ref if s.kind == kind]
        cap = self.per_place(ours, lambda s: s.capacity_weight)
        eff = self.per_place(ours, lambda s: s.capacity_weight * s.effectiveness)
        quality = np.array([_div(e, c) for e, c in zip(eff, cap, strict=True)])
        got = flows.sum(axis=1)
        return np.array([_div(flows[p] @ quality, got[p]) for p in range(self.net.n)])

    def provide_services(self, _: Any = None) -> None:
        firms, per_firm = self.firms_ref, self.enterprises_per_firm
        asked = self.per_place(firms, RefFirm.plan_investment)
        credit_flows, granted = self.serve(ServiceKind.BANK, asked)
        for f in firms:
            f.borrow(granted[f.place])
        vc_flows, vc_granted = self.serve(ServiceKind.VENTURE_CAPITAL,
                                          self.per_place(firms, RefFirm.vc_ask))
        for f in firms:
            f.raise_equity(vc_granted[f.place])
        young = self.per_place(firms, lambda f: float(f.is_young())) * per_firm
        hosting, coverage = self.serve(ServiceKind.INCUBATOR, young)
        quality = self.received_quality(ServiceKind.INCUBATOR, hosting)
        startups = [f for f in firms if f.is_young()]
        for f in firms:
            f.incubated = False
        for f, u in zip(startups, self.rng.random(len(startups)), strict=True):
            f.seek_incubator(u, coverage[f.place], quality[f.place])
        self.incubation_coverage, self.incubation_quality = coverage, quality
        desks, reached = self.serve(ServiceKind.INTERMEDIARY,
                                    self.per_place(firms, lambda f: 1.0) * per_firm)
        self.intermediary_coverage = reached
        self.intermediation_quality = self.received_quality(ServiceKind.INTERMEDIARY, desks)
        for kind, flows in ((ServiceKind.BANK, credit_flows), (ServiceKind.VENTURE_CAPITAL, vc_flows)):
            ours = [s for s in self.providers_ref if s.kind == kind]
            total = self.per_place(ours, lambda s: s.capacity_weight * s.effectiveness)
            sent = flows.sum(axis=0)
            for s in ours:
                s.served = _div(s.capacity_weight * s.effectiveness, total[s.place]) * sent[s.place]
        self.step_flows["service"] = sp.csr_matrix(credit_flows + vc_flows)

    def produce_knowledge(self, _: Any = None) -> None:
        inst = self.institutes_ref
        if not inst:
            return
        size = self.per_place(inst, lambda i: i.base_researchers)
        expected = [i.produce(size[i.place], self.governments_ref[i.place]) for i in inst]
        for i, patents in zip(inst, poisson_counts(self.rng, np.array(expected)), strict=True):
            i.patents = float(patents)

    def institute_knowledge(self) -> np.ndarray:
        out = np.zeros((self.net.n, self.sectors.n))
        for i in self.institutes_ref:
            out[i.place, i.field] += i.knowledge
        return out

    def kernel_sum(self, values: np.ndarray) -> np.ndarray:
        """Returns sum_q K[p, q] values[q] for every place p, walking the kernel's rows."""
        out = np.zeros_like(values, dtype=float)
        for p in range(self.net.n):
            cols, weights = self.kernel_row(self.kernel, p)
            for q, w in zip(cols, weights, strict=True):
                out[p] += w * values[q]
        return out

    def knowledge_access(self) -> dict[str, Any]:
        """Stocks, absorptive capacity, reach and absorption of every place (knowledge.py)."""
        prm, net, n = self.params, self.net, self.net.n
        jobs = self.last.employment
        inst = self.institute_knowledge()
        relay = [prm.relay_by_tier[t] for t in net.tier]
        own = self.firm_knowledge + inst + self.relayed_knowledge
        radiating = self.firm_knowledge + inst + np.array(relay)[:, None] * self.relayed_knowledge
        mean_density = jobs.sum() / net.area_km2.sum() if net.area_km2.sum() > 0 else 1.0
        researchers = self.per_place(self.institutes_ref, lambda i: i.researchers) \
            + self.per_place(self.firms_ref, lambda f: f.rd_workers)
        skills = self.per_place(self.firms_ref, lambda f: f.labour * f.productivity)
        workers = self.per_place(self.firms_ref, lambda f: f.labour)
        contacts = jobs + self.kernel_sum(jobs)
        capacity, reach = np.zeros(n), np.zeros(n)
        for p in range(n):
            density = jobs[p] / net.area_km2[p] if net.area_km2[p] > 0 else mean_density
            g = (_div(density, mean_density) ** prm.knowledge_density_elasticity
                 if jobs[p] > 0 else 0.0)
            reach[p] = _div(g, contacts[p])
            h = _div(skills[p], workers[p], self.reference_productivity) / self.reference_productivity
            z = h * (_div(own[p].sum(), jobs[p]) / prm.absorptive_half
                     + _div(researchers[p], jobs[p]) / prm.absorptive_researchers_half)
            capacity[p] = z / (1 + z)
        taken = capacity * reach * jobs
        absorbed = taken[:, None] * self.kernel_sum(radiating)
        rows, cols, vals = [], [], []
        for p in range(n):
            rows.append(p)
            cols.append(p)
            vals.append(taken[p] * own[p].sum())
            ks, weights = self.kernel_row(self.kernel, p)
            for q, w in zip(ks, weights, strict=True):
                rows.append(p)
                cols.append(int(q))
                vals.append(taken[p] * w * radiating[q].sum())
        rho = prm.field_relatedness
        useful = inst * (1 - rho) + rho * inst.sum(axis=1, keepdims=True)
        here = useful + self.firm_knowledge + self.relayed_knowledge
        sent = useful + self.firm_knowledge + np.array(relay)[:, None] * self.relayed_knowledge
        reachable = reach[:, None] * (here + self.kernel_sum(sent))
        inst_total = inst.sum(axis=1)
        return {"capacity": capacity, "absorbed": absorbed, "reachable": reachable,
                "usable": capacity[:, None] * reachable,
                "institutes": taken * (inst_total + self.kernel_sum(inst_total)),
                "flows": sp.csr_matrix((vals, (rows, cols)), shape=(n, n))}

    def innovate(self, _: Any = None) -> None:
        prm, firms, govs, n = self.params, self.firms_ref, self.governments_ref, self.net.n
        ref = self.knowledge_reference
        own_here = self.per_place(firms, RefFirm.finance_rd)
        rd = [f.fund_rd(govs[f.place].rd_subsidy_pool, own_here[f.place]) for f in firms]
        spent = [0.0] * n
        for f, r in zip(firms, rd, strict=True):
            spent[f.place] += r
        price = [_div(_div(spent[p], self.last.wage_bill[p]), ref.rd_bill_share[p], 1.0)
                 ** prm.researcher_wage_elasticity if ref.rd_bill_share[p] > 0 else 1.0
                 for p in range(n)]
        real = [f.hire_rd_staff(r, price[f.place]) for f, r in zip(firms, rd, strict=True)]
        hired = np.zeros((n, self.sectors.n))
        real_here = [0.0] * n
        for f, r in zip(firms, real, strict=True):
            hired[f.place, f.sector] += r
            real_here[f.place] += r
        self.firm_knowledge = (1 - prm.knowledge_depreciation) * self.firm_knowledge + hired
        access = self.knowledge_access()

        u_in, u_im, u_tr = self.rng.random((3, len(firms)))
        for i, (f, r) in enumerate(zip(firms, real, strict=True)):
            usable = access["usable"][f.place, f.sector]
            boost = (usable / ref.usable) ** prm.innovation_knowledge_elasticity if ref.usable > 0 else 1.0
            f.try_innovation(r, u_in[i], boost)
        innovators = [f for f in firms if f.innovated]
        for f, u_jump in zip(innovators, self.rng.random(len(innovators)), strict=True):
            f.innovate(u_jump)
        rate = np.zeros(n)
        for p in range(n):
            own = (ref.rd[p] ** (1 - prm.patent_rd_elasticity) * real_here[p] ** prm.patent_rd_elasticity
                   if ref.rd[p] > 0 else real_here[p])
            outside = (_div(access["absorbed"][p].sum(), ref.absorbed[p], 1.0)
                       ** prm.patent_spillover_elasticity if ref.absorbed[p] > 0 else 1.0)
            institutes = (_div(access["institutes"][p], ref.institutes[p], 1.0)
                          ** prm.patent_institute_elasticity if ref.institutes[p] > 0 else 1.0)
            rate[p] = prm.patents_per_rd * own * outside * institutes
        self.firm_patents = poisson_counts(self.rng, rate)

        best = np.zeros((n, self.sectors.n))
        for f in firms:
            best[f.place, f.sector] = max(best[f.place, f.sector], f.productivity)
        imitators = [f for i, f in enumerate(firms) if f.try_imitation(u_im[i])]
        for f, u_src in zip(imitators, self.rng.random(len(imitators)), strict=True):
            f.imitate(u_src, best, access["capacity"][f.place])

        for i, f in enumerate(firms):
            coverage = self.intermediary_coverage[f.place] * self.intermediation_quality[f.place]
            f.try_transfer(u_tr[i], access["reachable"][f.place, f.sector], coverage)
        self.relayed_knowledge = ((1 - prm.knowledge_depreciation) * self.relayed_knowledge
                                  + prm.relay_share * access["absorbed"])
        self.step_flows["innovation"] = access["flows"]

    def produce_and_trade(self, _: Any = None) -> None:
        prm, sec, firms, govs, n = self.params, self.sectors, self.firms_ref, self.governments_ref, self.net.n
        wanted = self.per_place(firms, lambda f: f.labour_desired)
        for f in firms:
            g = govs[f.place]
            f.hire(min(1.0, _div(g.labour_supply, wanted[f.place], 1.0)) if wanted[f.place] > 0 else 1.0)
        jobs = self.per_place(firms, lambda f: f.labour)
        skills = self.per_place(firms, lambda f: f.labour * f.productivity)
        for p, g in enumerate(govs):
            mean_a = skills[p] / jobs[p] if jobs[p] > 0 else self.place_productivity[p]
            tightness = _div(wanted[p], g.labour_supply, prm.employment_rate)
            change = (prm.wage_productivity_passthrough * math.log(mean_a / self.place_productivity[p])
                      + prm.wage_tightness_elasticity * (tightness - prm.employment_rate)
                      + prm.wage_tightness_change_elasticity * (tightness - self.labour_tightness[p]))
            g.wage = g.wage * math.exp(_clip(change, -MAX_WAGE_CHANGE, MAX_WAGE_CHANGE))
            self.labour_tightness[p] = tightness
            self.place_productivity[p] = mean_a
        materials = self.sector_price @ sec.io
        for f in firms:
            f.produce(f.wage(govs[f.place]), govs[f.place].reserve_ratio(), materials[f.sector])
        weighted = [0.0] * sec.n
        capacity = [0.0] * sec.n
        for f in firms:
            weighted[f.sector] += f.competitiveness * f.capacity
            capacity[f.sector] += f.capacity
        sector_mean = [_div(w, c, 1.0) for w, c in zip(weighted, capacity, strict=True)]
        primary = sec.industry_class == IndustryClass.PRIMARY
        land = np.where(primary[None, :], (prm.primary_output_per_km2 * self.net.area_km2)[:, None], np.inf)
        cell_capacity = self.per_cell(lambda f: f.capacity)
        for f in firms:
            cap, limit = cell_capacity[f.place, f.sector], land[f.place, f.sector]
            f.set_pull(min(1.0, limit / cap) if cap > 0 else 1.0, sector_mean[f.sector])
        mass = self.per_cell(lambda f: f.pull)

        invested = self.per_place(firms, lambda f: f.invested)
        wanted_goods = self.last.output_by_sector @ sec.io.T
        inputs_wanted = wanted_goods.copy()
        investment_wanted = np.zeros_like(wanted_goods)
        local = np.zeros_like(wanted_goods)  # what households and governments buy at home
        households_wanted = np.zeros_like(wanted_goods)
        for p, g in enumerate(govs):
            spending = prm.consumption_share * self.household_income[p] + g.budget * g.public_services_share
            for i in range(sec.n):
                final = spending * sec.final_demand_share[i] / self.sector_price[i]
                households_wanted[p, i] = (prm.consumption_share * self.household_income[p]
                                           * sec.final_demand_share[i] / self.sector_price[i])
                if mass[p, i] > MIN_MASS:
                    local[p, i] = final * sec.local_share[i]
                investment_wanted[p, i] = invested[p] * sec.investment_share[i] / self.sector_price[i]
                wanted_goods[p, i] += final + investment_wanted[p, i]
        last_price = self.sector_price.copy()
        exports = self.export_demand * (1 + prm.export_growth) ** self.time / self.sector_price
        export_mass = mass.sum(axis=0)
        demand = np.zeros_like(mass)
        goods = []
        for i in range(sec.n):
            for p in range(n):
                demand[p, i] = _div(mass[p, i] * exports[i], export_mass[i])
            flows = self.gravity(wanted_goods[:, i] - local[:, i], mass[:, i], self.trade_kernel, False)
            flows[np.arange(n), np.arange(n)] += local[:, i]
            demand[:, i] += flows.sum(axis=0)
            goods.append(flows)
        asked = demand.copy()
        demand = np.minimum(demand, land)
        for f in firms:
            f.demand = f.pull * demand[f.place, f.sector] / mass[f.place, f.sector] \
                if mass[f.place, f.sector] > 0 else 0.0
        excess = self.per_cell(lambda f: max(f.demand - f.capacity, 0.0))
        room = self.per_cell(lambda f: max(f.capacity - f.demand, 0.0))
        for f in firms:  # buyers full firms cannot serve turn to the cell's firms with room
            key = f.place, f.sector
            taken = min(1.0, _div(excess[key], room[key]))
            f.sell(f.demand + max(f.capacity - f.demand, 0.0) * taken)
        sector_output, sector_revenue = [0.0] * sec.n, [0.0] * sec.n
        for f in firms:
            sector_output[f.sector] += f.output
            sector_revenue[f.sector] += f.revenue
        growth = [f.share_growth(sector_output[f.sector]) for f in firms]
        total, count = [0.0] * sec.n, [0] * sec.n
        for f, g_f in zip(firms, growth, strict=True):
            if f.continuing:
                total[f.sector] += g_f
                count[f.sector] += 1
        for f, g_f in zip(firms, growth, strict=True):
            f.adapt_markup(g_f, _div(total[f.sector], count[f.sector]))
        self.sector_price = np.array([_div(r, y, self.sector_price[i]) for i, (r, y) in
                                      enumerate(zip(sector_revenue, sector_output, strict=True))])
        sold = self.per_cell(lambda f: f.output)
        industry = np.zeros((n, n))
        for i, flows in enumerate(goods):
            for q in range(n):
                industry[:, q] += flows[:, q] * _div(sold[q, i], demand[q, i])
        self.step_flows["industry"] = sp.csr_matrix(industry)
        self.pay_for_goods(goods, wanted_goods, inputs_wanted, investment_wanted, households_wanted,
                           asked, sold)
        unmet, unmet_inputs = np.zeros(n), np.zeros(n)
        for i, flows in enumerate(goods):  # sought and not delivered, at last year's prices
            for p in range(n):
                got = sum(flows[p, q] * _div(sold[q, i], asked[q, i]) for q in range(n))
                short = max(wanted_goods[p, i] - got, 0.0) * last_price[i]
                unmet[p] += short
                unmet_inputs[p] += _div(short * inputs_wanted[p, i], wanted_goods[p, i])
        self.unmet = UnmetDemand(total=unmet, inputs=unmet_inputs)

    def pay_for_goods(self, goods: list[np.ndarray], wanted: np.ndarray, inputs_wanted: np.ndarray,
                      investment_wanted: np.ndarray, households_wanted: np.ndarray, asked: np.ndarray,
                      sold: np.ndarray) -> None:
        """Sets each firm's input bill, capital goods bought and value added, and what each
        place's households paid (see `firm.pay_for_goods`): buyers pay the cell's revenue per
        unit asked for what they sought."""
        sec, n, firms = self.sectors, self.net.n, self.firms_ref
        revenue = self.per_cell(lambda f: f.revenue)
        value = np.array([[_div(revenue[q, i], asked[q, i]) for i in range(sec.n)] for q in range(n)])
        inputs_paid = np.zeros((n, sec.n))
        capital_goods = [0.0] * n
        self.households_paid = [0.0] * n
        for i, flows in enumerate(goods):
            for p in range(n):
                paid = sum(flows[p, q] * value[q, i] for q in range(n))
                inputs_paid[p, i] = _div(paid * inputs_wanted[p, i], wanted[p, i])
                self.households_paid[p] += _div(paid * households_wanted[p, i], wanted[p, i])
                capital_goods[p] += _div(paid * investment_wanted[p, i], wanted[p, i])
        use = sold @ sec.io.T
        jobs = self.per_place(firms, lambda f: f.labour)
        ordered = self.per_place(firms, lambda f: f.invested)
        for f in firms:
            p = f.place
            unused = sum(inputs_paid[p, i] for i in range(sec.n) if use[p, i] == 0)
            f.materials_paid = f.output * sum(sec.io[i, f.sector] * _div(inputs_paid[p, i], use[p, i])
                                              for i in range(sec.n)) + _div(unused * f.labour, jobs[p])
            f.capital_bought = f.invested * _div(capital_goods[p], ordered[p])
            f.value_added = f.revenue - f.materials_paid

    def settle_accounts(self, _: Any = None) -> None:
        govs = self.governments_ref
        taxes = [0.0] * self.net.n
        income = self.per_place(self.institutes_ref, lambda i: i.funding)
        overhead = self.params.overhead_per_enterprise * self.enterprises_per_firm
        for f in self.firms_ref:
            taxes[f.place] += f.settle(govs[f.place])
            income[f.place] += (f.wage(govs[f.place]) * f.labour + f.rd_own + f.rd_subsidy + overhead
                                + f.dividends)
        for p, g in enumerate(govs):  # civil servants, inspectors, incubator staff, transfers
            levers = sum(getattr(g, name) for name in POLICY_SHARES)
            income[p] += g.budget * _clip(1 - levers + g.enforcement_share + g.incubator_share, 0, 1)
        for p, g in enumerate(govs):
            g.tax_revenue = taxes[p]
            self.deposits[p] += income[p] - self.households_paid[p]
        self.household_income = income

    def exit_enter_relocate(self, _: Any = None) -> None:
        prm, net, govs, firms, n = self.params, self.net, self.governments_ref, self.firms_ref, self.net.n
        u_exit = self.rng.random(len(firms))
        dirty = [i for i, f in enumerate(firms) if f.is_dirty()]
        u_close = dict(zip(dirty, self.rng.random(len(dirty)), strict=True))
        cheapest = [math.inf] * n
        for child in np.flatnonzero(net.parent >= 0):
            parent = net.parent[child]
            cheapest[parent] = min(cheapest[parent], govs[child].wage)
        p_move = []
        for p, g in enumerate(govs):
            has_children = net.children_offsets[p + 1] > net.children_offsets[p]
            push = max(g.wage / cheapest[p] - 1 + g.enforcement, 0.0) if has_children else 0.0
            p_move.append(prm.relocation_rate * push / (push + prm.relocation_cost_gap))
        exits, moved_out, moved_in = [0.0] * n, [0.0] * n, [0.0] * n
        staying, moves = [], []
        rows: list[RefFirm | None] = list(firms)  # None where a firm left
        for i, f in enumerate(firms):
            if f.decide_exit(u_exit[i], u_close.get(i), self.incubation_quality[f.place],
                             govs[f.place].enforcement):
                exits[f.place] += 1
                rows[i] = None
            else:
                staying.append(f)
        pushed = [f for f in staying if f.could_relocate(p_move[f.place])]
        movers = [f for f, u in zip(pushed, self.rng.random(len(pushed)), strict=True) if u < p_move[f.place]]
        for f, u_dest in zip(movers, self.rng.random(len(movers)), strict=True):
            origin = f.relocate(u_dest)
            moved_out[origin] += 1
            moved_in[f.place] += 1
            moves.append((f.place, origin))
        leavers = set(firms) - set(staying)
        for f in leavers:  # liquidated: what its money holds beyond its debt goes to its owners
            self.deposits[f.place] += max(f.net_worth - f.capital, 0.0)
            f.remove()
        self.firms_ref = staying
        self.step_counts["exits"] = np.array(exits)
        self.step_counts["relocations_out"] = np.array(moved_out)
        self.step_counts["relocations_in"] = np.array(moved_in)
        dest = [d for d, _ in moves]
        origin = [o for _, o in moves]
        self.step_flows["relocation"] = sp.csr_matrix((np.ones(len(moves)), (dest, origin)), shape=(n, n))
        self.firms_ref = fill_rows(rows, self.enter())

    def enter(self) -> list[RefFirm]:
        """Returns this year's entrants, drawn from the firms in ``firms_ref`` (those staying)."""
        prm, sec, n = self.params, self.sectors, self.net.n
        cells = n * sec.n
        incumbents = self.per_cell(lambda f: 1.0).ravel()
        profitable = self.per_cell(lambda f: float(f.profit > 0)).ravel()
        profitable = np.array([_div(a, b) for a, b in zip(profitable, incumbents, strict=True)])
        place_of_cell = np.arange(cells) // sec.n
        boost = 1 + prm.incubation_entry_boost * (self.incubation_coverage
                                                  * self.incubation_quality)[place_of_cell]
        slots = self.per_cell(lambda f: f.labour).ravel() / self.reference_firm_size
        crowding = np.array([min(1.0, _div(s, c, 1.0)) for s, c in zip(slots, incumbents, strict=True)])
        founding = self.founding_slots(incumbents)
        entrants = self.rng.poisson(prm.entry_rate * slots * crowding * boost * profitable
                                    / self.normal_profitable_share
                                    + prm.entry_rate * founding * boost / self.normal_profitable_share)
        self.step_counts["entries"] = np.bincount(place_of_cell, weights=entrants.astype(float),
                                                  minlength=n)
        if entrants.sum() == 0:
            return []
        productivity = self.per_cell(lambda f: f.productivity).ravel()
        labour = self.per_cell(lambda f: f.labour).ravel()
        rd_share = self.per_cell(lambda f: f.rd_share).ravel()
        position = self.per_cell(lambda f: f.position).ravel()
        log_markup = self.per_cell(lambda f: math.log(f.markup)).ravel()
        noise = self.rng.lognormal(0.0, prm.entrant_productivity_spread, int(entrants.sum()))
        by_sector = self.per_sector_means()
        new_firms = []
        k = 0
        for cell in range(cells):
            place, sector = cell // sec.n, cell % sec.n
            for _ in range(entrants[cell]):
                if incumbents[cell] == 0:  # a founder of an industry the place lacks
                    mean = by_sector[sector]
                    mean_labour, mean_productivity = mean["labour"], mean["productivity"]
                    log_mu = mean["log_markup"]
                    rd = min(sec.rd_share[sector] * self.net.rd_factor[place], 0.3)
                    pos = self.params.tier_position[self.net.tier[place]]
                else:
                    c = max(incumbents[cell], 1)
                    mean_labour, mean_productivity = labour[cell] / c, productivity[cell] / c
                    log_mu, rd, pos = log_markup[cell] / c, rd_share[cell] / c, position[cell] / c
                size = prm.entrant_relative_size * mean_labour
                capital = size * prm.capital_per_worker
                state = dict.fromkeys(FirmTable.COLUMNS, 0)
                state.update(
                    uid=self.next_firm_uid, place=place, sector=sector,
                    productivity=mean_productivity * noise[k],
                    labour=size, labour_desired=size, capital=capital,
                    net_worth=(1 - prm.target_leverage) * size * prm.capital_per_worker,
                    debt=prm.target_leverage * size * prm.capital_per_worker,
                    rd_share=rd, position=pos, markup=math.exp(log_mu),
                    incubated=False, innovated=False, imitated=False, transferred=False,
                )
                new_firms.append(RefFirm(self, state))
                self.deposits[cell // sec.n] += state["debt"]  # founders paid for their equipment
                self.next_firm_uid += 1
                k += 1
        return new_firms

    def per_sector_means(self) -> list[dict[str, float]]:
        """Per sector, the mean labour, productivity and log mark-up of its firms (0 if none)."""
        sums = [defaultdict(float) for _ in range(self.sectors.n)]
        for f in self.firms_ref:
            acc = sums[f.sector]
            acc["n"] += 1
            acc["labour"] += f.labour
            acc["productivity"] += f.productivity
            acc["log_markup"] += math.log(f.markup)
        return [{key: acc[key] / max(acc["n"], 1) for key in ("labour", "productivity", "log_markup")}
                for acc in sums]

    def founding_slots(self, incumbents: np.ndarray) -> np.ndarray:
        """Per cell without firms: founding_share x the place's jobs x the sector's share of jobs,
        in step-0-sized firms, times the sector's profitable share in the cluster."""
        prm, n, ns = self.params, self.net.n, self.sectors.n
        if prm.founding_share == 0:
            return np.zeros(n * ns)
        place_jobs, sector_jobs = np.zeros(n), np.zeros(ns)
        sector_firms, sector_profitable = np.zeros(ns), np.zeros(ns)
        for f in self.firms_ref:
            place_jobs[f.place] += f.labour
            sector_jobs[f.sector] += f.labour
            sector_firms[f.sector] += 1
            sector_profitable[f.sector] += float(f.profit > 0)
        total = max(sector_jobs.sum(), 1e-300)
        out = np.zeros(n * ns)
        for p in range(n):
            for s in range(ns):
                if incumbents[p * ns + s] == 0:
                    profitable = _div(sector_profitable[s], sector_firms[s])
                    expected = place_jobs[p] * (sector_jobs[s] * profitable / total)
                    out[p * ns + s] = prm.founding_share * expected / self.reference_firm_size
        return out

    def deplete_resources(self, _: Any = None) -> None:
        for p, g in enumerate(self.governments_ref):
            g.deplete(self.last.resource_output[p], self.last.nonresource_va_share[p])

    def measure_agents(self, _: Any = None) -> None:
        """Step 7: writes the agents back into the tables, records them, recomputes the lags."""
        self.firms = self._table(FirmTable, self.firms_ref)
        self.institutes = self._table(InstituteTable, self.institutes_ref)
        self.providers = self._table(ProviderTable, self.providers_ref)
        govs = self.governments
        for name in govs.COLUMNS:
            setattr(govs, name, np.array([getattr(g, name) for g in self.governments_ref],
                                         dtype=govs.COLUMNS[name]))
        self.ledger.balance[Sector.HOUSEHOLDS] = self.deposits
        self._record_year()
        self.last = self.place_year()

    measure_agents.__name__ = "measure"

    @staticmethod
    def _table(cls: type, agents: list[RefAgent]) -> Any:
        return cls(**{name: np.array([getattr(a, name) for a in agents], dtype=dtype)
                      for name, dtype in {**cls.COLUMNS, "uid": np.int64}.items()})

    def place_year(self) -> PlaceYear:
        sec, firms = self.sectors, self.firms_ref
        by_sector = self.per_cell(lambda f: f.output)
        va = self.per_place(firms, lambda f: f.value_added)
        jobs = self.per_place(firms, lambda f: f.labour)
        primary = sec.industry_class == IndustryClass.PRIMARY
        nonprimary = self.per_place(firms, lambda f: 0.0 if primary[f.sector] else f.labour)
        nonresource = self.per_place(
            firms, lambda f: 0.0 if sec.resource_based[f.sector] else f.value_added)
        return PlaceYear(
            output_by_sector=by_sector, value_added_by_sector=self.per_cell(lambda f: f.value_added),
            real_value_added_by_sector=self.per_cell(
                lambda f: f.output * self.base_unit_value_added[f.sector]),
            labour_by_sector=self.per_cell(lambda f: f.labour),
            firms_by_sector=self.per_cell(lambda f: 1.0), value_added=va,
            wage_bill=self.per_place(firms, lambda f: f.wage(self.governments_ref[f.place]) * f.labour),
            emissions=self.per_place(firms, lambda f: f.emissions), employment=jobs,
            resource_output=by_sector[:, sec.resource_based].sum(axis=1),
            nonprimary_employment_share=np.array([_div(a, b) for a, b in zip(nonprimary, jobs, strict=True)]),
            nonresource_va_share=np.array([_div(a, b, 1.0) for a, b in zip(nonresource, va, strict=True)]),
        )


def fill_rows(rows: list[RefFirm | None], entrants: list[RefFirm]) -> list[RefFirm]:
    """Returns the firms in their new row order: ``rows`` (None where a firm left) plus entrants.

    Entrants take the rows of firms that left, first rows first; extra entrants go at the end.
    If rows stay empty, the list is shortened to the number of firms, and the firms beyond
    that length move, in order, into the empty rows before it, in order.
    """
    rows = list(rows)
    empty = [i for i, f in enumerate(rows) if f is None]
    for i, entrant in zip(empty, entrants, strict=False):
        rows[i] = entrant
    rows += entrants[len(empty):]
    size = len(rows) - len(empty[len(entrants):])
    movers = [f for f in rows[size:] if f is not None]
    gaps = [i for i in empty[len(entrants):] if i < size]
    for i, f in zip(gaps, movers, strict=True):
        rows[i] = f
    return rows[:size]


def beta33_quantile(u: float) -> float:
    """Returns the Beta(3, 3) quantile of u by Newton's method on its CDF (8 iterations)."""
    x = u
    for _ in range(8):
        cdf = x**3 * (10 - 15 * x + 6 * x**2)
        pdf = 30 * x**2 * (1 - x) ** 2
        x = _clip(x - (cdf - u) / max(pdf, 1e-12), 0.0, 1.0)
    return x
