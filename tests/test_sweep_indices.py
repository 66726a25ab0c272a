"""Indices through the whole sweep machinery: Sobol' on Ishigami, Morris on a linear function."""

import math

import numpy as np
import pandas as pd
import pytest

from chainweave.results import read_results
from chainweave.sweeps import sweep
from chainweave.sweeps.indices import MORRIS_COLUMNS, SOBOL_COLUMNS

ISHIGAMI = {
    "name": "ishigami", "base": "analytic:ishigami", "fixed": {"a": 7.0, "b": 0.1},
    "parameters": [{"path": f"x{i}", "bounds": [-math.pi, math.pi]} for i in (1, 2, 3)],
    "design": {"method": "sobol", "samples": 2048}, "seed": 3, "outputs": [{"metric": "y"}],
    "batch_size": 4096,
}
# Sobol' and Levitan (1999), a = 7, b = 0.1.
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


class Linear:
    """y = 3 x1 - x2 + 0 x3, and a constant c: elementary effects are the slopes."""

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        return {"y": 3.0 * values["x1"] - values["x2"], "c": 1.0}


def test_sobol_indices_of_ishigami_match_the_known_values(tmp_path):
    result = sweep(ISHIGAMI, out=tmp_path / "ishigami", progress=False)
    assert len(result.runs) == 2048 * 5
    table = result.indices.set_index("parameter")
    assert list(result.indices.columns) == list(SOBOL_COLUMNS)
    for name in ("x1", "x2", "x3"):
        assert table.at[name, "S1"] == pytest.approx(S1[name], abs=0.03)
        assert table.at[name, "ST"] == pytest.approx(ST[name], abs=0.03)
        assert table.at[name, "S1_ci_low"] <= S1[name] <= table.at[name, "S1_ci_high"]
        assert table.at[name, "ST_ci_low"] <= ST[name] <= table.at[name, "ST_ci_high"]
    tables, manifest = read_results(tmp_path / "ishigami")
    pd.testing.assert_frame_equal(tables["indices"], result.indices)
    assert manifest["kind"] == "sweep" and manifest["method"] == "sobol" and manifest["outputs"] == ["y"]


def test_morris_elementary_effects_of_a_linear_function_are_its_slopes(tmp_path):
    spec = {"name": "linear", "base": "analytic:ishigami",
            "parameters": [{"path": f"x{i}", "bounds": [0.0, 2.0]} for i in (1, 2, 3)],
            "design": {"method": "morris", "samples": 12, "levels": 4}, "replications": 2, "seed": 4,
            "outputs": [{"metric": "y"}, {"metric": "c"}]}
    result = sweep(spec, out=tmp_path / "linear", progress=False, target=Linear())
    assert list(result.indices.columns) == list(MORRIS_COLUMNS)
    y = result.indices[result.indices["output"] == "y"].set_index("parameter")
    # Morris effects are per unit of the scaled input: slope x range (2).
    np.testing.assert_allclose(y["mu_star"], [6.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(y["mu"], [6.0, -2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(y["sigma"], 0.0, atol=1e-9)
    constant = result.indices[result.indices["output"] == "c"]
    np.testing.assert_allclose(constant["mu_star"], 0.0)


def test_grids_and_hypercubes_have_no_indices(tmp_path):
    spec = {**ISHIGAMI, "design": {"method": "lhs", "samples": 20}}
    result = sweep(spec, out=tmp_path / "lhs", progress=False)
    assert result.indices is None and len(result.runs) == 20
    assert not (tmp_path / "lhs" / "indices.parquet").exists()
