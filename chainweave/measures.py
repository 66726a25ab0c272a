"""Step 7: indicators, subsystem scores and coupling coordination per place, tier and cluster.

Each year the model turns its state into extensive totals per place (residents, value added,
R&D, patents, credit, ...), derives every indicator of the catalogue from them
(`chainweave.measurement.catalogue`), and scores them under each index system of the run
(`chainweave.measurement.systems`): the ``default`` system (fixed reference bounds, the same for
every run and scenario, so scores compare across policies; four equal-weight subsystems; the
standard coupling form) gives the unprefixed score_*, C, T and D columns, every other system
its ``<name>_`` columns. Tiers and the cluster are scored the same way from their summed
totals, not by averaging place scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from chainweave.agents import money
from chainweave.agents.money import Sector
from chainweave.agents.table import group_sum
from chainweave.measurement import IndexSystem, indicator_values, load_system
from chainweave.parameters import IndustryClass

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

DEFAULT_SYSTEM: IndexSystem = load_system("default")
"""The engine's own system (four subsystems, ten indicators, fixed bounds, equal weights,
standard coupling, theta 0.5): its columns are the tables' unprefixed score_*, C, T and D."""
COUPLING_VARIANT = DEFAULT_SYSTEM.coupling
"""Coupling form of the unprefixed C column (see `chainweave.analysis.coupling_degree`)."""
SUBSYSTEMS: tuple[str, ...] = tuple(s.name for s in DEFAULT_SYSTEM.subsystems)
"""Subsystems of the default system, whose scores are the unprefixed ``score_*`` columns."""

EXTENSIVE: tuple[str, ...] = (
    "population", "urban_population", "value_added", "nonprimary_va", "value_added_real",
    "nonprimary_va_real", "output",
    "high_tech_output", "rd_spend", "patents", "new_finance", "public_services", "firms",
    "incubation_weight", "intermediation_weight", "employment", "emissions", "labour_supply",
    "researchers", "rd_workers", "value_added_previous", "tertiary_va", "enterprise_rd", "public_st_spend",
    "budget_total", "high_tech_enterprises", "household_income", "household_deposits",
    "unmet_demand", "unmet_inputs", "labour_compensation",
)
"""Totals per place that can be summed over tiers and the cluster."""


