"""Calibration of a bundled cluster's step 0 to its prefectures' output and patents.

Each prefecture (a secondary city with its counties, or the core) gets two factors that scale
its places' step-0 firms: ``productivity_factor`` (firm productivity, hence value added) and
``rd_factor`` (firms' R&D shares and institutes' researchers, hence patents). Starting from 1,
each pass builds the scenario's model at several seeds (`CALIBRATION_SEEDS` for the default
scenario), measures step-0 value added and patents per prefecture, averaged over the seeds'
firm draws, and multiplies each factor by target / measured; a few passes converge because
value added is proportional to productivity and patents to R&D. Prefectures without a patent
target take the R&D factor of ``rd_factor_like`` (Wuhan takes Yichang's). The factors are
written to ``data/<table>_calibration.csv``, which the place table reads.

Run ``python -m chainweave.scenarios.calibrate`` to recompute the default scenario's factors.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from chainweave.agents.table import group_sum
from chainweave.results import atomic_write_table
from chainweave.scenarios.places import (
    YIJING_JINGEN_CITIES,
    industry_weights,
    read_data,
    specialized_industries,
)
from chainweave.scenarios.scenario import Scenario, load_scenario

PLACE_TABLE = "yijing_jingen"
"""The place table the default scenario uses, whose calibration file this module writes."""
SPECIALIZATION_STEP = 1.5
"""Exponent of the specialization factor's update: the index rises less than in proportion
to lambda (it saturates as the specialized industries take over), so a step above 1 converges
in fewer passes."""
LAST_PASSES_FIXED = 5
"""Final passes of `calibrate_factors` that keep the specialization factors fixed."""
SPECIALIZATION_MAX = 100.0
"""Largest specialization factor (the listed industries' weight at most 101 times the tier
mix's): where a target cannot be reached (the index saturates as the listed industries take
over a prefecture's industry) the fit stops there instead of letting lambda grow without
bound. The default scenario's factors stay below it (largest: Enshi's, 13.8)."""
CALIBRATION_SEEDS = tuple(range(2021, 2041))
"""Seeds whose step-0 totals the default scenario's factors fit on average: the scenario's own
(2021) and the next nineteen."""


def prefecture_totals(scenario: Scenario, seed: int | None = None,
                      among: Sequence[str] = YIJING_JINGEN_CITIES) -> pd.DataFrame:
    """Returns step-0 value added (100m yuan), patents, population and specialization per prefecture.

    ``specialization`` is the relative specialization index of each prefecture of ``among``
    against the others (seed 004, eq. 1, on the places table's ``output_<sector>`` columns of
    the industrial sectors, as `chainweave.validation.statistics.specialization_of`; NaN for
    the other prefectures and where the scenario has fewer than two of them).
    """
    from chainweave.analysis import specialization_index

    model = scenario.build_model(seed=seed, record_flows=False, firm_handles=False, steps=0)
    net = model.net
    names = np.asarray(net.names)
    places = model.tables()["places"]
    key = net.jurisdiction[places["place"].to_numpy()]
    n = net.n
    frame = pd.DataFrame({
        "prefecture": names,
        "value_added": group_sum(key, places["value_added"].to_numpy() / 100.0, n),
        "patents": group_sum(key, places["patents"].to_numpy(), n),
        "population": group_sum(key, places["population"].to_numpy(), n),
    }).set_index("prefecture")
    present = [p for p in among if p in frame.index]
    frame["specialization"] = np.nan
    if len(present) > 1:
        output = places[[f"output_{s}" for s in model.sectors.industrial_names]].groupby(names[key]).sum()
        frame.loc[present, "specialization"] = specialization_index(output.loc[present])
    return frame[frame["population"] > 0]


def mean_prefecture_totals(scenario: Scenario, seeds: Sequence[int | None]) -> pd.DataFrame:
    """Returns `prefecture_totals` averaged over seeds (each seed's step-0 firm draws)."""
    frames = [prefecture_totals(scenario, seed) for seed in seeds]
    return sum(frames[1:], frames[0]) / len(frames)


def calibrate_factors(
    scenario: Scenario, targets: pd.DataFrame, rd_factor_like: dict[str, str],
    passes: int = 25, seeds: Sequence[int | None] = (None,),
) -> pd.DataFrame:
    """Returns calibration factors per prefecture that match step-0 targets.

    Where ``targets`` has a ``specialization_index``, the prefecture's specialization factor
    lambda (its specialized industries' step-0 weight is 1 + lambda, ``data/<table>_specialization.csv``)
    is fitted to it too: lambda *= (target / measured)^`SPECIALIZATION_STEP` each pass, from 1,
    at most `SPECIALIZATION_MAX`, but for the last `LAST_PASSES_FIXED` passes, which fit the
    other two factors with lambda fixed (a change of the mix moves value added and patents).

    Args:
        scenario: The scenario to calibrate (its place table's stored factors are replaced).
        targets: Indexed by prefecture: ``gdp_2021_100m_yuan`` (value added, 100m yuan),
            ``patents_granted_2021`` and optionally ``specialization_index`` (NaN where unknown).
        rd_factor_like: Prefectures without a patent target -> prefecture whose R&D factor
            they take.
        passes: Fixed-point passes, > `LAST_PASSES_FIXED` where specialization is fitted.
        seeds: Seeds whose step-0 totals are averaged in each pass (None: the scenario's
            own), so that the factors fit the expected step 0, not one draw of its firms.
    """
    prefectures = list(targets.index)
    aimed = targets.get("specialization_index", pd.Series(np.nan, index=prefectures)).notna()
    factors = pd.DataFrame({"productivity_factor": 1.0, "rd_factor": 1.0,
                            "specialization_factor": np.where(aimed, 1.0, 0.0)}, index=prefectures)
    for k in range(passes):
        current = _with_factors(scenario, factors)
        totals = mean_prefecture_totals(current, seeds).loc[prefectures]
        factors["productivity_factor"] *= targets["gdp_2021_100m_yuan"] / totals["value_added"]
        ratio = targets["patents_granted_2021"] / totals["patents"]
        factors["rd_factor"] *= ratio.fillna(1.0)
        if aimed.any() and k < passes - LAST_PASSES_FIXED:
            ratio = targets.loc[aimed, "specialization_index"] / totals.loc[aimed, "specialization"]
            factors.loc[aimed, "specialization_factor"] = (
                factors.loc[aimed, "specialization_factor"] * ratio ** SPECIALIZATION_STEP
            ).clip(upper=SPECIALIZATION_MAX)
        for place, like in rd_factor_like.items():
            factors.loc[place, "rd_factor"] = factors.loc[like, "rd_factor"]
    return factors


def _with_factors(scenario: Scenario, factors: pd.DataFrame) -> Scenario:
    """Returns the scenario with the factors set on every place of each prefecture."""
    graph = scenario.graph
    industries = specialized_industries(PLACE_TABLE)
    values = {}
    for name, data in graph.nodes(data=True):
        prefecture = data["prefecture"]
        if prefecture in factors.index:
            values[f"place_overrides.{name}.productivity_factor"] = float(
                factors.at[prefecture, "productivity_factor"])
            values[f"place_overrides.{name}.rd_factor"] = float(factors.at[prefecture, "rd_factor"])
            values[f"place_overrides.{name}.industry_weights"] = industry_weights(
                industries.get(prefecture, []), float(factors.at[prefecture, "specialization_factor"]))
    return scenario.with_values(values)


def main(argv: list[str] | None = None) -> int:
    """Recomputes and writes the default scenario's calibration file; prints the fit."""
    del argv
    scenario = load_scenario("yijing_jingen").with_values({"place_overrides": {}})
    targets = read_data("hubei_targets.csv").set_index("city")
    factors = calibrate_factors(scenario, targets, rd_factor_like={"Wuhan": "Yichang"},
                                seeds=CALIBRATION_SEEDS)
    path = Path(str(resources.files("chainweave.scenarios") / "data" / "yijing_jingen_calibration.csv"))
    out = factors.rename_axis("prefecture").reset_index()
    out["how_set"] = ("calibrate.py: step-0 value added, patents and specialization index of the "
                      "prefecture match hubei_targets.csv on average over seeds 2021-2040")
    out.loc[out["prefecture"] == "Wuhan", "how_set"] = (
        "calibrate.py: value added matches hubei_targets.csv; R&D factor = Yichang's (no patent "
        "figure); no specialization (not among the four cities of the index)")
    atomic_write_table(out.round({"productivity_factor": 6, "rd_factor": 6,
                                  "specialization_factor": 6}), path)
    fit = mean_prefecture_totals(_with_factors(scenario, factors), CALIBRATION_SEEDS).loc[targets.index]
    print(pd.concat([targets[["gdp_2021_100m_yuan", "patents_granted_2021"]], fit], axis=1).round(1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
