"""The house style of every figure: colours, labels, the fixed matplotlib settings, checks, saving.

Colours are fixed once per chain (`CHAIN_COLOURS`) and per tier (`TIER_COLOURS`), D is always
drawn on the same colour scale over [0, 1] with the coordination bands of
`chainweave.analysis.bands` marked, and `save_figure` writes PNG and SVG atomically. Figures
are built on `matplotlib.figure.Figure` (no pyplot state) under the fixed `STYLE` (`styled`),
so the same tables give the same pixels at `FIGURE_DPI`, and the drawing functions are safe to
call from a web server thread (the dashboard does).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from chainweave.analysis.bands import PAPER_BANDS
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


def pick_step(table: pd.DataFrame, step: int | None) -> int:
    """Returns ``step`` if the table has it, the table's last step for None; else raises `ParameterError`."""
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


def format_amount(value: float) -> str:
    """Returns 2500000 as "2.5 M", 40000 as "40 k"."""
    if value >= 1e6:
        return f"{value / 1e6:g} M"
    if value >= 1e3:
        return f"{value / 1e3:g} k"
    return f"{value:g}"


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


def log_axis(ax: Axes) -> None:
    """Puts ``ax``'s y axis on a log scale ticked at 1, 2, 5 x 10^k, labelled 20k, 1.5M."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_amount(v).replace(" ", "")))
    ax.yaxis.set_minor_formatter(NullFormatter())


def step_axis(ax: Axes) -> None:
    """Labels ``ax``'s x axis as steps, with whole-number ticks (and some width at step 0)."""
    ax.set_xlabel("step (years since start)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    first, last = ax.dataLim.intervalx
    if np.isfinite([first, last]).all() and last - first < 2:
        ax.set_xlim(first - 0.5, last + 0.5)


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
