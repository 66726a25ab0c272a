"""The validation suite: a target added to a registry runs and is reported; bad registries and
arguments give one line and exit 2; the same seeds give the same values on any executor."""

import json

import pandas as pd
import pytest
import yaml

from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.validation import load_registry, run
from chainweave.validation.registry import parse_targets
from chainweave.validation.suite import suite_seeds

SMALL = {"full": {"n_firms": 400, "steps": 3, "seeds": 3}, "quick": {"n_firms": 300, "steps": 3, "seeds": 2}}

EXIT_RATE = {
    "id": "my_exit_rate", "title": "Exit rate in a wide band", "group": "test",
    "source": {"citation": "a test", "seed_file": None}, "measures": "exits per incumbent",
    "statistic": {"name": "yearly_rate", "args": {"count": "exits", "of": "firms"}},
    "design": SMALL, "accepted": [0.0, 1.0], "why": "any rate is a rate",
}
SUBSIDY_EFFECT = {
    "id": "my_subsidy_effect", "title": "An R&D subsidy raises R&D spending", "group": "test",
    "source": {"citation": "a test"}, "measures": "relative effect on cluster rd_spend, steps 1-3",
    "statistic": {"name": "effect", "args": {"measure": "cluster_mean",
                                             "measure_args": {"metric": "rd_spend", "steps": [1, -1]}}},
    # five seeds: the effect is +10-25 % per seed, and a t interval over three is too wide to be sure of
    "design": {"full": {**SMALL["full"], "seeds": 5}, "quick": SMALL["quick"], "kind": "paired",
               "arms": {"alt": {"policies": ["rd_subsidy"]}}},
    "accepted": [0.0, None], "pass_rule": "interval", "why": "a subsidy pays for R&D",
}
IMPOSSIBLE = {**EXIT_RATE, "id": "my_impossible", "accepted": [2.0, 3.0], "why": "no rate is above 1"}


def test_a_target_added_to_a_registry_runs_and_is_reported(tmp_path):
    registry = tmp_path / "registry.yaml"
    registry.write_text(yaml.safe_dump({"targets": [EXIT_RATE, SUBSIDY_EFFECT, IMPOSSIBLE]}))
    out = tmp_path / "out"
    result = run(registry, out=out, progress=False, figures=True)
    s = result.summary.set_index("id")
    assert list(s.index) == ["my_exit_rate", "my_subsidy_effect", "my_impossible"]
    assert s.loc["my_exit_rate", "status"] == "pass" and s.loc["my_exit_rate", "seeds_measured"] == 3
    assert 0 < s.loc["my_exit_rate", "mean"] < 1
    assert s.loc["my_subsidy_effect", "status"] == "pass" and s.loc["my_subsidy_effect", "ci_low"] > 0
    assert s.loc["my_impossible", "status"] == "FAIL"
    assert result.exit_code == 1 and result.failed == ["my_impossible"]
    report = (out / "report.md").read_text()
    for target in ("my_exit_rate", "my_subsidy_effect", "my_impossible"):
        assert f"[{target}](#{target})" in report and f"### {target}" in report
    assert "**FAIL**" in report and "figures/my_exit_rate.png" in report
    assert (out / "figures" / "my_exit_rate.png").stat().st_size > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failed"] == ["my_impossible"] and manifest["tasks"] == 3 + 5 + 3
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 11 and set(runs["seed"]) == set(suite_seeds(12, 5))
    assert pd.read_parquet(out / "targets.parquet")["id"].tolist() == list(s.index)


def test_a_shock_response_is_read_off_the_seeds_mean_path_and_drawn_as_a_path(tmp_path):
    # 3,000 firms: with 33 industries, 400 firms leave under one per place and industry.
    shock = {"id": "my_recovery", "title": "Employment back after a consumption shock", "group": "test",
             "source": {"citation": "a test"}, "measures": "years until the mean gap is back",
             "statistic": {"name": "recovery_years", "args": {"shock_start": 2, "tolerance": 0.01}},
             "design": {"kind": "paired", "full": {"n_firms": 3000, "steps": 5, "seeds": 3},
                        "quick": SMALL["quick"],
                        "arms": {"alt": {"events": [{"start": 2, "end": 2,
                                                     "scale": {"consumption_share": 0.5}}]}}},
             "accepted": [0.0, 3.0], "why": "a test"}
    out = tmp_path / "out"
    result = run([shock], out=out, progress=False, figures=True)
    row = result.summary.iloc[0]
    runs = pd.read_csv(out / "runs.csv")
    paths = pd.DataFrame([json.loads(p) for p in runs["path"]]).astype(float)
    assert list(paths.columns) == [str(step) for step in range(6)] and (paths[["0", "1"]] == 0).all().all()
    # Households spend half as much in year 2; firms hire for next year on this year's sales,
    # so the jobs go the year after the shock.
    assert paths["3"].mean() < 0 and (paths["3"] < 0).all()
    # The figure is that of the mean path: back for good after the last step it is out of the band.
    mean = paths.mean().abs()
    out_steps = [int(k) for k, v in mean.items() if int(k) >= 2 and v > 0.01]
    assert row["aggregate"] == "mean path" and row["mean"] == (max(out_steps) + 1 - 2 if out_steps else 0)
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    report = (out / "report.md").read_text()
    assert "read off the seeds' mean path" in report
    assert (out / "figures" / "my_recovery.png").stat().st_size > 0


