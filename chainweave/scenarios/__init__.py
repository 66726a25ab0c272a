"""Scenarios: validated scenario files, bundled clusters and data, and the policy library.

Example::

    from chainweave.scenarios import load_scenario, list_scenarios, POLICIES
    scenario = load_scenario("yijing_jingen")          # a bundled name or a YAML path
    tables, manifest = scenario.run(seed=1, steps=10)
    stronger = scenario.with_values({"params.kernel_decay_km": 80.0})

`ScenarioModel` is a scenario as a Mesa model class (for ``mesa.batch_run`` and SolaraViz).
"""

from chainweave.scenarios.mesa_model import ScenarioModel
from chainweave.scenarios.policies import POLICIES, ActivePolicy, PolicyInfo, PolicyParameter, policy_table
from chainweave.scenarios.scenario import Scenario, list_scenarios, load_scenario

__all__ = [
    "POLICIES", "ActivePolicy", "PolicyInfo", "PolicyParameter", "Scenario", "ScenarioModel",
    "list_scenarios", "load_scenario", "policy_table",
]
