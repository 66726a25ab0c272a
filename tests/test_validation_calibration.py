"""Calibration: a fit killed with SIGKILL and run again ends as an uninterrupted one; bad
calibration files give one line and exit 2."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from chainweave.cli import main
from chainweave.scenarios import load_scenario
from chainweave.validation.calibration import STUDY_FILE, calibrate

ROOT = Path(__file__).resolve().parents[1]
SPEC = {
    "name": "tiny_demography",
    "parameters": [{"path": "params.exit_hazard", "bounds": [0.0, 0.2]}],
    "moments": [{"target": "exit_rate", "weight": 1.0}],
    "size": "quick", "n_firms": 300, "seeds": 2, "trials": 8, "seed": 3,
}


def _complete_trials(folder: Path) -> int:
    db = folder / STUDY_FILE
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("select count(*) from trials where state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:  # tables not made yet, or locked for a moment
        return 0


def test_a_calibration_killed_and_restarted_ends_as_an_uninterrupted_one(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    whole = calibrate(spec, out=tmp_path / "whole", progress=False)
    assert whole.objective_after <= whole.objective_before
    own = load_scenario("yijing_jingen").params.exit_hazard
    assert whole.trials["params.exit_hazard"].iloc[0] == own  # trial 0: the scenario's value

    stopped = tmp_path / "stopped"
    command = [sys.executable, "run.py", "calibrate", str(spec), "--workers", "1", "--no-progress",
               "--out", str(stopped)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _complete_trials(stopped) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the calibration ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = _complete_trials(stopped)
    assert 3 <= done < SPEC["trials"]

    resumed = calibrate(spec, out=stopped, progress=False)
    assert resumed.manifest["trials_resumed"] == done
    pd.testing.assert_frame_equal(resumed.trials, whole.trials)
    assert resumed.best == whole.best and resumed.objective_after == whole.objective_after
    pd.testing.assert_frame_equal(resumed.moments, whole.moments)


@pytest.mark.parametrize("change, words", [
    ({"moments": [{"target": "no_such_target"}]}, "moments[0].target"),
    ({"parameters": [{"path": "params.no_such_field", "bounds": [0.0, 1.0]}]}, "params.no_such_field"),
    ({"parameters": [{"path": "params.exit_hazard", "bounds": [0.3, 0.1]}]}, "parameters.0"),
    ({"trials": 1}, "trials"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_calibration_file_gives_one_line_and_exit_2(tmp_path, capsys, change, words):
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump({**SPEC, **change}))
    out = tmp_path / "out"
    assert main(["calibrate", str(spec), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and str(spec) in err
    assert not out.exists()


def test_a_moment_the_model_cannot_measure_is_refused(tmp_path, capsys):
    """A target whose design sets a field the model does not have cannot be a moment."""
    from chainweave.validation.registry import load_registry

    bundled = yaml.safe_load(Path(load_registry.__code__.co_filename).with_name("targets.yaml").read_text())
    target = next(t for t in bundled["targets"] if t["id"] == "sua_bridge_county_knowledge")
    target = {**target, "id": "switch_of_no_field", "known_gap": True, "gap": "a test",
              "design": {**target["design"], "arms": {"alt": {"set": {"params.not_in_the_model": 0.0}}}}}
    registry = tmp_path / "registry.yaml"
    registry.write_text(yaml.safe_dump({**bundled, "targets": [target]}))
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump({**SPEC, "registry": str(registry),
                                    "moments": [{"target": "switch_of_no_field"}]}))
    out = tmp_path / "out"
    assert main(["calibrate", str(spec), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "can measure today" in err
    assert not out.exists()


def test_a_folder_holding_another_calibration_is_refused(tmp_path, capsys):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump({**SPEC, "trials": 2}))
    out = tmp_path / "out"
    assert main(["calibrate", str(spec), "--out", str(out), "--no-progress", "--workers", "1"]) == 0
    spec.write_text(yaml.safe_dump({**SPEC, "trials": 2, "seed": 4}))
    assert main(["calibrate", str(spec), "--out", str(out), "--no-progress"]) == 2
    assert "holds a different one" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["demography"])
def test_the_bundled_calibrations_name_registry_targets_and_parameters_within_their_domains(name):
    from chainweave.validation.calibration import _prepare, load_spec

    spec, source, _ = load_spec(ROOT / "chainweave" / "validation" / "calibrations" / f"{name}.yaml")
    targets = _prepare(spec, source)  # raises for an unknown target, a path or a bound out of its domain
    assert [t.id for t in targets] == [m.target for m in spec.moments]
