"""Figures of a finished sweep, drawn from its tables: indices, heat maps, response surfaces.

- Morris and Sobol' sweeps: per output, the parameters ranked by their index as bars with
  confidence intervals (S1 and ST; or mu* and sigma); one heat map of the indices over all
  outputs and parameters.
- Grids: per output and pair of parameters, the response surface (the output's mean over
  replicates and the other parameters, at each pair of levels).
- Latin hypercubes (and one-parameter grids): per output, a scatter panel per parameter.

`plot_sweep` reads a sweep folder and writes every figure as PNG and SVG into its
``figures/`` folder (``run.py plot DIR`` calls it). Figures use the fixed style and atomic
writes of `chainweave.figures.style`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chainweave.errors import ParameterError
from chainweave.figures.style import save_figure, styled
from chainweave.outputs import output_subfolder
from chainweave.results import MANIFEST, read_results

S1_COLOUR = "#0072B2"
"""First-order index (and mu*) bars."""
ST_COLOUR = "#D55E00"
"""Total index (and sigma) bars."""
BARS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "sobol": (("S1", "first order S1"), ("ST", "total ST")),
    "morris": (("mu_star", "mu*"), ("sigma", "sigma")),
}
"""Per method, the two indices drawn as bars (column, legend label); the first ranks Morris
parameters, the second (ST) Sobol' ones."""


def _label(column: str, manifest: dict[str, Any]) -> str:
    """Returns a parameter's axis label: its column and, if different, its scenario path."""
    paths = {p["column"]: p["path"] for p in manifest.get("parameters", [])}
    path = paths.get(column, column)
    return column if path in (column, f"params.{column}") else f"{column} ({path})"


