"""Step 7: indicators, subsystem scores and coupling coordination per place, tier and cluster.

Each year the model turns its state into extensive totals per place (residents, value added,
R&D, patents, credit, ...), derives ratio indicators from them, standardises the indicators
against fixed reference bounds (the same for every run and scenario, so scores compare across
policies), averages them into four subsystem scores, and computes C, T and D with the
`chainweave.analysis` functions. Tiers and the cluster are scored the same way from their
summed totals, not by averaging place scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from chainweave.agents.table import group_sum
from chainweave.analysis import (
    comprehensive_index,
    coordination_degree,
    coupling_degree,
    minmax_standardize,
)
from chainweave.parameters import IndustryClass

if TYPE_CHECKING:
    from chainweave.model import ClusterModel

COUPLING_VARIANT = "standard"
"""Coupling form used for the engine's C column (see `chainweave.analysis.coupling_degree`)."""
THETA = 0.5
"""Exponent of D = (C T)^theta (Henan paper: 0.5)."""


@dataclass(frozen=True)
class Indicator:
    """A ratio indicator with its fixed reference bounds (values outside are clipped)."""

    name: str
    subsystem: str
    lower: float
    upper: float
    unit: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("nonprimary_va_share", "industry", 0.6, 1.0, "1"),
    Indicator("va_per_capita", "industry", 1e4, 2e5, "yuan/person"),
    Indicator("high_tech_output_share", "industry", 0.0, 0.4, "1"),
    Indicator("rd_intensity", "innovation", 0.0, 0.05, "R&D / value added"),
    Indicator("patents_per_10k", "innovation", 0.0, 50.0, "patents per 10,000 residents"),
    Indicator("credit_to_va", "service", 0.0, 0.3, "new credit and equity / value added"),
    Indicator("incubation", "service", 0.0, 1.0, "startups hosted x incubator quality"),
    Indicator("intermediation", "service", 0.0, 1.0, "intermediary coverage x quality"),
    Indicator("urban_share", "urbanization", 0.3, 1.0, "1"),
    Indicator("public_services_per_head", "urbanization", 0.0, 2e4, "yuan/person"),
)
"""Indicators by subsystem. Bounds span China's range from a poor county to a megacity:
value added per head 10,000-200,000 yuan (2020 county and city range), R&D intensity up to
5% (Beijing-Shenzhen level), 50 patents per 10,000 residents (leading cities), urbanization
30-100%; see docs/ODD.md."""

SUBSYSTEMS: tuple[str, ...] = ("industry", "innovation", "service", "urbanization")

EXTENSIVE: tuple[str, ...] = (
    "population", "urban_population", "value_added", "nonprimary_va", "value_added_real",
    "nonprimary_va_real", "output",
    "high_tech_output", "rd_spend", "patents", "new_finance", "public_services", "firms",
    "incubation_weight", "intermediation_weight", "employment", "emissions", "labour_supply",
    "researchers",
)
"""Totals per place that can be summed over tiers and the cluster."""


def place_totals(model: ClusterModel) -> dict[str, NDArray[np.float64]]:
    """Returns the extensive totals of each place for the year just completed.

    Firm totals come from ``model.last`` (`chainweave.agents.firm.place_year`), which the
    measure phase has just taken.
    """
    f, g, inst, sec, n, last = (model.firms, model.governments, model.institutes, model.sectors,
                                model.net.n, model.last)
    firms = last.firms_by_sector.sum(axis=1)
    nonprimary = sec.industry_class != IndustryClass.PRIMARY
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
    }


def indicators(totals: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    """Returns the ratio indicators of `INDICATORS` from extensive totals (any grouping).

    Shares and levels of value added are taken at constant (step-0) prices, so that price
    changes do not move them; R&D and credit are set against current-price value added.
    """

    def ratio(a: NDArray[np.float64], b: NDArray[np.float64], scale: float = 1.0):
        return np.divide(a * scale, b, out=np.zeros(len(a)), where=b > 0)

    t = totals
    return {
        "nonprimary_va_share": ratio(t["nonprimary_va_real"], t["value_added_real"]),
        "va_per_capita": ratio(t["value_added_real"], t["population"], 1e6),
        "high_tech_output_share": ratio(t["high_tech_output"], t["output"]),
        "rd_intensity": ratio(t["rd_spend"], t["value_added"]),
        "patents_per_10k": ratio(t["patents"], t["population"], 1e4),
        "credit_to_va": ratio(t["new_finance"], t["value_added"]),
        "incubation": ratio(t["incubation_weight"], t["firms"]),
        "intermediation": ratio(t["intermediation_weight"], t["firms"]),
        "urban_share": ratio(t["urban_population"], t["population"]),
        "public_services_per_head": ratio(t["public_services"], t["population"], 1e6),
    }


def subsystem_scores(values: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    """Returns the four subsystem scores in [0, 1]: equal-weight means of their indicators.

    Each indicator is min-max standardised against its fixed bounds in `INDICATORS`.
    """
    scores = {}
    for subsystem in SUBSYSTEMS:
        members = [i for i in INDICATORS if i.subsystem == subsystem]
        matrix = np.column_stack([values[i.name] for i in members])
        scaled = minmax_standardize(matrix, [i.lower for i in members], [i.upper for i in members])
        scores[subsystem] = scaled.mean(axis=1)
    return scores


def coordination(scores: dict[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    """Returns C (standard n-system coupling), T (equal weights) and D = sqrt(C T)."""
    matrix = np.column_stack([scores[s] for s in SUBSYSTEMS])
    c = np.asarray(coupling_degree(matrix, variant=COUPLING_VARIANT))
    t = np.asarray(comprehensive_index(matrix))
    return {"C": c, "T": t, "D": np.asarray(coordination_degree(c, t, theta=THETA))}


def score_groupings(
    totals: dict[str, NDArray[np.float64]], groupings: Sequence[tuple[NDArray[np.int64], int]]
) -> list[dict[str, NDArray[np.float64]]]:
    """Returns indicators, subsystem scores and C/T/D of each grouping of the places.

    A grouping is e.g. every place alone, the tiers, or the whole cluster; its groups' totals
    are the sums of their places' totals.

    Indicators, scores and C/T/D are computed group by group (row by row), so the groups of
    all groupings are scored together, in one call of each function.

    Args:
        totals: Extensive totals per place (`place_totals`).
        groupings: (group of each place, number of groups) for each grouping.
    """
    sums = [{k: np.bincount(groups, weights=v, minlength=n_groups) for k, v in totals.items()}
            for groups, n_groups in groupings]
    summed = {k: np.concatenate([s[k] for s in sums]) for k in totals}
    values = indicators(summed)
    scores = subsystem_scores(values)
    every = {**summed, **values, **{f"score_{k}": v for k, v in scores.items()}, **coordination(scores)}
    ends = np.cumsum([n_groups for _, n_groups in groupings])
    return [{k: v[end - n_groups:end] for k, v in every.items()}
            for (_, n_groups), end in zip(groupings, ends, strict=True)]
