"""Sensitivity indices of a finished sweep, per output, as tables (SALib).

- Morris designs: the mean of absolute elementary effects mu* (with its bootstrap confidence
  interval), their mean mu and standard deviation sigma, per parameter and output.
- Sobol' (Saltelli) designs: first-order S1 and total ST indices with bootstrap confidence
  intervals (Jansen's estimator of ST, Saltelli 2010's of S1), per parameter and output.

With replications, each design point's output is the mean over its replicates (so the indices
are of the expected output; the replicate spread is in the runs table). Grids and Latin
hypercubes have no indices here: their figures are response surfaces and scatter plots.

Runs that failed (``status`` other than ``ok``) are left out by `indices_of_finished_runs`:
a point's mean is over its finished replicates; Morris indices use the trajectories whose
every point has one; Sobol' indices, whose estimators pair every point with others, are not
computed when any point has none.

References:
    Morris (1991), Technometrics 33(2); Campolongo, Cariboni and Saltelli (2007), Environ.
    Model. Softw. 22 (mu*). Saltelli et al. (2010), Comput. Phys. Commun. 181(2), 259-270
    (S1, ST). Herman and Usher (2017), SALib, JOSS 2(9).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.analyze import morris, sobol

from chainweave.sweeps.designs import CALC_SECOND_ORDER, Design

MORRIS_COLUMNS: tuple[str, ...] = ("output", "parameter", "mu", "mu_star", "mu_star_ci_low",
                                   "mu_star_ci_high", "sigma")
"""Columns of a Morris indices table (mu, mu*, sigma in the output's unit)."""
SOBOL_COLUMNS: tuple[str, ...] = ("output", "parameter", "S1", "S1_ci_low", "S1_ci_high", "ST",
                                  "ST_ci_low", "ST_ci_high")
"""Columns of a Sobol' indices table (shares of output variance, nominally in [0, 1])."""


def point_means(runs: pd.DataFrame, design: Design, outputs: Sequence[str]) -> pd.DataFrame:
    """Returns each design point's outputs averaged over its replicates, in point order.

    Raises:
        ValueError: if a design point has no run (the sweep is not finished).
    """
    means = runs.groupby("point", sort=True)[list(outputs)].mean()
    if len(means) != design.n_points or not np.array_equal(means.index, np.arange(design.n_points)):
        raise ValueError(f"runs cover {len(means)} of {design.n_points} design points")
    return means


def morris_indices(design: Design, runs: pd.DataFrame, outputs: Sequence[str],
                   conf_level: float = 0.95) -> pd.DataFrame:
    """Returns mu, mu* (with CI) and sigma per output and parameter of a Morris sweep.

    An output that is not finite at some point gets NaN indices.

    Args:
        design: The sweep's Morris design.
        runs: The runs table (``point`` and output columns).
        outputs: Output columns to analyse.
        conf_level: Level of mu*'s bootstrap interval, in (0, 1).
    """
    means = point_means(runs, design, outputs)
    rows = []
    for output in outputs:
        y = means[output].to_numpy()
        if not np.all(np.isfinite(y)):
            rows += _nan_rows(output, design, len(MORRIS_COLUMNS))
            continue
        result = morris.analyze(design.problem, design.points, y, conf_level=conf_level,
                                num_levels=design.levels, seed=design.seed)
        for k, name in enumerate(design.columns):
            mu_star, half = float(result["mu_star"][k]), float(result["mu_star_conf"][k])
            rows.append((output, name, float(result["mu"][k]), mu_star, mu_star - half, mu_star + half,
                         float(result["sigma"][k])))
    return pd.DataFrame(rows, columns=list(MORRIS_COLUMNS))


def sobol_indices(design: Design, runs: pd.DataFrame, outputs: Sequence[str],
                  conf_level: float = 0.95) -> pd.DataFrame:
    """Returns S1 and ST with confidence intervals per output and parameter of a Sobol' sweep.

    An output that does not vary (variance 0) or is not finite at some point gets NaN indices.

    Args:
        design: The sweep's Saltelli design.
        runs: The runs table (``point`` and output columns).
        outputs: Output columns to analyse.
        conf_level: Level of the bootstrap intervals, in (0, 1).
    """
    means = point_means(runs, design, outputs)
    rows = []
    for output in outputs:
        y = means[output].to_numpy()
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            rows += _nan_rows(output, design, len(SOBOL_COLUMNS))
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            result = sobol.analyze(design.problem, y, calc_second_order=CALC_SECOND_ORDER,
                                   conf_level=conf_level, seed=design.seed)
        for k, name in enumerate(design.columns):
            s1, s1_half = float(result["S1"][k]), float(result["S1_conf"][k])
            st, st_half = float(result["ST"][k]), float(result["ST_conf"][k])
            rows.append((output, name, s1, s1 - s1_half, s1 + s1_half, st, st - st_half, st + st_half))
    return pd.DataFrame(rows, columns=list(SOBOL_COLUMNS))


def sensitivity_indices(design: Design, runs: pd.DataFrame, outputs: Sequence[str],
                        conf_level: float = 0.95) -> pd.DataFrame | None:
    """Returns the indices table of a Morris or Sobol' sweep, None for grids and hypercubes."""
    if design.method == "morris":
        return morris_indices(design, runs, outputs, conf_level)
    if design.method == "sobol":
        return sobol_indices(design, runs, outputs, conf_level)
    return None


def indices_of_finished_runs(design: Design, runs: pd.DataFrame, outputs: Sequence[str],
                             conf_level: float = 0.95) -> tuple[pd.DataFrame | None, str]:
    """Returns the indices from the runs that finished, and a note on what was left out ("" if none).

    Args:
        design: The sweep's design.
        runs: The runs table, with its ``status`` column (``ok`` for a finished run).
        outputs: Output columns to analyse.
        conf_level: Level of the bootstrap intervals, in (0, 1).

    Returns:
        (indices or None, note): None for grids and hypercubes, and for a Sobol' design with a
        point that has no finished run (the note says why).
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    failed = len(runs) - len(ok)
    if failed == 0 or design.method not in ("morris", "sobol"):
        return sensitivity_indices(design, ok, outputs, conf_level), ""
    covered = np.zeros(design.n_points, bool)
    covered[ok["point"].to_numpy()] = True
    missing = int((~covered).sum())
    if design.method == "sobol":
        if missing:
            return None, (f"Sobol' indices not computed: {missing} of {design.n_points} design points "
                          "have no finished run, and every point is needed")
        return sobol_indices(design, ok, outputs, conf_level), (
            f"Sobol' indices from the finished runs: {failed} failed runs left out of their points' means")
    width = len(design.columns) + 1
    whole = covered.reshape(-1, width).all(axis=1)
    if whole.sum() < 2:
        return None, (f"Morris indices not computed: {int(whole.sum())} of {len(whole)} trajectories have "
                      "a finished run at every point (at least 2 are needed)")
    keep = np.repeat(whole, width)
    renumber = np.cumsum(keep) - 1
    subset = dataclasses.replace(design, points=design.points[keep])
    kept = ok[keep[ok["point"].to_numpy()]].assign(point=lambda t: renumber[t["point"].to_numpy()])
    return morris_indices(subset, kept, outputs, conf_level), (
        f"Morris indices from {int(whole.sum())} of {len(whole)} trajectories: {failed} failed runs, "
        f"{int((~whole).sum())} trajectories left out")


def _nan_rows(output: str, design: Design, width: int) -> list[tuple[object, ...]]:
    """Returns one row of NaN indices per parameter for an output that cannot be analysed."""
    return [(output, name, *[float("nan")] * (width - 2)) for name in design.columns]
