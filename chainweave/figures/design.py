"""Figures of a finished policy design, drawn from its tables.

- The Pareto front: every trial (feasible or not) in the space of the first two objectives
  (one objective: against the trial number), the feasible front, and the chosen mixes as the
  search saw them and as re-evaluated on fresh seeds with their intervals: the arrow between
  the two is the winner's curse.
- Each objective and constraint measure against each decision variable (one panel each).
- The chosen mixes' effects against the baseline by tier (D, emissions, cumulative policy
  cost), with their intervals.

`plot_design` reads a design folder and writes every figure as PNG and SVG into its
``figures/`` folder. Figures use the fixed style and atomic writes of
`chainweave.figures.style`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chainweave.errors import ParameterError
from chainweave.figures.style import save_figure, styled
from chainweave.results import MANIFEST, read_results

FEASIBLE = "#0072B2"
"""Feasible trials."""
INFEASIBLE = "#BBBBBB"
"""Trials that violate a constraint."""
FRONT = "#D55E00"
"""The feasible Pareto front."""
FRESH = "#009E73"
"""Chosen mixes re-evaluated on fresh seeds."""
SCOPES = ("cluster", "core", "secondary", "county")
"""Scopes of the effects panel, left to right."""
EFFECT_LABELS = {"D": "change in D", "emissions": "change in emissions (t CO2 / year)",
                 "policy_cost": "cumulative policy cost (M yuan)"}
"""Axis label per effect metric."""


def _numeric(values: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """Returns positions to plot a column at, and tick labels if it holds choices (text)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(float), None
    labels = sorted(values.astype(str).unique())
    return values.astype(str).map({v: i for i, v in enumerate(labels)}).to_numpy(float), labels


@styled
def pareto_front(trials: pd.DataFrame, chosen: pd.DataFrame, objectives: list[dict[str, str]],
                 confidence: float = 0.95) -> Figure:
    """Returns the trials, the feasible front and the chosen mixes in objective space.

    Args:
        trials: The design's trials table.
        chosen: Its chosen table (fresh-seed means and intervals, ``<m>_search``).
        objectives: ``{"column", "sense"}`` per objective (the manifest's).
        confidence: Level of the intervals, for the legend.
    """
    fig = Figure(figsize=(7.0, 5.0), layout="constrained")
    ax = fig.add_subplot()
    feasible = trials["feasible"].astype(bool)
    front = trials[trials["pareto"].astype(bool)]
    if len(objectives) >= 2:
        x, y = objectives[0]["column"], objectives[1]["column"]
        xs, ys = trials[x], trials[y]
        front = front.sort_values(x)
        ax.set_xlabel(f"{x} ({objectives[0]['sense']})")
        ax.set_ylabel(f"{y} ({objectives[1]['sense']})")
    else:
        x, y = "trial", objectives[0]["column"]
        xs, ys = trials["trial"], trials[y]
        ax.set_xlabel("trial")
        ax.set_ylabel(f"{y} ({objectives[0]['sense']})")
    ax.scatter(xs[~feasible], ys[~feasible], s=14, marker="x", color=INFEASIBLE,
               label="violates a constraint")
    ax.scatter(xs[feasible], ys[feasible], s=16, color=FEASIBLE, label="feasible")
    if x != "trial":
        ax.plot(front[x], front[y], "o-", color=FRONT, ms=6, mfc="none", label="feasible Pareto front")
    elif feasible.any():
        best = ys.where(feasible)
        best = best.cummin() if objectives[0]["sense"] == "minimize" else best.cummax()
        ax.step(xs, best, where="post", color=FRONT, label="best feasible so far")
    if not chosen.empty and y in chosen.columns:
        cx = chosen[x] if x != "trial" else chosen["trial"]
        cy = chosen[y]
        yerr = np.abs(np.vstack([cy - chosen[f"{y}_low"], chosen[f"{y}_high"] - cy]))
        xerr = None
        if x != "trial":
            xerr = np.abs(np.vstack([cx - chosen[f"{x}_low"], chosen[f"{x}_high"] - cx]))
            sx = chosen[f"{x}_search"]
        else:
            sx = cx
        for a, b, c, d in zip(sx, chosen[f"{y}_search"], cx, cy, strict=True):
            ax.annotate("", xy=(c, d), xytext=(a, b), arrowprops={"arrowstyle": "->", "color": FRESH})
        ax.errorbar(cx, cy, yerr=yerr, xerr=xerr, fmt="s", color=FRESH, ms=5, capsize=3,
                    label=f"chosen, fresh seeds ({confidence:.0%} interval)")
    ax.legend(fontsize="small")
    ax.set_title("Trials, feasible front and chosen mixes (arrow: search -> fresh seeds)")
    return fig


