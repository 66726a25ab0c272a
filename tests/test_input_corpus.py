"""A corpus of bad files and bad arguments: each stops with one line, exit code 2, no traceback,
nothing written, in well under a second of CPU (run in this process through `chainweave.cli.main`;
a few subprocess checks at the end confirm the real exit code).

Together with the 40 files of ``test_scenario_errors.py`` the corpus holds more than 150 bad
files and 40 bad arguments; ``test_corpus_is_large_enough`` counts them.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainweave.cli import main
from chainweave.yaml_files import MAX_BYTES, MAX_DEPTH
from tests.test_scenario_errors import BAD_FILES as SCENARIO_ERROR_FILES

ROOT = Path(__file__).resolve().parents[1]
BASE = "extends: yijing_jingen\nname: bad\n"
TINY = ("name: tiny\nplaces: {synthetic: {n_cores: 1, n_secondary: 1, n_counties: 1}}\n"
        "params: {n_firms: 300}\nhorizon: 2\ncompare: {variants: [talent], replications: 1}\n")
ROW = "{name: %s, tier: %s, %spopulation: 5.0e5, area_km2: 100, lat: 30, lon: 114}"
PLACES = "name: bad\nplaces:\n  - " + ROW % ("A", "core", "") + "\n"
SECTORS = """name: bad
places: {synthetic: {n_cores: 1, n_secondary: 1, n_counties: 1}}
sectors:
  names: [a, b]
  stage: [upstream, downstream]
  industry_class: [secondary, tertiary]
  high_tech: [false, true]
  resource_based: [false, false]
  carbon_intensity: [1.0, 0.5]
  io: [[0.1, 0.2], [0.1, 0.1]]
  final_demand_share: [0.4, 0.6]
  base_productivity: [1.0, 1.0]
  rd_share: [0.01, 0.02]
  tier_mix: [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
"""


def laughs(levels: int, width: int = 9) -> str:
    """Returns a "billion laughs" file: each level an alias list of the one before."""
    lines = ["name: bad", "l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "name: bad\ndescription: " + "[" * depth + "x" + "]" * depth + "\n"


def sector_table(old: str, new: str) -> str:
    assert old in SECTORS
    return SECTORS.replace(old, new)


# (file text, a fragment the error line must contain)
SCENARIO_FILES: dict[str, tuple[str, str]] = {
    # --- reading: size, nesting, aliases, duplicate keys, YAML shape
    "duplicate_top_key": (BASE + "horizon: 3\nhorizon: 500\n", "line 4"),
    "duplicate_nested_key": (BASE + "params:\n  n_firms: 300\n  n_firms: 400\n", "line 5"),
    "duplicate_in_flow": (BASE + "params: {n_firms: 300, n_firms: 400}\n", "key 'n_firms' again"),
    "duplicate_in_list_item": (BASE + "policies: [{policy: talent, policy: rd_subsidy}]\n", "again"),
    "duplicate_place_override": (BASE + "place_overrides:\n  Yichang: {urban_share: 0.5}\n"
                                 "  Yichang: {urban_share: 0.6}\n", "Yichang"),
    "nested_5000": (nested(5000), f"deeper than {MAX_DEPTH}"),
    "nested_just_too_deep": (nested(MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
    "nested_mappings": ("name: bad\nparams: " + "{a: " * 40 + "1" + "}" * 40 + "\n", "deeper"),
    "billion_laughs": (laughs(9), "aliases are expanded"),
    "laughs_small_width": (laughs(20, 3), "aliases are expanded"),
    "recursive_alias": ("name: bad\ndescription: &a [*a]\n", "recursive aliases"),
    "undefined_alias": ("name: bad\ndescription: *nowhere\n", "well-formed YAML"),
    "two_documents": ("name: a\n---\nname: b\n", "well-formed YAML"),
    "tab_indent": ("name: bad\nparams:\n\tn_firms: 3\n", "well-formed YAML"),
    "unclosed_quote": ("name: 'bad\n", "well-formed YAML"),
    "bad_indent": ("name: bad\n  horizon: 3\n", "well-formed YAML"),
    "scalar_top": ("just text\n", "a mapping"),
    "number_top": ("42\n", "a mapping"),
    "comment_only": ("# nothing here\n", "a mapping"),
    "binary_garbage": ("\x00\x01\x02\x03", "well-formed YAML"),
    "unhashable_key": ("? [a, b]\n: 1\nname: bad\n", "well-formed YAML"),
    # --- numbers: finite, whole, bounded, YAML 1.2
    "horizon_nan": (BASE + "horizon: .nan\n", "horizon"),
    "horizon_float": (BASE + "horizon: 1.5\n", "horizon"),
    "horizon_exponent": (BASE + "horizon: 1.0e6\n", "horizon"),
    "horizon_huge": (BASE + "horizon: 100000\n", "horizon"),
    "horizon_bool": (BASE + "horizon: true\n", "horizon"),
    "horizon_list": (BASE + "horizon: [3]\n", "horizon"),
    "horizon_null": (BASE + "horizon: null\n", "horizon"),
    "seed_huge": (BASE + "seed: 100000000000000000000000\n", "seed"),
    "seed_float": (BASE + "seed: 1.5\n", "seed"),
    "seed_text": (BASE + "seed: abc\n", "seed"),
    "name_empty": ("extends: yijing_jingen\nname: ''\n", "name"),
    "name_number": ("extends: yijing_jingen\nname: 3\n", "name"),
    "name_missing": ("places: {synthetic: {n_cores: 1}}\n", "name"),
    "description_list": (BASE + "description: [a, b]\n", "description"),
    "description_deep_mapping": (BASE + "description: {a: {b: c}}\n", "description"),
    "population_overflow": (BASE + "place_overrides: {Yichang: {population: 1.0e+308}}\n", "population"),
    "population_inf": (BASE + "place_overrides: {Yichang: {population: .inf}}\n", "population"),
    "population_nan": (BASE + "place_overrides: {Yichang: {population: .nan}}\n", "population"),
    "population_zero": (BASE + "place_overrides: {Yichang: {population: 0}}\n", "population"),
    "area_too_large": (BASE + "place_overrides: {Yichang: {area_km2: 1.0e9}}\n", "area_km2"),
    "lat_out_of_range": (BASE + "place_overrides: {Yichang: {lat: 91}}\n", "lat"),
    "lon_nan": (BASE + "place_overrides: {Yichang: {lon: .nan}}\n", "lon"),
    "tier_unknown_override": (BASE + "place_overrides: {Yichang: {tier: village}}\n", "tier"),
    "resource_unknown": (BASE + "place_overrides: {Yichang: {resource_type: gold}}\n", "resource_type"),
    "productivity_negative": (BASE + "place_overrides: {Yichang: {productivity_factor: -1}}\n",
                              "productivity_factor"),
    "industry_shares_two": (BASE + "place_overrides: {Yichang: {industry_shares: [0.5, 0.5]}}\n",
                            "industry_shares"),
    "industry_shares_nan": (BASE + "place_overrides: {Yichang: {industry_shares: [.nan, 0.5, 0.5]}}\n",
                            "industry_shares"),
    "override_not_mapping": (BASE + "place_overrides: [Yichang]\n", "place_overrides"),
    "tier_counts_fractional": (BASE + "params: {institutes_per_tier: [1.5, 2.5, 0.5]}\n",
                               "params.institutes_per_tier"),
    "bank_counts_fractional": (BASE + "params: {banks_per_tier: [6, 3.5, 1]}\n", "params.banks_per_tier"),
    "vc_counts_four": (BASE + "params: {vc_per_tier: [1, 2, 3, 4]}\n", "params.vc_per_tier"),
    "tier_counts_text": (BASE + "params: {incubators_per_tier: [a, b, c]}\n", "params.incubators_per_tier"),
    "firms_exponent_fractional": (BASE + "params: {n_firms: 1.5e0}\n", "params.n_firms"),
    "firms_zero": (BASE + "params: {n_firms: 0}\n", "params.n_firms"),
    "firms_huge": (BASE + "params: {n_firms: 1.0e12}\n", "params.n_firms"),
    "firms_text": (BASE + "params: {n_firms: many}\n", "params.n_firms"),
    "firms_bool": (BASE + "params: {n_firms: true}\n", "params.n_firms"),
    "decay_nan": (BASE + "params: {kernel_decay_km: .nan}\n", "params.kernel_decay_km"),
    "decay_inf": (BASE + "params: {kernel_decay_km: .inf}\n", "params.kernel_decay_km"),
    "decay_negative": (BASE + "params: {kernel_decay_km: -5}\n", "params.kernel_decay_km"),
    "cutoff_above_one": (BASE + "params: {kernel_cutoff: 2}\n", "params.kernel_cutoff"),
    "participation_nan": (BASE + "params: {participation_rate: .nan}\n", "params.participation_rate"),
    "tier_productivity_inf": (BASE + "params: {tier_productivity: [1, .inf, 1]}\n",
                              "params.tier_productivity"),
    "emission_standard_nan": (BASE + "params: {emission_standard: .nan}\n", "params.emission_standard"),
    "params_not_mapping": (BASE + "params: [n_firms]\n", "params"),
    "params_nested": (BASE + "params: {n_firms: {value: 3}}\n", "params.n_firms"),
    "draw_order": (BASE + "params: {innovation_draw_low: 0.9, innovation_draw_high: 0.1}\n",
                   "innovation_draw_low"),
    "government_nan": (BASE + "governments: {Yichang: {talent_share: .nan}}\n", "talent_share"),
    "government_carbon_inf": (BASE + "governments: {Yichang: {carbon_price: .inf}}\n", "carbon_price"),
    "government_standard_zero": (BASE + "governments: {Yichang: {emission_standard: 0}}\n",
                                 "emission_standard"),
    "government_unknown_field": (BASE + "governments: {Yichang: {budget: 3}}\n",
                                 "governments.Yichang.budget"),
    # --- lists the model needs, names unique, places resolved
    "places_empty": ("name: bad\nplaces: []\n", "at least one place"),
    "places_null": ("name: bad\nplaces: null\n", "places"),
    "places_number": ("name: bad\nplaces: 3\n", "places"),
    "places_duplicate_name": (PLACES + "  - " + ROW % ("A", "secondary", "parent: A, ") + "\n", "'A' twice"),
    "place_parent_self": (PLACES + "  - " + ROW % ("B", "secondary", "parent: B, ") + "\n", "parent"),
    "place_parent_lower_tier": (PLACES + "  - " + ROW % ("B", "county", "parent: A, ") + "\n  - "
                                + ROW % ("C", "secondary", "parent: B, ") + "\n", "parent"),
    "place_tier_unknown": (PLACES + "  - " + ROW % ("B", "village", "parent: A, ") + "\n", "tier"),
    "place_name_empty": (PLACES + "  - " + ROW % ("''", "secondary", "parent: A, ") + "\n", "name"),
    "place_population_overflow": (PLACES.replace("5.0e5", "1.0e308"), "population"),
    "place_population_exponent_text": (PLACES.replace("5.0e5", "'5e5'"), "population"),
    "place_lat_nan": (PLACES.replace("lat: 30", "lat: .nan"), "lat"),
    "place_area_inf": (PLACES.replace("area_km2: 100", "area_km2: .inf"), "area_km2"),
    "place_unknown_field": (PLACES.replace("lat: 30", "lat: 30, colour: red"), "colour"),
    "place_not_mapping": ("name: bad\nplaces: [A, B]\n", "places"),
    "place_urban_share_nan": (PLACES.replace("lat: 30", "lat: 30, urban_share: .nan"), "urban_share"),
    "synthetic_too_many": ("name: bad\nplaces: {synthetic: {n_cores: 100, n_secondary: 500, "
                           "n_counties: 500}}\n", "at most 100,000"),
    "synthetic_fractional": ("name: bad\nplaces: {synthetic: {n_counties: 2.5}}\n", "n_counties"),
    "synthetic_negative": ("name: bad\nplaces: {synthetic: {n_secondary: -1}}\n", "n_secondary"),
    "synthetic_seed_negative": ("name: bad\nplaces: {synthetic: {seed: -1}}\n", "seed"),
    "synthetic_unknown_key": ("name: bad\nplaces: {synthetic: {n_towns: 3}}\n", "n_towns"),
    "sectors_io_nan": (sector_table("io: [[0.1, 0.2]", "io: [[.nan, 0.2]"), "io"),
    "sectors_io_inf": (sector_table("io: [[0.1, 0.2]", "io: [[.inf, 0.2]"), "io"),
    "sectors_io_ragged": (sector_table("io: [[0.1, 0.2]", "io: [[0.1]"), "sectors"),
    "sectors_io_column_sum": (sector_table("io: [[0.1, 0.2], [0.1, 0.1]]", "io: [[0.9, 0.2], [0.5, 0.1]]"),
                              "io"),
    "sectors_duplicate_name": (sector_table("names: [a, b]", "names: [a, a]"), "'a' twice"),
    "sectors_name_not_identifier": (sector_table("names: [a, b]", "names: [a, 'b c']"), "identifiers"),
    "sectors_names_empty": (sector_table("names: [a, b]", "names: []"), "sectors.names"),
    "sectors_stage_short": (sector_table("stage: [upstream, downstream]", "stage: [upstream]"), "stage"),
    "sectors_stage_unknown": (sector_table("stage: [upstream, downstream]", "stage: [upstream, sideways]"),
                              "stage"),
    "sectors_demand_sum": (sector_table("final_demand_share: [0.4, 0.6]", "final_demand_share: [0.4, 0.4]"),
                           "final_demand_share"),
    "sectors_demand_nan": (sector_table("final_demand_share: [0.4, 0.6]", "final_demand_share: [.nan, 0.6]"),
                           "final_demand_share"),
    "sectors_productivity_zero": (sector_table("base_productivity: [1.0, 1.0]",
                                               "base_productivity: [0.0, 1.0]"), "base_productivity"),
    "sectors_tier_mix_sum": (sector_table("tier_mix: [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]",
                                          "tier_mix: [[0.9, 0.5, 0.5], [0.5, 0.5, 0.5]]"), "tier_mix"),
    "sectors_high_tech_text": (sector_table("high_tech: [false, true]", "high_tech: [no_way, true]"),
                               "high_tech"),
    "sectors_unknown_name_word": ("name: bad\nsectors: custom\n", "sectors"),
    "sector_override_nan": (BASE + "sector_overrides: {mining: {rd_share: .nan}}\n", "rd_share"),
    "sector_override_unknown_field": (BASE + "sector_overrides: {mining: {colour: red}}\n", "colour"),
    # --- policies: references resolved, able to act within the horizon
    "policy_starts_after_horizon": (BASE + "horizon: 3\npolicies: [{policy: talent, label: t, start: 10}]\n",
                                    "policies[0].start"),
    "policy_starts_at_horizon": (BASE + "horizon: 5\npolicies: [{policy: talent, label: t, start: 5}]\n",
                                 "before the horizon"),
    "variant_policy_after_horizon": (BASE + "horizon: 4\ncompare: {variants: [{name: late, policies: "
                                     "[{policy: talent, start: 9}]}]}\n",
                                     "compare.variants[0].policies[0].start"),
    "policy_targets_nothing": (BASE + "policies: [{policy: talent, label: t, targets: {tiers: [county], "
                               "places: [Wuhan]}}]\n", "policies[0].targets"),
    "policy_jurisdiction_unknown": (BASE + "policies: [{policy: talent, label: t, targets: "
                                    "{jurisdictions: [Atlantis]}}]\n", "jurisdictions"),
    "policy_param_nan": (BASE + "policies: [{policy: rd_subsidy, label: r, params: {extra_share: .nan}}]\n",
                         "extra_share"),
    "policy_param_text": (BASE + "policies: [{policy: rd_subsidy, label: r, params: {extra_share: lots}}]\n",
                          "extra_share"),
    "policy_ramp_fractional": (BASE + "policies: [{policy: talent, label: t, ramp: 1.5}]\n", "ramp"),
    "policy_start_huge": (BASE + "policies: [{policy: talent, label: t, start: 100000}]\n", "start"),
    "policy_not_mapping": (BASE + "policies: [talent]\n", "policies[0]"),
    "policy_missing_name": (BASE + "policies: [{label: x}]\n", "policies[0].policy"),
    "policy_unknown_field": (BASE + "policies: [{policy: talent, label: t, strength: 3}]\n", "strength"),
    "policies_not_list": (BASE + "policies: talent\n", "policies"),
    "policy_labels_repeat_named": (BASE + "policies: [{policy: talent, label: x}, {policy: rd_subsidy, "
                                   "label: x}]\n", "'x' twice"),
    "policy_sector_nan_name": (BASE + "policies: [{policy: chain_leader, label: c, sectors: [.nan]}]\n",
                               "sectors"),
    "policy_sectors_empty": (BASE + "policies: [{policy: chain_leader, label: c, sectors: []}]\n",
                             "policies[0].sectors"),
    "variant_empty_policies": (BASE + "compare: {variants: [{name: v, policies: []}]}\n", "policies"),
    "variant_names_repeat": (BASE + "compare: {variants: [talent, talent]}\n", "compare.variants"),
    "variant_name_empty": (BASE + "compare: {variants: [{name: '', policies: [{policy: talent}]}]}\n",
                           "name"),
    "compare_confidence_one": (BASE + "compare: {confidence: 1.0}\n", "compare.confidence"),
    "compare_confidence_nan": (BASE + "compare: {confidence: .nan}\n", "compare.confidence"),
    "compare_replications_float": (BASE + "compare: {replications: 2.5}\n", "compare.replications"),
    "compare_replications_huge": (BASE + "compare: {replications: 1000000}\n", "compare.replications"),
    "governments_unknown_place_lower": (BASE + "governments: {yichang: {talent_share: 0.01}}\n",
                                        "governments.yichang"),
    # --- extends
    "extends_number": ("extends: 3\nname: bad\n", "extends"),
    "extends_list": ("extends: [yijing_jingen]\nname: bad\n", "extends"),
    "extends_self": ("extends: self.yaml\nname: bad\n", "cycle"),
    "extends_missing_file": ("extends: ./nowhere.yaml\nname: bad\n", "extends"),
}
"""Scenario files, checked with ``run --steps 1 --out DIR``."""


def _sweep(**fields) -> str:
    data = {"name": "corpus", "base": "analytic:ishigami",
            "parameters": "[{path: x1, bounds: [-3.14, 3.14]}, {path: x2, bounds: [-3.14, 3.14]}, "
                          "{path: x3, bounds: [-3.14, 3.14]}]",
            "design": "{method: sobol, samples: 8}", "outputs": "[{metric: y}]"} | fields
    return "".join(f"{k}: {v}\n" for k, v in data.items() if v is not None)


SWEEP_FILES: dict[str, tuple[str, str]] = {
    "name_leaves_folder": (_sweep(name="../../x"), "name"),
    "name_absolute": (_sweep(name="/tmp/x"), "name"),
    "name_hidden": (_sweep(name=".hidden"), "name"),
    "name_with_slash": (_sweep(name="a/b"), "name"),
    "name_dotdot": (_sweep(name="a..b"), "name"),
    "name_dash": (_sweep(name="-rf"), "name"),
    "results_empty": (_sweep(results="''"), "results"),
    "bounds_nan": (_sweep(parameters="[{path: x1, bounds: [.nan, 1]}]"), "bounds"),
    "bounds_inf": (_sweep(parameters="[{path: x1, bounds: [0, .inf]}]"), "bounds"),
    "bounds_reversed": (_sweep(parameters="[{path: x1, bounds: [1, 0]}]"), "bounds"),
    "bounds_three": (_sweep(parameters="[{path: x1, bounds: [0, 1, 2]}]"), "bounds"),
    "parameters_empty": (_sweep(parameters="[]"), "parameters"),
    "outputs_empty": (_sweep(outputs="[]"), "outputs"),
    "output_named_status": (_sweep(outputs="[{metric: y, name: status}]"), "status"),
    "output_named_error": (_sweep(outputs="[{metric: y, name: error}]"), "error"),
    "parameter_named_status": (_sweep(parameters="[{path: x1, name: status, bounds: [0, 1]}]"), "status"),
    "samples_not_power_of_two": (_sweep(design="{method: sobol, samples: 6}"), "power of 2"),
    "samples_float": (_sweep(design="{method: sobol, samples: 8.0}"), "samples"),
    "samples_zero": (_sweep(design="{method: lhs, samples: 0}"), "samples"),
    "design_unknown": (_sweep(design="{method: magic, samples: 8}"), "method"),
    "conf_level_nan": (_sweep(design="{method: sobol, samples: 8, conf_level: .nan}"), "conf_level"),
    "max_runs_exceeded": (_sweep(design="{method: sobol, samples: 1024, max_runs: 10}"), "max_runs"),
    "replications_zero": (_sweep(replications=0), "replications"),
    "replications_fractional": (_sweep(replications=1.5), "replications"),
    "seed_negative": (_sweep(seed=-1), "seed"),
    "seed_huge": (_sweep(seed=2**70), "seed"),
    "batch_size_zero": (_sweep(batch_size=0), "batch_size"),
    "duplicate_key": (_sweep() + "seed: 3\nseed: 4\n", "again"),
    "nested_too_deep": (_sweep(description="[" * 50 + "]" * 50), "deeper"),
    "laughs": (laughs(9).replace("name: bad\n", _sweep()), "aliases are expanded"),
    "base_unknown": (_sweep(base="atlantis"), "base"),
    "base_analytic_unknown": (_sweep(base="analytic:rosenbrock"), "base"),
    "unknown_metric": (_sweep(outputs="[{metric: happiness}]"), "happiness"),
    "unknown_field": (_sweep(colour="red"), "colour"),
    "parameter_repeated": (_sweep(parameters="[{path: x1, bounds: [0, 1]}, {path: x1, bounds: [0, 2]}]"),
                           "parameters[1]"),
}
"""Sweep files, checked with ``sweep FILE --out DIR --workers 1``."""


def _files_under(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert len(lines) == 1, lines
    return lines[0]


def _check(argv: list[str], tmp_path: Path, capsys, monkeypatch) -> str:
    """Runs ``argv`` in ``tmp_path``; checks exit 2, one line, nothing written, CPU under 1 s."""
    monkeypatch.chdir(tmp_path)
    before = _files_under(tmp_path)
    started = time.process_time()
    assert main(argv) == 2
    assert time.process_time() - started < 1.0
    line = _one_line(capsys)
    assert _files_under(tmp_path) == before, "something was written"
    return line


@pytest.mark.parametrize("case", sorted(SCENARIO_FILES))
def test_bad_scenario_file(case, tmp_path, capsys, monkeypatch):
    text, fragment = SCENARIO_FILES[case]
    path = tmp_path / ("self.yaml" if case == "extends_self" else f"{case}.yaml")
    path.write_text(text, encoding="utf-8")
    line = _check(["run", "--scenario", str(path), "--steps", "1", "--out", str(tmp_path / "out")],
                  tmp_path, capsys, monkeypatch)
    assert path.name in line and fragment in line, line


@pytest.mark.parametrize("case", sorted(SWEEP_FILES))
def test_bad_sweep_file(case, tmp_path, capsys, monkeypatch):
    text, fragment = SWEEP_FILES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    line = _check(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--no-progress",
                   "--no-figures"], tmp_path, capsys, monkeypatch)
    assert path.name in line and fragment in line, line


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: costs nothing to make
        handle.write(b"name: bad\n")
        handle.truncate(50 * 2**20)
    line = _check(["validate", str(path)], tmp_path, capsys, monkeypatch)
    assert f"{MAX_BYTES:,} bytes" in line and "52,428,800 bytes" in line


def test_non_utf8_sweep_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / "latin.yaml"
    path.write_bytes(_sweep(description="caf\xe9").encode("latin-1"))
    assert "UTF-8" in _check(["sweep", str(path)], tmp_path, capsys, monkeypatch)


# --- arguments -----------------------------------------------------------------------------
def _tiny(tmp_path: Path) -> str:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return str(path)


def _sweep_file(tmp_path: Path) -> str:
    path = tmp_path / "ok_sweep.yaml"
    path.write_text(_sweep())
    return str(path)


BAD_ARGUMENTS: dict[str, tuple[list[str], str]] = {
    # {tiny}: a small good scenario; {sweep}: a good sweep file; {file}: an existing plain file
    "seed_negative": (["run", "--scenario", "{tiny}", "--seed", "-1"], "--seed"),
    "seed_2_70": (["run", "--scenario", "{tiny}", "--seed", str(2**70)], "--seed"),
    "seed_2_63": (["run", "--scenario", "{tiny}", "--seed", str(2**63)], "2**63 - 1"),
    "seed_float": (["run", "--scenario", "{tiny}", "--seed", "1.5"], "--seed"),
    "seed_text": (["run", "--scenario", "{tiny}", "--seed", "abc"], "--seed"),
    "seed_empty": (["run", "--scenario", "{tiny}", "--seed", ""], "--seed"),
    "compare_seed_negative": (["compare", "--scenario", "{tiny}", "--seed", "-5"], "--seed"),
    "steps_negative": (["run", "--scenario", "{tiny}", "--steps", "-1"], "--steps"),
    "steps_huge": (["run", "--scenario", "{tiny}", "--steps", "1000000"], "--steps"),
    "steps_text": (["run", "--scenario", "{tiny}", "--steps", "ten"], "--steps"),
    "compare_steps_zero": (["compare", "--scenario", "{tiny}", "--steps", "0"], "--steps"),
    "replications_zero": (["compare", "--scenario", "{tiny}", "--replications", "0"], "--replications"),
    "replications_negative": (["compare", "--scenario", "{tiny}", "--replications", "-3"], "--replications"),
    "replications_text": (["compare", "--scenario", "{tiny}", "--replications", "x"], "--replications"),
    "workers_zero": (["compare", "--scenario", "{tiny}", "--workers", "0"], "--workers"),
    "workers_huge": (["compare", "--scenario", "{tiny}", "--workers", "100000"], "--workers"),
    "out_empty": (["run", "--scenario", "{tiny}", "--out", ""], "--out"),
    "out_blank": (["run", "--scenario", "{tiny}", "--out", "  "], "--out"),
    "out_is_file": (["run", "--scenario", "{tiny}", "--out", "{file}"], "this is a file"),
    "out_under_file": (["run", "--scenario", "{tiny}", "--out", "{file}/sub"], "is a file"),
    "out_unwritable": (["run", "--scenario", "{tiny}", "--out", "/proc/chainweave-out"], "can write"),
    "compare_out_is_file": (["compare", "--scenario", "{tiny}", "--out", "{file}"], "this is a file"),
    "compare_out_under_file": (["compare", "--scenario", "{tiny}", "--out", "{file}/a/b"], "is a file"),
    "compare_out_unwritable": (["compare", "--scenario", "{tiny}", "--out", "/proc/x/y"], "can write"),
    "compare_out_empty": (["compare", "--scenario", "{tiny}", "--out", ""], "--out"),
    "set_horizon_negative": (["run", "--scenario", "{tiny}", "--set", "horizon=-1"], "horizon: got -1"),
    "set_horizon_text": (["run", "--scenario", "{tiny}", "--set", "horizon=long"], "horizon"),
    "set_seed_negative": (["validate", "{tiny}", "--set", "seed=-1"], "seed"),
    "set_no_equals": (["validate", "{tiny}", "--set", "horizon"], "--set"),
    "set_unknown_parameter": (["validate", "{tiny}", "--set", "nonsense=1"], "nonsense"),
    "set_nan": (["validate", "{tiny}", "--set", "kernel_decay_km=nan"], "params.kernel_decay_km"),
    "set_inf": (["validate", "{tiny}", "--set", "kernel_decay_km=inf"], "params.kernel_decay_km"),
    "set_fractional_count": (["validate", "{tiny}", "--set", "n_firms=0.5"], "params.n_firms"),
    "set_fractional_tuple": (["validate", "{tiny}", "--set", "institutes_per_tier=1.5,2,3"],
                             "params.institutes_per_tier"),
    "set_unknown_policy": (["validate", "{tiny}", "--set", "policies.x.y=1"], "policies.x.y"),
    "set_deep_params": (["validate", "{tiny}", "--set", "params.a.b=1"], "params.a.b"),
    "set_compare_replications_zero": (["validate", "{tiny}", "--set", "compare.replications=0"],
                                      "compare.replications"),
    "policies_unknown": (["compare", "--scenario", "{tiny}", "--policies", "magic"], "magic"),
    "policies_empty": (["compare", "--scenario", "{tiny}", "--policies", ","], "at least one policy"),
    "scenario_missing": (["run", "--scenario", "nowhere.yaml"], "scenario"),
    "scenario_folder": (["validate", "."], "scenario"),
    "validate_no_file": (["validate"], "required"),
    "unknown_command": (["frobnicate"], "unknown subcommand"),
    "unknown_flag": (["run", "--nope"], "unrecognized"),
    "plot_missing": (["plot", "nowhere"], "RESULTS_DIR"),
    "plot_file": (["plot", "{file}"], "RESULTS_DIR"),
    "plot_out_is_file": (["plot", "nowhere", "--out", "{file}"], "this is a file"),
    "plot_formats_unknown": (["plot", "nowhere", "--formats", "bmp"], "--formats"),
    "dashboard_port_zero": (["dashboard", "--port", "0"], "--port"),
    "dashboard_seed_negative": (["dashboard", "--seed", "-2"], "--seed"),
    "sweep_missing_file": (["sweep", "nowhere.yaml"], "nowhere.yaml"),
    "sweep_seed_negative": (["sweep", "{sweep}", "--seed", "-1"], "--seed"),
    "sweep_seed_huge": (["sweep", "{sweep}", "--seed", str(2**64)], "--seed"),
    "sweep_workers_zero": (["sweep", "{sweep}", "--workers", "0"], "--workers"),
    "sweep_out_file": (["sweep", "{sweep}", "--out", "{file}", "--workers", "1"], "this is a file"),
    "sweep_out_under_file": (["sweep", "{sweep}", "--out", "{file}/x", "--workers", "1"], "is a file"),
    "sweep_out_unwritable": (["sweep", "{sweep}", "--out", "/proc/sweep", "--workers", "1"], "can write"),
    "sweep_out_empty": (["sweep", "{sweep}", "--out", "", "--workers", "1"], "out"),
    "sweep_scheduler_refused": (["sweep", "{sweep}", "--scheduler", "tcp://127.0.0.1:1"], "scheduler"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGUMENTS))
def test_bad_argument(case, tmp_path, capsys, monkeypatch):
    argv, fragment = BAD_ARGUMENTS[case]
    plain = tmp_path / "a_file.txt"
    plain.write_text("not a folder\n")
    names = {"{tiny}": _tiny(tmp_path), "{sweep}": _sweep_file(tmp_path), "{file}": str(plain)}
    argv = [next((a.replace(k, v) for k, v in names.items() if k in a), a) for a in argv]
    line = _check(argv, tmp_path, capsys, monkeypatch)
    assert fragment in line, line


def test_corpus_is_large_enough():
    files = len(SCENARIO_FILES) + len(SWEEP_FILES) + len(SCENARIO_ERROR_FILES) + 2 + 2
    assert files >= 150, files
    assert len(BAD_ARGUMENTS) >= 40


def test_yaml_12_numbers_and_whole_floats_are_read_as_numbers(tmp_path, capsys):
    path = tmp_path / "numbers.yaml"
    path.write_text(BASE + "params: {n_firms: 1.0e3}\nplace_overrides: {Yichang: {population: 1.5e6}}\n")
    assert main(["validate", str(path)]) == 0
    assert "1000 firms" in capsys.readouterr().out


def test_real_exit_code_in_a_subprocess(tmp_path):
    bad = tmp_path / "dup.yaml"
    bad.write_text(SCENARIO_FILES["duplicate_top_key"][0])
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), "run", "--scenario", str(bad), "--out", ""],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "line 4" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dup.yaml"]
