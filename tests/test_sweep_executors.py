"""Executors: a sweep gives identical results in-process, on a local pool and on Dask; runs of
a Dask worker that died are retried."""

import os
import uuid
from pathlib import Path

import dask
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from chainweave.sweeps import IshigamiTarget, sweep

SPEC = {
    "name": "small",
    "base": "yijing_jingen",
    "policies": ["rd_subsidy", "collaboration"],
    "fixed": {"params.n_firms": 400, "horizon": 4},
    "parameters": [{"path": "policies.rd_subsidy.extra_share", "bounds": [0.0, 0.1]},
                   {"path": "policies.collaboration.level", "bounds": [0.0, 1.0]},
                   {"path": "params.kernel_decay_km", "bounds": [40.0, 240.0]}],
    "design": {"method": "lhs", "samples": 24},
    "replications": 2,
    "seed": 5,
    "outputs": [{"metric": "D"}, {"metric": "D", "scope": "county", "steps": [2, "final"]},
                {"metric": "patents", "scope": "secondary"}, {"metric": "population", "scope": "Yichang"}],
    "batch_size": 8,
}


@pytest.fixture(scope="module")
def local_runs(tmp_path_factory):
    """The sweep on a local pool of 2 processes (48 runs)."""
    return sweep(SPEC, workers=2, out=tmp_path_factory.mktemp("pool") / "out", progress=False).runs


def test_a_local_pool_gives_the_same_table_as_one_process(local_runs, tmp_path):
    one = sweep(SPEC, workers=1, out=tmp_path / "one", progress=False).runs
    assert len(one) == 48 and one["run_id"].tolist() == list(range(48))
    pd.testing.assert_frame_equal(one, local_runs, check_exact=True)


def test_a_dask_cluster_gives_the_same_table_as_the_local_pool(local_runs, tmp_path):
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client, pytest.warns(RuntimeWarning, match="MALLOC_TRIM_THRESHOLD_"):
        result = sweep(SPEC, executor=client, out=tmp_path / "dask", progress=False)
    runs = result.runs.sort_values("run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(runs, local_runs.sort_values("run_id").reset_index(drop=True),
                                  check_exact=True)
    assert result.manifest["executor"].startswith("Dask cluster at tcp://")
    assert runs["seed"].nunique() == 48 and runs.groupby("point")["replicate"].nunique().eq(2).all()


class CrashingTarget:
    """Kills its worker process the first ``crashes`` times it is evaluated (marker files count)."""

    def __init__(self, markers: Path, crashes: int) -> None:
        self.markers, self.crashes, self.inner = markers, crashes, IshigamiTarget()

    def evaluate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        if len(list(self.markers.iterdir())) < self.crashes:
            (self.markers / uuid.uuid4().hex).touch()
            os._exit(1)
        return self.inner.evaluate(values, seed)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_runs_of_a_dask_worker_that_died_are_retried(tmp_path, monkeypatch):
    from distributed.scheduler import KilledWorker

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)  # a nanny of this process set it

    spec = {"name": "crash", "base": "analytic:ishigami",
            "parameters": [{"path": f"x{i}", "bounds": [-3.0, 3.0]} for i in (1, 2, 3)],
            "design": {"method": "lhs", "samples": 40}, "outputs": [{"metric": "y"}], "batch_size": 5}
    expected = sweep(spec, out=tmp_path / "plain", progress=False).runs
    markers = tmp_path / "markers"
    markers.mkdir()
    out = tmp_path / "crash"
    # No reschedules by the scheduler itself: a worker's death reaches the sweep as KilledWorker.
    # Workers without Dask's malloc trimming: no slowness warning.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}), \
            LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        with pytest.raises(KilledWorker):
            sweep(spec, executor=client, out=out, progress=False, retries=0,
                  target=CrashingTarget(markers, crashes=1))
        result = sweep(spec, executor=client, out=out, progress=False, retries=3,
                       target=CrashingTarget(markers, crashes=3))
    assert len(list(markers.iterdir())) == 3
    pd.testing.assert_frame_equal(result.runs, expected, check_exact=True)
