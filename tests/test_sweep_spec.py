"""Sweep files: the bundled example loads; bad files stop in one line, exit 2, before any run."""

import socket
from pathlib import Path

import pytest
import yaml

from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.sweeps import SweepSpec, load_sweep
from chainweave.sweeps.targets import prepare_target

EXAMPLE = Path(__file__).resolve().parents[1] / "chainweave/scenarios/sweeps/default_sensitivity.yaml"

GOOD = {
    "name": "small",
    "base": "yijing_jingen",
    "policies": ["rd_subsidy"],
    "fixed": {"params.n_firms": 300, "horizon": 3},
    "parameters": [{"path": "policies.rd_subsidy.extra_share", "bounds": [0.0, 0.1]},
                   {"path": "params.kernel_decay_km", "bounds": [40.0, 240.0]}],
    "design": {"method": "lhs", "samples": 4},
    "outputs": [{"metric": "D"}],
}


def with_change(path: str, value) -> dict:
    """Returns GOOD with one dotted field (list items as numbers) replaced or, for None, removed."""
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is None:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bundled_example_is_valid_and_checks_against_the_default_scenario():
    spec, folder = load_sweep(EXAMPLE)
    assert spec.base == "yijing_jingen" and spec.design.method == "morris"
    prepared = prepare_target(spec, folder, str(EXAMPLE))
    assert prepared.columns == ("D_final", "D_county_final", "spillover_innovation_county_final",
                                "patents_final")
    assert prepared.integer == (False, False, False, False)


def test_a_mapping_gives_the_same_spec_as_its_yaml_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    assert load_sweep(path)[0] == SweepSpec.from_dict(GOOD)


def test_default_column_names_come_from_paths():
    spec = SweepSpec.from_dict(GOOD)
    assert [p.column for p in spec.parameters] == ["rd_subsidy_extra_share", "kernel_decay_km"]


BAD_FILES = [
    # (what is wrong, the file's data or raw text, words the line must hold)
    ("unknown parameter path", with_change("parameters.1.path", "params.kernel_decay_kmx"),
     ["parameters[1].path", "kernel_decay_kmx", "ModelParams field"]),
    ("parameter of a policy not in the base", with_change("parameters.0.path", "policies.talent.extra_share"),
     ["parameters[0].path", "rd_subsidy"]),
    ("bounds reversed", with_change("parameters.0.bounds", [0.1, 0.0]),
     ["parameters[0].bounds", "[0.1, 0.0]", "low < high"]),
    ("bounds outside what the scenario accepts", with_change("parameters.0.bounds", [0.0, 0.9]),
     ["parameters[0].bounds", "0.9", "[0, 0.5]"]),
    ("design needs more runs than allowed", with_change("design", {"method": "sobol", "samples": 1024,
                                                                   "max_runs": 1000}),
     ["design", "4096 runs", "max_runs = 1000"]),
    ("sobol samples not a power of 2", with_change("design", {"method": "sobol", "samples": 100}),
     ["design.samples", "100", "power of 2"]),
    ("unknown design", with_change("design.method", "fast99"),
     ["design.method", "fast99", "'grid', 'lhs', 'morris' or 'sobol'"]),
    ("wrong type", with_change("replications", "two"), ["replications", "'two'", "integer"]),
    ("unknown field", with_change("replicates", 2), ["replicates", "no such field"]),
    ("missing parameters", with_change("parameters", None), ["parameters", "required"]),
    ("unknown metric", with_change("outputs", [{"metric": "happiness"}]),
     ["outputs[0].metric", "happiness", "cluster table"]),
    ("unknown place", with_change("outputs", [{"metric": "D", "scope": "Atlantis"}]),
     ["outputs[0].scope", "Atlantis", "place"]),
    ("step after the horizon", with_change("outputs", [{"metric": "D", "steps": [7]}]),
     ["outputs[0].steps", "7", "horizon (3)"]),
    ("unknown base", with_change("base", "atlantis"), ["base", "atlantis", "bundled scenario"]),
    ("unknown policy", with_change("policies", ["free_lunch"]), ["policies", "free_lunch"]),
    ("bad fixed value", with_change("fixed", {"params.n_firms": -5}), ["fixed.params.n_firms", "-5"]),
    ("levels outside a grid", with_change("parameters.0", {"path": "policies.rd_subsidy.extra_share",
                                                          "levels": [0.0, 0.1]}),
     ["parameters[0].levels", "grid"]),
    ("malformed YAML", "name: x\nparameters: [\n  {path: a\n", ["line", "well-formed YAML"]),
    ("not a mapping", "- just\n- a list\n", ["a mapping of sweep fields"]),
]


@pytest.mark.parametrize(("case", "content", "words"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_sweep_files_give_one_line_exit_2_and_write_nothing(tmp_path, capsys, case, content, words):
    path = tmp_path / "bad.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("run.py: error: ") and str(path) in lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert captured.out == ""
    assert not out.exists()


def test_unreachable_scheduler_gives_one_line_exit_2_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"
    assert main(["sweep", str(path), "--out", str(out), "--scheduler", address]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "scheduler" in lines[0] and address in lines[0]
    assert "running Dask scheduler" in lines[0]
    assert not out.exists()


def test_a_folder_holding_something_else_is_refused_untouched(tmp_path, capsys):
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 2
    assert "other files" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_python_callers_get_a_parameter_error():
    with pytest.raises(ParameterError, match=r"\(script\): parameters\[0\].bounds"):
        SweepSpec.from_dict(with_change("parameters.0.bounds", [1.0, 1.0]))
