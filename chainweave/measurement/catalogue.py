"""The catalogue of indicators the model measures per place (and per tier and cluster).

Each indicator is a ratio of two extensive totals of `chainweave.measures.place_totals` (or a
total itself), so a tier or the whole cluster is measured from its summed totals, exactly as a
place is. Index systems (`chainweave.measurement.systems`) name indicators from this catalogue;
every indicator is also a column of the ``places`` table, whatever systems a run scores.

The reference bounds are what an indicator is standardised against when a system takes
"fixed" bounds without giving its own: they span China's range from a poor county to a leading
city (docs/ODD.md section 3.3.13 gives the sources).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class CatalogueIndicator:
    """An indicator: numerator total (minus an optional total) over a denominator total.

    Attributes:
        name: Column name in the places table (snake_case).
        unit: Unit of the value.
        meaning: What it measures, in words.
        numerator: Name of the extensive total on top.
        denominator: Name of the total below; None for a total used as it is (a count).
        scale: Factor applied to the numerator (e.g. 1e6 turns M yuan into yuan).
        minus: Total subtracted from the numerator before dividing (growth rates).
        lower: Reference lower bound, same unit.
        upper: Reference upper bound, > lower.
    """

    name: str
    unit: str
    meaning: str
    numerator: str
    denominator: str | None
    lower: float
    upper: float
    scale: float = 1.0
    minus: str | None = None


CATALOGUE: tuple[CatalogueIndicator, ...] = (
    CatalogueIndicator("nonprimary_va_share", "1", "value added outside primary industry / value "
                       "added, at step-0 prices", "nonprimary_va_real", "value_added_real", 0.6, 1.0),
    CatalogueIndicator("va_per_capita", "yuan/person", "value added per resident, at step-0 prices",
                       "value_added_real", "population", 1e4, 2e5, scale=1e6),
    CatalogueIndicator("high_tech_output_share", "1", "output of high-tech sectors / output",
                       "high_tech_output", "output", 0.0, 0.4),
    CatalogueIndicator("rd_intensity", "1", "R&D spending (firms' own and subsidised, institutes') "
                       "/ value added", "rd_spend", "value_added", 0.0, 0.05),
    CatalogueIndicator("patents_per_10k", "patents per 10,000 residents", "patents granted (firms "
                       "and institutes; all count as invention patents) per 10,000 residents",
                       "patents", "population", 0.0, 50.0, scale=1e4),
    CatalogueIndicator("credit_to_va", "1", "new credit and equity / value added",
                       "new_finance", "value_added", 0.0, 0.3),
    CatalogueIndicator("incubation", "1", "incubator coverage x quality, firm-weighted",
                       "incubation_weight", "firms", 0.0, 1.0),
    CatalogueIndicator("intermediation", "1", "intermediary coverage x quality, firm-weighted",
                       "intermediation_weight", "firms", 0.0, 1.0),
    CatalogueIndicator("urban_share", "1", "urban residents / residents",
                       "urban_population", "population", 0.3, 1.0),
    CatalogueIndicator("public_services_per_head", "yuan/person", "public services stock per "
                       "resident", "public_services", "population", 0.0, 2e4, scale=1e6),
    CatalogueIndicator("public_st_share", "1", "government S&T spending (R&D subsidies, public R&D "
                       "platforms, incubators) / government budget", "public_st_spend", "budget_total",
                       0.0, 0.1),
    CatalogueIndicator("high_tech_enterprises", "enterprises", "high-tech enterprises (model "
                       "firms of high-tech sectors x enterprises per model firm)",
                       "high_tech_enterprises", None, 0.0, 20000.0),
    CatalogueIndicator("gdp_growth", "1/yr", "growth of value added at step-0 prices over the "
                       "previous year (0 in year 0)", "value_added_real", "value_added_previous",
                       -0.05, 0.1, minus="value_added_previous"),
    CatalogueIndicator("service_va_share", "1", "value added of tertiary industry / value added, "
                       "at step-0 prices", "tertiary_va", "value_added_real", 0.2, 0.85),
    CatalogueIndicator("labour_productivity", "yuan/worker", "value added per job, at step-0 "
                       "prices", "value_added_real", "employment", 2e4, 4e5, scale=1e6),
    CatalogueIndicator("enterprise_rd_intensity", "1", "firms' own R&D spending / value added",
                       "enterprise_rd", "value_added", 0.0, 0.04),
    CatalogueIndicator("public_st_intensity", "1", "government S&T spending / value added",
                       "public_st_spend", "value_added", 0.0, 0.01),
    CatalogueIndicator("emissions_per_va", "t CO2 per M yuan", "emissions / value added (a cost "
                       "indicator: lower is better)", "emissions", "value_added", 0.0, 300.0),
)
"""Every indicator the model measures, in places-table column order."""

BY_NAME: dict[str, CatalogueIndicator] = {i.name: i for i in CATALOGUE}
"""The catalogue by indicator name."""

INNOVATIVE_CITY: tuple[str, ...] = (
    "rd_intensity", "public_st_share", "patents_per_10k", "high_tech_enterprises", "gdp_growth",
    "service_va_share", "labour_productivity",
)
"""The seven key indicators of a national innovative city (seed 003), as catalogue names."""


def _ratio(a: NDArray[np.float64], b: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Returns a * scale / b, 0 where b is not positive."""
    return np.divide(a * scale, b, out=np.zeros(len(a)), where=b > 0)


def indicator_values(totals: Mapping[str, NDArray[np.float64]],
                     names: tuple[str, ...] | None = None) -> dict[str, NDArray[np.float64]]:
    """Returns catalogue indicators computed from extensive totals (any grouping of places).

    Args:
        totals: Extensive totals by name, one value per place (or tier, or cluster).
        names: Indicators to compute; default the whole catalogue.

    Raises:
        KeyError: If a total an indicator needs is missing.
    """
    out = {}
    for name in names or BY_NAME:
        i = BY_NAME[name]
        top = totals[i.numerator] if i.minus is None else totals[i.numerator] - totals[i.minus]
        out[name] = (np.asarray(top, dtype=np.float64).copy() if i.denominator is None
                     else _ratio(top, totals[i.denominator], i.scale))
    return out
