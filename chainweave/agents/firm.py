"""Firms: the industry chain, and the firm end of the innovation chain.

A firm belongs to a sector (with its chain stage, class, high-tech and resource flags) and a
place. It produces with Y = s A L^alpha K^(1-alpha), sells to buyers in its own and other
places (gravity sourcing of household and intermediate demand along input-output
coefficients), spends on R&D split between innovation and imitation, takes up technology from
institutes, pays wages, interest, taxes and emission costs, and may exit, be founded, or move
down the hierarchy. Phases: `innovate` (step 4b), `produce_and_trade` (step 5),
`settle_accounts` and `exit_enter_relocate` (step 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy import special

from chainweave.agents import knowledge, money
from chainweave.agents.government import reserve_ratio
from chainweave.agents.table import ColumnTable, RowAgent, group_max, group_sum, poisson_counts
from chainweave.errors import ParameterError
from chainweave.network import GravitySplit, gravity_split
from chainweave.parameters import IndustryClass

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

INNOVATION_BETA = 3.0
"""Shape of the symmetric Beta draw of an innovation's productivity jump (Dosi et al. 2010)."""
MARKUP_MIN, MARKUP_MAX = 0.01, 3.0
"""Bounds of a firm's mark-up over unit cost (a floor above cost, a ceiling on market power)."""
STEP0_TURNOVER = 0.09
"""Yearly exit rate whose stationary age distribution step-0 firms' ages are drawn from:
age ~ Geometric(0.09) - 1, mean 10 years (Chinese manufacturing: 8-12%, Brandt, Van
Biesebroeck and Zhang 2012)."""
FRAGILITY_RANGE = 40.0
"""Net worth, in sd of the loss, beyond which a firm's fragility is 0 (erfc(40 / sqrt 2) < 1e-300)."""
NORMAL_PROFITABLE_FLOOR = 0.5
"""Least step-0 share of profitable firms that entry takes as normal: where fewer firms make a
profit at step 0, a cell's entry odds are at most twice `entry_rate`'s, not without bound."""
MAX_WAGE_CHANGE = 0.2
"""Largest yearly change of a place's log wage (wage rigidity; bounds the wage curve)."""


class FirmTable(ColumnTable):
    """One row per firm. Money in M yuan (flows per year), labour in workers."""

    COLUMNS: ClassVar[dict[str, type]] = {
        "place": np.int64,
        "sector": np.int64,
        "productivity": np.float64,  # A, relative units
        "labour": np.float64,  # workers employed this year
        "labour_desired": np.float64,  # workers sought for next year
        "capital": np.float64,
        "net_worth": np.float64,
        "debt": np.float64,
        "rd_share": np.float64,  # own R&D / revenue, [0, 1]
        "markup": np.float64,  # price / unit cost - 1, [MARKUP_MIN, MARKUP_MAX]
        "price": np.float64,  # yuan per unit of output (1 = the base unit), this year
        "market_share": np.float64,  # share of its sector's output in the cluster, last year
        "invested": np.float64,  # capital goods ordered this year, M yuan
        "capital_bought": np.float64,  # capital goods delivered and paid this year, M yuan
        "materials_paid": np.float64,  # inputs paid this year (its share by use), M yuan
        "cash": np.float64,  # money: net worth - capital + debt (negative: overdraft), M yuan
        "position": np.float64,  # value-chain position, [0, 1]
        "age": np.int64,  # years
        "capacity": np.float64,  # output it could make this year
        "demand": np.float64,  # output its buyers asked for
        "output": np.float64,
        "revenue": np.float64,
        "value_added": np.float64,
        "profit": np.float64,
        "emissions": np.float64,  # t CO2
        "rd_own": np.float64,
        "rd_subsidy": np.float64,
        "credit": np.float64,  # new loans this year
        "venture_capital": np.float64,  # equity received this year
        "incubator_support": np.float64,  # incubator grant received this year, M yuan
        "rd_financed": np.float64,  # own R&D paid by this year's venture capital and S&T credit
        "rd_workers": np.float64,  # R&D staff its R&D budget hires this year, FTE
        "incubated": np.bool_,
        "innovated": np.bool_,
        "imitated": np.bool_,
        "transferred": np.bool_,
    }


class Firm(RowAgent):
    """Mesa handle onto one row of `FirmTable`."""

    table_name = "firms"


@dataclass
class PlaceYear:
    """Per-place totals of the last completed year, which next year's phases read as lags.

    Attributes:
        output_by_sector: (places x sectors) output, M yuan.
        value_added_by_sector: (places x sectors) value added, M yuan (current prices).
        real_value_added_by_sector: (places x sectors) value added at step-0 prices, M yuan:
            output x the sector's step-0 value added per unit (`base_unit_value_added`).
        labour_by_sector: (places x sectors) jobs.
        firms_by_sector: (places x sectors) model firms.
        value_added, wage_bill, emissions, employment, resource_output: per place.
        nonprimary_employment_share: Jobs outside primary industry / jobs, [0, 1].
        nonresource_va_share: Value added outside resource sectors / value added, [0, 1].
    """

    output_by_sector: NDArray[np.float64]
    value_added_by_sector: NDArray[np.float64]
    real_value_added_by_sector: NDArray[np.float64]
    labour_by_sector: NDArray[np.float64]
    firms_by_sector: NDArray[np.float64]
    value_added: NDArray[np.float64]
    wage_bill: NDArray[np.float64]
    emissions: NDArray[np.float64]
    employment: NDArray[np.float64]
    resource_output: NDArray[np.float64]
    nonprimary_employment_share: NDArray[np.float64]
    nonresource_va_share: NDArray[np.float64]


def place_year(model: ClusterModel) -> PlaceYear:
    """Returns the per-place totals of the firms' current accounts.

    Sums are taken once per place and sector; place totals and shares follow from them.
    """
    f, sec, n = model.firms, model.sectors, model.net.n
    cell = f.place * sec.n + f.sector

    def by_cell(values: NDArray[np.float64] | None) -> NDArray[np.float64]:
        return group_sum(cell, values, n * sec.n).reshape(n, sec.n)

    output, va, labour = by_cell(f.output), by_cell(f.value_added), by_cell(f.labour)
    primary = sec.industry_class == IndustryClass.PRIMARY
    place_va, jobs = va.sum(axis=1), labour.sum(axis=1)
    return PlaceYear(
        output_by_sector=output,
        value_added_by_sector=va,
        real_value_added_by_sector=output * model.base_unit_value_added[None, :],
        labour_by_sector=labour,
        firms_by_sector=by_cell(None),
        value_added=place_va,
        wage_bill=(labour @ sec.wage_ratio) * model.governments.wage,
        emissions=group_sum(f.place, f.emissions, n),
        employment=jobs,
        resource_output=output[:, sec.resource_based].sum(axis=1),
        nonprimary_employment_share=_share(labour[:, ~primary].sum(axis=1), jobs),
        nonresource_va_share=_share(va[:, ~sec.resource_based].sum(axis=1), place_va, 1.0),
    )