@styled
def measures_by_variable(trials: pd.DataFrame, measures: list[str], variables: list[str]) -> Figure:
    """Returns one scatter panel per measure (rows) and decision variable (columns).

    Choices that are not numbers are drawn at one position per choice, labelled.
    """
    rows, cols = len(measures), len(variables)
    fig = Figure(figsize=(2.8 * cols + 0.8, 2.2 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey="row")
    feasible = trials["feasible"].astype(bool).to_numpy()
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(trials))  # fixed: same figure every time
    for j, variable in enumerate(variables):
        x, labels = _numeric(trials[variable])
        if labels is not None:
            x = x + jitter
        for i, measure in enumerate(measures):
            ax = axes[i][j]
            y = trials[measure].to_numpy(float)
            ax.scatter(x[~feasible], y[~feasible], s=8, marker="x", color=INFEASIBLE)
            ax.scatter(x[feasible], y[feasible], s=9, color=FEASIBLE)
            if labels is not None:
                ax.set_xticks(range(len(labels)), labels, rotation=20, fontsize="x-small", ha="right")
            if i == rows - 1:
                ax.set_xlabel(variable, fontsize="small")
            if j == 0:
                ax.set_ylabel(measure, fontsize="small")
    fig.suptitle("Measures of every trial against each decision variable (x: violates a constraint)")
    return fig


@styled
def chosen_effects(effects: pd.DataFrame, confidence: float = 0.95) -> Figure:
    """Returns each chosen mix's effect against the baseline by scope, one panel per metric."""
    metrics = [m for m in EFFECT_LABELS if m in set(effects["metric"])]
    trials = list(dict.fromkeys(effects["trial"]))
    fig = Figure(figsize=(4.0 * len(metrics), 3.8), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    width = 0.8 / max(1, len(trials))
    colours = [FRESH, FEASIBLE, FRONT, "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    for ax, metric in zip(axes, metrics, strict=True):
        for k, trial in enumerate(trials):
            rows = effects[(effects["trial"] == trial) & (effects["metric"] == metric)].set_index("scope")
            rows = rows.reindex([s for s in SCOPES if s in rows.index])
            pos = np.arange(len(rows)) - 0.4 + width * (k + 0.5)
            err = np.abs(np.vstack([rows["diff"] - rows["diff_ci_low"], rows["diff_ci_high"] - rows["diff"]]))
            ax.errorbar(pos, rows["diff"], yerr=err, fmt="o", capsize=3, color=colours[k % len(colours)],
                        label=f"trial {trial}")
            ax.set_xticks(range(len(rows)), list(rows.index))
        ax.axhline(0.0, color="#444444", lw=0.8)
        ax.set_ylabel(EFFECT_LABELS[metric])
    axes[0].legend(fontsize="small")
    fig.suptitle(f"Chosen mixes vs baseline on fresh seeds (paired, {confidence:.0%} intervals)")
    return fig


def plot_design(result_dir: str | Path, out: str | Path | None = None,
                formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Draws every figure of a finished design folder; returns the files written.

    Args:
        result_dir: A folder written by `chainweave.design` (``run.py design``).
        out: Folder for the figures; default ``result_dir/figures``.
        formats: Image formats of each figure.

    Raises:
        ParameterError: if the folder is not a finished design.
    """
    folder = Path(result_dir)
    if not (folder / MANIFEST).is_file():
        raise ParameterError("RESULTS_DIR", str(folder), "a finished design folder (with manifest.json)")
    tables, manifest = read_results(folder)
    if manifest.get("kind") != "design" or "trials" not in tables or tables["trials"].empty:
        raise ParameterError("RESULTS_DIR", str(folder), "a design folder (manifest kind design, trials)")
    target = Path(out) if out is not None else folder / "figures"
    trials, chosen = tables["trials"], tables.get("chosen", pd.DataFrame())
    level = manifest["spec"]["evaluation"]["confidence"]
    written: list[Path] = []

    def save(name: str, fig: Figure) -> None:
        written.extend(save_figure(fig, target / name, formats))

    save("design_pareto", pareto_front(trials, chosen, manifest["objectives"], level))
    measures: list[Any] = list(dict.fromkeys([o["column"] for o in manifest["objectives"]]
                                             + [c["column"] for c in manifest["constraints"]]))
    variables = [v["column"] for v in manifest["variables"]]
    save("design_measures", measures_by_variable(trials, measures, variables))
    effects = tables.get("effects", pd.DataFrame())
    if not effects.empty:
        save("design_effects", chosen_effects(effects, level))
    return written
