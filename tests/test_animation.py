"""Animation: the hierarchy map over a run's steps as a GIF (one frame per step) and an MP4."""

import pytest
from PIL import Image

from chainweave.errors import ParameterError
from chainweave.figures import animation
from chainweave.figures.animation import animate_hierarchy, has_ffmpeg
from chainweave.network import synthetic_cluster
from chainweave.simulate import simulate


@pytest.fixture(scope="module")
def run_tables():
    tables, _ = simulate(steps=4, seed=5, graph=synthetic_cluster(1, 3, 3, seed=0), n_firms=600)
    return tables


def test_gif_has_one_frame_per_step_at_the_frame_size(run_tables, tmp_path):
    paths = animate_hierarchy(run_tables["places"], run_tables["flows"], tmp_path / "map", mp4=False,
                              figsize=(8.0, 5.0), dpi=60)
    assert paths == [tmp_path / "map.gif"]
    with Image.open(paths[0]) as gif:
        assert gif.size == (480, 300)
        assert gif.n_frames == 5
        first = gif.convert("RGB").tobytes()
        gif.seek(4)
        assert gif.convert("RGB").tobytes() != first, "frames differ from step to step"
    assert not list(tmp_path.glob(".*")), "no temporary files left behind"


def test_animation_without_flows_and_of_one_chain(run_tables, tmp_path):
    assert animate_hierarchy(run_tables["places"], None, tmp_path / "a", mp4=False, dpi=40)[0].exists()
    assert animate_hierarchy(run_tables["places"], run_tables["flows"], tmp_path / "b", chain="service",
                             layout="map", mp4=False, dpi=40)[0].exists()


@pytest.mark.skipif(not has_ffmpeg(), reason="ffmpeg is not on the PATH")
def test_mp4_is_written_when_ffmpeg_is_present(run_tables, tmp_path):
    paths = animate_hierarchy(run_tables["places"], run_tables["flows"], tmp_path / "map", dpi=40)
    assert [p.suffix for p in paths] == [".gif", ".mp4"]
    assert paths[1].read_bytes()[4:8] == b"ftyp"


def test_mp4_without_ffmpeg_and_bad_rates_raise_parameter_errors(run_tables, tmp_path, monkeypatch):
    monkeypatch.setattr(animation.shutil, "which", lambda name: None)
    assert not has_ffmpeg()
    with pytest.raises(ParameterError, match="mp4"):
        animate_hierarchy(run_tables["places"], run_tables["flows"], tmp_path / "m", mp4=True)
    with pytest.raises(ParameterError, match="fps"):
        animate_hierarchy(run_tables["places"], run_tables["flows"], tmp_path / "m", fps=0)
    # With ffmpeg absent, the default writes the GIF alone.
    written = animate_hierarchy(run_tables["places"], None, tmp_path / "m", dpi=30)
    assert [p.suffix for p in written] == [".gif"]
