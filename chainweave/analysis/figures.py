"""Static figures of a run or a comparison, drawn from the output tables only.

Every function here takes tables as `chainweave.simulate.simulate` returns them (or
`chainweave.results.read_results` reads them back) and returns a matplotlib `Figure`; nothing
reads the model. Colours are fixed once per chain (`CHAIN_COLOURS`) and per tier
(`TIER_COLOURS`), D is always drawn on the same colour scale over [0, 1] with the coordination
bands of `chainweave.analysis.bands` marked, and `save_figure` writes PNG and SVG atomically.

Figures are built on `matplotlib.figure.Figure` (no pyplot state) under the fixed `STYLE`, so
the same tables give the same pixels at `FIGURE_DPI`, and the functions are safe to call from
a web server thread (the dashboard does).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import EngFormatter, FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from chainweave.analysis.bands import PAPER_BANDS, coordination_band
from chainweave.analysis.structure import specialization_index, specialization_terms
from chainweave.errors import ParameterError
from chainweave.results import atomic_write_bytes

TIERS: tuple[str, ...] = ("core", "secondary", "county")
"""Tier names as the tables spell them, from the top of the hierarchy down."""

CHAINS: tuple[str, ...] = ("industry", "innovation", "service")
"""Chain names as the flows table spells them."""

SUBSYSTEMS: tuple[str, ...] = ("industry", "innovation", "service", "urbanization")
"""Subsystems scored per place (``score_<name>`` columns)."""

CHAIN_COLOURS: dict[str, str] = {"industry": "#D55E00", "innovation": "#0072B2", "service": "#CC79A7"}
"""One colour per chain (Okabe-Ito vermillion, blue, reddish purple: none is on the D scale)."""

TIER_COLOURS: dict[str, str] = {"core": "#6A3D9A", "secondary": "#E69F00", "county": "#7F7F7F"}
"""One colour per tier (purple, orange, grey), in every figure; the whole cluster is black."""

CLUSTER_COLOUR = "#000000"

TIER_LABELS: dict[str, str] = {"core": "core city", "secondary": "secondary cities", "county": "counties"}

CHAIN_UNITS: dict[str, str] = {
    "industry": "M yuan/yr of orders",
    "innovation": "knowledge units/yr",
    "service": "M yuan/yr of finance",
}
"""Unit of each chain's flows and spillover (docs/ODD.md, outputs)."""

D_CMAP = "viridis"
"""Colour map of the coupling coordination degree D, always over [0, 1]."""

D_NORM = Normalize(vmin=0.0, vmax=1.0)

BAND_EDGES: tuple[float, ...] = (0.0, 0.3, 0.5, 0.8, 1.0)
"""Edges of the paper's bands low, medium, benign and high (`coordination_band`, scale "paper")."""

BAND_NAMES: tuple[str, ...] = PAPER_BANDS[1:5]
BAND_SHADES: tuple[str, ...] = ("#F4CCCC", "#FCE5CD", "#D9EAD3", "#CFE2F3")

FIGURE_DPI = 150
"""Resolution of saved PNGs: a figure of w x h inches is saved as 150 w x 150 h pixels."""

CJK_FONTS: tuple[str, ...] = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                              "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC")
"""Fonts for Chinese place names, in order of preference; the first installed one is used."""


def _font_families() -> list[str]:
    """Returns DejaVu Sans (bundled with matplotlib) and the first installed CJK font, if any.

    Latin text is always drawn in DejaVu Sans; the CJK font only supplies glyphs DejaVu lacks
    (the Yunnan scenario names its places in Chinese).
    """
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *[name for name in CJK_FONTS if name in installed][:1]]


STYLE: dict[str, object] = {
    "font.family": _font_families(),
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "legend.fontsize": 8.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "figure.titlesize": 12.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "savefig.dpi": FIGURE_DPI,
    "svg.hashsalt": "chainweave",
    "svg.fonttype": "path",
    "text.hinting": "default",
}
"""Matplotlib settings every figure is drawn and saved under (bundled font, fixed resolution)."""

METRIC_LABELS: dict[str, str] = {
    "D": "coupling coordination degree D (0-1)",
    "C": "coupling degree C (0-1)",
    "T": "comprehensive index T (0-1)",
    **{f"score_{s}": f"{s} score (0-1)" for s in SUBSYSTEMS},
    "emissions": "emissions (t CO2/yr)",
    "population": "population (persons)",
    "value_added": "value added (M yuan/yr)",
    "output": "output (M yuan/yr)",
    "patents": "patents (per yr)",
    "policy_spend_total": "policy cost to date (M yuan)",
}
"""Axis label with unit of each metric a figure may show."""

Layout = Literal["tier", "map"]

