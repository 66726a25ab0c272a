"""Designs: sizes, bounds, levels, integer rounding, determinism, and per-run seeds."""

import numpy as np
import pytest

from chainweave.errors import ParameterError
from chainweave.sweeps import SweepSpec, build_design, run_seed
from chainweave.sweeps.designs import design_size


def spec(method: str, **design) -> SweepSpec:
    return SweepSpec.from_dict({
        "name": "d", "base": "analytic:ishigami",
        "parameters": [{"path": "x1", "bounds": [-1.0, 1.0]}, {"path": "x2", "bounds": [0.0, 10.0]},
                       {"path": "x3", "bounds": [2.0, 3.0]}],
        "design": {"method": method, **design}, "replications": 3, "seed": 11,
        "outputs": [{"metric": "y"}],
    })


@pytest.mark.parametrize(("method", "design", "points"), [
    ("grid", {"levels": 3}, 27), ("lhs", {"samples": 10}, 10), ("morris", {"samples": 5}, 20),
    ("sobol", {"samples": 16}, 80)])
def test_design_sizes_and_bounds(method, design, points):
    s = spec(method, **design)
    d = build_design(s, (False, False, False))
    assert d.n_points == design_size(s) == points
    assert d.n_runs == 3 * points
    low, high = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 10.0, 3.0])
    assert np.all(d.points >= low) and np.all(d.points <= high)


def test_grid_takes_listed_levels_first_parameter_slowest():
    s = SweepSpec.from_dict({
        "name": "g", "base": "analytic:ishigami", "fixed": {"x3": 0.0},
        "parameters": [{"path": "x1", "levels": [0.0, 1.0]}, {"path": "x2", "bounds": [0.0, 2.0]}],
        "design": {"method": "grid", "levels": 3}, "outputs": [{"metric": "y"}]})
    d = build_design(s, (False, False))
    assert d.points.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]


def test_same_seed_same_design_other_seed_other_design():
    a, b = (build_design(spec("sobol", samples=16), (False,) * 3) for _ in range(2))
    np.testing.assert_array_equal(a.points, b.points)
    other = build_design(spec("sobol", samples=16).model_copy(update={"seed": 12}), (False,) * 3)
    assert not np.array_equal(a.points, other.points)


def test_integer_parameters_are_rounded_for_runs_only():
    d = build_design(spec("lhs", samples=8), (False, True, False))
    values = [d.point_values(p) for p in range(d.n_points)]
    assert all(isinstance(v["x2"], int) for v in values)
    assert all(isinstance(v["x1"], float) for v in values)
    assert [v["x2"] for v in values] == np.rint(d.points[:, 1]).astype(int).tolist()


def test_run_ids_map_to_points_and_replicates():
    d = build_design(spec("lhs", samples=4), (False,) * 3)
    assert [d.run(i)[:2] for i in range(7)] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0)]


def test_run_seeds_come_from_the_sweep_seed_and_run_id_only():
    spawned = np.random.SeedSequence(11).spawn(40)
    for run_id in (0, 1, 17, 39):
        expected = int(spawned[run_id].generate_state(1, np.uint64)[0] >> np.uint64(1))
        assert run_seed(11, run_id) == expected
    seeds = [run_seed(11, i) for i in range(1000)]
    assert len(set(seeds)) == 1000 and all(0 <= s < 2**63 for s in seeds)
    assert run_seed(12, 0) != run_seed(11, 0)


def test_too_many_runs_is_refused_before_sampling():
    with pytest.raises(ParameterError, match="max_runs = 100"):
        build_design(spec("grid", levels=5, max_runs=100), (False,) * 3)  # 125 points x 3
