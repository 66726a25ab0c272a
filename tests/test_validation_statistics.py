"""Worked numbers for the validation statistics, the interval over seeds and the verdicts."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from chainweave.validation.calibration import moment_score
from chainweave.validation.registry import parse_targets
from chainweave.validation.statistics import (
    RESPONSES,
    RunRecord,
    cluster_ratio,
    effect_persistence,
    growth_rate,
    hill_estimate,
    okun_slope,
    recovery_years,
    survivor_growth_age_gap,
    survivor_growth_size_slope,
    type_changes,
    type_flip_backs,
    yearly_rate,
)
from chainweave.validation.suite import interval, suite_seeds, summarize, target_interval, verdict


def _record(cluster: dict, places: pd.DataFrame | None = None) -> RunRecord:
    table = pd.DataFrame(cluster)
    places = places if places is not None else pd.DataFrame()
    return RunRecord({"cluster": table, "places": places}, model=None)


def test_growth_rate_is_the_compound_yearly_rate():
    run = _record({"step": [0, 1, 2], "value_added": [100.0, 110.0, 121.0]})
    assert growth_rate(run) == pytest.approx(0.10)
    with pytest.raises(ValueError, match="outside the run"):
        growth_rate(run, end=5)


def test_cluster_ratio_reads_one_step_the_last_by_default():
    run = _record({"step": [0, 1, 2], "household_deposits": [0.0, 30.0, 90.0],
                   "household_income": [40.0, 45.0, 50.0]})
    assert cluster_ratio(run, "household_deposits", "household_income") == pytest.approx(1.8)
    assert cluster_ratio(run, "household_deposits", "household_income", step=1) == pytest.approx(30 / 45)


def test_yearly_rate_divides_by_the_year_before():
    run = _record({"step": [0, 1, 2], "firms": [100.0, 50.0, 80.0], "exits": [0.0, 10.0, 10.0]})
    assert yearly_rate(run) == pytest.approx((10 / 100 + 10 / 50) / 2)


def test_hill_estimate_recovers_a_pareto_exponent():
    x = np.random.default_rng(3).pareto(1.1, 200_000) + 1.0  # Pareto with alpha 1.1, x_min 1
    assert hill_estimate(x, top=0.05) == pytest.approx(1.1, rel=0.03)
    assert math.isnan(hill_estimate(np.array([1.0, 2.0])))


def test_flip_backs_count_returns_to_a_type_left_before():
    steps = [0, 1, 2, 3, 4]
    paths = {0: [1, 2, 1, 2, 2],  # growing -> mature -> growing -> mature: 2 returns, 3 changes
             1: [2, 2, 3, 3, 4],  # mature -> declining -> regenerating: 0 returns, 2 changes
             2: [0, 0, 0, 0, 0]}
    places = pd.DataFrame([{"step": s, "place": p, "resource_type": path[s]}
                           for p, path in paths.items() for s in steps])
    run = _record({"step": steps}, places)
    assert type_flip_backs(run) == 2
    assert type_changes(run) == 5


def test_recovery_years_and_persistence_on_hand_made_paths():
    base = _record({"step": range(8), "employment": [90.0] * 8, "labour_supply": [100.0] * 8,
                    "value_added": [100.0] * 8})
    alt = _record({"step": range(8), "employment": [90, 90, 80, 85, 89.5, 90, 90, 90],
                   "labour_supply": [100.0] * 8, "value_added": [100, 100, 110, 110, 101, 101, 100, 100]})
    runs = {"base": base, "alt": alt}
    # The gap exceeds 1 point at steps 2 and 3 only: back for good from step 4, 2 years after step 2.
    assert recovery_years(runs, shock_start=2, tolerance=0.01) == 2
    assert effect_persistence(runs, metric="value_added", during=[2, 3], after=[4, 5]) == pytest.approx(0.1)


RECOVERY_ARGS = {"shock_start": 2, "tolerance": 0.01}


def _recovery_target():
    size = {"steps": 7, "seeds": 2}
    return parse_targets([{
        "id": "back", "title": "t", "group": "g", "source": {"citation": "c"}, "measures": "m",
        "statistic": {"name": "recovery_years", "args": RECOVERY_ARGS}, "why": "w", "accepted": [0.0, 2.0],
        "design": {"kind": "paired", "arms": {"alt": {}}, "full": size, "quick": size}}], "test")[0]


def _rows(target_id: str, gaps: list[list[float]]) -> pd.DataFrame:
    """Runs rows as `evaluate_suite` writes them for a response: each seed's figure and path."""
    rows = []
    for seed, gap in enumerate(gaps):
        path = pd.Series(gap, index=range(len(gap)))
        rows.append({"task": seed, "target": target_id, "seed": seed, "note": "",
                     "value": RESPONSES["recovery_years"].of_path(path, RECOVERY_ARGS),
                     "path": json.dumps({str(k): v for k, v in path.items()})})
    return pd.DataFrame(rows)


