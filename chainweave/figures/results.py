"""All the figures of a result folder: what ``python run.py plot RESULTS_DIR`` draws.

`plot_results` reads a folder written by ``run``, ``compare`` or ``sweep`` (its manifest says
which) and draws every figure that fits it into ``RESULTS_DIR/figures/`` (or another folder),
each as PNG and SVG, optionally with the hierarchy map over the steps as a GIF (and MP4 with
ffmpeg). The subcommand itself is in `chainweave.plot_command`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from chainweave.errors import ParameterError
from chainweave.figures.animation import animate_hierarchy
from chainweave.figures.comparison import policy_comparison, scenario_trajectories
from chainweave.figures.coordination import coordination_by_place, coordination_by_tier
from chainweave.figures.hierarchy import hierarchy_map
from chainweave.figures.specialization import specialization_heatmap
from chainweave.figures.spillover import radiation_curve, spillover_by_tier
from chainweave.figures.style import CHAINS, save_figure
from chainweave.outputs import output_subfolder
from chainweave.results import MANIFEST, read_results

KINDS: tuple[str, ...] = ("run", "comparison", "sweep")
"""Result kinds a manifest may name."""


def _run_figures(tables: dict[str, pd.DataFrame]) -> dict[str, Callable[[], Figure]]:
    """Returns name -> figure builder for one run's tables (flows optional)."""
    places, cluster = tables["places"], tables["cluster"]
    flows = tables.get("flows")
    flows = flows if flows is not None and len(flows) else None
    figures: dict[str, Callable[[], Figure]] = {
        "hierarchy_map": lambda: hierarchy_map(places, flows),
        "hierarchy_map_geographic": lambda: hierarchy_map(places, flows, layout="map"),
    }
    if flows is not None:
        for chain in CHAINS:
            figures[f"hierarchy_map_{chain}"] = lambda c=chain: hierarchy_map(places, flows, chain=c)
        figures["radiation_curve"] = lambda: radiation_curve(places, flows)
        figures["radiation_curve_hops"] = lambda: radiation_curve(places, flows, by="hops")
    figures["spillover_by_tier"] = lambda: spillover_by_tier(cluster)
    figures["coordination_by_tier"] = lambda: coordination_by_tier(cluster)
    figures["coordination_by_place"] = lambda: coordination_by_place(places)
    if any(c.startswith("output_") for c in places.columns):
        figures["specialization"] = lambda: specialization_heatmap(places)
    return figures


def baseline_run(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Returns the places and cluster tables of a comparison's baseline, first replicate."""
    cluster = tables["cluster"]
    baseline = "baseline" if "baseline" in set(cluster["scenario"]) else cluster["scenario"].iloc[0]
    first = cluster.loc[cluster["scenario"] == baseline, "replicate"].min()
    return {name: table[(table["scenario"] == baseline) & (table["replicate"] == first)]
            .drop(columns=["scenario", "replicate"]) for name, table in tables.items()
            if name in ("places", "cluster")}


def _comparison_figures(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]
                        ) -> dict[str, Callable[[], Figure]]:
    """Returns name -> figure builder for a comparison: effects, trajectories, the baseline."""
    effects = tables["effects"]
    confidence = float(manifest.get("confidence", 0.95))
    figures: dict[str, Callable[[], Figure]] = {
        f"policy_effect_{metric}": lambda m=metric: policy_comparison(effects, m, confidence)
        for metric in effects["metric"].unique()
    }
    figures["scenarios_D"] = lambda: scenario_trajectories(tables["cluster"], "D")
    run = _run_figures(baseline_run(tables))
    figures.update({f"baseline_{name}": build for name, build in run.items()})
    return figures


def read_result_folder(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Returns a result folder's tables and manifest, or raises `ParameterError` in one line."""
    path = Path(folder)
    expected = "a result folder written by run.py run, compare or sweep (with manifest.json)"
    if not (path / MANIFEST).is_file():
        raise ParameterError("RESULTS_DIR", str(folder), expected)
    try:
        tables, manifest = read_results(path)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
        raise ParameterError("RESULTS_DIR", str(folder), f"{expected}; reading it failed: {err}") from err
    kind = manifest.get("kind", "run")
    if kind not in KINDS:
        raise ParameterError(f"{MANIFEST} kind", kind, " or ".join(KINDS))
    needed = {"run": ("places", "cluster"), "comparison": ("effects", "places", "cluster"),
              "sweep": ()}[kind]
    missing = [name for name in needed if name not in tables]
    if missing:
        raise ParameterError("RESULTS_DIR", str(folder), f"a {kind} folder with {', '.join(missing)} tables")
    return tables, manifest


def plot_results(folder: str | Path, out: str | Path | None = None, animate: bool = False,
                 formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Draws every figure of a finished run, comparison or sweep; returns the files written.

    Args:
        folder: A result folder (``run.py run``, ``compare`` or ``sweep``).
        out: Folder for the figures; default ``folder/figures``.
        animate: Also write the hierarchy map over the steps as a GIF (and MP4 with ffmpeg);
            for a comparison, of the baseline's first replicate.
        formats: Image formats of each figure.

    Raises:
        ParameterError: If the folder is not a whole run, comparison or sweep result.
    """
    tables, manifest = read_result_folder(folder)
    kind = manifest.get("kind", "run")
    target = Path(out) if out is not None else output_subfolder(folder, "figures")
    if kind == "sweep":
        from chainweave.figures.sweep import plot_sweep

        return plot_sweep(folder, out=target, formats=formats)
    figures = _run_figures(tables) if kind == "run" else _comparison_figures(tables, manifest)
    written: list[Path] = []
    for name, build in figures.items():
        fig = build()
        written += save_figure(fig, target / name, formats)
    if animate:
        run = tables if kind == "run" else baseline_run(tables)
        flows = run.get("flows")
        stem = target / ("hierarchy_map" if kind == "run" else "baseline_hierarchy_map")
        written += animate_hierarchy(run["places"], flows if flows is not None and len(flows) else None, stem)
    return written
