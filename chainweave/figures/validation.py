"""Figures of the validation suite: each target's values over seeds against its accepted range.

One panel per target: the value of every seed (dots), their mean with its 95 % interval
(bar), and the accepted range (shaded band; an arrow-less edge where it is unbounded), so a
reader sees at once how far the model is from the target and how much the seeds disagree. A
response to a shock is drawn as its path: every seed's shocked-minus-unshocked path, their
mean with a 95 % band by step, and the band that counts as back.
Built on `matplotlib.figure.Figure` and saved with `chainweave.figures.style.save_figure`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chainweave.figures.style import save_figure

STATUS_COLOURS: dict[str, str] = {
    "pass": "#1a9850", "FAIL": "#d73027", "known gap": "#fc8d59", "known gap, passes now": "#91cf60",
    "reported": "#4575b4", "not measurable": "#999999",
}
"""Colour of the mean and interval by status."""


def target_figure(row: Mapping[str, Any], values: Sequence[float]) -> Figure:
    """Returns a target's panel: seed values, mean with 95 % interval, accepted range.

    Args:
        row: The target's summary row (`chainweave.validation.suite.summarize`).
        values: The statistic at each seed.
    """
    fig = Figure(figsize=(6.0, 1.9), layout="constrained")
    ax = fig.add_subplot()
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    low, high = row["accepted_low"], row["accepted_high"]
    span = [v for v in (*x, low, high, row["ci_low"], row["ci_high"]) if v is not None and math.isfinite(v)]
    lo, hi = (min(span), max(span)) if span else (0.0, 1.0)
    pad = (hi - lo) * 0.15 or max(abs(hi), 1.0) * 0.15
    left, right = lo - pad, hi + pad
    band_low = left if low is None or not math.isfinite(low) else low
    band_high = right if high is None or not math.isfinite(high) else high
    ax.axvspan(band_low, band_high, color="#d9f0d3", label=f"accepted {row['accepted']}")
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(x))
    ax.scatter(x, 0.3 + jitter, s=14, color="#555555", alpha=0.7, label="seeds", zorder=3)
    colour = STATUS_COLOURS.get(row["status"], "#000000")
    if math.isfinite(row["mean"]):
        error = [[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]]
        label = ("figure of the seeds' mean path, 95 % bootstrap CI" if row.get("aggregate") == "mean path"
                 else "mean, 95 % CI")
        ax.errorbar([row["mean"]], [-0.3], xerr=error, fmt="o", color=colour, capsize=4,
                    label=label, zorder=4)
    ax.set_xlim(left, right)
    ax.set_ylim(-0.8, 0.8)
    ax.set_yticks([])
    ax.set_title(f"{row['id']}: {row['status']}", fontsize=9, loc="left")
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def response_figure(row: Mapping[str, Any], paths: Sequence[str],
                    args: Mapping[str, Any] | None = None) -> Figure:
    """Returns a response target's panel: every seed's path, their mean with a 95 % band by step.

    Args:
        row: The target's summary row (its figure, interval and status go into the title).
        paths: Each seed's path as `chainweave.validation.suite.SuiteEvaluator.evaluate` writes it.
        args: The statistic's arguments: ``tolerance`` (the band around 0 that counts as back,
            shaded), ``shock_start`` (a vertical line), ``during`` and ``after`` ([first, last]
            windows, shaded).
    """
    args = dict(args or {})
    tolerance, start = args.get("tolerance"), args.get("shock_start")
    from scipy import stats

    from chainweave.validation.suite import mean_paths

    table, mean = mean_paths(paths)
    fig = Figure(figsize=(6.0, 2.6), layout="constrained")
    ax = fig.add_subplot()
    steps = table.columns.to_numpy(int)
    if tolerance is not None:
        ax.axhspan(-tolerance, tolerance, color="#d9f0d3", label=f"back: within {tolerance:g}")
    for i, seed_path in enumerate(table.to_numpy(float)):
        ax.plot(steps, seed_path, color="#999999", linewidth=0.6, alpha=0.6,
                label="seeds" if i == 0 else None)
    colour = STATUS_COLOURS.get(row["status"], "#000000")
    if len(table) > 1:
        half = stats.t.ppf(0.975, len(table) - 1) * table.std(ddof=1) / math.sqrt(len(table))
        ax.fill_between(steps, mean - half, mean + half, color=colour, alpha=0.25, label="mean, 95 % CI")
    ax.plot(steps, mean.to_numpy(float), color=colour, linewidth=1.8, label="mean over seeds")
    if start is not None:
        ax.axvline(start, color="#333333", linewidth=0.8, linestyle=":", label="shock starts")
    for name, colour_of_window in (("during", "#fee0b6"), ("after", "#d8daeb")):
        if name in args:
            first, last = (k if k >= 0 else int(steps[k]) for k in args[name])
            ax.axvspan(first - 0.5, last + 0.5, color=colour_of_window, alpha=0.6, label=name)
    ax.axhline(0.0, color="#333333", linewidth=0.5)
    ax.set_xlabel("step", fontsize=8)
    ax.set_ylabel("shocked vs unshocked", fontsize=8)
    figure = (f"{row['mean']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}]" if math.isfinite(row["mean"])
              else "n/a")
    ax.set_title(f"{row['id']}: {row['status']} ({figure})", fontsize=9, loc="left")
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_targets(summary: pd.DataFrame, runs: pd.DataFrame, folder: str | Path,
                 formats: Sequence[str] = ("png",)) -> dict[str, str]:
    """Draws every measured target's panel into ``folder``; returns id -> file name (first format)."""
    out = Path(folder)
    written = {}
    for row in summary.to_dict("records"):
        mine = runs[runs["target"] == row["id"]] if len(runs) else runs
        values = mine["value"].to_numpy(float) if len(mine) else np.array([])
        if not np.isfinite(values).any():
            continue
        if row.get("aggregate") == "mean path":
            args = json.loads(row["statistic_args"]) if row.get("statistic_args") else {}
            fig = response_figure(row, list(mine["path"][np.isfinite(values)]), args)
        else:
            fig = target_figure(row, values)
        files = save_figure(fig, out / row["id"], formats)
        written[row["id"]] = files[0].name
    return written
