"""Coordination over time: C, T, D and the subsystem scores by tier or by place.

Every function takes tables as `chainweave.simulate.simulate` returns them (or
`chainweave.results.read_results` reads them back) and returns a matplotlib `Figure` in the
house style of `chainweave.figures.style`; nothing reads the model.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from chainweave.analysis.bands import coordination_band
from chainweave.figures.style import (
    CLUSTER_COLOUR,
    METRIC_LABELS,
    SUBSYSTEMS,
    TIER_COLOURS,
    TIER_LABELS,
    TIERS,
    require_columns,
    require_one_run,
    shade_bands,
    step_axis,
    styled,
)

_PANELS: tuple[str, ...] = ("D", "C", "T", *(f"score_{s}" for s in SUBSYSTEMS))


def _panel_grid(fig: Figure) -> dict[str, Axes]:
    """Returns the 2 x 4 grid of metric panels (D, C, T; four subsystem scores)."""
    grid = fig.subplots(2, 4, sharex=True)
    axes = dict(zip(_PANELS, [*grid[0, :3], *grid[1, :]], strict=True))
    grid[0, 3].axis("off")
    axes["_legend"] = grid[0, 3]
    for name in _PANELS:
        axes[name].set_title(METRIC_LABELS[name].rsplit(" (", 1)[0])
        axes[name].set_ylabel("value (0-1)")
    return axes


@styled
def coordination_by_tier(cluster: pd.DataFrame, figsize: tuple[float, float] = (12.0, 6.0)) -> Figure:
    """Returns C, T, D and the four subsystem scores over time for the cluster and each tier.

    Tiers and the cluster are scored from their summed totals (cluster table). The D panel
    shades the coordination bands; the legend gives each line's last D and its band.

    Args:
        cluster: Cluster table of one run.
        figsize: Figure size in inches.
    """
    require_columns(cluster, "cluster", ["step", *_PANELS, *(f"{m}_{t}" for m in _PANELS
                                                              for t in TIERS)])
    require_one_run(cluster, "cluster")
    fig = Figure(figsize=figsize, layout="constrained")
    axes = _panel_grid(fig)
    last = cluster.sort_values("step").iloc[-1]
    handles = []
    for key, colour, label in [("", CLUSTER_COLOUR, "whole cluster"),
                               *((f"_{t}", TIER_COLOURS[t], TIER_LABELS[t]) for t in TIERS)]:
        for name in _PANELS:
            axes[name].plot(cluster["step"], cluster[f"{name}{key}"], color=colour, lw=1.6,
                            ls="--" if not key else "-", marker="o", markersize=2.5)
        d = float(last[f"D{key}"])
        band = coordination_band([d])[0]
        handles.append(Line2D([], [], color=colour, ls="--" if not key else "-", lw=1.6,
                              label=f"{label}: D {d:.2f} ({band})"))
    for name in SUBSYSTEMS:
        step_axis(axes[f"score_{name}"])
    shade_bands(axes["D"])
    axes["_legend"].legend(handles=handles, loc="center", title=f"at step {int(last['step'])}",
                           frameon=False)
    fig.suptitle("Coupling coordination over time, by tier")
    return fig


@styled
def metric_by_tier(cluster: pd.DataFrame, metric: str = "D",
                   figsize: tuple[float, float] = (6.0, 3.8)) -> Figure:
    """Returns one metric over time for the cluster and each tier, in a single panel.

    The compact form of `coordination_by_tier` (the dashboard's chart); for D the
    coordination bands are shaded.

    Args:
        cluster: Cluster table of one run.
        metric: D, C, T or ``score_<subsystem>``: a column with ``<metric>_<tier>`` columns.
        figsize: Figure size in inches.
    """
    require_columns(cluster, "cluster", ["step", metric, *(f"{metric}_{t}" for t in TIERS)])
    require_one_run(cluster, "cluster")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for key, colour, label in [("", CLUSTER_COLOUR, "whole cluster"),
                               *((f"_{t}", TIER_COLOURS[t], TIER_LABELS[t]) for t in TIERS)]:
        ax.plot(cluster["step"], cluster[f"{metric}{key}"], color=colour, lw=1.8,
                ls="--" if not key else "-", marker="o", markersize=3, label=label)
    if metric == "D":
        shade_bands(ax)
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    step_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(f"{metric} by tier, steps 0-{int(cluster['step'].max())}", loc="left")
    return fig


@styled
def coordination_by_place(places: pd.DataFrame, figsize: tuple[float, float] = (12.0, 6.0)) -> Figure:
    """Returns C, T, D and the four subsystem scores over time for every place, coloured by tier.

    Args:
        places: Places table of one run.
        figsize: Figure size in inches.
    """
    require_columns(places, "places", ["step", "place", "tier", *_PANELS])
    require_one_run(places, "places")
    fig = Figure(figsize=figsize, layout="constrained")
    axes = _panel_grid(fig)
    for tier in reversed(TIERS):
        rows = places[places["tier"] == tier]
        for name in _PANELS:
            wide = rows.pivot(index="step", columns="place", values=name)
            axes[name].plot(wide.index, wide.to_numpy(), color=TIER_COLOURS[tier],
                            lw=1.6 if tier == "core" else 0.9, alpha=0.9 if tier == "core" else 0.6)
    for name in SUBSYSTEMS:
        step_axis(axes[f"score_{name}"])
    shade_bands(axes["D"])
    handles = [Line2D([], [], color=TIER_COLOURS[t], lw=1.6,
                      label=f"{TIER_LABELS[t]} ({places.loc[places['tier'] == t, 'place'].nunique()})")
               for t in TIERS]
    axes["_legend"].legend(handles=handles, loc="center", title="one line per place", frameon=False)
    fig.suptitle("Coupling coordination over time, per place")
    return fig


