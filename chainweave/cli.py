"""The command line: thin subcommands over the package's public functions.

Every bad argument or input ends in one line on standard error naming the field, the value
and what was expected, with exit code 2 and no traceback; an unknown subcommand, option or
``--set`` name comes with a did-you-mean suggestion. The same flags mean the same thing in
every subcommand: ``--scenario``, ``--seed``, ``--steps``, ``--out``. ``run.py``,
``python -m chainweave`` and the ``chainweave`` console script all call `main`.

Subcommands are assembled lazily from the table `SUBCOMMANDS`, so that ``--help``,
``--version`` and argument errors answer in well under a second: only the module of the
subcommand being run is imported, and handlers import the model, pandas or matplotlib inside
the function. A module adds its subcommand with one line in the table below, naming its two
functions as ``"module:function"`` strings::

    "calibrate": ("fit parameters to data", "chainweave.scenarios.calibrate_command:add_arguments",
                  "chainweave.scenarios.calibrate_command:cmd_calibrate"),

(the arguments function takes the subcommand's `argparse.ArgumentParser`; the handler takes the
parsed `argparse.Namespace` and returns the exit code). Callables work in place of the strings
too, so a module that still does ``SUBCOMMANDS["x"] = (help, add_arguments, handler)`` when
imported keeps working, but it must then be imported before `main` runs, which costs start-up
time.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, NoReturn

from chainweave import __version__
from chainweave.arguments import seed_value, steps_value, whole_number
from chainweave.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_SCENARIO = "yijing_jingen"
"""The scenario every subcommand uses unless told otherwise."""


class ArgumentError(Exception):
    """A command-line argument that argparse rejected."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ArgumentError(message)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Returns ``"; did you mean 'x'?"`` for the choice closest to ``word``, or ``""`` if none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def add_common_flags(parser: argparse.ArgumentParser) -> None:
    """Adds --scenario, --seed, --steps and --out, which mean the same in every subcommand."""
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help=f"bundled scenario name or YAML file (default {DEFAULT_SCENARIO})")
    parser.add_argument("--seed", type=seed_value, default=None, help="seed (default: the scenario's)")
    parser.add_argument("--steps", type=steps_value, default=None,
                        help="years to run (default: the scenario's horizon)")
    parser.add_argument("--out", default="results", help="output folder (default results/)")


def _check_steps(steps: int | None, low: int = 0) -> None:
    if steps is not None and steps < low:
        raise ParameterError("--steps", steps, f"a whole number >= {low}")


