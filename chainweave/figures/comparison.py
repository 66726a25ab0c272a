"""Policy comparisons: each policy's effect with confidence intervals, and every variant's path.

Every function takes tables as `chainweave.simulate.simulate` returns them (or
`chainweave.results.read_results` reads them back) and returns a matplotlib `Figure` in the
house style of `chainweave.figures.style`; nothing reads the model.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from chainweave.errors import ParameterError
from chainweave.figures.style import (
    CLUSTER_COLOUR,
    METRIC_LABELS,
    TIER_COLOURS,
    TIER_LABELS,
    TIERS,
    require_columns,
    shade_bands,
    step_axis,
    styled,
)

SCOPES: tuple[str, ...] = ("cluster", *TIERS)
SCOPE_COLOURS: dict[str, str] = {"cluster": CLUSTER_COLOUR, **TIER_COLOURS}


@styled
def policy_comparison(effects: pd.DataFrame, metric: str = "D", confidence: float = 0.95,
                      figsize: tuple[float, float] | None = None) -> Figure:
    """Returns the policy-comparison chart: each scenario's effect on a metric, per scope.

    One group of bars per scenario (the baseline left out), one bar per scope (cluster, core,
    secondary, county): the difference to the baseline at the compared step with its
    confidence interval, from a comparison's effects table (``diff`` and ``diff_ci_low`` /
    ``diff_ci_high``, or ``diff_low`` / ``diff_high``). Groups are ordered by the effect on the
    whole cluster, largest on top.

    Args:
        effects: Effects table of a comparison (scenario, scope, metric, step, diff and its
            interval).
        metric: Metric to show, e.g. ``"D"`` or ``"emissions"``.
        confidence: Level of the intervals in the table, for the title (0-1).
        figsize: Figure size in inches; default grows with the number of scenarios.
    """
    effects = effects.rename(columns={"diff_ci_low": "diff_low", "diff_ci_high": "diff_high"})
    require_columns(effects, "effects", ["scenario", "scope", "metric", "step", "diff", "diff_low",
                                          "diff_high"])
    rows = effects[(effects["metric"] == metric) & (effects["scenario"] != "baseline")]
    if rows.empty:
        raise ParameterError("metric", metric, "a metric of the effects table: "
                             + ", ".join(sorted(effects["metric"].unique())))
    step = int(rows["step"].max())
    rows = rows[rows["step"] == step]
    scopes = [s for s in SCOPES if s in set(rows["scope"])]
    first = rows[rows["scope"] == scopes[0]].set_index("scenario")["diff"]
    scenarios = list(first.sort_values(ascending=False).index)
    scenarios += sorted(set(rows["scenario"]) - set(scenarios))
    figsize = figsize or (9.0, 1.8 + 0.16 * len(scenarios) * len(scopes))
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    bar = 0.8 / len(scopes)
    for j, scope in enumerate(scopes):
        part = rows[rows["scope"] == scope].set_index("scenario").reindex(scenarios)
        y = np.arange(len(scenarios)) - 0.4 + bar * (j + 0.5)
        low = (part["diff"] - part["diff_low"]).clip(lower=0).fillna(0)
        high = (part["diff_high"] - part["diff"]).clip(lower=0).fillna(0)
        ax.barh(y, part["diff"], height=bar * 0.9, color=SCOPE_COLOURS[scope],
                label=TIER_LABELS.get(scope, "whole cluster"), xerr=[low, high],
                error_kw={"ecolor": "#333333", "elinewidth": 0.9, "capsize": 2})
    ax.axvline(0.0, color="#333333", lw=0.8)
    ax.set_yticks(np.arange(len(scenarios)), [str(s).replace("_", " ") for s in scenarios])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    if float(np.nanmax(np.abs(rows[["diff", "diff_low", "diff_high"]].to_numpy()))) >= 1e4:
        ax.xaxis.set_major_formatter(EngFormatter(sep=" "))
    ax.set_xlabel(f"change vs baseline: {METRIC_LABELS.get(metric, metric)}")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", title="scope", frameon=False)
    ax.set_title(f"Policy effects on {metric} at step {step} "
                 f"(whiskers: {confidence:.0%} CI of the paired difference)", loc="left")
    return fig


@styled
def scenario_trajectories(cluster: pd.DataFrame, metric: str = "D",
                          figsize: tuple[float, float] = (12.0, 4.2)) -> Figure:
    """Returns a metric over time for each scenario of a comparison, for the cluster and each tier.

    Lines are means over replicates; the shaded band is the range over replicates.

    Args:
        cluster: Cluster table of a comparison (``scenario`` and ``replicate`` columns).
        metric: Metric with per-tier columns ``<metric>_<tier>`` (D, C, T or a score).
        figsize: Figure size in inches.
    """
    columns = [metric, *(f"{metric}_{t}" for t in TIERS)]
    require_columns(cluster, "cluster", ["scenario", "step", *columns])
    scenarios = sorted(cluster["scenario"].unique(), key=lambda s: (s != "baseline", s))
    colours = mpl.colormaps["tab10"].colors
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(columns), sharex=True, sharey=True)
    for ax, column, scope in zip(axes, columns, SCOPES, strict=True):
        for k, scenario in enumerate(scenarios):
            stats = cluster[cluster["scenario"] == scenario].groupby("step")[column].agg(
                ["mean", "min", "max"])
            colour = CLUSTER_COLOUR if scenario == "baseline" else colours[k % len(colours)]
            ax.plot(stats.index, stats["mean"], color=colour, lw=1.6, label=str(scenario))
            ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.15, lw=0)
        ax.set_title(TIER_LABELS.get(scope, "whole cluster"))
        step_axis(ax)
    axes[0].set_ylabel(METRIC_LABELS.get(metric, metric))
    if metric == "D":
        for ax in axes:
            shade_bands(ax)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", title="scenario",
               frameon=False)
    fig.suptitle(f"{metric} over time per scenario (line: mean, band: range over replicates)")
    return fig


