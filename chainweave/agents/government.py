"""City governments: budgets and policy mixes, people and migration, resource reserves.

There is one government per place (row p of `GovernmentTable` is place p). A government owns
the place's population, labour force and urbanization, collects taxes, splits its budget by
its policy mix, and, for resource-based places, tracks reserves and the life-cycle type.
Phases: `allocate_budget` (step 1), `migrate_population` (step 2), `deplete_resources` (part
of step 6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from chainweave.agents.money import book_migration
from chainweave.agents.table import ColumnTable, RowAgent
from chainweave.network import ResourceType, column_sums, row_sums
from chainweave.parameters import POLICY_SHARES

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

# Share of full reserves left at step 0, by life-cycle type (none, growing, mature, declining,
# regenerating): a growing place has most of its reserves, a regenerating one little.
INITIAL_RESERVE_RATIO = np.array([0.0, 0.9, 0.6, 0.3, 0.2])
# Reserve ratio thresholds of the life-cycle types, and the non-resource share of value added
# above which a depleted place counts as regenerating.
MATURE_BELOW, DECLINING_BELOW, REGENERATING_ABOVE = 0.75, 0.4, 0.85


class GovernmentTable(ColumnTable):
    """One row per place: the city government and the place it governs.

    Money in M yuan per year, people in persons, emissions in t CO2.
    """

    COLUMNS: ClassVar[dict[str, type]] = {
        "place": np.int64,
        "population": np.float64,  # residents
        "urban_share": np.float64,  # urban residents / residents, [0, 1]
        "labour_supply": np.float64,  # workers available
        "wage": np.float64,  # M yuan per worker-year
        "tax_revenue": np.float64,  # last year's taxes and emission payments, M yuan
        "budget": np.float64,  # this year's spending, M yuan
        **{name: np.float64 for name in POLICY_SHARES},  # budget shares of the policy mix
        "rd_subsidy_pool": np.float64,  # M yuan for firms' R&D this year
        "talent_spend": np.float64,
        "platform_spend": np.float64,
        "incubator_spend": np.float64,
        "public_services": np.float64,  # stock, M yuan
        "enforcement": np.float64,  # environmental enforcement level, [0, 1)
        "collaboration": np.float64,  # share of the barrier to other jurisdictions removed, [0, 1]
        "carbon_price": np.float64,  # price firms pay per t CO2, yuan
        "emission_standard": np.float64,  # t CO2 per M yuan of output above which firms may be closed
        "bank_factor": np.float64,  # multiplier of local bank capacity (S&T finance policy), >= 0
        "vc_factor": np.float64,  # multiplier of local venture capital (S&T finance policy), >= 0
        "policy_spend": np.float64,  # budget spent by policies above the baseline mix, M yuan
        "resource_type": np.int8,  # ResourceType, updated by the life cycle
        "reserves": np.float64,  # reserve units left
        "full_reserves": np.float64,  # reserve units before any extraction
        "migration_in": np.float64,  # persons arrived this year
        "migration_out": np.float64,  # persons left this year
    }


class CityGovernment(RowAgent):
    """Mesa handle onto one row of `GovernmentTable` (the government of one place)."""

    table_name = "governments"


def allocate_budget(model: ClusterModel) -> None:
    """Step 1: turns last year's taxes into this year's budget and splits it by policy mix.

    budget_p = taxes_p(t-1); each lever k gets share_k,p * budget_p. Public services are a
    stock G_p(t) = (1 - delta_G) G_p(t-1) + spend; enforcement is a level
    e_p = s_p / (s_p + h * E_p(t-1)) in [0, 1), s_p the enforcement spend (yuan), E_p last
    year's emissions (t) and h the spend per tonne that yields e = 0.5.
    """
    g, prm = model.governments, model.params
    g.budget = g.tax_revenue.copy()
    g.rd_subsidy_pool = g.budget * g.rd_subsidy_share
    g.talent_spend = g.budget * g.talent_share
    g.platform_spend = g.budget * g.platform_share
    g.incubator_spend = g.budget * g.incubator_share
    g.public_services = (g.public_services * (1 - prm.public_services_depreciation)
                         + g.budget * g.public_services_share)
    spend_yuan = g.budget * g.enforcement_share * 1e6
    need = prm.enforcement_half_cost * model.last.emissions
    g.enforcement = np.divide(spend_yuan, spend_yuan + need, out=np.zeros(len(g)),
                              where=(spend_yuan + need) > 0)


def place_utility(model: ClusterModel) -> NDArray[np.float64]:
    """Returns each place's attractiveness to residents (dimensionless).

    U_p = b_w ln(w_p e_p / w_0) + b_s ln(1 + G_p / N_p / 1000 yuan) - b_e E_p / N_p, with w the
    wage, e = min(1, last year's jobs / labour supply) the odds of finding work (the expected
    wage of Harris and Todaro 1970), G the public-services stock, N residents and E last
    year's emissions (t CO2).
    """
    g, prm = model.governments, model.params
    per_head_yuan = g.public_services * 1e6 / np.maximum(g.population, 1.0)
    emissions_per_head = model.last.emissions / np.maximum(g.population, 1.0)
    odds = np.minimum(1.0, np.divide(model.last.employment, g.labour_supply,
                                     out=np.ones(len(g)), where=g.labour_supply > 0))
    return (prm.utility_wage * np.log(np.maximum(g.wage * odds, 1e-9) / prm.wage_base)
            + prm.utility_services * np.log1p(per_head_yuan / 1000.0)
            - prm.utility_pollution * emissions_per_head)


def migration_flows(model: ClusterModel) -> sp.csr_matrix:
    """Returns M with M[p, q] = persons moving from q to p this year (zero diagonal).

    A share m of q's residents weighs a move; each chooses p with probability
    w_pq / (1 + sum_p' w_p'q), w_pq = exp(-d_pq / d_m) (1 - b_pq) exp(U_p - U_q - s), where
    staying has weight 1 and s is the preference for staying. Expected flows, no draws.
    The logit shares are computed from log weights shifted by c_q = max(0, max_p ln w_pq),
    w_pq / (1 + sum w) = e^(ln w_pq - c_q) / (e^(-c_q) + sum e^(ln w - c_q)), so that large
    utility gaps cannot overflow.
    """
    g, prm, net = model.governments, model.params, model.net
    u = place_utility(model)
    pairs = net.pairs
    open_share = 1.0 - model.pair_barrier
    log_w = np.where(open_share > 0, -pairs.distance_km / prm.migration_decay_km
                     + np.log(np.maximum(open_share, 1e-300))
                     + u[pairs.dst] - u[pairs.src] - prm.stay_preference, -np.inf)
    shift = np.zeros(net.n)
    np.maximum.at(shift, pairs.src, log_w)
    w = np.exp(log_w - shift[pairs.src])
    weights = sp.csr_matrix((w, (pairs.dst, pairs.src)), shape=(net.n, net.n))
    movers = prm.mobility_rate * g.population / (np.exp(-shift) + column_sums(weights))
    return (weights @ sp.diags(movers)).tocsr()


def migrate_population(model: ClusterModel) -> None:
    """Step 2: moves people between places, then adds natural growth and urbanizes.

    Migration conserves residents exactly; natural growth is the only other change. Movers
    take the mean deposit of the place they leave (`money.book_migration`). The urban
    share closes a fraction of its gap to the non-agricultural share of local jobs.
    """
    g, prm = model.governments, model.params
    flows = migration_flows(model)
    book_migration(model, flows, g.population)
    g.migration_in = row_sums(flows)
    g.migration_out = column_sums(flows)
    g.population = (g.population + g.migration_in - g.migration_out) * (1 + prm.natural_growth_rate)
    target = model.last.nonprimary_employment_share
    g.urban_share = np.clip(g.urban_share + prm.urbanization_speed * (target - g.urban_share), 0, 1)
    g.labour_supply = prm.participation_rate * g.population
    model.step_flows["migration"] = flows


def set_initial_reserves(model: ClusterModel, extraction: NDArray[np.float64]) -> None:
    """Sets full and current reserves of resource places from step-0 extraction.

    Full reserves last ``reserve_years`` at step-0 extraction; the current stock is the share
    of `INITIAL_RESERVE_RATIO` for the place's life-cycle type.
    """
    g = model.governments
    is_resource = g.resource_type > ResourceType.NONE
    ratio = INITIAL_RESERVE_RATIO[g.resource_type]
    full = np.where(is_resource, model.params.reserve_years * np.maximum(extraction, 1e-9)
                    / np.maximum(ratio, 1e-9), 0.0)
    g.full_reserves = full
    g.reserves = full * ratio


def reserve_ratio(model: ClusterModel) -> NDArray[np.float64]:
    """Returns reserves left / full reserves per place (1 for places without reserves)."""
    g = model.governments
    return np.divide(g.reserves, g.full_reserves, out=np.ones(len(g)), where=g.full_reserves > 0)


def deplete_resources(model: ClusterModel) -> None:
    """Step 6c: draws reserves down by resource output and updates life-cycle types.

    reserves -= extraction_per_output * resource-sector output. A resource place is growing
    while reserves exceed 75% of full, mature down to 40%, then declining, or regenerating if
    non-resource industries make more than 85% of its value added.
    """
    g = model.governments
    is_resource = g.resource_type > ResourceType.NONE
    extraction = model.params.extraction_per_output * model.last.resource_output
    g.reserves = np.where(is_resource, np.maximum(g.reserves - extraction, 0.0), 0.0)
    ratio = reserve_ratio(model)
    stage = np.select(
        [ratio > MATURE_BELOW, ratio > DECLINING_BELOW,
         model.last.nonresource_va_share > REGENERATING_ABOVE],
        [ResourceType.GROWING, ResourceType.MATURE, ResourceType.REGENERATING],
        ResourceType.DECLINING,
    )
    g.resource_type = np.where(is_resource, stage, ResourceType.NONE).astype(np.int8)