def _share(part: NDArray[np.float64], whole: NDArray[np.float64],
           empty: float = 0.0) -> NDArray[np.float64]:
    """Returns part / whole, ``empty`` where whole is 0."""
    return np.divide(part, whole, out=np.full(len(whole), empty), where=whole > 0)


def initial_firms(model: ClusterModel) -> FirmTable:
    """Returns the step-0 firms: placed by population, sectors by mix, sized by jobs.

    Each place gets firms in proportion to its residents (at least one where there are as many
    firms as places); sectors follow `sector_mix`. A place's step-0 jobs (participation x
    employment rate x residents) are split over its firms by log-normal sizes (sigma 1).
    Productivity is the sector's base times the tier's factor times the place's calibration
    factor, with log-normal noise (sigma 0.15); R&D shares are the sector's times the place's
    R&D factor, with log-normal noise (sigma 0.3), capped at 0.3. Ages are drawn from the
    stationary age distribution of a population with `STEP0_TURNOVER` exits a year. Rows are listed with each
    place's firms spread over the table (`spread_places`), after all draws.
    """
    prm, net, sec, rng = model.params, model.net, model.sectors, model.rng
    pop_share = net.population / net.population.sum()
    floor = 1 if prm.n_firms >= net.n else 0
    base = np.maximum(np.floor(prm.n_firms * pop_share).astype(np.int64), floor)
    rest = max(prm.n_firms - int(base.sum()), 0)
    counts = base + rng.multinomial(rest, pop_share)
    place = np.repeat(np.arange(net.n), counts)
    cum = np.cumsum(sector_mix(model), axis=1)[place]
    sector = np.minimum((cum < rng.random(len(place))[:, None]).sum(axis=1), sec.n - 1)
    size = rng.lognormal(0.0, 1.0, len(place))
    jobs = prm.participation_rate * prm.employment_rate * net.population
    labour = size / group_sum(place, size, net.n)[place] * jobs[place]
    tier = net.tier[place]
    productivity = (sec.base_productivity[sector] * np.asarray(prm.tier_productivity)[tier]
                    * net.productivity_factor[place] * rng.lognormal(0.0, 0.15, len(place)))
    capital = labour * prm.capital_per_worker
    debt = prm.target_leverage * capital * (1 - prm.debt_repayment_rate)  # after last repayment
    position = np.clip(np.asarray(prm.tier_position)[tier] + rng.uniform(-0.1, 0.1, len(place)),
                       0, 1)
    columns = dict(
        place=place, sector=sector, productivity=productivity, labour=labour,
        labour_desired=labour, capital=capital, debt=debt, net_worth=capital - debt,
        rd_share=np.clip(sec.rd_share[sector] * net.rd_factor[place]
                         * rng.lognormal(0, 0.3, len(place)), 0, 0.3),
        position=position, age=rng.geometric(STEP0_TURNOVER, len(place)) - 1,
    )
    order = spread_places(place, net.n)
    return FirmTable(**{name: column[order] for name, column in columns.items()})


def spread_places(place: NDArray[np.int64], n_places: int) -> NDArray[np.int64]:
    """Returns an order of rows sorted by place that spreads each place's rows over the table.

    A place's k-th of c rows goes to relative position (k + 1/2) / c, so neighbouring rows
    rarely share a place. Sums per place (`group_sum`) then run about twice as fast:
    `np.bincount` waits for each addition to a total before the next one to the same total.

    Args:
        place: Place of each row, in ascending order.
        n_places: Number of places.
    """
    counts = np.bincount(place, minlength=n_places)
    rank = np.arange(len(place)) - (np.cumsum(counts) - counts)[place]
    return np.argsort((rank + 0.5) / counts[place], kind="stable")


