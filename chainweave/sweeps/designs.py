"""Designs: the parameter values of every design point, and the runs they make.

A design is a matrix of points (one row per point, one column per varied parameter): a full
factorial grid, a Latin hypercube, Morris trajectories or Saltelli's scheme for Sobol' indices,
the last three from SALib. Each point is run ``replications`` times; run ``run_id`` is
replicate ``run_id % R`` of point ``run_id // R``, and its seed comes from the sweep's seed and
the run id alone (`run_seed`), never from the order runs finish in, so a sweep gives the same
values on any executor and after any interruption.

References:
    McKay, Beckman and Conover (1979), Latin hypercube sampling. Technometrics 21(2).
    Morris (1991), Factorial sampling plans for preliminary computational experiments.
    Technometrics 33(2). Campolongo, Cariboni and Saltelli (2007), Environ. Model. Softw. 22.
    Saltelli et al. (2010), Variance based sensitivity analysis of model output. Comput. Phys.
    Commun. 181(2). Herman and Usher (2017), SALib. JOSS 2(9).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from SALib.sample import latin, morris
from SALib.sample import sobol as saltelli

from chainweave.errors import ParameterError
from chainweave.sweeps.spec import SweepSpec

CALC_SECOND_ORDER = False
"""Saltelli designs here give first-order and total indices only (N (D + 2) points); the
sampler and `chainweave.sweeps.indices` both read this."""


@dataclass(frozen=True)
class Design:
    """The design points of a sweep and the runs they make.

    Attributes:
        method: ``grid``, ``lhs``, ``morris`` or ``sobol``.
        paths: Scenario path of each varied parameter.
        columns: Column name of each varied parameter in the runs table.
        points: Design matrix, one row per point (values as sampled, before rounding).
        integer: Per parameter, whether its values are rounded to whole numbers for the runs.
        replications: Runs per point.
        seed: The sweep's seed.
        problem: The SALib problem (names, bounds) for lhs, morris and sobol designs.
        levels: Levels per parameter (grids given bounds; Morris designs).
    """

    method: str
    paths: tuple[str, ...]
    columns: tuple[str, ...]
    points: NDArray[np.float64]
    integer: tuple[bool, ...]
    replications: int
    seed: int
    problem: dict[str, Any] | None = None
    levels: int = 4
    _values: NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        values = self.points.copy()
        whole = np.array(self.integer, bool)
        values[:, whole] = np.rint(values[:, whole])
        object.__setattr__(self, "_values", values)

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return len(self.points)

    @property
    def n_runs(self) -> int:
        """Number of runs: points x replications."""
        return self.n_points * self.replications

    def point_values(self, point: int) -> dict[str, float | int]:
        """Returns {path: value} of a design point, integer parameters as ints."""
        row = self._values[point]
        return {path: int(v) if whole else float(v)
                for path, v, whole in zip(self.paths, row, self.integer, strict=True)}

    def salib_settings(self) -> dict[str, Any]:
        """Returns what SALib needs to recompute the indices from the runs table (JSON-able).

        The design's settings (method, problem, seed, Morris ``num_levels``, Saltelli
        ``calc_second_order`` and ``N``, grid levels), the SALib functions that sampled and
        analyse it, and how runs become its ``Y``: each point's outputs averaged over its
        replicates, in point order (the runs table's ``point`` column).
        """
        settings: dict[str, Any] = {
            "method": self.method, "seed": self.seed, "problem": self.problem,
            "Y": "runs.groupby('point')[output].mean(), in point order (X: design points as sampled)",
        }
        d = len(self.paths)
        if self.method == "morris":
            settings |= {"sample": "SALib.sample.morris.sample", "analyze": "SALib.analyze.morris.analyze",
                         "N": self.n_points // (d + 1), "num_levels": self.levels}
        elif self.method == "sobol":
            settings |= {"sample": "SALib.sample.sobol.sample", "analyze": "SALib.analyze.sobol.analyze",
                         "N": self.n_points // (d + 2), "calc_second_order": CALC_SECOND_ORDER}
        elif self.method == "lhs":
            settings |= {"sample": "SALib.sample.latin.sample", "N": self.n_points}
        else:
            settings |= {"levels": {c: sorted(set(self.points[:, k].tolist()))
                                    for k, c in enumerate(self.columns)}}
        return settings

    def run(self, run_id: int) -> tuple[int, int, int]:
        """Returns (point, replicate, seed) of a run."""
        point, replicate = divmod(run_id, self.replications)
        return point, replicate, run_seed(self.seed, run_id)


def run_seed(sweep_seed: int, run_id: int) -> int:
    """Returns the seed of run ``run_id``: child ``run_id`` of ``SeedSequence(sweep_seed)``.

    The same as ``SeedSequence(sweep_seed).spawn(n)[run_id]`` for any n > run_id, as a
    non-negative 63-bit integer.
    """
    child = np.random.SeedSequence(sweep_seed, spawn_key=(run_id,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def design_size(spec: SweepSpec) -> int:
    """Returns the number of design points ``spec`` asks for (without sampling them)."""
    d, design = len(spec.parameters), spec.design
    if design.method == "grid":
        return int(np.prod([len(p.levels) if p.levels is not None else design.levels
                            for p in spec.parameters], dtype=object))
    samples = int(design.samples or 0)
    if design.method == "lhs":
        return samples
    if design.method == "morris":
        return samples * (d + 1)
    return samples * (d + 2)


def build_design(spec: SweepSpec, integer: tuple[bool, ...], source: str = "(script)") -> Design:
    """Returns the design of ``spec``, checked against ``design.max_runs`` before sampling.

    Args:
        spec: A validated sweep.
        integer: Per parameter, whether its values are whole numbers.
        source: The sweep file, for error messages.

    Raises:
        ParameterError: if the design would make more runs than ``design.max_runs``.
    """
    design = spec.design
    points = design_size(spec)
    runs = points * spec.replications
    if runs > design.max_runs:
        raise ParameterError(f"{source}: design", f"{design.method} with {points} points x "
                             f"{spec.replications} replications = {runs} runs",
                             f"at most design.max_runs = {design.max_runs} runs (fewer samples, "
                             "levels or replications, or a larger max_runs)")
    paths = tuple(p.path for p in spec.parameters)
    columns = tuple(p.column for p in spec.parameters)
    common = {"method": design.method, "paths": paths, "columns": columns, "integer": integer,
              "replications": spec.replications, "seed": spec.seed}
    if design.method == "grid":
        axes = [np.asarray(p.levels, float) if p.levels is not None else
                np.linspace(p.bounds[0], p.bounds[1], design.levels) for p in spec.parameters]
        matrix = np.array(list(itertools.product(*axes)), float).reshape(-1, len(axes))
        return Design(points=matrix, levels=design.levels, **common)
    problem = {"num_vars": len(paths), "names": list(columns),
               "bounds": [list(map(float, p.bounds)) for p in spec.parameters]}
    # SALib draws from a Generator seeded by the sweep's seed: the design is the seed's alone.
    if design.method == "lhs":
        matrix = latin.sample(problem, design.samples, seed=spec.seed)
    elif design.method == "morris":
        matrix = morris.sample(problem, design.samples, num_levels=design.levels, seed=spec.seed)
    else:
        matrix = saltelli.sample(problem, design.samples, calc_second_order=CALC_SECOND_ORDER, seed=spec.seed)
    return Design(points=np.asarray(matrix, float), problem=problem, levels=design.levels, **common)