def place_totals(model: ClusterModel) -> dict[str, NDArray[np.float64]]:
    """Returns the extensive totals of each place for the year just completed.

    Firm totals come from ``model.last`` (`chainweave.agents.firm.place_year`), which the
    measure phase has just taken. ``value_added_real`` and ``nonprimary_va_real`` are value
    added at step-0 prices, and so are ``tertiary_va`` and ``value_added_previous`` (the real
    value added the previous year recorded; this year's in year 0, so growth starts at 0);
    ``household_income`` is what the place's households were paid this year (what they spend
    from next year, `chainweave.agents.firm.household_income`) and ``household_deposits``
    the money they hold at its end (`chainweave.agents.money.MoneyLedger`), both M yuan;
    ``labour_compensation`` is what the place's firms (those in the table at the year's end,
    as for ``value_added``) pay their workers, R&D staff and managers (wages, R&D wages and
    overhead: `chainweave.agents.money.firm_labour_pay`), M yuan; ``unmet_demand``
    and ``unmet_inputs`` are what the place's buyers (all of them; its firms,
    for their inputs) sought from the cluster's firms and did not get
    (`chainweave.agents.firm.UnmetDemand`), M yuan at last year's prices;
    ``budget_total`` is the government's budget (M yuan) and ``public_st_spend`` its S&T part
    (R&D subsidies, public R&D platforms, incubators); ``high_tech_enterprises`` counts model
    firms of high-tech sectors times the enterprises each model firm stands for.
    """
    f, g, inst, sec, n, last = (model.firms, model.governments, model.institutes, model.sectors,
                                model.net.n, model.last)
    firms = last.firms_by_sector.sum(axis=1)
    nonprimary = sec.industry_class != IndustryClass.PRIMARY
    tertiary = sec.industry_class == IndustryClass.TERTIARY
    previous = model._records[-1]["value_added_real"] if model._records \
        else last.real_value_added_by_sector.sum(axis=1)
    return {
        "population": g.population.copy(),
        "urban_population": g.population * g.urban_share,
        "value_added": last.value_added.copy(),
        "nonprimary_va": last.value_added_by_sector[:, nonprimary].sum(axis=1),
        "value_added_real": last.real_value_added_by_sector.sum(axis=1),
        "nonprimary_va_real": last.real_value_added_by_sector[:, nonprimary].sum(axis=1),
        "output": last.output_by_sector.sum(axis=1),
        "high_tech_output": last.output_by_sector[:, sec.high_tech].sum(axis=1),
        "rd_spend": group_sum(f.place, f.rd_own + f.rd_subsidy, n)
        + group_sum(inst.place, inst.funding, n),
        "patents": model.firm_patents + group_sum(inst.place, inst.patents, n),
        "new_finance": group_sum(f.place, f.credit + f.venture_capital, n),
        "public_services": g.public_services.copy(),
        "firms": firms,
        "incubation_weight": firms * model.incubation_coverage * model.incubation_quality,
        "intermediation_weight": firms * model.intermediary_coverage * model.intermediation_quality,
        "employment": last.employment.copy(),
        "emissions": last.emissions.copy(),
        "labour_supply": g.labour_supply.copy(),
        "researchers": group_sum(inst.place, inst.researchers, n),
        "rd_workers": group_sum(f.place, f.rd_workers, n),
        "value_added_previous": np.array(previous, dtype=np.float64),
        "tertiary_va": last.real_value_added_by_sector[:, tertiary].sum(axis=1),
        "enterprise_rd": group_sum(f.place, f.rd_own, n),
        "public_st_spend": g.rd_subsidy_pool + g.platform_spend + g.incubator_spend,
        "budget_total": g.budget.copy(),
        "high_tech_enterprises": last.firms_by_sector[:, sec.high_tech].sum(axis=1)
        * model.enterprises_per_firm,
        "household_income": model.household_income.copy(),
        "household_deposits": model.ledger.balance[Sector.HOUSEHOLDS].copy(),
        "labour_compensation": group_sum(f.place, sum(money.firm_labour_pay(model).values()), n),
        "unmet_demand": model.unmet.total.copy(),
        "unmet_inputs": model.unmet.inputs.copy(),
    }


def score_rows(values: dict[str, NDArray[np.float64]], systems: Sequence[IndexSystem]
               ) -> dict[str, NDArray[np.float64]]:
    """Returns every system's score_*, C, T and D columns, prefixed (`IndexSystem.prefix`)."""
    out = {}
    for system in systems:
        p = system.prefix()
        out.update({f"{p}{k}": v for k, v in system.score(values).items()})
    return out


def score_groupings(
    totals: dict[str, NDArray[np.float64]], groupings: Sequence[tuple[NDArray[np.int64], int]],
    systems: Sequence[IndexSystem] = (DEFAULT_SYSTEM,),
) -> list[dict[str, NDArray[np.float64]]]:
    """Returns totals, indicators and every system's scores and C/T/D of each grouping.

    A grouping is e.g. every place alone, the tiers, or the whole cluster; its groups' totals
    are the sums of their places' totals.

    Indicators, scores and C/T/D are computed group by group (row by row), so the groups of
    all groupings are scored together, in one call of each function.

    Args:
        totals: Extensive totals per place (`place_totals`).
        groupings: (group of each place, number of groups) for each grouping.
        systems: Fitted index systems; ``default`` writes unprefixed columns.
    """
    sums = [{k: np.bincount(groups, weights=v, minlength=n_groups) for k, v in totals.items()}
            for groups, n_groups in groupings]
    summed = {k: np.concatenate([s[k] for s in sums]) for k in totals}
    values = indicator_values(summed)
    every = {**summed, **values, **score_rows(values, systems)}
    ends = np.cumsum([n_groups for _, n_groups in groupings])
    return [{k: v[end - n_groups:end] for k, v in every.items()}
            for (_, n_groups), end in zip(groupings, ends, strict=True)]
