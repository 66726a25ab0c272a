"""Sweep figures: ranked indices and heat maps, response surfaces of grids, scatter plots of
hypercubes, as PNG and SVG; run.py sweep and run.py plot draw them."""

import math

import matplotlib.image as mpimg
import pytest
import yaml

from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.results import write_results
from chainweave.sweeps import plot_sweep, sweep

ISHIGAMI = {
    "name": "ishigami", "base": "analytic:ishigami",
    "parameters": [{"path": f"x{i}", "bounds": [-math.pi, math.pi]} for i in (1, 2, 3)],
    "design": {"method": "sobol", "samples": 64}, "outputs": [{"metric": "y"}],
}


def names(paths):
    return sorted(p.name for p in paths)


def test_sobol_sweep_draws_ranked_indices_and_a_heat_map(tmp_path):
    folder = sweep(ISHIGAMI, out=tmp_path / "s", progress=False).folder
    written = plot_sweep(folder)
    assert names(written) == ["indices_heatmap.png", "indices_heatmap.svg", "indices_y.png", "indices_y.svg"]
    assert all(p.parent == folder / "figures" and p.stat().st_size > 1000 for p in written)
    height, width, _ = mpimg.imread(folder / "figures" / "indices_y.png").shape
    assert width == 1050 and height > 200  # 7 in at 150 dpi


def test_grid_sweep_draws_response_surfaces_over_each_pair(tmp_path):
    spec = {**ISHIGAMI, "fixed": {"x3": 1.0},
            "parameters": [{"path": "x1", "levels": [-1.0, 0.0, 1.0]}, {"path": "x2", "bounds": [0, 3]}],
            "design": {"method": "grid", "levels": 4}, "replications": 2}
    folder = sweep(spec, out=tmp_path / "g", progress=False).folder
    assert names(plot_sweep(folder, formats=("png",))) == ["surface_y_x1_x2.png"]


def test_hypercube_and_one_parameter_grid_draw_scatter_panels(tmp_path):
    lhs = sweep({**ISHIGAMI, "design": {"method": "lhs", "samples": 30}}, out=tmp_path / "l", progress=False)
    assert names(plot_sweep(lhs.folder)) == ["scatter_y.png", "scatter_y.svg"]
    line = {**ISHIGAMI, "fixed": {"x2": 0.0, "x3": 0.0}, "parameters": [{"path": "x1", "bounds": [0, 1]}],
            "design": {"method": "grid", "levels": 5}}
    assert names(plot_sweep(sweep(line, out=tmp_path / "one", progress=False).folder, formats=("svg",))) == [
        "scatter_y.svg"]


def test_plot_sweep_refuses_other_folders(tmp_path):
    with pytest.raises(ParameterError, match="finished sweep folder"):
        plot_sweep(tmp_path)
    write_results(tmp_path / "run", {}, {"kind": "run"})
    with pytest.raises(ParameterError, match="sweep folder"):
        plot_sweep(tmp_path / "run")


def test_run_py_sweep_prints_indices_and_draws_figures_and_run_py_plot_redraws_them(tmp_path, capsys):
    spec = {"name": "cli", "base": "yijing_jingen", "policies": ["talent"],
            "fixed": {"params.n_firms": 300, "horizon": 3},
            "parameters": [{"path": "policies.talent.extra_share", "bounds": [0.0, 0.08]},
                           {"path": "params.kernel_decay_km", "bounds": [40.0, 240.0]}],
            "design": {"method": "morris", "samples": 4}, "seed": 2,
            "outputs": [{"metric": "D"}, {"metric": "patents"}], "results": str(tmp_path / "cli")}
    path = tmp_path / "cli.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(path), "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Morris screening" in out and "talent_extra_share" in out and "kernel_decay_km" in out
    assert "morris design, 12 points x 1 replications = 12 runs" in out
    figures = tmp_path / "cli" / "figures"
    expected = ["indices_D_final", "indices_heatmap", "indices_patents_final"]
    assert names(figures.iterdir()) == sorted(f"{n}.{e}" for n in expected for e in ("png", "svg"))
    for f in figures.iterdir():
        f.unlink()
    assert main(["plot", str(tmp_path / "cli")]) == 0
    assert len(list(figures.iterdir())) == 6
    elsewhere = tmp_path / "elsewhere"
    assert main(["plot", str(tmp_path / "cli"), "--out", str(elsewhere), "--formats", "png"]) == 0
    assert names(elsewhere.iterdir()) == sorted(f"{n}.png" for n in expected)
