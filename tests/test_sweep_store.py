"""Crash safety: a sweep killed with SIGKILL or stopped with Ctrl-C resumes without losing or
repeating a run; part files are whole; repeated run ids are dropped on reading; one writer."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.sweeps import sweep
from chainweave.sweeps.store import RunStore

ROOT = Path(__file__).resolve().parents[1]
SPEC = {
    "name": "resumable",
    "base": "yijing_jingen",
    "fixed": {"params.n_firms": 300, "horizon": 3},
    "parameters": [{"path": "params.kernel_decay_km", "bounds": [40.0, 240.0]},
                   {"path": "params.rd_subsidy_share", "bounds": [0.0, 0.1]}],
    "design": {"method": "lhs", "samples": 40},
    "replications": 2,
    "seed": 9,
    "outputs": [{"metric": "D"}, {"metric": "patents", "scope": "county"}],
    "batch_size": 4,
}
RUNS = 80


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The folder of the sweep run without interruption, in this process."""
    return sweep(SPEC, out=tmp_path_factory.mktemp("whole") / "out", progress=False).folder


@pytest.fixture(scope="module")
def uninterrupted(finished):
    """The runs table of the sweep run without interruption."""
    return pd.read_parquet(finished / "runs.parquet")


def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "resumable.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


def start_sweep(spec: Path, out: Path) -> subprocess.Popen:
    argv = ["run.py", "sweep", str(spec), "--out", str(out), "--workers", "2", "--no-figures",
            "--no-progress"]
    return subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for_parts(out: Path, count: int, proc: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while len(list((out / "parts").glob("part-*.parquet"))) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no part files appeared"
        time.sleep(0.02)


def raw_parts(out: Path) -> pd.DataFrame:
    """Every row of every part file, repeats included."""
    return pd.concat([pd.read_parquet(p) for p in sorted((out / "parts").glob("part-*.parquet"))],
                     ignore_index=True)


def test_a_sweep_killed_with_sigkill_resumes_without_losing_or_repeating_runs(tmp_path, uninterrupted):
    spec, out = spec_file(tmp_path), tmp_path / "out"
    proc = start_sweep(spec, out)
    wait_for_parts(out, 2, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    stored = raw_parts(out)
    assert 0 < len(stored) < RUNS and stored["run_id"].is_unique
    assert not (out / "manifest.json").exists()

    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    every = raw_parts(out)
    assert sorted(every["run_id"]) == list(range(RUNS))  # each run exactly once, none repeated
    runs = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(runs, uninterrupted, check_exact=True)
    manifest = yaml.safe_load((out / "manifest.json").read_text())
    assert manifest["runs_resumed"] == len(stored) and manifest["runs_this_session"] == RUNS - len(stored)


def test_ctrl_c_stores_finished_runs_and_says_how_to_resume(tmp_path, uninterrupted):
    spec, out = spec_file(tmp_path), tmp_path / "out"
    proc = start_sweep(spec, out)
    wait_for_parts(out, 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "runs stored in" in err and "resumes" in err
    stored = raw_parts(out)
    assert stored["run_id"].is_unique and len(stored) < RUNS
    result = sweep(spec, out=out, progress=False)
    pd.testing.assert_frame_equal(result.runs, uninterrupted, check_exact=True)
    assert sorted(raw_parts(out)["run_id"]) == list(range(RUNS))


def test_a_finished_sweep_run_again_runs_nothing_and_gives_the_same_table(tmp_path, finished, uninterrupted):
    out = shutil.copytree(finished, tmp_path / "out")
    again = sweep(SPEC, out=out, progress=False)
    assert again.manifest["runs_this_session"] == 0 and again.manifest["runs_resumed"] == RUNS
    pd.testing.assert_frame_equal(again.runs, uninterrupted, check_exact=True)


def test_repeated_run_ids_are_read_once(tmp_path, finished, uninterrupted):
    out = shutil.copytree(finished, tmp_path / "out")
    part = sorted((out / "parts").glob("part-*.parquet"))[0]
    shutil.copy(part, out / "parts" / "part-999999-copy.parquet")
    assert len(raw_parts(out)) == RUNS + len(pd.read_parquet(part))
    store = RunStore(out, "unused")
    pd.testing.assert_frame_equal(store.read(), uninterrupted, check_exact=True)


def test_leftover_temporary_files_are_ignored_and_removed(tmp_path, finished, uninterrupted):
    out = shutil.copytree(finished, tmp_path / "out")
    (out / "manifest.json").unlink()
    last = sorted((out / "parts").glob("part-*.parquet"))[-1]
    last.unlink()  # as if killed while writing it
    half_written = out / "parts" / ".part-000100-dead.parquet.x1y2"
    half_written.write_bytes(b"PAR1 truncated")
    result = sweep(SPEC, out=out, progress=False)
    assert not half_written.exists()
    assert result.manifest["runs_this_session"] == SPEC["batch_size"]
    pd.testing.assert_frame_equal(result.runs, uninterrupted, check_exact=True)


def test_another_sweep_in_the_folder_or_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "out"
    sweep({**SPEC, "design": {"method": "lhs", "samples": 2}}, out=out, progress=False)
    with pytest.raises(ParameterError, match="holds sweep 'resumable' with other settings"):
        sweep({**SPEC, "design": {"method": "lhs", "samples": 3}}, out=out, progress=False)
    holder = RunStore(out, yaml.safe_load((out / "sweep.json").read_text())["fingerprint"])
    holder.open({})
    try:
        with pytest.raises(ParameterError, match="no other sweep is writing"):
            sweep({**SPEC, "design": {"method": "lhs", "samples": 2}}, out=out, progress=False)
    finally:
        holder.close()