def styled[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Returns ``function`` wrapped so that it runs under the fixed `STYLE`."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


# --- checks ---------------------------------------------------------------------------------


def require_columns(table: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    """Raises `ParameterError` unless ``table`` has rows and all ``columns``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ParameterError(name, f"a table without {', '.join(missing)}",
                             f"a {name} table with columns {', '.join(columns)}")
    if table.empty:
        raise ParameterError(name, "an empty table", f"a {name} table with rows")


def require_one_run(table: pd.DataFrame, name: str) -> None:
    """Raises `ParameterError` if ``table`` holds rows of several scenarios, replicates or seeds."""
    for key in ("scenario", "replicate", "seed"):
        if key in table.columns and table[key].nunique() > 1:
            raise ParameterError(name, f"{table[key].nunique()} values of {key}",
                                 f"the rows of one run (select one {key} first)")


def _pick_step(table: pd.DataFrame, step: int | None) -> int:
    steps = table["step"].unique()
    if step is None:
        return int(steps.max())
    if step not in steps:
        raise ParameterError("step", step, f"a step of the table, {int(steps.min())}..{int(steps.max())}")
    return int(step)


def selected_chains(chain: str | Sequence[str]) -> tuple[str, ...]:
    """Returns the chains a chain selector names: ``"all"``, one name or a list of names."""
    chosen = CHAINS if chain == "all" else (chain,) if isinstance(chain, str) else tuple(chain)
    for c in chosen:
        if c not in CHAINS:
            raise ParameterError("chain", c, "'all' or one of " + ", ".join(CHAINS))
    return chosen


# --- shared decorations --------------------------------------------------------------------


def shade_bands(ax: Axes, label: bool = True) -> None:
    """Shades the coordination bands low / medium / benign / high behind a D axis."""
    low, high = ax.get_ylim()
    for name, lo, hi, colour in zip(BAND_NAMES, BAND_EDGES[:-1], BAND_EDGES[1:], BAND_SHADES,
                                    strict=True):
        ax.axhspan(lo, hi, color=colour, alpha=0.7, zorder=0, linewidth=0)
        visible_lo, visible_hi = max(lo, low), min(hi, high)
        if label and visible_hi - visible_lo > 0.06 * (high - low):
            ax.text(0.99, (visible_lo + visible_hi) / 2, name, transform=ax.get_yaxis_transform(),
                    ha="right", va="center", fontsize=7, color="#444444", zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
    ax.set_ylim(low, high)


def _log_axis(ax: Axes) -> None:
    """Puts ``ax``'s y axis on a log scale ticked at 1, 2, 5 x 10^k, labelled 20k, 1.5M."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _format_amount(v).replace(" ", "")))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _step_axis(ax: Axes) -> None:
    """Labels ``ax``'s x axis as steps, with whole-number ticks (and some width at step 0)."""
    ax.set_xlabel("step (years since start)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    first, last = ax.dataLim.intervalx
    if np.isfinite([first, last]).all() and last - first < 2:
        ax.set_xlim(first - 0.5, last + 0.5)


# --- hierarchy map --------------------------------------------------------------------------


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
    step = _pick_step(places, step)
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


def _format_amount(value: float) -> str:
    """Returns 2500000 as "2.5 M", 40000 as "40 k"."""
    if value >= 1e6:
        return f"{value / 1e6:g} M"
    if value >= 1e3:
        return f"{value / 1e3:g} k"
    return f"{value:g}"


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
        sizes.text(x, 0.1, f"{_format_amount(value)}\n{unit}", ha="center", va="center", fontsize=8)
    return fig, ax


# --- spillover ------------------------------------------------------------------------------


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
        _log_axis(ax)
        ax.set_title(f"{chain} chain", color=CHAIN_COLOURS[chain], fontweight="bold")
        ax.set_ylabel(f"received per place ({CHAIN_UNITS[chain]})")
        _step_axis(ax)
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
    step = _pick_step(places, step)
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
        _log_axis(ax)
        ax.set_title(f"{chain} chain", color=CHAIN_COLOURS[chain], fontweight="bold")
        ax.set_ylabel(f"received from the core ({CHAIN_UNITS[chain]})")
        ax.set_xlabel("distance to the core (km)" if by == "distance"
                      else "hops below the core (hierarchy levels)")
        ax.legend(loc="best")
    fig.suptitle(f"Radiation from the core, step {step}")
    return fig


# --- coordination over time -------------------------------------------------------------------

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
        _step_axis(axes[f"score_{name}"])
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
    _step_axis(ax)
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
        _step_axis(axes[f"score_{name}"])
    shade_bands(axes["D"])
    handles = [Line2D([], [], color=TIER_COLOURS[t], lw=1.6,
                      label=f"{TIER_LABELS[t]} ({places.loc[places['tier'] == t, 'place'].nunique()})")
               for t in TIERS]
    axes["_legend"].legend(handles=handles, loc="center", title="one line per place", frameon=False)
    fig.suptitle("Coupling coordination over time, per place")
    return fig


# --- specialization -----------------------------------------------------------------------------


def sector_output(places: pd.DataFrame, step: int) -> pd.DataFrame:
    """Returns output per sector (M yuan/yr) of each place at ``step``: places x sectors.

    Rows are place names in hierarchy order (`hierarchy_layout`); columns are the sector names
    of the places table's ``output_<sector>`` columns.
    """
    columns = [c for c in places.columns if c.startswith("output_")]
    if not columns:
        raise ParameterError("places", "a table without output_<sector> columns",
                             "a places table with output per sector")
    now = places[places["step"] == step]
    order = hierarchy_layout(places)
    now = now.assign(_x=[order[int(p)][0] - 10 * order[int(p)][1] for p in now["place"]])
    now = now.sort_values("_x")
    table = now[columns].set_axis(now["place_name"].to_numpy()).astype(float)
    return table.rename(columns=lambda c: c.removeprefix("output_"))


@styled
def specialization_heatmap(places: pd.DataFrame, step: int | None = None, max_places: int = 60,
                           width: float = 9.0) -> Figure:
    """Returns the specialization heat map: s_i^k - sbar_i^k for each place i and sector k.

    s_i^k is sector k's share of place i's output and sbar_i^k its share of the output of the
    rest of the cluster; the cell shows the term |s_i^k - sbar_i^k| of `specialization_terms`
    with the sign of the difference (red: the place holds more of the sector than the rest of
    the cluster, blue: less). Row labels give the place's specialization index
    K_i = sum_k |s_i^k - sbar_i^k| in [0, 2]. Places with no output are left out; beyond
    ``max_places`` only the largest by output are shown.

    Args:
        places: Places table of one run with ``output_<sector>`` columns.
        step: Step to draw; default the last.
        max_places: Most rows to draw, >= 2.
        width: Figure width in inches; the height follows the number of rows.
    """
    require_columns(places, "places", ["step", "place", "place_name", "tier"])
    require_one_run(places, "places")
    step = _pick_step(places, step)
    output = sector_output(places, step)
    output = output[output.sum(axis=1) > 0]
    terms = specialization_terms(output)
    index = specialization_index(output)
    rest = output.sum(axis=0) - output
    sign = np.sign(output.div(output.sum(axis=1), axis=0) - rest.div(rest.sum(axis=1), axis=0))
    signed = terms * sign
    if len(output) > max_places:
        shown = set(output.sum(axis=1).nlargest(max_places).index)
        signed = signed.loc[[p for p in output.index if p in shown]]
    tiers = places.drop_duplicates("place_name").set_index("place_name")["tier"]
    fig = Figure(figsize=(width, 1.9 + 0.2 * len(signed)), layout="constrained")
    ax = fig.add_subplot()
    limit = max(float(np.abs(signed.to_numpy()).max()), 1e-9)
    image = ax.imshow(signed.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest")
    ax.set_xticks(range(signed.shape[1]), [s.replace("_", " ") for s in signed.columns], rotation=35,
                  ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(signed)), [f"{p}  K={index[p]:.2f}" for p in signed.index])
    for label, place in zip(ax.get_yticklabels(), signed.index, strict=True):
        label.set_color(TIER_COLOURS.get(tiers.get(place, ""), "#000000"))
    ax.grid(False)
    ax.set_xlabel("sector")
    ax.set_ylabel("place (label colour: tier; K: specialization index, 0-2)")
    bar = fig.colorbar(image, ax=ax, pad=0.01, aspect=30)
    bar.set_label("sector's share of the place's output − its share in the rest (−1 to 1)")
    note = "" if len(signed) == len(output) else f", largest {len(signed)} of {len(output)} places"
    ax.set_title(f"Specialization by place and sector, step {step}{note}", loc="left")
    return fig


# --- comparisons ---------------------------------------------------------------------------------

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
        _step_axis(ax)
    axes[0].set_ylabel(METRIC_LABELS.get(metric, metric))
    if metric == "D":
        for ax in axes:
            shade_bands(ax)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", title="scenario",
               frameon=False)
    fig.suptitle(f"{metric} over time per scenario (line: mean, band: range over replicates)")
    return fig


# --- saving ----------------------------------------------------------------------------------------


def figure_bytes(fig: Figure, fmt: str = "png", dpi: float = FIGURE_DPI) -> bytes:
    """Returns the figure rendered as ``fmt`` ("png" or "svg") bytes under the fixed style."""
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None}
    with mpl.rc_context(STYLE):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def save_figure(fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "svg"),
                dpi: float = FIGURE_DPI) -> list[Path]:
    """Writes ``fig`` as ``stem.png`` and ``stem.svg`` (each atomically); returns the paths."""
    paths = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        atomic_write_bytes(path, figure_bytes(fig, fmt, dpi))
        paths.append(path)
    return paths
