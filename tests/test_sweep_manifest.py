"""A sweep's manifest holds what SALib needs to recompute its indices from the runs table."""

import math

import numpy as np
import pytest
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample

from chainweave.results import read_results
from chainweave.sweeps import sweep


class Linear:
    """y = 3 x1 - x2 + x1 x3: Morris effects with some spread."""

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        return {"y": 3.0 * values["x1"] - values["x2"] + values["x1"] * values["x3"]}


def test_sobol_indices_recomputed_from_the_manifest_and_runs(tmp_path):
    spec = {"name": "ishigami", "base": "analytic:ishigami",
            "parameters": [{"path": f"x{i}", "bounds": [-math.pi, math.pi]} for i in (1, 2, 3)],
            "design": {"method": "sobol", "samples": 64}, "replications": 2, "seed": 5,
            "outputs": [{"metric": "y"}]}
    sweep(spec, out=tmp_path / "s", progress=False)
    tables, manifest = read_results(tmp_path / "s")
    salib = manifest["salib"]
    assert salib["calc_second_order"] is False and salib["N"] == 64
    y = tables["runs"].groupby("point")["y"].mean().to_numpy()
    result = sobol_analyze.analyze(salib["problem"], y, calc_second_order=salib["calc_second_order"],
                                   conf_level=manifest["conf_level"], seed=salib["seed"])
    np.testing.assert_allclose(tables["indices"]["S1"], result["S1"])
    np.testing.assert_allclose(tables["indices"]["ST"], result["ST"])


def test_morris_design_and_indices_recomputed_from_the_manifest(tmp_path):
    spec = {"name": "linear", "base": "analytic:ishigami",
            "parameters": [{"path": f"x{i}", "bounds": [0.0, 2.0]} for i in (1, 2, 3)],
            "design": {"method": "morris", "samples": 6, "levels": 6}, "replications": 2, "seed": 4,
            "outputs": [{"metric": "y"}]}
    sweep(spec, out=tmp_path / "m", progress=False, target=Linear())
    tables, manifest = read_results(tmp_path / "m")
    salib = manifest["salib"]
    assert (salib["N"], salib["num_levels"]) == (6, 6)
    x = morris_sample.sample(salib["problem"], salib["N"], num_levels=salib["num_levels"], seed=salib["seed"])
    runs = tables["runs"]
    points = runs.groupby("point")[["x1", "x2", "x3"]].first().to_numpy()
    np.testing.assert_allclose(points, x)
    y = runs.groupby("point")["y"].mean().to_numpy()
    result = morris_analyze.analyze(salib["problem"], x, y, num_levels=salib["num_levels"],
                                    conf_level=manifest["conf_level"], seed=salib["seed"])
    np.testing.assert_allclose(tables["indices"]["mu_star"], result["mu_star"])
    assert tables["indices"]["sigma"].max() > 0


def test_grid_levels_are_recorded(tmp_path):
    spec = {"name": "grid", "base": "analytic:ishigami", "fixed": {"x3": 0.0},
            "parameters": [{"path": "x1", "levels": [0.0, 1.0]}, {"path": "x2", "bounds": [0.0, 1.0]}],
            "design": {"method": "grid", "levels": 3}, "outputs": [{"metric": "y"}]}
    sweep(spec, out=tmp_path / "g", progress=False)
    _, manifest = read_results(tmp_path / "g")
    assert manifest["salib"]["levels"] == {"x1": [0.0, 1.0], "x2": pytest.approx([0.0, 0.5, 1.0])}
