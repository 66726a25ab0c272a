"""What the dashboard lets a user choose, and the model it builds from those choices.

Kept apart from the Solara page so that it imports without the ``dashboard`` extra and is
tested on its own: `build_cluster_model` is the one place that turns a scenario name, a seed
and lever values into a `ClusterModel`, and `DashboardModel` is the Mesa model SolaraViz
drives (SolaraViz re-creates the model from keyword arguments on Reset, so the choices are
its constructor's arguments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import pandas as pd

from chainweave.model import ClusterModel
from chainweave.parameters import ModelParams
from chainweave.scenarios import POLICIES, list_scenarios, load_scenario

NO_POLICY = "none"
"""Choice of the policy menu that adds no library policy."""

DEFAULT_SCENARIO = "yijing_jingen"
"""Scenario the dashboard opens with (the package's default scenario)."""

SCENARIO_ENV = "CHAINWEAVE_DASHBOARD_SCENARIO"
"""Environment variable naming the scenario the page opens with (set by ``run.py dashboard``)."""

SEED_ENV = "CHAINWEAVE_DASHBOARD_SEED"
"""Environment variable giving the seed the page opens with."""

DEFAULT_FIRMS = 2000
"""Model firms in a dashboard run: enough for stable scores, fast enough to step live."""


@dataclass(frozen=True)
class Lever:
    """A `ModelParams` policy lever as a dashboard slider.

    Attributes:
        name: The `ModelParams` field.
        label: Slider label with the unit.
        low: Slider minimum (within the field's admissible range).
        high: Slider maximum.
        step: Slider increment.
    """

    name: str
    label: str
    low: float
    high: float
    step: float

    @property
    def default(self) -> float:
        """The field's default in `ModelParams` (the status quo)."""
        return float(ModelParams.__dataclass_fields__[self.name].default)


LEVERS: tuple[Lever, ...] = (
    Lever("rd_subsidy_share", "R&D subsidy (share of budget)", 0.0, 0.2, 0.005),
    Lever("talent_share", "talent attraction (share of budget)", 0.0, 0.1, 0.005),
    Lever("incubator_share", "incubators (share of budget)", 0.0, 0.05, 0.001),
    Lever("platform_share", "public R&D platforms (share of budget)", 0.0, 0.1, 0.005),
    Lever("collaboration", "collaboration (share of barrier removed)", 0.0, 1.0, 0.05),
    Lever("carbon_price", "carbon price (yuan/t CO2)", 0.0, 300.0, 10.0),
)
"""The sliders, in the order shown; defaults are the status-quo values of `ModelParams`."""


def scenario_names() -> list[str]:
    """Returns the scenarios the dashboard offers: the bundled ones."""
    return list_scenarios()


def policy_names() -> list[str]:
    """Returns the policy menu: no policy, then every library policy."""
    return [NO_POLICY, *POLICIES]


def build_cluster_model(scenario: str, seed: int, n_firms: int = DEFAULT_FIRMS,
                        policy: str = NO_POLICY, **levers: float) -> ClusterModel:
    """Returns a ready-to-step model of a scenario with a policy and lever values applied.

    Args:
        scenario: A bundled scenario name or a scenario file path.
        seed: Seed of the run.
        n_firms: Model firms representing the cluster's enterprises, >= 1.
        policy: A library policy to add at its defaults (`POLICIES`), or ``"none"``.
        **levers: `ModelParams` lever values, e.g. ``rd_subsidy_share=0.05``.

    Raises:
        ParameterError: For an unknown scenario, policy or lever, or an impossible value.
    """
    chosen = load_scenario(scenario)
    chosen = chosen.with_values({"params.n_firms": int(n_firms),
                                 **{f"params.{name}": value for name, value in levers.items()}})
    if policy != NO_POLICY:
        chosen = chosen.with_policies([policy])
    return chosen.build_model(seed=seed, record_flows=True, steps=None)


class DashboardModel(mesa.Model):
    """The Mesa model the dashboard drives: one `ClusterModel` built from the user's choices.

    Attributes:
        cluster: The `ClusterModel` being stepped; the dashboard's views read its tables.
        choices: The arguments it was built from.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int = 1, n_firms: int = DEFAULT_FIRMS,
                 policy: str = NO_POLICY, rd_subsidy_share: float = LEVERS[0].default,
                 talent_share: float = LEVERS[1].default, incubator_share: float = LEVERS[2].default,
                 platform_share: float = LEVERS[3].default, collaboration: float = LEVERS[4].default,
                 carbon_price: float = LEVERS[5].default) -> None:
        """Builds the cluster model (see `build_cluster_model` for the arguments).

        The scenario argument is ``scenario_name`` because Mesa's `Model` owns ``scenario``.
        """
        super().__init__(rng=seed)
        levers = {"rd_subsidy_share": rd_subsidy_share, "talent_share": talent_share,
                  "incubator_share": incubator_share, "platform_share": platform_share,
                  "collaboration": collaboration, "carbon_price": carbon_price}
        self.choices: dict[str, Any] = {"scenario_name": scenario_name, "seed": seed, "n_firms": n_firms,
                                        "policy": policy, **levers}
        self.cluster = build_cluster_model(scenario_name, seed, n_firms, policy, **levers)
        self.running = True
        self._tables: tuple[int, dict[str, pd.DataFrame]] | None = None

    def step(self) -> None:
        """Runs one year of the cluster model."""
        self.cluster.step()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Returns the cluster model's output tables so far, built once per year for all views."""
        if self._tables is None or self._tables[0] != self.cluster.year:
            self._tables = (self.cluster.year, self.cluster.tables())
        return self._tables[1]

