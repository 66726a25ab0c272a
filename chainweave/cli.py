"""The command line: thin subcommands over the package's public functions.

Every bad argument or input ends in one line on standard error naming the field, the value
and what was expected, with exit code 2 and no traceback. The same flags mean the same thing
in every subcommand: ``--scenario``, ``--seed``, ``--steps``, ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import NoReturn

import pandas as pd

from chainweave.errors import ParameterError
from chainweave.results import write_results
from chainweave.simulate import simulate


class ArgumentError(Exception):
    """A command-line argument that argparse rejected."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ArgumentError(message)


def _parse_override(text: str) -> tuple[str, object]:
    """Returns (name, value) from ``name=value``; the value is parsed as a number if it is one."""
    if "=" not in text:
        raise ParameterError("--set", text, "name=value, e.g. rd_subsidy_share=0.1")
    name, raw = text.split("=", 1)
    for cast in (int, float):
        try:
            return name.strip(), cast(raw)
        except ValueError:
            continue
    if raw.startswith("(") or "," in raw:
        try:
            return name.strip(), tuple(float(x) for x in raw.strip("()").split(","))
        except ValueError:
            pass
    return name.strip(), raw


def add_common_flags(parser: argparse.ArgumentParser, steps: int = 30) -> None:
    """Adds --seed, --steps and --out, which mean the same in every subcommand."""
    parser.add_argument("--seed", type=int, default=1, help="seed of the run (default 1)")
    parser.add_argument("--steps", type=int, default=steps, help=f"years to run (default {steps})")
    parser.add_argument("--out", default="results", help="output folder (default results/)")


def cmd_run(args: argparse.Namespace) -> int:
    """Runs one model and writes places, flows and cluster tables to --out."""
    if args.steps < 0:
        raise ParameterError("--steps", args.steps, "a whole number >= 0")
    overrides = dict(_parse_override(s) for s in args.set)
    started = time.perf_counter()
    tables, manifest = simulate(steps=args.steps, seed=args.seed, **overrides)
    manifest["wall_seconds"] = time.perf_counter() - started
    out = write_results(args.out, tables, manifest)
    print(summary(tables["cluster"]))
    print(f"\n{manifest['places']} places, {manifest['firms_final']} firms at the end; "
          f"{args.steps} steps in {manifest['wall_seconds']:.1f} s; tables in {out}/")
    return 0


def summary(cluster: pd.DataFrame) -> str:
    """Returns a short text table of the cluster at the first and last step."""
    columns = {"D": "D", "C": "C", "T": "T", "D_core": "D core", "D_secondary": "D secondary",
               "D_county": "D county", "population": "population (M)",
               "value_added": "value added (bn yuan)", "emissions": "emissions (Mt CO2)",
               "patents": "patents", "firms": "firms"}
    rows = cluster.iloc[[0, -1]][list(columns)].copy()
    rows["population"] /= 1e6
    rows["value_added"] /= 1e3
    rows["emissions"] /= 1e6
    rows.index = [f"step {int(s)}" for s in cluster["step"].iloc[[0, -1]]]
    return rows.rename(columns=columns).T.to_string(float_format=lambda v: f"{v:,.3f}")


SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                             Callable[[argparse.Namespace], int]]] = {}
"""name -> (help, add_arguments, handler); modules register their subcommands here."""


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_flags(parser)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a model parameter (repeatable)")


SUBCOMMANDS["run"] = ("run one simulation and write its tables", _run_arguments, cmd_run)


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser with every registered subcommand."""
    parser = _Parser(prog="run.py", description="chainweave: city-cluster simulation")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, (help_text, add_arguments, handler) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(handler=handler)
    return parser


DEFAULT_COMMAND: list[str] = ["run"]
"""What ``python run.py`` with no arguments runs."""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code (2 for bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv or DEFAULT_COMMAND)
        if not getattr(args, "handler", None):
            raise ArgumentError("a subcommand is required: " + ", ".join(SUBCOMMANDS))
        return args.handler(args)
    except (ArgumentError, ParameterError) as err:
        print(f"run.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("run.py: interrupted", file=sys.stderr)
        return 130
