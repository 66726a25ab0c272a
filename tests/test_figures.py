"""Figures: each renders from a small run's tables to PNG and SVG of the expected size; the
hierarchy map matches a stored reference image; run.py plot draws a run and a comparison."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images
from PIL import Image

from chainweave.analysis import coordination_band
from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.figures.comparison import SCOPES, policy_comparison, scenario_trajectories
from chainweave.figures.coordination import coordination_by_place, coordination_by_tier, metric_by_tier
from chainweave.figures.hierarchy import hierarchy_layout, hierarchy_map
from chainweave.figures.results import plot_results
from chainweave.figures.specialization import sector_output, specialization_heatmap
from chainweave.figures.spillover import radiation_curve, spillover_by_tier
from chainweave.figures.style import BAND_EDGES, BAND_NAMES, FIGURE_DPI, TIERS, save_figure
from chainweave.network import synthetic_cluster
from chainweave.results import write_results
from chainweave.simulate import simulate

REFERENCE = Path(__file__).resolve().parent / "reference_images"


@pytest.fixture(scope="module")
def run_tables():
    tables, manifest = simulate(steps=5, seed=3, graph=synthetic_cluster(1, 3, 3, seed=0), n_firms=600)
    return tables, manifest


def _effects() -> pd.DataFrame:
    rows = []
    for k, scenario in enumerate(["baseline", "rd_subsidy", "collaboration"]):
        for j, scope in enumerate(SCOPES):
            for metric, size in (("D", 0.01), ("emissions", 2e5)):
                diff = 0.0 if scenario == "baseline" else size * (k - 1.5 + 0.3 * j)
                rows.append({"scenario": scenario, "step": 10, "scope": scope, "metric": metric, "n": 5,
                             "mean": 0.6, "ci_low": 0.55, "ci_high": 0.65, "diff": diff,
                             "diff_ci_low": diff - size / 2, "diff_ci_high": diff + size / 2})
    return pd.DataFrame(rows)


def _comparison_cluster(run_tables) -> pd.DataFrame:
    cluster = run_tables[0]["cluster"]
    parts = [cluster.assign(scenario=s, replicate=r, D=cluster["D"] + 0.01 * k + 0.002 * r)
             for k, s in enumerate(["baseline", "talent"]) for r in range(2)]
    return pd.concat(parts, ignore_index=True)


BUILDERS = {
    "hierarchy_map": lambda t: hierarchy_map(t["places"], t["flows"]),
    "hierarchy_map_map": lambda t: hierarchy_map(t["places"], t["flows"], layout="map", chain="service"),
    "hierarchy_map_output": lambda t: hierarchy_map(t["places"], None, step=0, size_by="output"),
    "spillover_by_tier": lambda t: spillover_by_tier(t["cluster"]),
    "radiation_curve": lambda t: radiation_curve(t["places"], t["flows"]),
    "radiation_curve_hops": lambda t: radiation_curve(t["places"], t["flows"], by="hops"),
    "coordination_by_tier": lambda t: coordination_by_tier(t["cluster"]),
    "coordination_by_place": lambda t: coordination_by_place(t["places"]),
    "metric_by_tier": lambda t: metric_by_tier(t["cluster"], "score_innovation"),
    "specialization": lambda t: specialization_heatmap(t["places"]),
    "policy_comparison": lambda t: policy_comparison(_effects(), "emissions"),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_every_figure_renders_png_and_svg_of_the_expected_size(name, run_tables, tmp_path):
    fig = BUILDERS[name](run_tables[0])
    paths = save_figure(fig, tmp_path / name)
    assert [p.suffix for p in paths] == [".png", ".svg"]
    for path in paths:
        assert path.stat().st_size > 5_000
    width, height = fig.get_size_inches() * FIGURE_DPI
    assert Image.open(paths[0]).size == (round(width), round(height))
    assert paths[1].read_text().lstrip().startswith("<?xml")
    assert not list(tmp_path.glob(".*")), "no temporary files left behind"


def test_scenario_trajectories_from_a_comparison_cluster_table(run_tables, tmp_path):
    fig = scenario_trajectories(_comparison_cluster(run_tables), "D")
    png, _ = save_figure(fig, tmp_path / "scenarios")
    assert Image.open(png).size == (1800, 630)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["baseline", "talent"]


def test_policy_comparison_reads_either_name_of_the_interval_columns():
    effects = _effects()
    renamed = effects.rename(columns={"diff_ci_low": "diff_low", "diff_ci_high": "diff_high"})
    for table in (effects, renamed):
        ax = policy_comparison(table, "D").axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["collaboration", "rd subsidy"]
        assert len(ax.patches) == 2 * len(SCOPES)
    with pytest.raises(ParameterError, match="metric"):
        policy_comparison(effects, "patents")


def test_band_shading_uses_the_paper_bands():
    middles = (np.array(BAND_EDGES[:-1]) + np.array(BAND_EDGES[1:])) / 2
    assert list(coordination_band(middles)) == list(BAND_NAMES)


def test_tier_layout_puts_core_on_top_and_parents_over_their_children(run_tables):
    places = run_tables[0]["places"]
    pos = hierarchy_layout(places)
    first = places[places["step"] == 0].set_index("place")
    rows = {tier: {pos[p][1] for p in first.index[first["tier"] == tier]} for tier in TIERS}
    assert rows == {"core": {2.0}, "secondary": {1.0}, "county": {0.0}}
    by_name = dict(zip(first["place_name"], first.index, strict=True))
    for city in first.index[first["tier"] == "secondary"]:
        kids = first.index[first["parent_name"] == first.at[city, "place_name"]]
        assert pos[city][0] == pytest.approx(np.mean([pos[k][0] for k in kids]))
    assert all(0.0 <= x <= 1.0 for x, _ in pos.values())
    assert by_name


def test_specialization_cells_carry_the_sign_of_the_share_difference(run_tables):
    places = run_tables[0]["places"]
    fig = specialization_heatmap(places, step=2)
    cells = fig.axes[0].images[0].get_array()
    output = sector_output(places, 2)
    assert cells.shape == output.shape
    index = [float(t.get_text().rsplit("K=", 1)[1]) for t in fig.axes[0].get_yticklabels()]
    assert list(np.abs(cells).sum(axis=1)) == pytest.approx(index, abs=0.006)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda t: hierarchy_map(t["places"].drop(columns="D"), t["flows"]), "places"),
        (lambda t: hierarchy_map(t["places"], t["flows"], chain="transport"), "chain"),
        (lambda t: hierarchy_map(t["places"], t["flows"], step=99), "step"),
        (lambda t: hierarchy_map(t["places"], t["flows"], layout="circle"), "layout"),
        (lambda t: radiation_curve(t["places"], t["flows"], by="time"), "by"),
        (lambda t: coordination_by_place(pd.concat([t["places"], t["places"].assign(seed=9)])), "places"),
        (lambda t: spillover_by_tier(t["cluster"].iloc[:0]), "cluster"),
    ],
)
def test_bad_input_raises_a_parameter_error_naming_it(call, field, run_tables):
    with pytest.raises(ParameterError) as err:
        call(run_tables[0])
    assert err.value.field == field


def _stored_map_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_csv(REFERENCE / "hierarchy_map_places.csv", keep_default_na=False),
            pd.read_csv(REFERENCE / "hierarchy_map_flows.csv"))


def test_hierarchy_map_matches_the_reference_image(tmp_path):
    """The map of a stored fixed-seed step, drawn now, within RMS 3 (of 255) of the reference.

    The tables are stored beside the image so that the test checks drawing, not the engine;
    tests/reference_images/README.md says how to regenerate both.
    """
    places, flows = _stored_map_tables()
    png = save_figure(hierarchy_map(places, flows), tmp_path / "hierarchy_map", formats=("png",))[0]
    if os.environ.get("CHAINWEAVE_REGENERATE_REFERENCE"):
        (REFERENCE / "hierarchy_map.png").write_bytes(png.read_bytes())
    result = compare_images(str(REFERENCE / "hierarchy_map.png"), str(png), tol=3.0)
    assert result is None, result


def test_plot_draws_every_figure_of_a_run_folder(run_tables, tmp_path, capsys):
    tables, manifest = run_tables
    folder = write_results(tmp_path / "run", tables, {**manifest, "kind": "run"}, csv=False)
    assert main(["plot", str(folder), "--formats", "png"]) == 0
    names = {p.stem for p in (folder / "figures").glob("*.png")}
    assert {"hierarchy_map", "hierarchy_map_geographic", "hierarchy_map_industry", "radiation_curve",
            "spillover_by_tier", "coordination_by_tier", "coordination_by_place", "specialization"} <= names
    assert not list((folder / "figures").glob("*.svg"))
    assert "files in" in capsys.readouterr().out


def test_plot_draws_a_comparison_folder(run_tables, tmp_path):
    tables = run_tables[0]
    cluster = _comparison_cluster(run_tables)
    places = pd.concat([tables["places"].assign(scenario=s, replicate=r)
                        for s in ("baseline", "talent") for r in range(2)], ignore_index=True)
    folder = write_results(tmp_path / "cmp", {"cluster": cluster, "places": places, "effects": _effects()},
                           {"kind": "comparison", "confidence": 0.9}, csv=False)
    written = plot_results(folder, tmp_path / "figs", formats=("png",))
    names = {p.stem for p in written}
    assert {"policy_effect_D", "policy_effect_emissions", "scenarios_D", "baseline_hierarchy_map",
            "baseline_coordination_by_tier"} <= names
    assert all(p.parent == tmp_path / "figs" for p in written)


@pytest.mark.parametrize("make", ["missing", "no_manifest", "bad_kind", "no_tables", "bad_format"])
def test_plot_of_a_bad_folder_is_one_line_and_exit_2(make, tmp_path, capsys):
    folder = tmp_path / "res"
    argv = ["plot", str(folder)] + (["--formats", "gif"] if make == "bad_format" else [])
    if make != "missing":
        folder.mkdir()
    if make == "bad_kind":
        (folder / "manifest.json").write_text('{"kind": "painting", "files": []}')
    if make in ("no_tables", "bad_format"):
        (folder / "manifest.json").write_text('{"kind": "run", "files": ["places.parquet"]}')
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("run.py: error:")


def test_plot_of_an_unfinished_sweep_folder_is_one_line(tmp_path, capsys):
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"kind": "sweep", "files": []}')
    assert main(["plot", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "runs table" in err
    assert not (folder / "figures").exists()
