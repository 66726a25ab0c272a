"""CI's yardstick: ``--quick`` against the recorded pass/fail baseline (chainweave/validation/
baseline_quick.csv). A target that passed when the baseline was recorded and fails now fails
this test; record a new baseline on purpose (docs/validation.md), never from a run."""

import hashlib

import numpy as np
import pandas as pd
import pytest
import yaml

from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.validation import load_registry, run
from chainweave.validation.baseline import baseline_path, read_baseline, record_baseline, regressions


def _digest() -> str:
    return hashlib.sha256(baseline_path().read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    before = _digest()
    out = tmp_path_factory.mktemp("quick")
    result = run(quick=True, workers=2, out=out, progress=False, figures=False)
    return result, out, before


def test_quick_run_keeps_every_target_that_passed_at_the_baseline(quick_run):
    result, _, _ = quick_run
    baseline = read_baseline()
    registry = {t.id for t in load_registry()}
    assert set(baseline.index) <= registry, "the baseline names targets no longer there"
    regressed = result.summary.loc[result.summary["regressed"], ["id", "mean", "accepted", "status"]]
    assert regressed.empty, f"targets that passed at the baseline fail now:\n{regressed.to_string()}"
    assert result.exit_code == 0


def test_the_run_does_not_touch_the_baseline(quick_run):
    result, out, before = quick_run
    assert _digest() == before
    assert result.manifest["baseline"] == "bundled quick"
    assert (out / "report.md").read_text().count("baseline") >= 1


def test_a_target_that_passed_at_the_baseline_and_fails_now_fails_the_check(tmp_path, capsys):
    target = {"id": "always_fails", "title": "t", "group": "test", "source": {"citation": "c"},
              "measures": "m", "statistic": {"name": "yearly_rate"}, "why": "w", "accepted": [5.0, 6.0],
              "design": {"full": {"n_firms": 300, "steps": 2, "seeds": 2},
                         "quick": {"n_firms": 300, "steps": 2, "seeds": 2}}}
    registry = tmp_path / "registry.yaml"
    registry.write_text(yaml.safe_dump({"targets": [target]}))
    baseline = tmp_path / "baseline.csv"
    baseline.write_text("id,status,passed\nalways_fails,pass,True\n")
    assert main(["validation", "--quick", "--registry", str(registry), "--baseline", str(baseline),
                 "--out", str(tmp_path / "out"), "--no-progress", "--no-figures", "--workers", "1"]) == 1
    assert "1 regressed: always_fails" in capsys.readouterr().out
    baseline.write_text("id,status,passed\nalways_fails,FAIL,False\n")
    assert main(["validation", "--quick", "--registry", str(registry), "--baseline", str(baseline),
                 "--out", str(tmp_path / "out"), "--no-progress", "--no-figures", "--workers", "1"]) == 0


def test_a_baseline_is_recorded_only_from_a_whole_quick_run(quick_run, tmp_path):
    _, out, _ = quick_run
    copy = tmp_path / "baseline.csv"
    record_baseline(out, copy)
    assert read_baseline(copy)["passed"].equals(read_baseline()["passed"])
    with pytest.raises(ParameterError, match="finished validation folder"):
        record_baseline(tmp_path / "nothing", copy)


def test_a_run_of_some_targets_is_judged_on_its_own_verdicts_whatever_their_dtype():
    """A summary whose ``passed`` column is numpy's bool (an ``--only`` run of passing
    targets) has no regression; a target that fails or could not be measured has one."""
    baseline = pd.DataFrame({"status": ["pass", "pass", "pass"], "passed": [True, True, True]},
                            index=pd.Index(["a", "b", "c"], name="id"))
    only = pd.DataFrame({"id": ["a"], "passed": np.array([True])})
    assert regressions(only, baseline) == []
    mixed = pd.DataFrame({"id": ["a", "b", "c"], "passed": [np.True_, np.False_, None]})
    assert regressions(mixed, baseline) == ["b", "c"]