def sector_mix(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each place's step-0 chance of a firm being in each sector (places x sectors).

    Without industry shares: the sector table's mix for the place's tier, with resource-based
    sectors tripled in resource places, times the place's industry weights (its prefecture's
    specialization: the multipliers of ``net.industry_weights``). With shares sigma_c of
    primary, secondary and tertiary industry in value added: within class c that mix m_s is
    kept, and the firm share is n_s ~ sigma_c (m_s / sum_{s' in c} m_s') / v_s, v_s = base
    productivity x value-added share of sector s, so expected value added splits by class as
    the shares say.
    """
    net, sec = model.net, model.sectors
    mix = sec.tier_mix[:, net.tier].T.copy()
    mix[net.resource_type > 0] *= np.where(sec.resource_based, 3.0, 1.0)
    for p, weights in enumerate(net.industry_weights):
        for name, value in weights.items():
            if name not in sec.names:
                raise ParameterError(f"places[{net.names[p]!r}].industry_weights", name,
                                     "a sector of the sector table (" + ", ".join(sec.names) + ")")
            mix[p, sec.names.index(name)] *= value
    given = ~np.isnan(net.industry_shares[:, 0])
    if given.any():
        one_hot = np.eye(3)[sec.industry_class]  # sectors x classes
        class_total = mix[given] @ one_hot  # places x classes
        within = np.divide(mix[given], (class_total @ one_hot.T), out=np.zeros_like(mix[given]),
                           where=(class_total @ one_hot.T) > 0)
        va_per_firm = sec.base_productivity * sec.value_added_share
        mix[given] = within * (net.industry_shares[given] @ one_hot.T) / va_per_firm
    return mix / mix.sum(axis=1, keepdims=True)


def sample_neighbour(
    weights: sp.csr_matrix, rows: NDArray[np.int64], u: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Returns, for each row index, a column drawn with probability proportional to weight.

    Args:
        weights: Sparse non-negative matrix; every requested row needs a positive entry.
        rows: Row of each draw.
        u: Uniform(0, 1) numbers, one per draw.
    """
    cum = np.cumsum(weights.data)
    start, end = weights.indptr[rows], weights.indptr[rows + 1]
    base = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    target = base + u * (cum[end - 1] - base)
    j = np.clip(np.searchsorted(cum, target, side="right"), start, end - 1)
    return weights.indices[j]


def innovate(model: ClusterModel) -> None:
    """Step 4b: firms spend on R&D, innovate, imitate and take up transferred technology.

    R&D: `fund_rd`; its real value (R&D staff hired x `researcher_cost`) adds to the firm
    knowledge of the place and sector. Knowledge access (`knowledge.knowledge_access`) is
    then taken once for the year. Firms' patents are counted per place: Poisson of the
    knowledge production function (`knowledge.firm_patent_rate`), the sum of the firms'
    Poisson counts.
    Innovation (share xi of real RD): success with 1 - exp(-zeta_in xi RD / revenue x boost),
    an intensity, so the odds do not depend on how many workers a representative firm stands
    for; boost = (a k / k_ref)^e (`knowledge.innovation_boost`): usable knowledge per worker
    of the firm's place and sector against its step-0 mean. A success draws x ~ Beta(3, 3)
    on [low, high], keeps A (1 + x) if better and moves up the value chain:
    pos += g (1 - pos).
    Imitation (the rest): success with 1 - exp(-zeta_im (1 - xi) RD / revenue); the firm
    looks at a place q drawn with weight K[p, q] (its own with weight 1) and closes a share
    a_p (absorptive capacity) of its gap to the best productivity of its sector there.
    Transfer: with probability p_max * k / (k + k_half) * (1 + b c e) / (1 + b), k the
    knowledge useful to its sector reachable per worker of its place
    (`knowledge.reachable_useful`), c intermediary coverage and e their effectiveness, A
    grows by the transfer gain.
    Relay: each place then adds the share `relay_share` of what it absorbed from other places
    to its stock (`knowledge.relay_knowledge`).
    Draws: three uniforms per firm (innovation, imitation and transfer success), then one per
    innovator (its jump), the places' patent counts, and one per imitator (its source place).
    """
    f, prm, rng, n = model.firms, model.params, model.rng, model.net.n
    m = len(f)
    fund_rd(model)
    real = f.rd_workers * prm.researcher_cost
    cell = f.place * model.sectors.n + f.sector
    model.firm_knowledge = ((1 - prm.knowledge_depreciation) * model.firm_knowledge
                            + group_sum(cell, real, model.firm_knowledge.size).reshape(n, -1))
    access = knowledge.knowledge_access(model)

    u_in, u_im, u_tr = rng.random((3, m))
    intensity = np.divide(real, f.revenue, out=np.zeros(m), where=f.revenue > 0)
    boost = knowledge.innovation_boost(model, access).ravel()[cell]
    f.innovated = u_in < -np.expm1(
        -prm.innovation_intensity * prm.rd_innovation_share * intensity * boost)
    lucky = np.flatnonzero(f.innovated)
    jump = prm.innovation_draw_low + (prm.innovation_draw_high - prm.innovation_draw_low) \
        * _beta_from_uniform(rng.random(len(lucky)))
    better = lucky[jump > 0]
    f.productivity[better] *= 1 + jump[jump > 0]
    f.position[lucky] += prm.position_gain * (1 - f.position[lucky])
    model.firm_patents = poisson_counts(
        rng, knowledge.firm_patent_rate(model, access, group_sum(f.place, real, n)))

    best = group_max(cell, f.productivity, n * model.sectors.n).reshape(n, -1)
    f.imitated = u_im < -np.expm1(
        -prm.imitation_intensity * (1 - prm.rd_innovation_share) * intensity)
    who = np.flatnonzero(f.imitated)
    source = sample_neighbour(model.kernel_with_self, f.place[who], rng.random(len(who)))
    target = best[source, f.sector[who]]
    gap = np.maximum(target - f.productivity[who], 0.0)
    f.productivity[who] += access.capacity[f.place[who]] * gap

    f.transferred = u_tr < transfer_odds(model, access).ravel()[cell]
    f.productivity[f.transferred] *= 1 + prm.transfer_gain
    knowledge.relay_knowledge(model, access.absorbed)
    model.step_flows["innovation"] = access.flows


def transfer_odds(model: ClusterModel, access: knowledge.KnowledgeAccess) -> NDArray[np.float64]:
    """Returns (places x sectors) a firm's probability of taking up transferred technology.

    p_max * k / (k + k_half) * (1 + b c e) / (1 + b), k the knowledge useful to the sector
    reachable per worker of the place (`knowledge.reachable_useful`), c the place's
    intermediary coverage and e their effectiveness (see `innovate`).
    """
    prm = model.params
    k = access.reachable
    coverage = (model.intermediary_coverage * model.intermediation_quality)[:, None]
    return (prm.transfer_probability_max * k / (k + prm.absorptive_half)
            * (1 + prm.intermediary_boost * coverage) / (1 + prm.intermediary_boost))


def finance_rd(model: ClusterModel) -> NDArray[np.float64]:
    """Returns what each firm's new finance pays for R&D staff this year, M yuan.

    `vc_rd_share` of the venture capital it received plus, for a firm of a high-tech sector,
    `innovation_credit_share` of its new credit (S&T credit), at most the capital goods it
    ordered: the money is spent on researchers instead of equipment.
    """
    f, prm = model.firms, model.params
    credit = np.where(model.sectors.high_tech[f.sector], prm.innovation_credit_share * f.credit, 0.0)
    return np.minimum(prm.vc_rd_share * f.venture_capital + credit, f.invested)


def fund_rd(model: ClusterModel) -> NDArray[np.float64]:
    """Sets firms' own R&D, subsidy and R&D staff for the year; returns their R&D (M yuan).

    Own R&D = R&D share x last revenue + what new finance pays for (`finance_rd`, taken out
    of the capital goods ordered); the place's subsidy pool is split over its firms in proportion to own R&D
    times the subsidy weight of the firm's sector in its place (1 unless a chain-leader
    policy favours a chain); firms that do no R&D get no subsidy. The R&D budget hires
    researchers at `researcher_cost` x the place's researcher price
    (`knowledge.researcher_price`): more R&D money in a place bids up researchers' wages.
    """
    f, g, prm, n = model.firms, model.governments, model.params, model.net.n
    f.rd_financed = finance_rd(model)
    f.invested -= f.rd_financed  # researchers instead of equipment
    f.rd_own = f.rd_share * f.revenue + f.rd_financed
    claim = f.rd_own  # times the subsidy weight, 1 everywhere unless a policy favours a chain
    if (model.subsidy_weight != 1).any():
        claim = f.rd_own * model.subsidy_weight.ravel()[f.place * model.sectors.n + f.sector]
    claims_here = group_sum(f.place, claim, n)[f.place]
    f.rd_subsidy = np.divide(g.rd_subsidy_pool[f.place] * claim, claims_here,
                             out=np.zeros(len(f)), where=claims_here > 0)
    rd = f.rd_own + f.rd_subsidy
    wage = prm.researcher_cost * knowledge.researcher_price(model, rd)[f.place]
    f.rd_workers = np.divide(rd, wage, out=np.zeros(len(f)), where=wage > 0)  # no R&D, no price
    return rd


def _beta_from_uniform(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns Beta(3, 3) draws from uniforms by inverting its CDF 10u^3 - 15u^4 + 6u^5.

    One uniform per draw, so the per-agent reference implementation can replay them.
    Newton's method, 8 iterations.
    """
    x = u.copy()
    for _ in range(8):
        cdf = x**3 * (10 - 15 * x + 6 * x**2)
        pdf = 30 * x**2 * (1 - x) ** 2
        x = np.clip(x - (cdf - u) / np.maximum(pdf, 1e-12), 0.0, 1.0)
    return x


def produce_and_trade(model: ClusterModel) -> None:
    """Step 5: hire, set wages, produce, and sell along the industry chain.

    Labour and wages: `hire_and_pay`. Capacity: y = s A r L^alpha K^(1-alpha), r the resource
    factor (reserves left / full)^eta for resource sectors in resource places. Demand of place
    p for sector i: `goods_demanded` (households' and governments' spending, capital goods,
    inputs). Households and governments buy `SectorTable.local_share` of their part in p
    itself where p has firms of sector i; p sources the rest from places q in proportion to
    K_trade[p, q] x M_qi (`gravity_split`, itself with weight 1), with M_qi the
    competitiveness-weighted capacity sum of y_f (E_f / E_i)^gamma, E = A (1 + premium pos) / w.
    Demand from outside the cluster grows at a fixed rate and goes to places by M_qi.
    Primary industry is bound to land (`land_limit`): a place's primary capacity counts in
    M_qi only up to its land limit, and its primary demand is capped there. A firm
    gets its place-sector's demand in proportion to y_f (E_f / E_i)^gamma, plus what full
    firms of its cell cannot serve (`overflow_demand`), and sells min(capacity, demand).
    Desired labour next year moves toward what sales need, by at most a fixed share.
    """
    f, prm, sec, n = model.firms, model.params, model.sectors, model.net.n
    hire_and_pay(model)
    cell = f.place * sec.n + f.sector
    resource_factor = np.where(sec.resource_based[None, :],
                               (reserve_ratio(model) ** prm.depletion_elasticity)[:, None], 1.0)
    f.capacity = (prm.output_scale * f.productivity * resource_factor.ravel()[cell]
                  * f.labour ** prm.labour_elasticity * f.capital ** (1 - prm.labour_elasticity))
    materials = model.sector_price @ sec.io  # per unit of each sector's output, last year's prices
    f.price = (1.0 + f.markup) * unit_cost(model, materials)
    competitiveness = quality(model) / f.price
    sector_capacity = group_sum(f.sector, f.capacity, sec.n)
    sector_mean = np.divide(group_sum(f.sector, competitiveness * f.capacity, sec.n),
                            sector_capacity, out=np.ones(sec.n), where=sector_capacity > 0)
    land = land_limit(model)
    cell_capacity = group_sum(cell, f.capacity, n * sec.n).reshape(n, sec.n)
    land_share = np.minimum(1.0, np.divide(land, cell_capacity, out=np.ones_like(land),
                                           where=cell_capacity > 0))
    pull = (f.capacity * land_share.ravel()[cell]
            * (competitiveness / sector_mean[f.sector]) ** prm.competitiveness_exponent)
    mass = group_sum(cell, pull, n * sec.n).reshape(n, sec.n)

    wanted = goods_demanded(model)
    exports = model.export_demand * (1 + prm.export_growth) ** model.time / model.sector_price
    export_mass = mass.sum(axis=0)
    export_orders = np.divide(mass * exports[None, :], export_mass[None, :],
                              out=np.zeros_like(mass), where=export_mass[None, :] > 0)
    goods = gravity_split(wanted.total, mass, model.trade_reach, wanted.local(sec.local_share))
    asked = export_orders + goods.received()
    demand = np.minimum(asked, land)  # demand beyond a place's farmland goes unmet
    cell_mass = mass.ravel()[cell]
    f.demand = np.divide(pull * demand.ravel()[cell], cell_mass, out=np.zeros(len(f)),
                         where=cell_mass > 0)
    f.demand += overflow_demand(f.demand, f.capacity, cell, n * sec.n)
    f.output = np.minimum(f.capacity, f.demand)
    f.revenue = f.output * f.price

    sold = group_sum(cell, f.output, n * sec.n).reshape(n, sec.n)
    fill = np.divide(sold, demand, out=np.zeros_like(sold), where=demand > 0)
    model.step_flows["industry"] = goods.volumes(fill)
    model.purchases = pay_for_goods(model, wanted, goods, export_orders, asked, sold)
    model.unmet = unmet_demand(model, wanted, goods, asked, sold)
    f.value_added = f.revenue - f.materials_paid
    adapt_markups(model)

    gap = np.divide(f.demand, f.capacity, out=np.ones(len(f)), where=f.capacity > 0) - 1.0
    change = np.clip(prm.labour_adjustment * gap, -prm.max_labour_change, prm.max_labour_change)
    f.labour_desired = f.labour * (1 + change)


def hire_and_pay(model: ClusterModel) -> None:
    """Hires each place's workers and sets its wage (the labour market of step 5).

    Each place's firms get their desired labour scaled by min(1, supply / demand). The wage
    follows the place's productivity and its labour market's tightness (a wage curve in
    growth rates, as in Dosi et al. 2010's wage rule):

        ln w_p(t) = ln w_p(t-1) + phi (ln A_p(t) - ln A_p(t-1)) + eps (tau_p(t) - e*)
                    + kappa (tau_p(t) - tau_p(t-1))

    with A_p the labour-weighted mean productivity of the place's firms, tau_p = labour demand
    / supply and e* the step-0 employment rate (`employment_rate`), the change bounded to
    +-`MAX_WAGE_CHANGE` a year. Tight markets raise wages, slack ones lower them, so prices
    (mark-up on unit cost) and with them real demand and employment come back. The last term
    (kappa = `wage_tightness_change_elasticity`) is Dosi et al.'s response of wages to the
    change of unemployment (their psi_3 Delta U / U): wages fall as soon as a market slackens,
    not only once slack has built up, which damps the wage-employment cycle.
    """
    f, g, prm, n = model.firms, model.governments, model.params, model.net.n
    wanted = group_sum(f.place, f.labour_desired, n)
    hired = np.minimum(1.0, np.divide(g.labour_supply, wanted, out=np.ones(n), where=wanted > 0))
    f.labour = f.labour_desired * hired[f.place]
    jobs = group_sum(f.place, f.labour, n)
    mean_a = np.divide(group_sum(f.place, f.labour * f.productivity, n), jobs,
                       out=model.place_productivity.copy(), where=jobs > 0)
    tightness = np.divide(wanted, g.labour_supply, out=np.full(n, prm.employment_rate),
                          where=g.labour_supply > 0)
    change = (prm.wage_productivity_passthrough * np.log(mean_a / model.place_productivity)
              + prm.wage_tightness_elasticity * (tightness - prm.employment_rate)
              + prm.wage_tightness_change_elasticity * (tightness - model.labour_tightness))
    g.wage = g.wage * np.exp(np.clip(change, -MAX_WAGE_CHANGE, MAX_WAGE_CHANGE))
    model.place_productivity, model.labour_tightness = mean_a, tightness


def unit_cost(model: ClusterModel, materials: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns each firm's unit cost at full capacity, yuan per unit of output.

    c = w L / y + m_s: the place's wage times the labour a unit of output takes at the firm's
    capacity, plus the sector's material cost per unit, sum_j io[j, s] P_j at last year's
    sector prices (`ClusterModel.material_cost`).
    """
    f = model.firms
    labour_cost = np.divide(money.firm_wage(model) * f.labour, f.capacity,
                            out=np.zeros(len(f)), where=f.capacity > 0)
    return labour_cost + materials[f.sector]


def quality(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each firm's product quality q = 1 + premium x value-chain position, >= 1."""
    return 1.0 + model.params.position_premium * model.firms.position


@dataclass
class GoodsDemand:
    """(places x sectors) the goods each place's buyers seek this year, in units of output."""

    households: NDArray[np.float64]
    government: NDArray[np.float64]
    investment: NDArray[np.float64]
    intermediates: NDArray[np.float64]

    @property
    def total(self) -> NDArray[np.float64]:
        """All buyers together."""
        return self.households + self.government + self.investment + self.intermediates

    def local(self, local_share: NDArray[np.float64]) -> NDArray[np.float64]:
        """Returns what households and governments buy in their own place (`SectorTable.local_share`)."""
        return (self.households + self.government) * local_share[None, :]


def goods_demanded(model: ClusterModel) -> GoodsDemand:
    """Returns the goods each place's buyers seek this year, in units of output.

    Households spend c x last year's income (`household_income`) and governments their
    public-services budget, both split over sectors by the final-demand shares; firms spend
    the capital goods they ordered (`SectorTable.investment_share` of each yuan); all three
    turned into quantities at last year's sector prices. Firms also order the inputs of last
    year's output, sum_j io[i, j] Y_pj.
    """
    prm, sec, g = model.params, model.sectors, model.governments
    per_unit = (sec.final_demand_share / model.sector_price)[None, :]
    investment = group_sum(model.firms.place, model.firms.invested, model.net.n)
    return GoodsDemand(
        households=(prm.consumption_share * model.household_income)[:, None] * per_unit,
        government=(g.budget * g.public_services_share)[:, None] * per_unit,
        investment=investment[:, None] * (sec.investment_share / model.sector_price)[None, :],
        intermediates=model.last.output_by_sector @ sec.io.T,
    )


def pay_for_goods(model: ClusterModel, wanted: GoodsDemand, goods: GravitySplit,
                  export_orders: NDArray[np.float64], asked: NDArray[np.float64],
                  sold: NDArray[np.float64]) -> money.Purchases:
    """Returns what each place's buyers paid for the goods delivered; sets firms' bills.

    A buyer pays for what it got, at the mean price of the place and sector it bought from:
    each unit asked of cell (q, i) is worth v_qi = (sold_qi / asked_qi) x revenue_qi / sold_qi,
    so place p pays sum_q F_i[p, q] v_qi for good i, shared by its buyers in proportion to
    what they sought; buyers outside pay v_qi per unit of their orders. The payments add up
    to the firms' revenue. A firm pays the share of its place's input bill that its use
    takes: output x sum_i io[i, s] e_pi, e_pi = what p paid for input i / the place's use
    of i this year, sum_j io[i, j] Y_pj (a bill for an input no firm there uses falls on the
    place's firms by labour); and the share of its place's capital-goods bill that its
    orders make (`capital_bought`).
    """
    f, sec, n = model.firms, model.sectors, model.net.n
    cell = f.place * sec.n + f.sector
    revenue = group_sum(cell, f.revenue, n * sec.n).reshape(n, sec.n)
    value = np.divide(revenue, asked, out=np.zeros_like(asked), where=asked > 0)
    paid = goods.delivered_value(value)
    total = wanted.total

    def share(part: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.divide(paid * part, total, out=np.zeros_like(paid), where=total > 0)

    inputs = share(wanted.intermediates)
    use = sold @ sec.io.T
    unit = np.divide(inputs, use, out=np.zeros_like(inputs), where=use > 0)
    unused = np.where(use > 0, 0.0, inputs).sum(axis=1)
    jobs = group_sum(f.place, f.labour, n)
    f.materials_paid = f.output * (unit @ sec.io).ravel()[cell] + np.divide(
        unused[f.place] * f.labour, jobs[f.place], out=np.zeros(len(f)), where=jobs[f.place] > 0)
    capital_goods = share(wanted.investment).sum(axis=1)
    ordered = group_sum(f.place, f.invested, n)
    f.capital_bought = f.invested * np.divide(capital_goods, ordered, out=np.zeros(n),
                                              where=ordered > 0)[f.place]
    return money.Purchases(
        households=share(wanted.households).sum(axis=1),
        government=share(wanted.government).sum(axis=1),
        intermediates=inputs.sum(axis=1), investment=capital_goods,
        exports=(export_orders * value).sum(axis=1))


@dataclass
class UnmetDemand:
    """What each place's buyers sought from the cluster's firms and did not get this year.

    Valued at last year's sector prices (the prices at which buyers turned their spending into
    units), M yuan, by buyer place.

    Attributes:
        total: All buyers: households, government, firms' inputs and capital goods.
        inputs: Firms' inputs. A firm's output does not depend on its inputs arriving and it
            pays only for those delivered, so its production uses these unpaid
            (`docs/ODD.md`, limitations).
    """

    total: NDArray[np.float64]
    inputs: NDArray[np.float64]


def unmet_demand(model: ClusterModel, wanted: GoodsDemand, goods: GravitySplit,
                 asked: NDArray[np.float64], sold: NDArray[np.float64]) -> UnmetDemand:
    """Returns `UnmetDemand`: sought minus delivered, sum_q F_i[p, q] (1 - sold_qi / asked_qi).

    Demand that reaches no supplier (no firm of the sector within reach) counts as unmet too.
    """
    delivered = goods.delivered_value(np.divide(sold, asked, out=np.zeros_like(sold), where=asked > 0))
    total = wanted.total
    short = np.maximum(total - delivered, 0.0) * model.sector_price[None, :]
    inputs = np.divide(short * wanted.intermediates, total, out=np.zeros_like(short), where=total > 0)
    return UnmetDemand(total=short.sum(axis=1), inputs=inputs.sum(axis=1))


def adapt_markups(model: ClusterModel) -> None:
    """Moves mark-ups with market shares, then sets this year's sector prices.

    mu <- mu exp(nu clip(ln f_t - ln f_{t-1}, -1, 1)), f the firm's share of its sector's
    output in the cluster: a firm whose share grows raises its mark-up, one losing share cuts
    it, the log form of Dosi, Fagiolo and Roventini's (2010) rule mu (1 + nu (f_t - f_{t-1}) /
    f_{t-1}), which, unlike the ratio form, does not let the markups of small firms whose
    shares jump drift up on average. The log change is taken relative to the mean of the
    sector's continuing firms, so that shares freed by exits and taken by entrants do not
    move all incumbents' mark-ups together; mu stays in [MARKUP_MIN, MARKUP_MAX]. A firm
    without a share last year or this (an entrant, a firm that sold nothing) keeps its
    mark-up. The sector price index is the
    output-weighted mean price, kept where a sector sold nothing.
    """
    f, sec = model.firms, model.sectors
    sector_output = group_sum(f.sector, f.output, sec.n)
    share = np.divide(f.output, sector_output[f.sector], out=np.zeros(len(f)),
                      where=sector_output[f.sector] > 0)
    both = (share > 0) & (f.market_share > 0)
    growth = np.zeros(len(f))
    growth[both] = np.log(share[both] / f.market_share[both])
    continuing = group_sum(f.sector, both.astype(float), sec.n)
    mean_growth = np.divide(group_sum(f.sector, growth, sec.n), continuing, out=np.zeros(sec.n),
                            where=continuing > 0)
    growth = np.where(both, growth - mean_growth[f.sector], 0.0)
    f.markup = np.clip(f.markup * np.exp(model.params.markup_adjustment * np.clip(growth, -1.0, 1.0)),
                       MARKUP_MIN, MARKUP_MAX)
    f.market_share = share
    model.sector_price = np.divide(group_sum(f.sector, f.revenue, sec.n), sector_output,
                                   out=model.sector_price.copy(), where=sector_output > 0)


def overflow_demand(
    demand: NDArray[np.float64], capacity: NDArray[np.float64], cell: NDArray[np.int64], n_cells: int
) -> NDArray[np.float64]:
    """Returns the demand each firm takes over from full firms of its place and sector.

    Buyers a firm cannot serve (demand above capacity) turn to the firms of the same place
    and sector with spare capacity, in proportion to that spare capacity, as far as it goes.
    Full firms keep their own demand as their signal to grow.
    """
    excess = group_sum(cell, np.maximum(demand - capacity, 0.0), n_cells)
    spare = np.maximum(capacity - demand, 0.0)
    room = group_sum(cell, spare, n_cells)
    taken = np.minimum(1.0, np.divide(excess, room, out=np.zeros(n_cells), where=room > 0))
    return spare * taken[cell]


def land_limit(model: ClusterModel) -> NDArray[np.float64]:
    """Returns (places x sectors) the most each place can sell of each sector, M yuan.

    Primary industry is bound to land: at most `primary_output_per_km2` x area. Other
    sectors are unbounded (infinity).
    """
    primary = model.sectors.industry_class == IndustryClass.PRIMARY
    land = model.params.primary_output_per_km2 * model.net.area_km2
    return np.where(primary[None, :], land[:, None], np.inf)


def carbon_intensity(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each firm's emissions per output, t CO2 per M yuan.

    The sector's intensity at its base productivity, scaled by (A_base / A)^c: more productive
    firms of a sector are cleaner (c = productivity_cleanliness).
    """
    f, sec = model.firms, model.sectors
    relative = sec.base_productivity[f.sector] / f.productivity
    return sec.carbon_intensity[f.sector] * relative ** model.params.productivity_cleanliness


@dataclass
class FirmAccounts:
    """One year's accounts of every firm (M yuan; emissions in t CO2).

    ``carbon_intensity`` is in t CO2 per M yuan of output.
    """

    carbon_intensity: NDArray[np.float64]
    emissions: NDArray[np.float64]
    emission_cost: NDArray[np.float64]
    vat: NDArray[np.float64]
    profit: NDArray[np.float64]
    profit_tax: NDArray[np.float64]
    dividends: NDArray[np.float64]

    @property
    def taxes(self) -> NDArray[np.float64]:
        """What each firm pays its government: VAT, profit tax and emission payments."""
        return self.vat + self.profit_tax + self.emission_cost

    def taxes_by_place(self, place: NDArray[np.int64], n_places: int) -> NDArray[np.float64]:
        """Returns what each place's government collects (`taxes` summed by place)."""
        return group_sum(place, self.taxes, n_places)


def firm_accounts(model: ClusterModel) -> FirmAccounts:
    """Returns the year's accounts of every firm from its output, costs and balance sheet.

    E = intensity x output (`carbon_intensity`). Emission cost = (carbon price + enforcement
    level x compliance cost) x E. Profit = VA (1 - vat) - wages - interest x debt -
    depreciation x K - emission cost - own R&D - overhead, the overhead being the fixed cost
    of the enterprises the firm stands for (`overhead_per_enterprise` x enterprises per
    firm), the same for a small firm as for a large one. Profit tax on positive profit.
    """
    f, g, prm = model.firms, model.governments, model.params
    intensity = carbon_intensity(model)
    emissions = intensity * f.output
    per_tonne = (g.carbon_price + g.enforcement * prm.enforcement_cost)[f.place]
    emission_cost = per_tonne * emissions / 1e6
    vat = prm.vat_rate * np.maximum(f.value_added, 0.0)
    overhead = prm.overhead_per_enterprise * model.enterprises_per_firm
    profit = (f.value_added - vat - money.firm_wage(model) * f.labour - prm.interest_rate * f.debt
              - prm.depreciation_rate * f.capital - emission_cost - f.rd_own - overhead)
    profit_tax = prm.profit_tax_rate * np.maximum(profit, 0.0)
    return FirmAccounts(carbon_intensity=intensity, emissions=emissions, emission_cost=emission_cost,
                        vat=vat, profit=profit, profit_tax=profit_tax,
                        dividends=prm.dividend_payout * np.maximum(profit - profit_tax, 0.0))


def household_income(model: ClusterModel, accounts: FirmAccounts) -> NDArray[np.float64]:
    """Returns each place's household income of the year, M yuan.

    Wages of the firms' workers, their R&D (own and subsidised, paid as researchers'
    wages), their overhead (paid to the people who run the enterprises), the dividends they
    distribute, institutes' funding (researchers' pay), and the government pay of the place
    (`money.government_pay_share` of its budget: civil servants, inspectors, incubator staff
    and transfers), all in the place where the firm, institute or government is
    (`money.household_pay`). Year 0 reads it directly; later years get it from the booking
    of the year's payments (`money.book_year`).
    """
    pay = money.household_pay(model, money.firm_pay(model, accounts))
    return sum((amount for _, amount in pay.values()), np.zeros(model.net.n))


def settle_accounts(model: ClusterModel) -> None:
    """Step 6a: books the year's `firm_accounts`; capital depreciates, debt is repaid.

    The capital goods delivered this year join capital (`capital_bought`, M yuan at the
    price paid), so they work from next year. The year's payments are booked in the money
    accounts (`money.book_year`). Net worth += profit - profit tax - dividends (a share
    `dividend_payout` of profit after tax, when positive); K <- (1 - delta) K;
    debt <- (1 - repayment) debt; age + 1.
    Taxes (VAT, profit tax, emission payments) are the place's revenue for next year's budget;
    the pay booked to its households (`household_income`) is what they spend next year.
    """
    f, prm = model.firms, model.params
    f.capital += f.capital_bought
    accounts = firm_accounts(model)
    model.firm_carbon_intensity = accounts.carbon_intensity  # read by exit, before firms change
    model.household_income = money.book_year(model, accounts)
    f.emissions, f.profit = accounts.emissions, accounts.profit
    f.net_worth += accounts.profit - accounts.profit_tax - accounts.dividends
    f.capital *= 1 - prm.depreciation_rate
    f.debt *= 1 - prm.debt_repayment_rate
    f.age += 1
    model.governments.tax_revenue = accounts.taxes_by_place(f.place, model.net.n)


def exit_enter_relocate(model: ClusterModel) -> None:
    """Step 6b: firms exit, relocate down the hierarchy, and new firms enter.

    Exit: net worth below zero; or labour below the minimum viable size (`min_firm_size` x
    the step-0 mean firm's); or a hazard, the baseline `exit_hazard` plus the firm's
    `fragility` (the odds that an unforeseen loss exceeds its net worth), times 1 - incubator
    effectiveness for an incubated startup, plus the policy exit pressure on the firm's sector in its place (0
    unless a division-of-labour or resource policy retires capacity); or, above the place's
    emission standard, closure with probability equal to the place's enforcement level.
    Relocation (gradient transfer): a firm of a polluting or low-value-added sector (carbon
    intensity above the median sector's, or value-added share below it) in a place with
    child places is pushed by p = rate x x / (x + x_half), x = w_p / min child wage - 1 +
    enforcement; a pushed firm moves to a child place drawn uniformly.
    Entry: entrants per place and sector ~ Poisson(rate x slots x (1 + boost x incubation
    coverage x quality) x profitable share / step-0 profitable share
    (`normal_profitable_share`: founders weigh incumbents' profits against a normal year's)
    x policy entry factor (1 unless a policy favours the sector in the place) x crowding),
    slots = the cell's jobs / the step-0 mean firm size (so the number of firms follows the
    labour force, not its own past), crowding
    = min(1, slots / incumbents) (where the cell's firms are smaller than the step-0 mean, an
    entrant expects less and fewer founders enter); an entrant copies
    its cell's mean productivity with log-normal noise (sigma 0.1), R&D share and value-chain
    position (the place's own calibration, not the sector's default), the geometric mean of
    its mark-ups (a typical incumbent's, not one pulled up by a few), `entrant_relative_size` x
    its mean labour, and the step-0 balance sheet (capital per worker, debt at the target leverage).
    Founders also enter cells without firms, where a place lacks the industry, at the same
    rate per `founding_slots`, taking their sector's means in the cluster (productivity, size,
    mark-up), the sector's R&D share times the place's R&D factor and the tier's position.
    Money: exiting firms are liquidated (`money.book_exits`), movers take their accounts
    with them (`money.book_relocation`), and entrants start with no money
    (`money.book_entrants`).
    Draws: one uniform per firm (exit), then one per firm above its emission standard
    (closure), one per firm that stays and could be pushed (a pushable sector in a place
    with p > 0), one per firm that moves (its destination), the entrants per place and
    sector, and one log-normal per entrant.
    """
    f, g, prm, sec, rng, net = (model.firms, model.governments, model.params, model.sectors,
                                model.rng, model.net)
    m, n = len(f), net.n
    quality = model.incubation_quality
    hazard = (prm.exit_hazard + fragility(model)) * np.where(f.incubated, 1 - quality[f.place], 1.0)
    if model.exit_pressure.any():  # 0 unless a policy retires capacity
        hazard += model.exit_pressure.ravel()[f.place * sec.n + f.sector]
    too_small = f.labour < prm.min_firm_size * model.reference_firm_size
    leaves = (f.net_worth < 0) | too_small | (rng.random(m) < hazard)
    dirty = np.zeros(0, dtype=np.int64)
    if np.isfinite(g.emission_standard).any():  # without a standard (infinite) no firm is dirty
        dirty = np.flatnonzero(model.firm_carbon_intensity > g.emission_standard[f.place])
    leaves[dirty[rng.random(len(dirty)) < g.enforcement[f.place[dirty]]]] = True
    model.step_counts["exits"] = group_sum(f.place[leaves], None, n)
    money.book_exits(model, leaves)

    n_children = np.diff(net.children_offsets)
    cheapest = np.full(n, np.inf)
    np.minimum.at(cheapest, net.parent[net.parent >= 0], g.wage[net.parent >= 0])
    push = np.where(n_children > 0, g.wage / cheapest - 1 + g.enforcement, 0.0).clip(0)
    pushable = ((sec.carbon_intensity > np.median(sec.carbon_intensity))
                | (sec.value_added_share < np.median(sec.value_added_share)))[f.sector]
    p_move = prm.relocation_rate * push / (push + prm.relocation_cost_gap)
    pushed = np.flatnonzero(pushable & ~leaves & (p_move[f.place] > 0))
    movers = pushed[rng.random(len(pushed)) < p_move[f.place[pushed]]]
    origin = f.place[movers]
    pick = net.children_offsets[origin] + (rng.random(len(movers)) * n_children[origin]).astype(np.int64)
    f.place[movers] = net.children[pick]
    money.book_relocation(model, movers, origin)
    model.step_counts["relocations_out"] = group_sum(origin, None, n)
    model.step_counts["relocations_in"] = group_sum(f.place[movers], None, n)
    model.step_flows["relocation"] = sp.csr_matrix(
        (np.ones(len(origin)), (f.place[movers], origin)), shape=(n, n))

    entrants = _entrants(model, ~leaves)
    if entrants:
        money.book_entrants(model, entrants["place"], entrants["debt"])
    gone, uids = f.keep_and_append(~leaves, **entrants)
    model.remove_firm_handles(gone)
    model.add_firm_handles(uids)


def fragility(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each firm's probability that this year's unforeseen loss exceeds its net worth.

    The loss is normal with mean 0 and sd sigma x revenue x (L / L_ref)^-beta, sigma =
    `loss_shock_sd`, beta = `loss_shock_size_elasticity`, L_ref the step-0 mean firm size: a
    larger firm spreads its risks over more products and buyers, so its relative volatility
    is smaller (Stanley et al. 1996 and Amaral et al. 1997 find the sd of firm growth falling
    as size^-0.15 to ^-0.2). The firm fails when the loss wipes out its net worth NW, with
    probability Phi(-NW / sd): the financial fragility of Greenwald and Stiglitz (1993) and
    Delli Gatti et al. (2005), in which the odds of bankruptcy fall with the equity buffer.
    Young firms start with thin buffers and build them up, so failures fall with age.
    Losses that do not sink a firm are not booked. 0 for a firm that sold nothing.
    """
    f, prm = model.firms, model.params
    if prm.loss_shock_sd == 0:
        return np.zeros(len(f))
    size = np.maximum(f.labour / model.reference_firm_size, 1e-12)
    sd = prm.loss_shock_sd * f.revenue * size ** -prm.loss_shock_size_elasticity
    buffer = np.maximum(f.net_worth, 0.0)
    # Past 40 sd the odds are below 1e-300: 0, without dividing by a vanishing sd.
    ratio = np.divide(buffer, sd, out=np.full(len(f), np.inf), where=buffer < FRAGILITY_RANGE * sd)
    return 0.5 * special.erfc(ratio / np.sqrt(2.0))


def _entrants(model: ClusterModel, stays: NDArray[np.bool_]) -> dict[str, NDArray[Any]]:
    """Returns the columns of this year's entrants, drawn from the firms that stay.

    See `exit_enter_relocate`. Sums over the firms that stay are weighted by ``stays``, so
    the firm table is copied once, for exits and entries together.
    """
    f, prm, sec, rng, n = model.firms, model.params, model.sectors, model.rng, model.net.n
    cells = n * sec.n
    cell = f.place * sec.n + f.sector
    weight = stays.astype(float)
    incumbents = group_sum(cell, weight, cells)
    profitable = np.divide(group_sum(cell, weight * (f.profit > 0), cells), incumbents,
                           out=np.zeros(cells), where=incumbents > 0)
    place_of_cell = np.arange(cells) // sec.n
    boost = 1 + prm.incubation_entry_boost * (model.incubation_coverage
                                              * model.incubation_quality)[place_of_cell]
    slots = group_sum(cell, weight * f.labour, cells) / model.reference_firm_size
    crowding = np.minimum(1.0, np.divide(slots, incumbents, out=np.ones(cells), where=incumbents > 0))
    sector_firms = group_sum(f.sector, weight, sec.n)
    founding = founding_slots(model, weight, incumbents, sector_firms)
    entrants = rng.poisson(prm.entry_rate * slots * crowding * boost
                           * profitable / model.normal_profitable_share * model.entry_factor.ravel()
                           + prm.entry_rate * founding * boost / model.normal_profitable_share
                           * model.entry_factor.ravel())
    model.step_counts["entries"] = group_sum(place_of_cell, entrants.astype(float), n)
    if entrants.sum() == 0:
        return {}
    new_cell = np.repeat(np.arange(cells), entrants)
    new_sector = new_cell % sec.n
    founded = incumbents[new_cell] == 0

    def cell_mean(values: NDArray[np.float64]) -> NDArray[np.float64]:
        """The mean over the entrant's cell's firms, or its sector's where the cell has none."""
        in_cell = (group_sum(cell, weight * values, cells) / np.maximum(incumbents, 1))[new_cell]
        if not founded.any():
            return in_cell
        in_sector = (group_sum(f.sector, weight * values, sec.n) / np.maximum(sector_firms, 1))[new_sector]
        return np.where(founded, in_sector, in_cell)

    k = len(new_cell)
    labour = prm.entrant_relative_size * cell_mean(f.labour)
    new_place = new_cell // sec.n
    return dict(
        place=new_place, sector=new_sector,
        productivity=cell_mean(f.productivity) * rng.lognormal(0.0, prm.entrant_productivity_spread, k),
        labour=labour, labour_desired=labour, capital=labour * prm.capital_per_worker,
        net_worth=(1 - prm.target_leverage) * labour * prm.capital_per_worker,
        debt=prm.target_leverage * labour * prm.capital_per_worker,
        rd_share=np.where(founded, np.minimum(sec.rd_share[new_sector] * model.net.rd_factor[new_place], 0.3),
                          cell_mean(f.rd_share)),
        position=np.where(founded, np.asarray(prm.tier_position)[model.net.tier[new_place]],
                          cell_mean(f.position)),
        markup=np.exp(cell_mean(np.log(f.markup))),
    )


def founding_slots(model: ClusterModel, weight: NDArray[np.float64], incumbents: NDArray[np.float64],
                   sector_firms: NDArray[np.float64]) -> NDArray[np.float64]:
    """Returns, per place-sector cell without firms, the slots founders of a new industry see.

    S_ps = f_new x L_p x (L_s / L) / L_ref x pi_s: the firms the place would hold if it had its
    share of the sector's jobs in the cluster (L_p the place's jobs, L_s the sector's, L all, in
    step-0-sized firms), times `founding_share` f_new (founding an industry a place lacks is
    rarer than joining one it has) and the sector's profitable share pi_s in the cluster (what
    founders expect there); 0 for cells with firms, so the cells' incumbents keep their rule.
    """
    f, prm, sec, n = model.firms, model.params, model.sectors, model.net.n
    if prm.founding_share == 0:
        return np.zeros(n * sec.n)
    place_jobs = group_sum(f.place, weight * f.labour, n)
    sector_jobs = group_sum(f.sector, weight * f.labour, sec.n)
    profitable = np.divide(group_sum(f.sector, weight * (f.profit > 0), sec.n), sector_firms,
                           out=np.zeros(sec.n), where=sector_firms > 0)
    expected = np.outer(place_jobs, sector_jobs * profitable / max(sector_jobs.sum(), 1e-300)).ravel()
    return np.where(incumbents == 0, prm.founding_share * expected / model.reference_firm_size, 0.0)
