"""`ScenarioModel`: a bundled or file scenario as a Mesa model class built from plain keywords.

Mesa's ``batch_run`` calls a model class with keywords and keeps the keywords in its results;
SolaraViz rebuilds a model from its class and keywords. A `ClusterModel` takes a graph, a
`ModelParams` and policy objects, which neither can vary and which Parquet cannot store.
`ScenarioModel` takes the scenario's name (``scenario_name``: Mesa 3.5 uses ``scenario`` for
its own scenario objects), parameter values by path or short name
(`chainweave.parameter_paths.resolve_path`) and policy names, and builds the scenario's model
with its places, sectors, government levers and policies::

    import mesa
    from chainweave.scenarios import ScenarioModel

    results = mesa.batch_run(ScenarioModel, parameters={
        "scenario_name": "yijing_jingen", "n_firms": 2000, "policies": ["", "rd_subsidy"],
        "rd_subsidy.extra_share": [0.02, 0.05]}, rng=[1, 2], max_steps=5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from chainweave.errors import ParameterError
from chainweave.experiments import resolve_values
from chainweave.model import ClusterModel


class ScenarioModel(ClusterModel):
    """The model of a scenario, made from plain keywords (for ``batch_run`` and SolaraViz).

    Args:
        scenario_name: A bundled scenario's name or a scenario file.
        rng: Seed of the run (Mesa's keyword); None draws a fresh one, as Mesa does (the
            scenario's own seed is ``load_scenario(name).seed``).
        steps: Horizon: ``running`` turns False after it; default the scenario's.
        policies: Library policies to add, as a list or one comma-separated string ("" for
            none, so that a ``batch_run`` axis can include the baseline).
        record_flows: Whether to keep the per-edge flows table.
        firm_handles: Whether to make a Mesa agent per firm (default: up to
            `chainweave.model.FIRM_HANDLE_LIMIT` firms).
        scenario: Mesa's own scenario object (``mesa.experimental.scenarios.Scenario``),
            which SolaraViz passes when it rebuilds a model; only its ``rng`` is used, when
            ``rng`` is None. (Mesa's word; chainweave scenarios are named by ``scenario_name``.)
        **values: Parameter values by path or short name (``n_firms``, ``kernel_decay_km``,
            ``rd_subsidy.extra_share`` through ``**{...}``, ``rd_subsidy__extra_share``,
            ``governments.Enshi.talent_share``); setting a library policy's parameter adds
            the policy.

    Raises:
        ParameterError: for an unknown scenario, name or value (one line naming it).
    """

    def __init__(self, scenario_name: str = "yijing_jingen", rng: int | np.random.SeedSequence | None = None,
                 steps: int | None = None, policies: str | Sequence[str] = (), record_flows: bool = False,
                 firm_handles: bool | None = None, scenario: MesaScenario | None = None,
                 **values: Any) -> None:
        from chainweave.experiments import _loaded

        if scenario is not None and not isinstance(scenario, MesaScenario):
            raise ParameterError("scenario", scenario, "a Mesa Scenario (name chainweave scenarios "
                                 "with scenario_name=...)")
        if rng is None and scenario is not None:
            rng = scenario.rng
        base = _loaded(str(scenario_name))
        paths, added = resolve_values(base, policies, values)
        built = base.with_policies(added) if added else base
        built = built.with_values(paths) if paths else built
        kwargs = built.model_kwargs(record_flows=record_flows, firm_handles=firm_handles, steps=steps)
        kwargs["rng"] = rng
        super().__init__(**kwargs)
        self.chainweave_scenario = built  # not "scenario": SolaraViz reads that as a Mesa Scenario
