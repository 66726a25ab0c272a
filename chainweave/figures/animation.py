"""The hierarchy map over the steps of a run, as a GIF (and an MP4 where ffmpeg is installed).

Every frame is `chainweave.figures.hierarchy.draw_hierarchy` for one step, on scales fixed over
the whole run (node sizes, edge widths, the D colour scale), so that what changes between
frames is the model and not the axes. Files are rendered to a temporary folder and then written
atomically, like the figures.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

from chainweave.errors import ParameterError
from chainweave.figures.hierarchy import draw_hierarchy, hierarchy_axes, hierarchy_scale
from chainweave.figures.style import STYLE, Layout, require_columns, require_one_run, selected_chains
from chainweave.results import atomic_write_bytes

ANIMATION_DPI = 80
"""Resolution of animation frames: a 10 x 6.5 inch map gives 800 x 520 pixel frames."""


def has_ffmpeg() -> bool:
    """Returns whether an ``ffmpeg`` executable is on the PATH (needed for MP4)."""
    return shutil.which("ffmpeg") is not None


def animate_hierarchy(
    places: pd.DataFrame,
    flows: pd.DataFrame | None,
    stem: str | Path,
    chain: str | Sequence[str] = "all",
    layout: Layout = "tier",
    size_by: str = "population",
    fps: float = 2.0,
    mp4: bool | None = None,
    dpi: float = ANIMATION_DPI,
    figsize: tuple[float, float] = (10.0, 6.5),
) -> list[Path]:
    """Writes the hierarchy map of every step as ``stem.gif`` (and ``stem.mp4``); returns the paths.

    Args:
        places: Places table of one run.
        flows: Flows table of the same run, or None to animate places only.
        stem: Output path without suffix.
        chain: ``"all"``, a chain name or a list of chain names whose flows to draw.
        layout: ``"tier"`` rows or ``"map"`` coordinates.
        size_by: ``"population"`` (persons) or ``"output"`` (M yuan/yr) for node area.
        fps: Frames (steps) per second, > 0.
        mp4: Whether to write an MP4 too; default: when ffmpeg is on the PATH. True without
            ffmpeg raises `ParameterError`.
        dpi: Resolution of the frames (pixels per inch).
        figsize: Frame size in inches.
    """
    require_columns(places, "places", ["step", "place", "place_name", "tier", "D", size_by])
    require_one_run(places, "places")
    if not fps > 0:
        raise ParameterError("fps", fps, "a number of frames per second > 0")
    if mp4 and not has_ffmpeg():
        raise ParameterError("mp4", mp4, "False, or ffmpeg installed on the PATH")
    mp4 = has_ffmpeg() if mp4 is None else mp4
    chosen = selected_chains(chain)
    stem = Path(stem)
    steps = sorted(int(s) for s in places["step"].unique())
    scale = hierarchy_scale(places, flows, size_by)
    written = []
    with mpl.rc_context(STYLE), tempfile.TemporaryDirectory(prefix=".animation.") as tmp:
        fig, ax = hierarchy_axes(chosen if flows is not None else (), scale, figsize)

        def frame(step: int) -> list:
            ax.clear()
            draw_hierarchy(ax, places, flows, step, chosen, layout, None, scale)
            return []

        movie = FuncAnimation(fig, frame, frames=steps, blit=False, repeat=False)
        writers = [("gif", PillowWriter(fps=fps))]
        if mp4:
            writers.append(("mp4", FFMpegWriter(fps=fps, codec="libx264",
                                                extra_args=["-pix_fmt", "yuv420p"])))
        for suffix, writer in writers:
            tmp_path = Path(tmp) / f"frames.{suffix}"
            movie.save(tmp_path, writer=writer, dpi=dpi)
            path = stem.with_name(f"{stem.name}.{suffix}")
            atomic_write_bytes(path, tmp_path.read_bytes())
            written.append(path)
    return written