def test_a_known_gap_is_expected_to_fail_and_a_design_the_model_lacks_is_not_measurable(tmp_path):
    gap = {**IMPOSSIBLE, "known_gap": True, "gap": "no rate is above 1"}
    switch = {"alt": {"set": {"params.no_such_switch": 0.0}}}
    missing = {**SUBSIDY_EFFECT, "id": "my_missing_switch", "known_gap": True, "gap": "no such switch yet",
               "design": {**SMALL, "kind": "switch", "arms": switch}}
    result = run([EXIT_RATE, gap, missing], out=None, progress=False)
    s = result.summary.set_index("id")
    assert s.loc["my_impossible", "status"] == "known gap"
    assert s.loc["my_missing_switch", "status"] == "not measurable"
    assert "params.no_such_switch" in s.loc["my_missing_switch", "note"]
    assert result.exit_code == 0


def test_the_same_seeds_give_the_same_values_in_process_on_a_pool_and_on_dask():
    from distributed import Client, LocalCluster

    one = run([EXIT_RATE, SUBSIDY_EFFECT], out=None, progress=False, workers=1)
    pool = run([EXIT_RATE, SUBSIDY_EFFECT], out=None, progress=False, workers=2)
    pd.testing.assert_frame_equal(one.runs, pool.runs)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client, pytest.warns(RuntimeWarning, match="MALLOC_TRIM_THRESHOLD_"):
        dask = run([EXIT_RATE, SUBSIDY_EFFECT], out=None, progress=False, executor=client)
    pd.testing.assert_frame_equal(one.runs, dask.runs)
    assert dask.manifest["executor"].startswith("Dask cluster at tcp://")


def test_the_bundled_registry_is_valid_and_names_every_issue_target():
    targets = load_registry()
    ids = {t.id for t in targets}
    assert len(ids) == len(targets) >= 50
    for wanted in ("step0_population", "step0_value_added", "step0_patents", "growth_without_outside_growth",
                   "employment_rate_lowest", "rest_point_year_one", "exit_rate", "entry_rate",
                   "tail_exponent_step20", "knowledge_per_worker_order_step20", "sua_bridge_county_knowledge",
                   "neighbours_patents", "finance_shock_value_added", "henan_lagged_st",
                   "specialization_enshi", "division_of_labour_value_added", "gradient_transfer_polluting",
                   "entry_into_empty_cells",
                   "local_services_kept", "resource_life_cycle_hysteresis", "resource_places_lose_residents",
                   "resource_patents_per_head", "resource_carbon_per_gdp", "incubator_upgrade_formality",
                   "growth_rate_kurtosis", "kernel_half_distance"):
        assert wanted in ids
    for t in targets:
        assert t.why and t.source.citation and (t.gap if t.known_gap else True)


@pytest.mark.parametrize("change, field", [
    ({"statistic": {"name": "no_such_statistic"}}, "statistic"),
    ({"accepted": [1.0, 0.0]}, "accepted"),
    ({"accepted": [None, None]}, "accepted"),
    ({"design": {**SMALL, "kind": "paired"}}, "design"),
    ({"known_gap": True}, "gap"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_registry_entry_is_one_error_naming_it(change, field):
    with pytest.raises(ParameterError) as err:
        parse_targets([{**EXIT_RATE, **change}], "reg.yaml")
    assert "reg.yaml: targets[0] (my_exit_rate)" in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_a_repeated_id_is_refused():
    with pytest.raises(ParameterError, match="an id no other target has"):
        parse_targets([EXIT_RATE, EXIT_RATE], "reg.yaml")


@pytest.mark.parametrize("argv, words", [
    (["validation", "--only", "no_such_target"], "--only"),
    (["validation", "--registry", "missing.yaml"], "missing.yaml"),
    (["validation", "--seed", "-1"], "seed"),
    (["validation", "--workers", "0"], "workers"),
    (["validation", "--baseline", "missing.csv", "--quick"], "baseline"),
])
def test_bad_validation_arguments_give_one_line_and_exit_2(tmp_path, capsys, argv, words):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert not out.exists()


def test_validation_lists_the_targets(capsys):
    assert main(["validation", "--list", "--only", "exit_rate,entry_rate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["exit_rate", "entry_rate"]
