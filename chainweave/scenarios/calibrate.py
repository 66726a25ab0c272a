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
from chainweave.scenarios.places import read_data
from chainweave.scenarios.scenario import Scenario, load_scenario

CALIBRATION_SEEDS = tuple(range(2021, 2041))
"""Seeds whose step-0 totals the default scenario's factors fit on average: the scenario's own
(2021) and the next nineteen."""


def prefecture_totals(scenario: Scenario, seed: int | None = None) -> pd.DataFrame:
    """Returns step-0 value added (100m yuan), patents and population per prefecture."""
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
    })
    return frame[frame["population"] > 0].set_index("prefecture")


def mean_prefecture_totals(scenario: Scenario, seeds: Sequence[int | None]) -> pd.DataFrame:
    """Returns `prefecture_totals` averaged over seeds (each seed's step-0 firm draws)."""
    frames = [prefecture_totals(scenario, seed) for seed in seeds]
    return sum(frames[1:], frames[0]) / len(frames)


def calibrate_factors(
    scenario: Scenario, targets: pd.DataFrame, rd_factor_like: dict[str, str],
    passes: int = 10, seeds: Sequence[int | None] = (None,),
) -> pd.DataFrame:
    """Returns calibration factors per prefecture that match step-0 targets.

    Args:
        scenario: The scenario to calibrate (its place table's stored factors are replaced).
        targets: Indexed by prefecture: ``gdp_2021_100m_yuan`` (value added, 100m yuan) and
            ``patents_granted_2021`` (NaN where unknown).
        rd_factor_like: Prefectures without a patent target -> prefecture whose R&D factor
            they take.
        passes: Fixed-point passes, >= 1.
        seeds: Seeds whose step-0 totals are averaged in each pass (None: the scenario's
            own), so that the factors fit the expected step 0, not one draw of its firms.
    """
    prefectures = list(targets.index)
    factors = pd.DataFrame({"productivity_factor": 1.0, "rd_factor": 1.0}, index=prefectures)
    for _ in range(passes):
        current = _with_factors(scenario, factors)
        totals = mean_prefecture_totals(current, seeds).loc[prefectures]
        factors["productivity_factor"] *= targets["gdp_2021_100m_yuan"] / totals["value_added"]
        ratio = targets["patents_granted_2021"] / totals["patents"]
        factors["rd_factor"] *= ratio.fillna(1.0)
        for place, like in rd_factor_like.items():
            factors.loc[place, "rd_factor"] = factors.loc[like, "rd_factor"]
    return factors


def _with_factors(scenario: Scenario, factors: pd.DataFrame) -> Scenario:
    """Returns the scenario with the factors set on every place of each prefecture."""
    graph = scenario.graph
    values = {}
    for name, data in graph.nodes(data=True):
        prefecture = data["prefecture"]
        if prefecture in factors.index:
            values[f"place_overrides.{name}.productivity_factor"] = float(
                factors.at[prefecture, "productivity_factor"])
            values[f"place_overrides.{name}.rd_factor"] = float(factors.at[prefecture, "rd_factor"])
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
    out["how_set"] = ("calibrate.py: step-0 value added and patents of the prefecture match "
                      "hubei_targets.csv on average over seeds 2021-2040")
    out.loc[out["prefecture"] == "Wuhan", "how_set"] = (
        "calibrate.py: value added matches hubei_targets.csv; R&D factor = Yichang's (no patent figure)")
    atomic_write_table(out.round({"productivity_factor": 6, "rd_factor": 6}), path)
    fit = mean_prefecture_totals(_with_factors(scenario, factors), CALIBRATION_SEEDS).loc[targets.index]
    print(pd.concat([targets[["gdp_2021_100m_yuan", "patents_granted_2021"]], fit], axis=1).round(1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
