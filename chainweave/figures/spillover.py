"""Spillover through the hierarchy: what places receive by tier and chain, and the radiation curve.

Every function takes tables as `chainweave.simulate.simulate` returns them (or
`chainweave.results.read_results` reads them back) and returns a matplotlib `Figure` in the
house style of `chainweave.figures.style`; nothing reads the model.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chainweave.errors import ParameterError
from chainweave.figures.style import (
    CHAIN_COLOURS,
    CHAIN_UNITS,
    CHAINS,
    TIER_COLOURS,
    TIER_LABELS,
    TIERS,
    log_axis,
    pick_step,
    require_columns,
    require_one_run,
    step_axis,
    styled,
)


@styled
def spillover_by_tier(cluster: pd.DataFrame, figsize: tuple[float, float] = (11.0, 4.0)) -> Figure:
    """Returns spillover received per place, by tier and chain, over the steps of a run.

    One panel per chain; one line per tier: the mean over a tier's places of what each place
    receives from other places along that chain (the cluster table's
    ``inflow_<chain>_<tier>`` columns), on a log scale.

    Args:
        cluster: Cluster table of one run.
        figsize: Figure size in inches.
    """
    columns = [f"inflow_{c}_{t}" for c in CHAINS for t in TIERS]
    require_columns(cluster, "cluster", ["step", *columns])
    require_one_run(cluster, "cluster")
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(CHAINS), sharex=True)
    for ax, chain in zip(axes, CHAINS, strict=True):
        for tier in TIERS:
            ax.plot(cluster["step"], cluster[f"inflow_{chain}_{tier}"], color=TIER_COLOURS[tier],
                    marker="o", markersize=3, lw=1.6, label=TIER_LABELS[tier])
        log_axis(ax)
        ax.set_title(f"{chain} chain", color=CHAIN_COLOURS[chain], fontweight="bold")
        ax.set_ylabel(f"received per place ({CHAIN_UNITS[chain]})")
        step_axis(ax)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(TIERS),
               title="mean over the places of a tier", frameon=False)
    fig.suptitle("Spillover received from other places, by tier and chain")
    return fig


def _core_flows(places: pd.DataFrame, flows: pd.DataFrame, step: int) -> pd.DataFrame:
    """Returns per chain and place what it receives from the core at ``step``.

    Industry: orders from the core's buyers (goods the place sends to the core); innovation and
    service: knowledge and finance that come from the core.
    """
    now = places[places["step"] == step]
    cores = set(now.loc[now["tier"] == "core", "place"].astype(int))
    f = flows[flows["step"] == step]
    rows = []
    for chain in CHAINS:
        part = f[f["chain"] == chain]
        outward = chain != "industry"
        from_core = part[part["source" if outward else "target"].isin(cores)]
        received = from_core.groupby("target" if outward else "source")["volume"].sum()
        rows.append(pd.DataFrame({"chain": chain, "place": received.index.astype(int),
                                  "received": received.to_numpy()}))
    out = pd.concat(rows, ignore_index=True)
    return out.merge(now[["place", "tier", "depth", "distance_to_core_km"]], on="place")


@styled
def radiation_curve(
    places: pd.DataFrame,
    flows: pd.DataFrame,
    step: int | None = None,
    by: Literal["distance", "hops"] = "distance",
    figsize: tuple[float, float] = (11.0, 4.0),
) -> Figure:
    """Returns the radiation curve: what each place receives from the core against its distance.

    One panel per chain, one point per place (coloured by tier) and an exponential fit
    received ~ a exp(-distance / L) whose decay length L (km) is in the legend; with ``by`` =
    ``"hops"`` the x axis is the number of hierarchy levels below the core and the line joins
    the mean per level. "Received" is, for industry, the orders the core's buyers place with the
    place; for innovation and service, the knowledge and finance that come from the core.

    Args:
        places: Places table of one run (needs ``distance_to_core_km`` and ``depth``).
        flows: Flows table of the same run.
        step: Step to draw; default the last.
        by: ``"distance"`` (great-circle km to the core) or ``"hops"`` (levels below the core).
        figsize: Figure size in inches.
    """
    if by not in ("distance", "hops"):
        raise ParameterError("by", by, "'distance' or 'hops'")
    require_columns(places, "places", ["step", "place", "tier", "depth", "distance_to_core_km"])
    require_columns(flows, "flows", ["step", "source", "target", "chain", "volume"])
    require_one_run(places, "places")
    require_one_run(flows, "flows")
    step = pick_step(places, step)
    received = _core_flows(places, flows, step)
    x_col = "distance_to_core_km" if by == "distance" else "depth"
    # Spread the places of one hierarchy level side by side so that they do not hide each other.
    rank = received.groupby(["chain", "depth"]).cumcount()
    count = received.groupby(["chain", "depth"])["place"].transform("size")
    received["x"] = (received[x_col] if by == "distance"
                     else received["depth"] + 0.3 * ((rank + 0.5) / count - 0.5))
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, len(CHAINS), sharex=True)
    for ax, chain in zip(axes, CHAINS, strict=True):
        part = received[(received["chain"] == chain) & (received["received"] > 0)]
        for tier in TIERS:
            rows = part[part["tier"] == tier]
            if len(rows):
                ax.scatter(rows["x"], rows["received"], s=22, color=TIER_COLOURS[tier],
                           label=TIER_LABELS[tier], zorder=3, edgecolors="white", linewidths=0.5)
        if by == "hops":
            means = part.groupby("depth")["received"].mean()
            ax.plot(means.index, means.to_numpy(), color=CHAIN_COLOURS[chain], lw=1.8,
                    label="mean per level", zorder=2)
            levels = sorted(part["depth"].unique())
            ax.set_xticks(levels)
            ax.set_xlim(levels[0] - 0.5, levels[-1] + 0.5)
        elif part[x_col].nunique() > 1:
            slope, intercept = np.polyfit(part[x_col], np.log(part["received"]), 1)
            grid = np.linspace(part[x_col].min(), part[x_col].max(), 50)
            label = (f"fit: decay length {-1 / slope:,.0f} km" if slope < 0
                     else "fit: no decay with distance")
            ax.plot(grid, np.exp(intercept + slope * grid), color=CHAIN_COLOURS[chain], lw=1.8,
                    label=label, zorder=2)
        log_axis(ax)
        ax.set_title(f"{chain} chain", color=CHAIN_COLOURS[chain], fontweight="bold")
        ax.set_ylabel(f"received from the core ({CHAIN_UNITS[chain]})")
        ax.set_xlabel("distance to the core (km)" if by == "distance"
                      else "hops below the core (hierarchy levels)")
        ax.legend(loc="best")
    fig.suptitle(f"Radiation from the core, step {step}")
    return fig


