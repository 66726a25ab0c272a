"""Sensitivity sweeps: many runs of a scenario over a design, on a laptop or a Dask cluster.

A sweep file (`chainweave.sweeps.spec`) names a base scenario, the parameters to vary by path
with bounds or levels, a design (grid, Latin hypercube, Morris, Sobol'), replications, outputs
and where results go. `sweep` checks it all before the first run, runs it on a local process
pool or a Dask cluster with per-run seeds from the sweep's seed and the run id (so results do
not depend on the executor), stores finished runs in batches so that an interrupted sweep
resumes without losing or repeating a run, and writes the runs table, Morris or Sobol' indices
and a manifest. `plot_sweep` draws its figures. ``python run.py sweep SPEC.yaml`` does the same
from the command line.

Example::

    from chainweave.sweeps import sweep
    result = sweep("chainweave/scenarios/sweeps/default_sensitivity.yaml", workers=2)
    result.indices                      # mu*, sigma per output and parameter
    from distributed import Client      # or on a Dask cluster:
    result = sweep("my_sweep.yaml", executor=Client("tcp://scheduler:8786"))
"""

from importlib import import_module
from typing import Any

# Names are imported on first use, so that the ``sweep`` subcommand's arguments (and
# ``import chainweave.sweeps.command``) load neither SALib nor pandas.
_LAZY = {
    "Design": "designs", "build_design": "designs", "run_seed": "designs",
    "morris_indices": "indices", "sensitivity_indices": "indices", "sobol_indices": "indices",
    "SweepInterrupted": "runner", "SweepResult": "runner", "sweep": "runner",
    "DesignSpec": "spec", "OutputSpec": "spec", "ParameterSpec": "spec", "SweepSpec": "spec",
    "load_sweep": "spec",
    "IshigamiTarget": "targets", "ScenarioTarget": "targets", "Target": "targets",
}

__all__ = [
    "Design", "DesignSpec", "IshigamiTarget", "OutputSpec", "ParameterSpec", "ScenarioTarget",
    "SweepInterrupted", "SweepResult", "SweepSpec", "Target", "build_design", "load_sweep",
    "morris_indices", "plot_sweep", "run_seed", "sensitivity_indices", "sobol_indices", "sweep",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"chainweave.sweeps.{_LAZY[name]}"), name)
    if name == "plot_sweep":  # draws with matplotlib, so it lives with the figures
        return import_module("chainweave.figures.sweep").plot_sweep
    raise AttributeError(f"module 'chainweave.sweeps' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
