"""The hierarchy map: places by tier or on the map, coloured by D, joined by the chains' flows.

`draw_hierarchy` draws one step on given axes (the animation and the dashboard reuse it, with
scales fixed by `hierarchy_scale`); `hierarchy_map` returns the figure of one step, nodes sized
by population or output.

Every function takes tables as `chainweave.simulate.simulate` returns them (or
`chainweave.results.read_results` reads them back) and returns a matplotlib `Figure` in the
house style of `chainweave.figures.style`; nothing reads the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from chainweave.errors import ParameterError
from chainweave.figures.style import (
    BAND_EDGES,
    BAND_NAMES,
    CHAIN_COLOURS,
    CHAIN_UNITS,
    CHAINS,
    D_CMAP,
    D_NORM,
    TIER_COLOURS,
    TIER_LABELS,
    TIERS,
    Layout,
    format_amount,
    pick_step,
    require_columns,
    require_one_run,
    selected_chains,
    styled,
)


@dataclass(frozen=True)
class HierarchyScale:
    """Fixed scales of the hierarchy map, so that frames of one run compare.

    Attributes:
        size_by: Places column giving node area (``"population"`` or ``"output"``).
        size_max: Value of ``size_by`` drawn at the largest node size.
        volume_max: Per chain, the pair volume drawn at the widest line (chain's unit).
    """

    size_by: str
    size_max: float
    volume_max: Mapping[str, float]


NODE_AREA_MAX = 900.0
"""Marker area (points^2) of the largest place; area is proportional to ``size_by``."""

NODE_AREA_MIN = 12.0
EDGE_WIDTH_MAX = 6.0
"""Line width (points) of the largest pair flow of a chain."""

_CHAIN_RAD: dict[str, float] = {"industry": 0.10, "innovation": 0.22, "service": 0.34}
"""Curvature of each chain's edges, so the three chains between one pair do not overlap."""


def _pair_volumes(flows: pd.DataFrame) -> pd.DataFrame:
    """Returns volume summed over both directions of each (chain, step, pair) of places."""
    a = np.minimum(flows["source"].to_numpy(), flows["target"].to_numpy())
    b = np.maximum(flows["source"].to_numpy(), flows["target"].to_numpy())
    return (flows.assign(a=a, b=b).groupby(["chain", "step", "a", "b"], as_index=False)["volume"]
            .sum())


def hierarchy_scale(places: pd.DataFrame, flows: pd.DataFrame | None,
                    size_by: str = "population") -> HierarchyScale:
    """Returns the scales that fit every step of a run (for an animation or a dashboard).

    Args:
        places: Places table of one run.
        flows: Flows table of the same run, or None when flows were not recorded.
        size_by: Places column giving node area: ``"population"`` (persons) or ``"output"``
            (M yuan/yr).
    """
    if size_by not in ("population", "output"):
        raise ParameterError("size_by", size_by, "'population' or 'output'")
    require_columns(places, "places", ["step", "place", size_by])
    volume_max: dict[str, float] = {}
    if flows is not None and len(flows):
        pairs = _pair_volumes(flows)
        volume_max = {str(c): float(v) for c, v in pairs.groupby("chain")["volume"].max().items()}
    return HierarchyScale(size_by, float(places[size_by].max()) or 1.0, volume_max)


def hierarchy_layout(places: pd.DataFrame, layout: Layout = "tier") -> dict[int, tuple[float, float]]:
    """Returns the (x, y) position of each place for the hierarchy map.

    ``"tier"``: core places on the top row, secondary cities in the middle, counties at the
    bottom; every place sits above the middle of its children, and siblings are next to each
    other (a tidy tree over the ``parent_name`` links). ``"map"``: (longitude, latitude) in
    degrees from the ``lon`` and ``lat`` columns.

    Args:
        places: Places table (any steps; one row per place is used).
        layout: ``"tier"`` or ``"map"``.
    """
    first = places.drop_duplicates("place").sort_values("place")
    if layout == "map":
        require_columns(first, "places", ["lon", "lat"])
        return {int(p): (float(x), float(y)) for p, x, y in
                zip(first["place"], first["lon"], first["lat"], strict=True)}
    if layout != "tier":
        raise ParameterError("layout", layout, "'tier' or 'map'")
    require_columns(first, "places", ["place", "place_name", "tier"])
    ids = first["place"].astype(int).tolist()
    by_name = dict(zip(first["place_name"], ids, strict=True))
    parents = (first["parent_name"] if "parent_name" in first else pd.Series("", index=first.index))
    parent_of = {p: by_name.get(name) for p, name in zip(ids, parents, strict=True)}
    children: dict[int | None, list[int]] = {}
    for p in ids:
        children.setdefault(parent_of[p], []).append(p)
    row = {p: float(len(TIERS) - 1 - TIERS.index(t)) for p, t in zip(ids, first["tier"], strict=True)}
    x: dict[int, float] = {}
    next_slot = 0.0

    def place_subtree(p: int) -> None:
        nonlocal next_slot
        kids = children.get(p, [])
        for kid in kids:
            place_subtree(kid)
        if kids:
            x[p] = float(np.mean([x[k] for k in kids]))
        else:
            x[p] = next_slot
            next_slot += 1.0

    for root in children.get(None, []):
        place_subtree(root)
    width = max(next_slot - 1.0, 1.0)
    return {p: (x[p] / width, row[p]) for p in ids}


def _node_areas(values: np.ndarray, scale: HierarchyScale) -> np.ndarray:
    return NODE_AREA_MIN + (NODE_AREA_MAX - NODE_AREA_MIN) * np.clip(values / scale.size_max, 0, 1)


def draw_hierarchy(
    ax: Axes,
    places: pd.DataFrame,
    flows: pd.DataFrame | None,
    step: int,
    chain: str | Sequence[str] = "all",
    layout: Layout = "tier",
    positions: Mapping[int, tuple[float, float]] | None = None,
    scale: HierarchyScale | None = None,
    max_edges: int = 30,
) -> None:
    """Draws one step of the hierarchy map on ``ax``: nodes coloured by D, edges per chain.

    Args:
        ax: Axes to draw on (cleared by the caller for a new frame).
        places: Places table of one run.
        flows: Flows table of the same run, or None to draw places only.
        step: Step to draw.
        chain: ``"all"``, one chain name or a list of chain names whose flows to draw.
        layout: ``"tier"`` rows or ``"map"`` coordinates (see `hierarchy_layout`).
        positions: Place id -> (x, y), overriding ``layout``.
        scale: Fixed node and edge scales (see `hierarchy_scale`); default: fit this run.
        max_edges: Largest pair flows drawn per chain (the rest are too thin to see), >= 0.
    """
    chosen = selected_chains(chain)
    scale = scale or hierarchy_scale(places, flows)
    pos = dict(positions) if positions is not None else hierarchy_layout(places, layout)
    now = places[places["step"] == step].sort_values("place")
    xy = np.array([pos[int(p)] for p in now["place"]])
    if "parent_name" in now.columns:
        # The administrative tree, thin and grey under the flows.
        ids = dict(zip(now["place_name"], now["place"].astype(int), strict=True))
        for place, parent in zip(now["place"].astype(int), now["parent_name"], strict=True):
            if parent in ids and ids[parent] in pos:
                (x0, y0), (x1, y1) = pos[place], pos[ids[parent]]
                ax.plot([x0, x1], [y0, y1], color="#C8C8C8", lw=0.8, zorder=0)
    has_flows = flows is not None and len(flows) > 0
    if has_flows and max_edges > 0:
        pairs = _pair_volumes(flows[flows["step"] == step])
        for c in chosen:
            top = pairs[pairs["chain"] == c].nlargest(max_edges, "volume")
            vmax = scale.volume_max.get(c) or (float(top["volume"].max()) if len(top) else 1.0)
            for a, b, volume in zip(top["a"], top["b"], top["volume"], strict=True):
                if int(a) not in pos or int(b) not in pos:
                    continue
                ax.add_patch(FancyArrowPatch(
                    pos[int(a)], pos[int(b)], arrowstyle="-", shrinkA=0, shrinkB=0,
                    connectionstyle=f"arc3,rad={_CHAIN_RAD[c]}", color=CHAIN_COLOURS[c], alpha=0.55,
                    linewidth=0.3 + EDGE_WIDTH_MAX * min(volume / vmax, 1.0), zorder=1))
    tiers = now["tier"].to_numpy()
    areas = _node_areas(now[scale.size_by].to_numpy(float), scale)
    ax.scatter(xy[:, 0], xy[:, 1], s=areas,
               c=now["D"].to_numpy(float), cmap=D_CMAP, norm=D_NORM, zorder=3,
               edgecolors=[TIER_COLOURS.get(t, "#000000") for t in tiers], linewidths=1.2)
    labelled = (now["tier"] != "county").to_numpy()
    for (x, y), area, name in zip(xy[labelled], areas[labelled], now.loc[labelled, "place_name"],
                                  strict=True):
        ax.annotate(str(name), (x, y), xytext=(0, np.sqrt(area) / 2 + 2), textcoords="offset points",
                    ha="center",
                    va="bottom", fontsize=7, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    if positions is None and layout == "tier":
        ax.set_yticks(range(len(TIERS)), [TIER_LABELS[t] for t in reversed(TIERS)])
        ax.set_ylim(-0.3, len(TIERS) - 0.7)
        ax.set_xlim(-0.04, 1.04)
        ax.set_xticks([])
        ax.set_xlabel("places, each under its parent (county names left out)")
        ax.grid(False)
    elif positions is None:
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.set_aspect(1.0 / np.cos(np.radians(float(np.mean(xy[:, 1])))), adjustable="datalim")
    ax.margins(0.06)
    what = "chain" if set(chosen) == set(CHAINS) else " and ".join(chosen)
    ax.set_title(f"Hierarchy and {what} flows, step {step}: colour = D, area = {scale.size_by}, width = flow"
                 if has_flows else f"Hierarchy, step {step}: colour = D, area = {scale.size_by} "
                 "(flows not recorded; grey: parent links)", loc="left")


@styled
def hierarchy_map(
    places: pd.DataFrame,
    flows: pd.DataFrame | None = None,
    step: int | None = None,
    chain: str | Sequence[str] = "all",
    layout: Layout = "tier",
    positions: Mapping[int, tuple[float, float]] | None = None,
    size_by: str = "population",
    scale: HierarchyScale | None = None,
    max_edges: int = 30,
    figsize: tuple[float, float] = (10.0, 6.5),
) -> Figure:
    """Returns the hierarchy map of one step: places by tier (or on a map), D, size and flows.

    Node colour is the place's D on the fixed [0, 1] scale with the band edges marked on the
    colour bar, node area is proportional to ``size_by``, the node rim gives the tier, and each
    drawn edge is one pair of places with line width proportional to the flow between them in
    both directions (per chain, relative to the chain's largest pair flow, since chains have
    different units).

    Args:
        places: Places table of one run.
        flows: Flows table of the same run, or None to draw places only.
        step: Step to draw; default the last.
        chain: ``"all"``, a chain name or a list of them: the chain selector.
        layout: ``"tier"`` (core on top, secondary, counties below) or ``"map"`` (lon/lat).
        positions: Place id -> (x, y), overriding ``layout`` (e.g. projected coordinates).
        size_by: ``"population"`` (persons) or ``"output"`` (M yuan/yr).
        scale: Fixed scales shared with other frames; default fitted to this run.
        max_edges: Largest pair flows drawn per chain, >= 0.
        figsize: Figure size in inches (pixels = inches x `FIGURE_DPI`).
    """
    require_columns(places, "places", ["step", "place", "place_name", "tier", "D", size_by])
    require_one_run(places, "places")
    if flows is not None:
        require_one_run(flows, "flows")
    step = pick_step(places, step)
    chosen = selected_chains(chain)
    scale = scale or hierarchy_scale(places, flows, size_by)
    fig, ax = hierarchy_axes(chosen if flows is not None else (), scale, figsize)
    draw_hierarchy(ax, places, flows, step, chosen, layout, positions, scale, max_edges)
    return fig


def _nice_sizes(top: float) -> list[float]:
    """Returns up to three round reference values below ``top`` for a size legend."""
    values = []
    for fraction in (1.0, 0.25, 0.05):
        v = top * fraction
        magnitude = 10 ** np.floor(np.log10(v))
        values.append(float(np.floor(v / magnitude) * magnitude))
    return sorted(set(values), reverse=True)


def hierarchy_axes(chains: Sequence[str], scale: HierarchyScale,
                   figsize: tuple[float, float] = (10.0, 6.5)) -> tuple[Figure, Axes]:
    """Returns a figure for the hierarchy map and its map axes, with the fixed decorations.

    The decorations do not change from step to step: the D colour bar with the bands marked,
    and below the map three legends (tiers, node sizes, the chains drawn and their units).
    `draw_hierarchy` then draws a step on the returned axes.

    Args:
        chains: Chains whose flows are drawn (empty: no flow legend).
        scale: The map's scales (for the size legend).
        figsize: Figure size in inches.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[1.0, 0.2])
    ax = fig.add_subplot(grid[0, :])
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=D_NORM, cmap=D_CMAP), ax=ax, shrink=0.9,
                       pad=0.01, aspect=30)
    bar.set_label("coupling coordination degree D (0-1)")
    bar.set_ticks(list(BAND_EDGES))
    for name, lo, hi in zip(BAND_NAMES, BAND_EDGES[:-1], BAND_EDGES[1:], strict=True):
        bar.ax.text(-0.6, (lo + hi) / 2, name, rotation=90, ha="center", va="center", fontsize=7,
                    transform=bar.ax.get_yaxis_transform(), color="#333333")
    unit = "persons" if scale.size_by == "population" else "M yuan/yr"
    legends: list[tuple[str, list[Line2D]]] = [
        ("tier (node rim)", [Line2D([], [], ls="", marker="o", mfc="white", mec=TIER_COLOURS[t],
                                    mew=1.5, markersize=8, label=TIER_LABELS[t]) for t in TIERS]),
    ]
    if chains:
        legends.append(("flow between a pair (width, vs the chain's largest)",
                        [Line2D([], [], color=CHAIN_COLOURS[c], lw=3, label=f"{c} ({CHAIN_UNITS[c]})")
                         for c in chains]))
    holders = [fig.add_subplot(grid[1, column]) for column in range(3)]
    for holder in holders:
        holder.axis("off")
    for holder, (title, handles) in zip(holders[::2], legends, strict=False):
        holder.legend(handles=handles, loc="upper left", frameon=False, title=title, title_fontsize=8,
                      alignment="left", borderpad=0.2, handletextpad=1.0, handlelength=2.5)
    # Node sizes drawn at their true area, side by side (a legend would stack them into its title).
    sizes = holders[1]
    sizes.set_xlim(0, 1)
    sizes.set_ylim(0, 1)
    sizes.text(0.0, 0.97, f"{scale.size_by} (node area)", fontsize=8, va="top")
    for k, value in enumerate(_nice_sizes(scale.size_max)):
        x = 0.12 + 0.33 * k
        sizes.scatter([x], [0.48], s=_node_areas(np.array([value]), scale), color="#BBBBBB",
                      edgecolors="none", clip_on=False)
        sizes.text(x, 0.1, f"{format_amount(value)}\n{unit}", ha="center", va="center", fontsize=8)
    return fig, ax


