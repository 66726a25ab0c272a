"""Bad scenario files: one line naming the file, the field path and what was expected; exit 2;
nothing written; no traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from chainweave.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = "extends: yijing_jingen\nname: bad\n"

# (file text, a fragment the error line must contain: the field path or what is wrong)
BAD_FILES = {
    "unknown_key": (BASE + "nam: x\n", "nam"),
    "horizon_text": (BASE + "horizon: ten\n", "horizon"),
    "horizon_negative": (BASE + "horizon: -3\n", "horizon"),
    "seed_negative": (BASE + "seed: -1\n", "seed"),
    "share_out_of_range": (BASE + "params: {rd_subsidy_share: 1.5}\n", "params.rd_subsidy_share"),
    "unknown_parameter": (BASE + "params: {nonsense: 1}\n", "params.nonsense"),
    "firms_fractional": (BASE + "params: {n_firms: 10.5}\n", "params.n_firms"),
    "tier_tuple_short": (BASE + "params: {banks_per_tier: [1, 2]}\n", "params.banks_per_tier"),
    "shares_sum_above_one": (BASE + "params: {public_services_share: 0.99}\n", "budget shares"),
    "override_unknown_place": (BASE + "place_overrides: {Atlantis: {population: 5}}\n",
                               "place_overrides.Atlantis"),
    "override_share": (BASE + "place_overrides: {Yichang: {urban_share: 1.5}}\n",
                       "place_overrides.Yichang.urban_share"),
    "override_unknown_field": (BASE + "place_overrides: {Yichang: {colour: red}}\n",
                               "place_overrides.Yichang.colour"),
    "government_unknown_place": (BASE + "governments: {Atlantis: {talent_share: 0.1}}\n",
                                 "governments.Atlantis"),
    "government_share": (BASE + "governments: {Yichang: {talent_share: 2}}\n",
                         "governments.Yichang.talent_share"),
    "government_shares_sum": (BASE + "governments: {Yichang: {talent_share: 0.6}}\n",
                              "governments.Yichang"),
    "policy_unknown": (BASE + "policies: [{policy: magic}]\n", "policies[0].policy"),
    "policy_parameter_unknown": (BASE + "policies: [{policy: rd_subsidy, params: {strength: 1}}]\n",
                                 "policies[0].params.strength"),
    "policy_parameter_range": (BASE + "policies: [{policy: rd_subsidy, params: {extra_share: 0.9}}]\n",
                               "policies[0].params.extra_share"),
    "policy_start_negative": (BASE + "policies: [{policy: talent, start: -2}]\n", "policies[0].start"),
    "policy_target_place": (BASE + "policies: [{policy: talent, targets: {places: [Atlantis]}}]\n",
                            "policies[0].targets.places"),
    "policy_target_tier": (BASE + "policies: [{policy: talent, targets: {tiers: [village]}}]\n",
                           "policies[0].targets.tiers[0]"),
    "policy_sector_unknown": (BASE + "policies: [{policy: chain_leader, sectors: [steel]}]\n",
                              "policies[0].sectors"),
    "policy_takes_no_sectors": (BASE + "policies: [{policy: talent, sectors: [mining]}]\n",
                                "policies[0].sectors"),
    "policy_labels_repeat": (BASE + "policies: [{policy: talent}, {policy: talent}]\n", "policies"),
    "places_unknown_table": (BASE + "places: atlantis\n", "places"),
    "place_row_missing_field": (
        "name: bad\nplaces: [{name: A, tier: core, area_km2: 10, lat: 30, lon: 114}]\n",
        "places[0].population"),
    "place_row_negative": (
        "name: bad\nplaces: [{name: A, tier: core, population: -5, area_km2: 10, lat: 30, lon: 114}]\n",
        "places[0].population"),
    "place_county_without_parent": (
        "name: bad\nplaces:\n  - {name: A, tier: core, population: 5, area_km2: 10, lat: 30, lon: 114}\n"
        "  - {name: B, tier: county, population: 5, area_km2: 10, lat: 30, lon: 114.5}\n",
        "places['B'].parent"),
    "place_parent_unknown": (
        "name: bad\nplaces:\n  - {name: A, tier: core, population: 5, area_km2: 10, lat: 30, lon: 114}\n"
        "  - {name: B, tier: county, parent: Z, population: 5, area_km2: 10, lat: 30, lon: 114.5}\n",
        "places['B'].parent"),
    "industry_shares_sum": (BASE + "place_overrides: {Yichang: {industry_shares: [0.5, 0.5, 0.5]}}\n",
                            "industry_shares"),
    "synthetic_no_core": ("name: bad\nplaces: {synthetic: {n_cores: 0}}\n", "places.synthetic.n_cores"),
    "compare_replications": (BASE + "compare: {replications: 0}\n", "compare.replications"),
    "compare_unknown_variant": (BASE + "compare: {variants: [magic]}\n", "compare.variants"),
    "compare_baseline_name": (
        BASE + "compare: {variants: [{name: baseline, policies: [{policy: talent}]}]}\n",
        "compare.variants"),
    "sector_override_unknown": (BASE + "sector_overrides: {steel: {rd_share: 0.1}}\n",
                                "sector_overrides.steel"),
    "sector_override_negative": (BASE + "sector_overrides: {mining: {carbon_intensity: -1}}\n",
                                 "sector_overrides.mining.carbon_intensity"),
    "sector_override_zero_wage": (BASE + "sector_overrides: {mining: {wage_ratio: 0}}\n",
                                  "sector_overrides.mining.wage_ratio"),
    "sector_override_local_share": (BASE + "sector_overrides: {mining: {local_share: 2}}\n",
                                    "sector_overrides.mining.local_share"),
    "extends_unknown": ("extends: atlantis\nname: bad\n", "extends"),
    "malformed_yaml": (BASE + "params: {n_firms: 3\n", "well-formed YAML"),
    "not_a_mapping": ("- a\n- b\n", "a mapping"),
    "empty_file": ("", "a mapping"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_gives_one_line_and_exit_2(case, tmp_path, capsys):
    text, fragment = BAD_FILES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--scenario", str(path), "--steps", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(path) in err[0] and fragment in err[0], err[0]
    assert not out.exists()


def test_enough_bad_files_are_checked():
    assert len(BAD_FILES) >= 30


def test_extends_cycle_is_named(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    assert main(["validate", str(tmp_path / "a.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "extends" in err[0] and "cycle" in err[0]
    assert "a.yaml -> b.yaml -> a.yaml" in err[0]


def test_non_utf8_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "UTF-8" in err[0]


def test_compare_stops_before_any_run_on_a_bad_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + "compare: {variants: [rd_subsidy, magic]}\n")
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "compare", "--scenario", str(path),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "compare.variants" in proc.stderr and "runs:" not in proc.stderr
    assert not (tmp_path / "out").exists()
