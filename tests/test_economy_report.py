"""The economy report: its Hill estimator, Okun fit and class helpers on known data, and a tiny run."""

import numpy as np
import pandas as pd
import pytest

from chainweave.validation.economy import (
    age_class,
    hill_estimate,
    main,
    okun_fit,
    seed_statistics,
    size_quintile,
    summarize,
    yearly_path,
)


def test_hill_estimate_recovers_a_known_pareto_exponent():
    rng = np.random.default_rng(7)
    sample = rng.pareto(1.1, 20_000) + 1.0  # Pareto with x_min 1 and tail exponent 1.1
    assert hill_estimate(sample, 0.05) == pytest.approx(1.1, abs=0.1)


def test_okun_fit_recovers_a_known_slope():
    rng = np.random.default_rng(3)
    growth = rng.normal(2.0, 2.0, 200)  # %
    change = 0.8 - 0.4 * growth + rng.normal(0.0, 0.1, 200)  # points
    fit = okun_fit(growth, change)
    assert fit.slope == pytest.approx(-0.4, abs=0.02)
    assert fit.intercept == pytest.approx(0.8, abs=0.05)
    assert fit.growth_per_point == pytest.approx(2.5, abs=0.15)
    assert fit.stable_growth == pytest.approx(2.0, abs=0.15)
    assert fit.n == 200 and fit.r2 > 0.9


def test_okun_fit_drops_missing_years_and_needs_three():
    assert okun_fit([np.nan, 1.0, 2.0, 3.0], [0.0, -1.0, -2.0, -3.0]).slope == pytest.approx(-1.0)
    assert np.isnan(okun_fit([1.0, 2.0], [0.0, 1.0]).slope)


def test_growth_per_point_interval_is_ordered_and_open_where_the_slope_reaches_zero():
    okun = pd.DataFrame({"arm": "a", "seed": [1, 2, 3], "slope": [-0.5, -0.4, -0.3], "slope_se": 0.1,
                         "intercept": 1.0, "r2": 0.5, "years": 10, "stable_growth": 2.5})
    row = summarize({"okun": okun}).iloc[-1]
    assert row["statistic"].startswith("growth that goes with 1 point less")
    assert row["mean"] == pytest.approx(2.5) and row["ci_low"] < 2.5 < row["ci_high"]
    wide = summarize({"okun": okun.assign(slope=[-0.5, 0.1, -0.3])}).iloc[-1]
    assert np.isfinite(wide["ci_low"]) and np.isnan(wide["ci_high"])


def test_age_classes_and_size_quintiles():
    assert list(age_class(np.array([0, 1, 2, 4, 5, 9, 10, 40]))) == [
        "0-1", "0-1", "2-4", "2-4", "5-9", "5-9", "10+", "10+"]
    labour = np.arange(10.0)[::-1]
    assert list(size_quintile(labour)) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_seed_statistics_on_a_worked_path():
    cluster = pd.DataFrame({
        "step": [0, 1, 2, 3, 4], "value_added_real": [100.0, 110.0, 110.0, 121.0, 133.1],
        "employment": [90.0, 95.0, 90.0, 99.0, 99.0], "labour_supply": [100.0] * 5,
        "firms": [10.0, 12.0, 10.0, 10.0, 10.0], "entries": [0.0, 3.0, 1.0, 2.0, 0.0],
        "exits": [0.0, 1.0, 3.0, 2.0, 0.0]})
    yearly = yearly_path(cluster).assign(exits_followed=[0.0, 1.0, 3.0, 2.0, 0.0])
    assert list(yearly["growth_pct"].round(6).iloc[1:]) == [10.0, 0.0, 10.0, 10.0]
    assert list(yearly["d_unemployment_pp"].round(6).iloc[1:]) == [-5.0, 5.0, -9.0, 0.0]
    hazard = pd.DataFrame({"step": 1, "by": ["age", "size"], "group": ["0-1", "1"],
                           "at_risk": [4, 2], "exits": [1, 1]})
    stats = seed_statistics(yearly, hazard)
    assert stats["growth"]["cagr_pct"] == pytest.approx(100 * (1.331 ** (1 / 4) - 1))
    assert stats["employment"]["rate_min"] == pytest.approx(0.90)
    assert stats["employment"]["rate_year0"] == pytest.approx(0.90)
    # years 2..4: (growth %, change in points) = (0, +5), (10, -9), (10, 0)
    assert stats["okun"]["slope"] == pytest.approx(-0.95)
    assert stats["okun"]["intercept"] == pytest.approx(5.0)
    assert stats["turnover"]["entry_rate"] == pytest.approx((3 / 10 + 1 / 12 + 2 / 10 + 0) / 4)
    assert stats["exit_hazard"]["age_0-1"] == 0.25 and stats["exit_hazard"]["size_1"] == 0.5
    assert np.isnan(stats["exit_hazard"]["age_10+"])


def test_tiny_run_writes_the_report(tmp_path):
    out = tmp_path / "economy"
    lines: list[str] = []
    code = main(["--seeds", "2", "--firms", "1500", "--years", "6", "--long-years", "8",
                 "--hill-steps", "0,5", "--out", str(out), "--no-progress"], echo=lines.append)
    assert code == 0 and "economy.md" in lines[-1]
    report = (out / "economy.md").read_text()
    for heading in ("Real value-added growth", "Employment rate path", "Okun coefficient",
                    "Entry and exit rates", "Exit hazard", "Pareto tail exponent", "Firms per worker"):
        assert heading in report
    assert "(equal)" in report  # firms followed by uid exit as often as the cluster table says
    okun = pd.read_csv(out / "okun.csv")
    assert len(okun) == 4 and set(okun["arm"]) == {"no_export_growth", "export_growth"}
    assert (okun["years"] == 5).all()
    hill = pd.read_csv(out / "hill.csv")
    assert sorted(set(hill["step"])) == [0, 5] and hill["alpha"].gt(0).all()
    per_worker = pd.read_csv(out / "firms_per_worker.csv")
    assert len(per_worker) == 2 and (per_worker["steps"] == 8).all() and per_worker["ratio"].gt(0).all()
    yearly = pd.read_csv(out / "yearly.csv")
    assert len(yearly) == 2 * 2 * 7
    assert not list(out.glob(".*"))  # no temporary file left behind


def test_bad_size_is_refused():
    lines: list[str] = []
    assert main(["--years", "2", "--seeds", "1", "--firms", "100"], echo=lines.append) == 2
    assert "3 years" in lines[0]
