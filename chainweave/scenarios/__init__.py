"""Scenarios: validated scenario files, bundled clusters and data, and the policy library.

Example::

    from chainweave.scenarios import load_scenario, list_scenarios, POLICIES
    scenario = load_scenario("yijing_jingen")          # a bundled name or a YAML path
    tables, manifest = scenario.run(seed=1, steps=10)
    stronger = scenario.with_values({"params.kernel_decay_km": 80.0})
"""

from chainweave.scenarios.policies import POLICIES, ActivePolicy, PolicyInfo, PolicyParameter, policy_table
from chainweave.scenarios.scenario import Scenario, list_scenarios, load_scenario

__all__ = [
    "POLICIES", "ActivePolicy", "PolicyInfo", "PolicyParameter", "Scenario", "list_scenarios",
    "load_scenario", "policy_table",
]
