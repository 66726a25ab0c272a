"""Figures of the validation suite: each target's values over seeds against its accepted range.

One panel per target: the value of every seed (dots), their mean with its 95 % interval
(bar), and the accepted range (shaded band; an arrow-less edge where it is unbounded), so a
reader sees at once how far the model is from the target and how much the seeds disagree.
Built on `matplotlib.figure.Figure` and saved with `chainweave.figures.style.save_figure`.
"""

from __future__ import annotations

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
        ax.errorbar([row["mean"]], [-0.3], xerr=error, fmt="o", color=colour, capsize=4,
                    label="mean, 95 % CI", zorder=4)
    ax.set_xlim(left, right)
    ax.set_ylim(-0.8, 0.8)
    ax.set_yticks([])
    ax.set_title(f"{row['id']}: {row['status']}", fontsize=9, loc="left")
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return fig


def plot_targets(summary: pd.DataFrame, runs: pd.DataFrame, folder: str | Path,
                 formats: Sequence[str] = ("png",)) -> dict[str, str]:
    """Draws every measured target's panel into ``folder``; returns id -> file name (first format)."""
    out = Path(folder)
    written = {}
    for row in summary.to_dict("records"):
        values = runs.loc[runs["target"] == row["id"], "value"].to_numpy(float) if len(runs) else []
        if not np.isfinite(values).any():
            continue
        paths = save_figure(target_figure(row, values), out / row["id"], formats)
        written[row["id"]] = paths[0].name
    return written
