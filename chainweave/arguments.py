"""Checks of command-line arguments, as argparse types and small helpers `chainweave.cli` calls.

Each type turns the text of one argument into its value or raises
`argparse.ArgumentTypeError` with what was expected, which the command line reports as one
line with exit code 2 before any work.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

MAX_SEED = 2**63 - 1
"""Largest seed: numpy takes any whole number >= 0; tables store seeds as 64-bit integers."""
MAX_STEPS = 1000
"""Most years one run may last (the scenario schema's bound on ``horizon``)."""

SCENARIO_FIELDS: tuple[str, ...] = ("name", "description", "horizon", "seed")
"""Top-level scenario fields ``--set NAME=VALUE`` sets as they are (other names are model parameters)."""


def _whole(text: str, expected: str) -> int:
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected {expected}") from None
    return value


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """Returns an argparse type: a whole number in [low, high] (no upper bound if None)."""
    expected = f"a whole number >= {low}" if high is None else f"a whole number in [{low}, {high}]"

    def parse(text: str) -> int:
        value = _whole(text, expected)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"got {value}; expected {expected}")
        return value

    return parse


def seed_value(text: str) -> int:
    """Returns a seed: a whole number in [0, 2**63 - 1] (argparse type)."""
    expected = "a whole number in [0, 2**63 - 1] (numpy takes seeds >= 0; tables store 64-bit integers)"
    value = _whole(text, expected)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"got {value}; expected {expected}")
    return value


steps_value = whole_number(0, MAX_STEPS)
"""Years to run: a whole number in [0, 1000] (argparse type)."""


def override_path(name: str) -> str:
    """Returns the scenario path ``--set NAME=VALUE`` sets: a top-level field, a dotted path, or a parameter.

    ``horizon``, ``seed``, ``name`` and ``description`` are the scenario's own fields; a name with
    a dot is a path (``policies.rd_subsidy.extra_share``); any other is ``params.NAME``.
    """
    return name if "." in name or name in SCENARIO_FIELDS else f"params.{name}"
