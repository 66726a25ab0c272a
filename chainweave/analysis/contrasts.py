"""Policy contrasts: replicated scenarios compared with the baseline, with confidence intervals.

From a long table (one row per scenario, replicate, step, place and metric value), the functions
here aggregate a metric to the level asked for (place, tier, or the whole cluster), then give
for each scenario and chosen step the mean over replicates, its t-distribution confidence
interval, and the difference to the baseline scenario with its own interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def _t_halfwidth(se: pd.Series, df: pd.Series, confidence: float) -> pd.Series:
    """Return the t-interval half-width se * t_{(1+confidence)/2, df} (NaN where df < 1)."""
    q = stats.t.ppf(0.5 + confidence / 2, df.where(df >= 1))
    return se * q


def policy_contrasts(
    table: pd.DataFrame,
    metric: str,
    by: str | Sequence[str] | None = None,
    steps: Sequence[int] | None = None,
    baseline: str = "baseline",
    scenario_col: str = "scenario",
    replicate_col: str = "replicate",
    step_col: str = "step",
    confidence: float = 0.95,
    paired: bool = False,
) -> pd.DataFrame:
    """Return per scenario and step the replicate mean of a metric, its CI and baseline contrast.

    The metric is first averaged within each replicate over the rows of each ``by`` group
    (e.g. over the places of a tier, or over all places for the cluster when ``by`` is None).
    Then, over replicates: the mean, the ``confidence`` interval mean +/- t s / sqrt(n), and
    the difference to the baseline's mean at the same step and group. The difference interval
    is Welch's (unequal variances, Welch-Satterthwaite degrees of freedom) or, with ``paired``,
    the t interval of per-replicate differences (replicates matched by id, as with common
    random numbers). A ``variant`` column in ``table`` is kept as a grouping key, so the output
    names the coupling variant. Intervals are NaN where fewer than 2 replicates exist.

    Args:
        table: Long table with the scenario, replicate, step and metric columns (and ``by``).
        metric: Column to compare (e.g. ``"D"``).
        by: Grouping column(s) such as ``"place"`` or ``"tier"``; None for the cluster.
        steps: Steps to report; None for all.
        baseline: Scenario name the others are compared with.
        scenario_col: Column naming the scenario.
        replicate_col: Column naming the replicate (or seed).
        step_col: Column naming the step.
        confidence: Confidence level of the intervals, in (0, 1).
        paired: Pair replicates by id across scenarios for the difference.

    Returns:
        One row per scenario, step and group with ``metric``, ``n``, ``mean``, ``ci_low``,
        ``ci_high``, ``diff``, ``diff_ci_low``, ``diff_ci_high`` (the baseline's own difference
        is 0).

    Raises:
        ValueError: If ``table`` is empty, a named column is missing, the metric has NaN,
            ``confidence`` is outside (0, 1), the baseline is absent, or no row is at ``steps``.
    """
    groups = [] if by is None else [by] if isinstance(by, str) else list(by)
    if "variant" in table.columns and "variant" not in groups:
        groups.append("variant")
    needed = [scenario_col, replicate_col, step_col, metric, *groups]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks columns {missing}")
    if table.empty:
        raise ValueError("table is empty")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if table[metric].isna().any():
        raise ValueError(f"table[{metric!r}] holds NaN at row {table[metric].isna().idxmax()!r}")
    if steps is not None:
        table = table[table[step_col].isin(list(steps))]
        if table.empty:
            raise ValueError(f"no rows at steps {list(steps)}")
    if not (table[scenario_col] == baseline).any():
        raise ValueError(f"baseline {baseline!r} is not among the scenarios")

    cell = [step_col, *groups]
    per_rep = (
        table.groupby([scenario_col, replicate_col, *cell], observed=True, sort=False)[metric]
        .mean()
        .rename("value")
        .reset_index()
    )
    summary = (
        per_rep.groupby([scenario_col, *cell], observed=True)["value"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )
    half = _t_halfwidth(summary["sd"] / np.sqrt(summary["n"]), summary["n"] - 1.0, confidence)
    summary["ci_low"] = summary["mean"] - half
    summary["ci_high"] = summary["mean"] + half

    base = summary[summary[scenario_col] == baseline][[*cell, "n", "mean", "sd"]]
    merged = summary.merge(base, on=cell, how="left", suffixes=("", "_base"))
    if paired:
        reps = per_rep.merge(
            per_rep[per_rep[scenario_col] == baseline][[replicate_col, *cell, "value"]],
            on=[replicate_col, *cell],
            suffixes=("", "_base"),
        )
        reps["d"] = reps["value"] - reps["value_base"]
        d = (
            reps.groupby([scenario_col, *cell], observed=True)["d"]
            .agg(dn="count", diff="mean", dsd="std")
            .reset_index()
        )
        merged = merged.merge(d, on=[scenario_col, *cell], how="left")
        se = merged["dsd"] / np.sqrt(merged["dn"])
        df = merged["dn"] - 1.0
    else:
        merged["diff"] = merged["mean"] - merged["mean_base"]
        va = merged["sd"] ** 2 / merged["n"]
        vb = merged["sd_base"] ** 2 / merged["n_base"]
        se = np.sqrt(va + vb)
        df = (va + vb) ** 2 / (va**2 / (merged["n"] - 1) + vb**2 / (merged["n_base"] - 1))
        df = df.where(se > 0, merged["n"] + merged["n_base"] - 2.0)
    dhalf = _t_halfwidth(se, df, confidence)
    is_base = merged[scenario_col] == baseline
    merged["diff_ci_low"] = (merged["diff"] - dhalf).mask(is_base, 0.0)
    merged["diff_ci_high"] = (merged["diff"] + dhalf).mask(is_base, 0.0)
    merged["diff"] = merged["diff"].mask(is_base, 0.0)
    merged["metric"] = metric
    columns = [scenario_col, *cell, "metric", "n", "mean", "ci_low", "ci_high", "diff"]
    return merged[[*columns, "diff_ci_low", "diff_ci_high"]]
