"""Sweeps that survive failing runs and damaged part files; outputs never written through
symlinks; a place network too large for memory refused before it is built."""

import math
import shutil

import pandas as pd
import pytest

from chainweave.cli import main
from chainweave.errors import ParameterError
from chainweave.network import check_pair_memory
from chainweave.outputs import output_subfolder
from chainweave.sweeps import sweep
from chainweave.sweeps.store import DAMAGED

TINY = ("name: tiny\nplaces: {synthetic: {n_cores: 1, n_secondary: 1, n_counties: 1}}\n"
        "params: {n_firms: 300}\nhorizon: 2\n")
ISHIGAMI = {"name": "ishigami", "base": "analytic:ishigami",
            "parameters": [{"path": f"x{i}", "bounds": [-math.pi, math.pi]} for i in (1, 2, 3)],
            "outputs": [{"metric": "y"}], "seed": 3}


class FailsAbove:
    """The Ishigami function, failing (or giving NaN) where x1 is above a threshold."""

    def __init__(self, threshold: float, nan: bool = False) -> None:
        self.threshold, self.nan = threshold, nan

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        x1, x2, x3 = values["x1"], values["x2"], values["x3"]
        if x1 > self.threshold:
            if self.nan:
                return {"y": math.nan}
            raise ZeroDivisionError("model blew up\nsecond line of the message")
        return {"y": math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3 ** 4 * math.sin(x1)}