def test_a_response_is_read_off_the_seeds_mean_path():
    # Two seeds dip by 3 points at steps 2-3; afterwards they part ways by +-2 points (two
    # independent runs), so each seed alone is "not back" until its end, but their mean is back
    # from step 4: the shock's effect (the mean gap) is gone 2 years after it started.
    gaps = [[0, 0, -0.03, -0.03, 0.0, 0.02, -0.02], [0, 0, -0.03, -0.03, 0.0, -0.02, 0.02]]
    target = _recovery_target()
    rows = _rows(target.id, gaps)
    assert list(rows["value"]) == [5.0, 5.0]
    figure, low, high = target_interval(target, rows)
    assert figure == 2.0
    # The bootstrap over seeds resamples (seed 1, seed 1) and (seed 2, seed 2) too: 5 years.
    assert low == 2.0 and high == 5.0 and target_interval(target, rows) == (figure, low, high)
    row = summarize([target], rows, quick=False).iloc[0]
    assert (row["aggregate"], row["mean"], row["status"]) == ("mean path", 2.0, "pass")


def test_okun_slope_recovers_a_made_up_okun_law():
    # Growth of 1, 4, 2, 3, 0 % in years 1-5; unemployment changes by 0.2 - 0.4 x growth points.
    growth = np.array([1.0, 4.0, 2.0, 3.0, 0.0])
    va = 100 * np.cumprod(np.r_[1.0, 1 + growth / 100])
    unemployment = 5 + np.cumsum(np.r_[0.0, 0.2 - 0.4 * growth])
    run = _record({"step": range(6), "value_added_real": va, "labour_supply": [100.0] * 6,
                   "employment": 100 - unemployment, "firms": [10.0] * 6, "entries": [1.0] * 6,
                   "exits": [1.0] * 6})
    assert okun_slope(run, start=1) == pytest.approx(-0.4)
    assert okun_slope(run, start=2) == pytest.approx(-0.4)  # year 1 left out, the same law


def test_survivors_growth_by_age_and_size_on_a_hand_made_panel():
    # One cell, steps 0-2. Firm 1 (age 1, 10 workers) doubles each year; firm 2 (age 12, 40
    # workers) stays; firm 3 (age 2) exits after step 0 and does not count.
    panel = pd.DataFrame({
        "step": [0, 0, 0, 1, 1, 2, 2], "uid": [1, 2, 3, 1, 2, 1, 2], "place": 0, "sector": 0,
        "labour": [10.0, 40.0, 5.0, 20.0, 40.0, 40.0, 40.0], "output": 1.0, "age": [1, 12, 2, 2, 13, 3, 14]})
    run = RunRecord({"cluster": pd.DataFrame({"step": [0, 1, 2]}), "places": pd.DataFrame()}, model=None,
                    firms=panel)
    # Growth relative to the cell's mean: +-ln2/2 at step 0, at step 1 firm 1 +ln2/2, firm 2 -ln2/2.
    assert survivor_growth_age_gap(run, young=(0, 3), old=(10, 99), start=0) == pytest.approx(math.log(2))
    # Step 0: sizes -+ln4/2 with growth +-ln2/2; step 1: sizes -+ln2/2 with growth +-ln2/2.
    x = np.array([-math.log(4), math.log(4), -math.log(2), math.log(2)]) / 2
    y = np.array([1, -1, 1, -1]) * math.log(2) / 2
    assert survivor_growth_size_slope(run, start=0) == pytest.approx(x @ y / (x @ x))
    assert survivor_growth_size_slope(run, start=0) < 0  # the small one grows faster


def test_interval_is_the_t_interval_of_the_mean():
    mean, low, high = interval(np.array([1.0, 2.0, 3.0, np.nan]))
    assert mean == 2.0
    assert high - mean == pytest.approx(4.302653 * 1.0 / math.sqrt(3), rel=1e-6)  # t(0.975, 2) = 4.3027
    assert interval(np.array([5.0, 5.0])) == (5.0, 5.0, 5.0)


def test_verdicts_follow_the_rule_and_the_known_gap():
    base = {"id": "t", "title": "t", "group": "g", "source": {"citation": "c"}, "measures": "m",
            "statistic": {"name": "growth_rate"}, "why": "w",
            "design": {"full": {"steps": 1, "seeds": 2}, "quick": {"steps": 1, "seeds": 2}}}
    by_mean, by_interval, gap = parse_targets([
        {**base, "id": "a", "accepted": [0.0, None]},
        {**base, "id": "b", "accepted": [0.0, None], "pass_rule": "interval"},
        {**base, "id": "c", "accepted": [0.0, 1.0], "known_gap": True, "gap": "why"}], "test")
    assert verdict(by_mean, 0.1, -0.1, 0.3) == (True, "pass")
    assert verdict(by_interval, 0.1, -0.1, 0.3) == (False, "FAIL")
    assert verdict(gap, 2.0, 1.5, 2.5) == (False, "known gap")
    assert verdict(gap, 0.5, 0.4, 0.6) == (True, "known gap, passes now")
    assert verdict(by_mean, math.nan, math.nan, math.nan) == (None, "not measurable")
    # Moments: centre 0.5, half-width 0.5 -> the edge scores 1; one-sided: only the excess counts.
    assert moment_score(gap, 1.0) == pytest.approx(1.0) and moment_score(gap, 0.5) == 0.0
    assert moment_score(by_mean, 0.3) == 0.0 and moment_score(by_mean, -2.0) == pytest.approx(4.0)


def test_suite_seeds_share_their_prefix():
    assert suite_seeds(12, 3) == suite_seeds(12, 20)[:3]
    assert len(set(suite_seeds(12, 20))) == 20
