"""The ``plot`` and ``dashboard`` subcommands of ``run.py`` (listed in `chainweave.cli.SUBCOMMANDS`).

``python run.py plot RESULTS_DIR`` draws every figure of a run, comparison or sweep folder
(`chainweave.figures.results.plot_results`); ``python run.py dashboard`` serves the interactive page
on localhost (`chainweave.viz.serve.serve_dashboard`). Both load matplotlib or Solara only when
run, so that the other subcommands start quickly.
"""

from __future__ import annotations

import argparse

from chainweave.arguments import seed_value, whole_number
from chainweave.cli import DEFAULT_SCENARIO
from chainweave.errors import ParameterError
from chainweave.outputs import check_output_folder


def cmd_plot(args: argparse.Namespace) -> int:
    """Draws the figures of a result folder and says where they are."""
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    for fmt in formats:
        if fmt not in ("png", "svg", "pdf"):
            raise ParameterError("--formats", args.formats, "png, svg and/or pdf, comma-separated")
    if args.out is not None:
        check_output_folder(args.out, subfolders=())
    from chainweave.figures.results import plot_results

    written = plot_results(args.results_dir, args.out, animate=args.animate, formats=formats)
    folders = sorted({str(p.parent) for p in written})
    print(f"{len(written)} files in {', '.join(folders) or 'nothing written'}/")
    return 0


def plot_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the arguments of ``plot``: the folder, --out, --formats, --animate."""
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="folder written by run, compare or sweep")
    parser.add_argument("--out", default=None, help="folder for the figures (default RESULTS_DIR/figures/)")
    parser.add_argument("--formats", default="png,svg", help="image formats (default png,svg)")
    parser.add_argument("--animate", action="store_true",
                        help="also write the hierarchy map over the steps as GIF (and MP4 with ffmpeg)")


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serves the dashboard on localhost until interrupted."""
    from chainweave.viz.serve import serve_dashboard

    return serve_dashboard(args.scenario, seed=args.seed, host=args.host, port=args.port,
                           open_browser=args.open)


def dashboard_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the arguments of ``dashboard``: --scenario, --seed, --port, --host, --open."""
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help=f"scenario the page opens with (default {DEFAULT_SCENARIO})")
    parser.add_argument("--seed", type=seed_value, default=1, help="seed the page opens with (default 1)")
    parser.add_argument("--port", type=whole_number(1, 65535), default=8765,
                        help="port on localhost (default 8765)")
    parser.add_argument("--host", default="localhost", help="interface to listen on (default localhost)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")