def _names(text: str | None) -> list[str]:
    """Returns the names of a comma-separated option value (empty for None)."""
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def cmd_run(args: argparse.Namespace) -> int:
    """Runs one model of a scenario and writes places, flows and cluster tables to --out."""
    from chainweave.overrides import scenario_from_arguments

    _check_steps(args.steps)
    scenario = scenario_from_arguments(args.scenario, args.set, add_policies=_names(args.policy),
                                       systems=args.systems)
    from chainweave.outputs import check_output_folder
    from chainweave.results import write_results

    check_output_folder(args.out)

    started = time.perf_counter()
    tables, manifest = scenario.run(seed=args.seed, steps=args.steps)
    manifest["wall_seconds"] = time.perf_counter() - started
    out = write_results(args.out, tables, manifest)
    print(summary(tables["cluster"]))
    cluster = tables["cluster"]
    for system in scenario.systems[1:]:
        d = cluster[f"{system.name}_D"]
        print(f"{system.name} ({system.coupling}): D {d.iloc[0]:.3f} at step {int(cluster['step'].iloc[0])}, "
              f"{d.iloc[-1]:.3f} at step {int(cluster['step'].iloc[-1])}")
    print(f"\n{scenario.name}: {manifest['places']} places, {manifest['firms_final']} firms at the end; "
          f"{manifest['steps']} steps in {manifest['wall_seconds']:.1f} s; policies: "
          f"{', '.join(scenario.policy_names()) or 'none'}; tables in {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compares the scenario's policies with its baseline; prints the ranking, writes results."""
    from chainweave.comparison import compare, format_ranking, format_rankings
    from chainweave.overrides import scenario_from_arguments

    _check_steps(args.steps, 1)
    if args.policies is not None and not _names(args.policies):
        raise ParameterError("--policies", args.policies, "at least one policy, comma-separated")
    scenario = scenario_from_arguments(args.scenario, args.set, compared=_names(args.policies) or None,
                                       comparing=True, systems=args.systems)
    from chainweave.outputs import check_output_folder

    check_output_folder(args.out)
    result = compare(scenario, replications=args.replications, steps=args.steps,
                     seed=args.seed, workers=args.workers)
    out = result.write(args.out)
    m = result.manifest
    print(format_ranking(result.ranking, m["replications"], m["steps"], m["confidence"]))
    if result.rankings is not None and result.rankings["system"].nunique() > 1:
        print()
        print(format_rankings(result.rankings, m["replications"], m["steps"], m["confidence"]))
    figures = []
    if not args.no_figures:
        from chainweave.figures.results import plot_results  # imports matplotlib: only when drawn

        figures = plot_results(out)
    print(f"\n{scenario.name}: {len(m['variants'])} variants x {m['replications']} replications in "
          f"{m['wall_seconds']:.1f} s; tables in {out}/"
          + (f", {len(figures)} figure files in {out}/figures/" if figures else ""))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Checks a scenario file and prints what it resolves to (exit 2 and one line if bad)."""
    from chainweave.network import Tier
    from chainweave.overrides import scenario_from_arguments

    scenario = scenario_from_arguments(args.scenario, args.set)
    net = scenario.network
    tiers = {t.name.lower(): int((net.tier == t).sum()) for t in Tier}
    print(f"{scenario.source}: scenario {scenario.name!r} is valid: {net.n} places "
          f"({', '.join(f'{v} {k}' for k, v in tiers.items())}), {scenario.params.n_firms} firms, "
          f"{scenario.horizon} years, seed {scenario.seed}, policies: "
          f"{', '.join(scenario.policy_names()) or 'none'}; compares: "
          f"{', '.join(name for name, _ in scenario.variants()[1:]) or 'nothing'}; index systems: "
          f"{', '.join(s.name for s in scenario.systems)}")
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


def _set_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="set a scenario field, e.g. rd_subsidy_share=0.05 (a model parameter) "
                             "or policies.rd_subsidy.extra_share=0.05 (repeatable)")
    parser.add_argument("--systems", default=None, metavar="NAMES",
                        help="index systems to score under besides the scenario's, comma-separated "
                             "bundled names (default, iis, henan, innovative_city) or YAML files")


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_flags(parser)
    _set_argument(parser)
    parser.add_argument("--policy", default=None, metavar="NAME[,NAME]",
                        help="add library policies to the scenario (with their defaults; "
                             "set their parameters with --set policies.NAME.PARAM=V)")


def _compare_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_flags(parser)
    _set_argument(parser)
    parser.add_argument("--policies", default=None, metavar="NAME[,NAME]",
                        help="comma-separated policies to compare (default: the scenario's list)")
    parser.add_argument("--replications", type=whole_number(1, 10_000), default=None,
                        help="runs per variant (default: the scenario's)")
    parser.add_argument("--workers", type=whole_number(1, 1024), default=min(2, os.cpu_count() or 1),
                        help="parallel processes (default: up to 2)")
    parser.add_argument("--no-figures", action="store_true",
                        help="write tables only (figures: run.py plot DIR later)")


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", help="bundled scenario name or YAML file")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="set a scenario field before checking (repeatable)")


Target = str | Callable[..., object]
"""A function of a subcommand: the function itself or ``"module:function"``, imported when used."""

SUBCOMMANDS: dict[str, tuple[str, Target, Target]] = {
    "run": ("run one simulation and write its tables", _run_arguments, cmd_run),
    "compare": ("compare policies with the baseline (the default command)", _compare_arguments, cmd_compare),
    "validate": ("check a scenario file", _validate_arguments, cmd_validate),
    "sweep": ("run or resume a sensitivity sweep (local processes or a Dask cluster)",
              "chainweave.sweeps.command:sweep_arguments", "chainweave.sweeps.command:cmd_sweep"),
    "plot": ("draw the figures of a run, comparison or sweep folder",
             "chainweave.plot_command:plot_arguments", "chainweave.plot_command:cmd_plot"),
    "dashboard": ("serve the interactive dashboard on localhost",
                  "chainweave.plot_command:dashboard_arguments", "chainweave.plot_command:cmd_dashboard"),
    "list": ("list scenarios, policies, parameters (units, bounds) or output columns",
             "chainweave.listing:_arguments", "chainweave.listing:cmd_list"),
    "validation": ("run the validation suite (targets against the model) and write its report",
                   "chainweave.validation.command:_validation_arguments",
                   "chainweave.validation.command:cmd_validation"),
    "calibrate": ("fit scenario parameters to validation targets (method of simulated moments)",
                  "chainweave.validation.command:_calibrate_arguments",
                  "chainweave.validation.command:cmd_calibrate"),
    "design": ("search the cheapest policy mix that meets targets (optuna; resumable)",
               "chainweave.policy_design.command:_design_arguments",
               "chainweave.policy_design.command:cmd_design"),
}
"""name -> (help, add_arguments, handler); see the module docstring for how to add one."""


def resolve(target: Target) -> Callable[..., object]:
    """Returns the function a `SUBCOMMANDS` entry names, importing its module if it is a string."""
    if callable(target):
        return target
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


def build_parser(command: str | None = None, prog: str = "run.py") -> argparse.ArgumentParser:
    """Returns the argument parser: every subcommand listed, the arguments of ``command`` added.

    Args:
        command: The subcommand whose arguments (and handler) to load; ``None`` loads every one
            (slower: each subcommand's module is imported).
        prog: Program name shown in help and errors.
    """
    parser = _Parser(prog=prog, description="chainweave: city-cluster simulation", allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"chainweave {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name, (help_text, add_arguments, handler) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
        if command is None or name == command:
            resolve(add_arguments)(p)
            p.set_defaults(handler=handler)
    return parser


DEFAULT_COMMAND: list[str] = ["compare"]
"""What ``python run.py`` runs with no arguments, or with options only (``run.py --out DIR``)."""


def _unrecognized(parser: argparse.ArgumentParser, command: str, extras: list[str]) -> ArgumentError:
    """Returns the error for arguments no option took, with the closest option of the subcommand."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    options = sorted(sub.choices[command]._option_string_actions)
    hint = next((did_you_mean(e.split("=", 1)[0], options) for e in extras if e.startswith("-")), "")
    return ArgumentError(f"unrecognized arguments: {' '.join(extras)}{hint}")


def main(argv: Sequence[str] | None = None, prog: str = "run.py") -> int:
    """Runs the command line; returns the exit code (2 for bad input).

    Args:
        argv: Arguments after the program name; default ``sys.argv[1:]``.
        prog: Program name shown in help and errors (``python -m chainweave``, ``chainweave``).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
            argv = DEFAULT_COMMAND + argv
        command = argv[0] if not argv[0].startswith("-") else None
        if command is not None and command not in SUBCOMMANDS:
            raise ArgumentError(f"unknown subcommand {command!r}{did_you_mean(command, list(SUBCOMMANDS))} "
                                f"(choose from {', '.join(SUBCOMMANDS)})")
        parser = build_parser(command or "", prog)
        args, extras = parser.parse_known_args(argv)
        if extras:
            raise _unrecognized(parser, args.command, extras)
        if not getattr(args, "handler", None):
            raise ArgumentError("a subcommand is required: " + ", ".join(SUBCOMMANDS))
        return resolve(args.handler)(args)
    except (ArgumentError, ParameterError) as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def script() -> int:
    """Runs the ``chainweave`` console script (`main` under its own name); returns the exit code."""
    return main(prog="chainweave")