@styled
def ranked_indices(indices: pd.DataFrame, output: str, method: str, conf_level: float = 0.95) -> Figure:
    """Returns bars of each parameter's indices for one output, largest first.

    Args:
        indices: The sweep's indices table (`chainweave.sweeps.indices`).
        output: The output column.
        method: ``sobol`` (S1 and ST with intervals) or ``morris`` (mu* with interval, sigma).
        conf_level: Level of the intervals in the table, for the axis label.
    """
    rows = indices[indices["output"] == output]
    bars = BARS[method]
    rows = rows.sort_values(bars[1][0] if method == "sobol" else bars[0][0], na_position="first")
    y = np.arange(len(rows))
    fig = Figure(figsize=(7.0, 1.4 + 0.35 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    for (column, label), offset, colour in zip(bars, (0.2, -0.2), (S1_COLOUR, ST_COLOUR), strict=True):
        values = rows[column].to_numpy(float)
        error = None
        if f"{column}_ci_low" in rows:
            error = np.abs(np.vstack([values - rows[f"{column}_ci_low"], rows[f"{column}_ci_high"] - values]))
        ax.barh(y + offset, values, height=0.38, color=colour, xerr=error, capsize=2,
                error_kw={"lw": 0.8}, label=label)
    ax.set_yticks(y, rows["parameter"])
    ax.axvline(0.0, color="#000000", lw=0.6)
    if method == "sobol":
        ax.set_xlabel(f"share of the output's variance (whiskers: {conf_level:.0%} interval)")
        title = f"Sobol' indices of {output}"
    else:
        ax.set_xlabel(f"elementary effects, in {output}'s unit (mu*: mean |effect|, sigma: spread)")
        title = f"Morris screening of {output}"
    ax.legend(loc="lower right", frameon=False)
    ax.set_title(title, loc="left")
    return fig


@styled
def indices_heatmap(indices: pd.DataFrame, method: str) -> Figure:
    """Returns a heat map of the indices over outputs (rows) and parameters (columns).

    Sobol': ST (share of variance, 0-1). Morris: mu* over the largest mu* of the output (0-1),
    so outputs in different units compare. Parameters are ordered by their mean value.
    """
    key = "ST" if method == "sobol" else "mu_star"
    table = indices.pivot(index="output", columns="parameter", values=key)
    table = table.loc[list(dict.fromkeys(indices["output"]))]
    if method == "morris":
        table = table.div(table.abs().max(axis=1).replace(0.0, np.nan), axis=0)
    table = table[table.mean(axis=0).sort_values(ascending=False).index]
    fig = Figure(figsize=(2.5 + 0.9 * table.shape[1], 1.6 + 0.45 * table.shape[0]), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(table.to_numpy(float), aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0,
                      interpolation="nearest")
    for (i, j), value in np.ndenumerate(table.to_numpy(float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="#FFFFFF" if value < 0.6 else "#000000")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(table.shape[0]), table.index)
    ax.grid(False)
    bar = fig.colorbar(image, ax=ax, pad=0.01)
    bar.set_label("total index ST" if method == "sobol" else "mu* / largest mu* of the output")
    ax.set_title("Sobol' total indices" if method == "sobol" else "Morris mu*, scaled per output", loc="left")
    return fig


@styled
def response_surface(runs: pd.DataFrame, output: str, x: str, y: str, x_label: str = "",
                     y_label: str = "") -> Figure:
    """Returns the mean of ``output`` at each pair of levels of ``x`` and ``y`` (a grid sweep).

    The mean is over replicates and the levels of every other parameter.
    """
    surface = runs.groupby([y, x])[output].mean().unstack(x)
    fig = Figure(figsize=(6.0, 4.6), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(surface.to_numpy(float), origin="lower", aspect="auto", cmap="viridis",
                      interpolation="nearest")
    ax.set_xticks(range(surface.shape[1]), [f"{v:g}" for v in surface.columns])
    ax.set_yticks(range(surface.shape[0]), [f"{v:g}" for v in surface.index])
    ax.grid(False)
    ax.set_xlabel(x_label or x)
    ax.set_ylabel(y_label or y)
    fig.colorbar(image, ax=ax, pad=0.01).set_label(f"{output} (mean)")
    ax.set_title(f"{output} over {x} and {y}", loc="left")
    return fig


@styled
def output_scatter(runs: pd.DataFrame, output: str, columns: Sequence[str],
                   labels: Sequence[str] | None = None) -> Figure:
    """Returns one panel per parameter: every run's ``output`` against the parameter's value."""
    fig = Figure(figsize=(3.0 * len(columns) + 0.6, 3.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(columns), sharey=True))
    for ax, column, label in zip(axes, columns, labels or columns, strict=True):
        ax.scatter(runs[column], runs[output], s=8, alpha=0.6, color=S1_COLOUR, lw=0)
        ax.set_xlabel(label)
    axes[0].set_ylabel(output)
    fig.suptitle(f"{output} against each parameter (one dot per run)")
    return fig


def plot_sweep(result_dir: str | Path, out: str | Path | None = None,
               formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Draws every figure of a finished sweep folder; returns the files written.

    Args:
        result_dir: A folder written by `chainweave.sweeps.sweep` (``run.py sweep``).
        out: Folder for the figures; default ``result_dir/figures``.
        formats: Image formats of each figure.

    Raises:
        ParameterError: if the folder is not a finished sweep.
    """
    folder = Path(result_dir)
    if not (folder / MANIFEST).is_file():
        raise ParameterError("RESULTS_DIR", str(folder), "a finished sweep folder (with manifest.json)")
    tables, manifest = read_results(folder)
    if manifest.get("kind") != "sweep" or "runs" not in tables:
        raise ParameterError("RESULTS_DIR", str(folder), "a sweep folder (manifest kind sweep, runs table)")
    target = Path(out) if out is not None else output_subfolder(folder, "figures")
    runs, method = tables["runs"], manifest["method"]
    if "status" in runs:  # failed runs have no outputs to draw
        runs = runs[runs["status"] == "ok"]
    columns = [p["column"] for p in manifest["parameters"]]
    labels = [_label(c, manifest) for c in columns]
    written: list[Path] = []

    def save(name: str, fig: Figure) -> None:
        written.extend(save_figure(fig, target / name, formats))

    if "indices" in tables:
        indices = tables["indices"]
        level = manifest.get("conf_level", 0.95)
        for output in manifest["outputs"]:
            save(f"indices_{output}", ranked_indices(indices, output, method, level))
        save("indices_heatmap", indices_heatmap(indices, method))
    if runs.empty:  # every run failed: no outputs to draw
        return written
    varied = [c for c in columns if runs[c].nunique() > 1]
    if method == "grid" and len(varied) >= 2:
        for output in manifest["outputs"]:
            for x, y in itertools.combinations(varied, 2):
                save(f"surface_{output}_{x}_{y}", response_surface(
                    runs, output, x, y, labels[columns.index(x)], labels[columns.index(y)]))
    elif method in ("grid", "lhs"):
        for output in manifest["outputs"]:
            save(f"scatter_{output}", output_scatter(runs, output, columns, labels))
    return written
