"""The ``list`` subcommand of ``run.py``: what can be run, set and read (`chainweave.cli` lists it).

``python run.py list KIND`` prints, as a table (or CSV with ``--csv``):

- ``scenarios``: the bundled scenarios and their descriptions;
- ``policies``: the policy library, each parameter with default, range and unit;
- ``parameters``: every parameter a run takes (`chainweave.parameters_table`: path, default,
  bounds, unit, description, lever or uncertainty);
- ``columns``: every output column with unit and description (`chainweave.columns`), and how
  tiers are scored.

The tables come from the same sources the model reads; nothing here restates them.
"""

from __future__ import annotations

import argparse

KINDS: tuple[str, ...] = ("scenarios", "policies", "parameters", "columns")
"""What ``run.py list`` lists."""


def listing(kind: str, table: str | None = None):  # -> pd.DataFrame (pandas imported on use)
    """Returns the table ``run.py list KIND`` prints.

    Args:
        kind: One of `KINDS`.
        table: For ``columns``: only the columns of ``places``, ``cluster`` or ``flows``.
    """
    import pandas as pd

    if kind == "parameters":
        from chainweave.parameter_paths import parameters_table

        return parameters_table()
    if kind == "columns":
        from chainweave.columns import columns_table

        rows = columns_table()
        return rows[rows["table"] == table].reset_index(drop=True) if table else rows
    if kind == "policies":
        from chainweave.scenarios.policies import POLICIES, policy_table

        rows = pd.DataFrame(policy_table())
        rows.insert(1, "description", rows["policy"].map({k: p.description for k, p in POLICIES.items()}))
        return rows.rename(columns={"doc": "meaning"})
    from chainweave.scenarios import list_scenarios, load_scenario

    return pd.DataFrame([{"scenario": name, "description": load_scenario(name).spec.description}
                         for name in list_scenarios()])


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS, help="what to list")
    parser.add_argument("--table", choices=("places", "cluster", "flows"), default=None,
                        help="columns: only those of one table")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of an aligned table")


def cmd_list(args: argparse.Namespace) -> int:
    """Prints the scenarios, policies, parameters or output columns."""
    rows = listing(args.kind, args.table)
    if args.csv:
        print(rows.to_csv(index=False), end="")
        return 0
    import pandas as pd

    with pd.option_context("display.max_colwidth", 200, "display.width", 250):
        print(rows.to_string(index=False))
    if args.kind == "columns":
        from chainweave.columns import TIER_SCORING

        print(f"\n{TIER_SCORING}")
    return 0
