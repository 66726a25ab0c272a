"""The command line: thin subcommands over the package's public functions.

Every bad argument or input ends in one line on standard error naming the field, the value
and what was expected, with exit code 2 and no traceback. The same flags mean the same thing
in every subcommand: ``--scenario``, ``--seed``, ``--steps``, ``--out``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import NoReturn

import pandas as pd

from chainweave.comparison import compare, format_ranking
from chainweave.errors import ParameterError
from chainweave.network import Tier
from chainweave.results import write_results
from chainweave.scenarios import Scenario, load_scenario

DEFAULT_SCENARIO = "yijing_jingen"
"""The scenario every subcommand uses unless told otherwise."""


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


def add_common_flags(parser: argparse.ArgumentParser) -> None:
    """Adds --scenario, --seed, --steps and --out, which mean the same in every subcommand."""
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help=f"bundled scenario name or YAML file (default {DEFAULT_SCENARIO})")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    parser.add_argument("--steps", type=int, default=None,
                        help="years to run (default: the scenario's horizon)")
    parser.add_argument("--out", default="results", help="output folder (default results/)")


def _scenario(args: argparse.Namespace) -> Scenario:
    """Returns the scenario of --scenario with the --set values applied."""
    scenario = load_scenario(args.scenario)
    values = {}
    for text in getattr(args, "set", []):
        name, value = _parse_override(text)
        values[name if "." in name else f"params.{name}"] = value
    return scenario.with_values(values) if values else scenario


def _check_steps(steps: int | None, low: int = 0) -> None:
    if steps is not None and steps < low:
        raise ParameterError("--steps", steps, f"a whole number >= {low}")


def cmd_run(args: argparse.Namespace) -> int:
    """Runs one model of a scenario and writes places, flows and cluster tables to --out."""
    _check_steps(args.steps)
    scenario = _scenario(args)
    started = time.perf_counter()
    tables, manifest = scenario.run(seed=args.seed, steps=args.steps)
    manifest["wall_seconds"] = time.perf_counter() - started
    out = write_results(args.out, tables, manifest)
    print(summary(tables["cluster"]))
    print(f"\n{scenario.name}: {manifest['places']} places, {manifest['firms_final']} firms at the end; "
          f"{manifest['steps']} steps in {manifest['wall_seconds']:.1f} s; tables in {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compares the scenario's policies with its baseline; prints the ranking, writes results."""
    _check_steps(args.steps, 1)
    scenario = _scenario(args)
    variants = [v.strip() for v in args.policies.split(",") if v.strip()] if args.policies else None
    result = compare(scenario, variants=variants, replications=args.replications, steps=args.steps,
                     seed=args.seed, workers=args.workers)
    out = result.write(args.out)
    m = result.manifest
    print(format_ranking(result.ranking, m["replications"], m["steps"], m["confidence"]))
    figures = []
    if not args.no_figures:
        from chainweave.plotting import plot_results  # imports matplotlib: only when figures are drawn

        figures = plot_results(out)
    print(f"\n{scenario.name}: {len(m['variants'])} variants x {m['replications']} replications in "
          f"{m['wall_seconds']:.1f} s; tables in {out}/"
          + (f", {len(figures)} figure files in {out}/figures/" if figures else ""))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Checks a scenario file and prints what it resolves to (exit 2 and one line if bad)."""
    scenario = _scenario(args)
    net = scenario.network
    tiers = {t.name.lower(): int((net.tier == t).sum()) for t in Tier}
    print(f"{scenario.source}: scenario {scenario.name!r} is valid: {net.n} places "
          f"({', '.join(f'{v} {k}' for k, v in tiers.items())}), {scenario.params.n_firms} firms, "
          f"{scenario.horizon} years, seed {scenario.seed}, policies: "
          f"{', '.join(scenario.policy_names()) or 'none'}; compares: "
          f"{', '.join(name for name, _ in scenario.variants()[1:]) or 'nothing'}")
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
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="set a scenario field, e.g. rd_subsidy_share=0.05 (a model parameter) "
                             "or policies.rd_subsidy.extra_share=0.05 (repeatable)")


def _compare_arguments(parser: argparse.ArgumentParser) -> None:
    _run_arguments(parser)
    parser.add_argument("--policies", default=None,
                        help="comma-separated policies to compare (default: the scenario's list)")
    parser.add_argument("--replications", type=int, default=None,
                        help="runs per variant (default: the scenario's)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="parallel processes (default: up to 2)")
    parser.add_argument("--no-figures", action="store_true",
                        help="write tables only (figures: run.py plot DIR later)")


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="bundled scenario name or YAML file")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="set a scenario field before checking (repeatable)")


SUBCOMMANDS["run"] = ("run one simulation and write its tables", _run_arguments, cmd_run)
SUBCOMMANDS["compare"] = ("compare policies with the baseline (the default command)",
                          _compare_arguments, cmd_compare)
SUBCOMMANDS["validate"] = ("check a scenario file", _validate_arguments, cmd_validate)


def build_parser() -> argparse.ArgumentParser:
    """Returns the argument parser with every registered subcommand."""
    parser = _Parser(prog="run.py", description="chainweave: city-cluster simulation")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, (help_text, add_arguments, handler) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(handler=handler)
    return parser


DEFAULT_COMMAND: list[str] = ["compare"]
"""What ``python run.py`` runs with no arguments, or with options only (``run.py --out DIR``)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code (2 for bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
            argv = DEFAULT_COMMAND + argv
        args = build_parser().parse_args(argv)
        if not getattr(args, "handler", None):
            raise ArgumentError("a subcommand is required: " + ", ".join(SUBCOMMANDS))
        return args.handler(args)
    except (ArgumentError, ParameterError) as err:
        print(f"run.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("run.py: interrupted", file=sys.stderr)
        return 130
import chainweave.plot_command  # noqa: E402,F401  (registers the plot and dashboard subcommands)
import chainweave.sweeps.command  # noqa: E402,F401  (registers the sweep subcommand)
import chainweave.validation.command  # noqa: E402,F401  (registers the validation and calibrate subcommands)