def test_a_sweep_with_failing_model_runs_finishes_and_records_them(tmp_path, capsys, monkeypatch):
    """Model runs that raise are rows with status 'failed', and the sweep goes on.

    The parameter domain admits no failing point, so the model is made to fail where the
    participation rate is low (the sweep runs in this process, where the patch applies).
    """
    from chainweave.model import ClusterModel

    real_step = ClusterModel.step

    def step(model):
        if model.params.participation_rate < 0.3:
            raise ZeroDivisionError("model blew up\nsecond line of the message")
        real_step(model)

    monkeypatch.setattr(ClusterModel, "step", step)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY)
    spec = tmp_path / "failing.yaml"
    spec.write_text("name: failing\nbase: tiny.yaml\nparameters:\n"
                    "  - {path: params.participation_rate, levels: [0.25, 0.5]}\n"
                    "design: {method: grid}\nreplications: 2\noutputs: [{metric: D}]\n")
    assert main(["sweep", str(spec), "--out", "out", "--workers", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    warning = [line for line in err.splitlines() if line.startswith("run.py: warning:")]
    assert len(warning) == 1 and "2 of 4 runs failed (run ids 0, 1)" in warning[0]
    assert "out/runs.csv" in warning[0]
    runs = pd.read_parquet(tmp_path / "out/runs.parquet")
    assert list(runs["status"]) == ["failed", "failed", "ok", "ok"]
    failed = runs[runs["status"] == "failed"]
    assert (failed["participation_rate"] == 0.25).all() and failed["seed"].gt(0).all()
    assert failed["D_final"].isna().all() and runs.loc[runs["status"] == "ok", "D_final"].notna().all()
    assert all(e and "\n" not in e for e in failed["error"])
    assert (runs.loc[runs["status"] == "ok", "error"] == "").all()


def test_failed_runs_give_sobol_no_indices_and_morris_indices_from_whole_trajectories(tmp_path):
    spec = ISHIGAMI | {"design": {"method": "sobol", "samples": 16}}
    result = sweep(spec, target=FailsAbove(2.5), out=tmp_path / "sobol", progress=False)
    m = result.manifest
    assert result.indices is None and m["runs_failed"] > 0
    assert "Sobol' indices not computed" in m["indices_note"]
    assert not (tmp_path / "sobol/indices.parquet").exists()
    errors = result.runs.loc[result.runs["status"] == "failed", "error"]
    assert (errors == "ZeroDivisionError: model blew up").all()

    spec = ISHIGAMI | {"design": {"method": "morris", "samples": 12, "levels": 4}}
    result = sweep(spec, target=FailsAbove(2.5, nan=True), out=tmp_path / "morris", progress=False)
    m = result.manifest
    assert m["runs_failed"] > 0 and result.indices is not None
    assert result.indices["mu_star"].notna().all()
    assert "Morris indices from" in m["indices_note"] and "trajectories left out" in m["indices_note"]
    errors = result.runs.loc[result.runs["status"] == "failed", "error"]
    assert (errors == "output y is nan (not finite)").all()


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_a_damaged_part_file_is_set_aside_and_its_runs_done_again(tmp_path, capsys, damage):
    spec = ISHIGAMI | {"design": {"method": "lhs", "samples": 12}, "batch_size": 4}
    out = tmp_path / "out"
    whole = sweep(spec, out=out, progress=False).runs
    parts = sorted((out / "parts").glob("part-*.parquet"))
    assert len(parts) == 3
    original = parts[1].read_bytes()
    parts[1].write_bytes(original[: len(original) // 2] if damage == "truncated" else b"")
    kept = parts[1].read_bytes()
    capsys.readouterr()
    resumed = sweep(spec, out=out, progress=False)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and parts[1].name in err[0] and "set aside" in err[0], err
    aside = parts[1].with_name(parts[1].name + DAMAGED)
    assert aside.read_bytes() == kept and not parts[1].exists()
    assert resumed.manifest["runs_this_session"] == 4
    pd.testing.assert_frame_equal(resumed.runs, whole)


def test_a_symlinked_parts_folder_is_refused_and_nothing_outside_is_deleted(tmp_path, capsys):
    spec = ISHIGAMI | {"design": {"method": "lhs", "samples": 4}}
    out = tmp_path / "out"
    sweep(spec, out=out, progress=False)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / ".part-keep").write_text("not the sweep's")
    shutil.rmtree(out / "parts")
    (out / "parts").symlink_to(outside)
    with pytest.raises(ParameterError, match="symlink"):
        sweep(spec, out=out, progress=False)
    assert (outside / ".part-keep").read_text() == "not the sweep's"


def test_output_folders_with_symlinked_figures_are_refused_before_any_work(tmp_path, capsys):
    (tmp_path / "tiny.yaml").write_text(TINY)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "figures").symlink_to(outside)
    for command in ("run", "compare"):
        assert main([command, "--scenario", str(tmp_path / "tiny.yaml"), "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "symlink" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["figures"] and not any(outside.iterdir())
    with pytest.raises(ParameterError, match="symlink"):
        output_subfolder(out, "figures")


def test_sweep_results_are_relative_to_the_sweep_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sub = tmp_path / "studies"
    sub.mkdir()
    spec = sub / "relative.yaml"
    spec.write_text("name: relative\nbase: analytic:ishigami\nparameters: [{path: x1, bounds: [0, 1]}]\n"
                    "fixed: {x2: 0.5, x3: 0.5}\n"
                    "design: {method: lhs, samples: 2}\noutputs: [{metric: y}]\nresults: here\n")
    assert sweep(spec, progress=False).folder == sub / "here"
    assert (sub / "here/manifest.json").is_file() and not (tmp_path / "here").exists()


def test_pair_arrays_that_would_not_fit_are_refused_with_the_estimate(tmp_path, capsys, monkeypatch):
    with pytest.raises(ParameterError, match="25,000,000 place pairs") as err:
        check_pair_memory(5_001, 25_000_000, 9, 829.0, available=8 * 2**30)
    assert "kernel_decay_km" in str(err.value) and "GB" in str(err.value)
    assert check_pair_memory(29, 800, 9, 829.0, available=8 * 2**30) == 800 * (80 + 30 * 9)
    monkeypatch.setattr("chainweave.network.available_memory_bytes", lambda: 1_000)
    assert main(["validate", "synthetic", "--set", "n_firms=1"]) == 2
    line = capsys.readouterr().err.strip().splitlines()
    assert len(line) == 1 and "place pairs within" in line[0] and "fewer places" in line[0]


def test_a_firm_table_that_would_not_fit_is_refused(capsys, monkeypatch):
    monkeypatch.setattr("chainweave.scenarios.scenario.available_memory_bytes", lambda: 10 * 2**20)
    assert main(["validate", "synthetic", "--set", "n_firms=100000"]) == 2
    line = capsys.readouterr().err.strip().splitlines()
    assert len(line) == 1 and "params.n_firms: got 100000; expected at most 19,972 firms" in line[0]
