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

from chainweave.sweeps.designs import Design, build_design, run_seed
from chainweave.sweeps.indices import morris_indices, sensitivity_indices, sobol_indices
from chainweave.sweeps.runner import SweepInterrupted, SweepResult, sweep
from chainweave.sweeps.spec import DesignSpec, OutputSpec, ParameterSpec, SweepSpec, load_sweep
from chainweave.sweeps.targets import IshigamiTarget, ScenarioTarget, Target

__all__ = [
    "Design", "DesignSpec", "IshigamiTarget", "OutputSpec", "ParameterSpec", "ScenarioTarget",
    "SweepInterrupted", "SweepResult", "SweepSpec", "Target", "build_design", "load_sweep",
    "morris_indices", "plot_sweep", "run_seed", "sensitivity_indices", "sobol_indices", "sweep",
]


def __getattr__(name: str) -> Any:
    # plot_sweep loads matplotlib: only when asked for.
    if name == "plot_sweep":
        return import_module("chainweave.sweeps.figures").plot_sweep
    raise AttributeError(f"module 'chainweave.sweeps' has no attribute {name!r}")
