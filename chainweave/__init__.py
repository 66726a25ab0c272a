"""chainweave: agent-based simulation of city clusters.

Firms, research institutes, service providers and city governments interact over a graph of
places (core city, secondary agglomeration, counties) that carries the industry chain, the
science-and-technology innovation chain and the service chain. Outputs are tidy tables that the
``chainweave.analysis`` functions turn into coupling-coordination metrics.

The functions scripts use most are available here, imported on first use so that
``import chainweave.analysis`` stays light: ``chainweave.load_scenario``,
``chainweave.list_scenarios``, ``chainweave.compare``, ``chainweave.sweep``,
``chainweave.design`` (the cheapest policy mix that meets targets), ``chainweave.run_model``
(one run as a function of parameter values) and ``chainweave.parameters_table`` (every
parameter with default, bounds, unit and meaning).
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_scenario": "chainweave.scenarios",
    "list_scenarios": "chainweave.scenarios",
    "compare": "chainweave.comparison",
    "sweep": "chainweave.sweeps",
    "run_model": "chainweave.experiments",
    "parameters_table": "chainweave.parameter_paths",
    "design": "chainweave.policy_design",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'chainweave' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
