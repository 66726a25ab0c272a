import numpy as np
import pandas as pd
import pytest
from scipy import stats

from chainweave.analysis import policy_contrasts


def make_table():
    rows = []
    # D per replicate: baseline 0.5, 0.6, 0.7 ; subsidy 0.6, 0.8, 0.7 (two places each, same value)
    values = {"baseline": [0.5, 0.6, 0.7], "subsidy": [0.6, 0.8, 0.7]}
    for scenario, ds in values.items():
        for rep, d in enumerate(ds):
            for place, tier in (("p1", "core"), ("p2", "county")):
                rows.append((scenario, rep, 10, place, tier, d, "standard"))
                rows.append((scenario, rep, 5, place, tier, 0.0, "standard"))
    return pd.DataFrame(
        rows, columns=["scenario", "replicate", "step", "place", "tier", "D", "variant"]
    )


def test_cluster_means_cis_and_difference():
    out = policy_contrasts(make_table(), "D", steps=[10])
    sub = out[out["scenario"] == "subsidy"].iloc[0]
    assert sub["variant"] == "standard" and sub["metric"] == "D"
    assert sub["mean"] == pytest.approx(0.7)
    half = stats.t.ppf(0.975, 2) * np.std([0.6, 0.8, 0.7], ddof=1) / np.sqrt(3)
    assert sub["ci_low"] == pytest.approx(0.7 - half)
    assert sub["diff"] == pytest.approx(0.1)
    welch = stats.ttest_ind([0.6, 0.8, 0.7], [0.5, 0.6, 0.7], equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert sub["diff_ci_low"] == pytest.approx(ci.low)
    assert sub["diff_ci_high"] == pytest.approx(ci.high)
    base = out[out["scenario"] == "baseline"].iloc[0]
    assert base["diff"] == 0.0


def test_paired_difference_and_per_tier():
    out = policy_contrasts(make_table(), "D", by="tier", steps=[10], paired=True)
    assert set(out["tier"]) == {"core", "county"}
    sub = out[(out["scenario"] == "subsidy") & (out["tier"] == "core")].iloc[0]
    d = np.array([0.1, 0.2, 0.0])
    half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert sub["diff_ci_high"] == pytest.approx(0.1 + half)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"metric": "X"}, "table lacks columns"),
        ({"metric": "D", "baseline": "none"}, "baseline 'none' is not among"),
        ({"metric": "D", "steps": [99]}, "no rows at steps"),
        ({"metric": "D", "confidence": 1.5}, "confidence must be in"),
    ],
)
def test_bad_input(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        policy_contrasts(make_table(), **kwargs)
