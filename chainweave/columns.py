"""The data dictionary: unit and meaning of every column of the places, cluster and flows tables.

One source for what the output columns mean. `chainweave.results` writes each column's unit
and description into the Parquet schema's field metadata (keys ``unit`` and
``description``); ``docs/outputs.md`` is generated from here (`outputs_markdown`; a test checks
it is current); ``python run.py list columns`` prints it. Per-sector columns
(``output_<sector>``, ``firms_<sector>``) and the cluster table's per-tier columns
(``<metric>_<tier>``) are described by pattern, since sectors and tiers come from the scenario.

How tiers and the cluster are scored (`TIER_SCORING`): their indicators, subsystem scores,
C, T and D are computed from the tier's (or cluster's) summed totals, as if it were one
place, not as the mean of its places' scores; the per-tier inflow and spillover columns are
means over the tier's places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chainweave.measurement.catalogue import CATALOGUE
from chainweave.measures import SUBSYSTEMS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

TIERS: tuple[str, ...] = ("core", "secondary", "county")
"""Tier names as they appear in tables."""

TIER_SCORING = (
    "Tier and cluster rows are scored from summed totals: the totals of the tier's (or the "
    "cluster's) places are added up, the indicators are computed from those sums, standardised "
    "against the same fixed bounds as a place's, averaged into the subsystem scores, and C, T "
    "and D follow, as if the tier were one place. D_core, D_secondary, D_county and the "
    "cluster's D are therefore not the mean (nor a population-weighted mean) of their places' "
    "D. The cluster table's per-tier inflow_* and spillover_innovation columns are, unlike "
    "the scores, means over the tier's places."
)
"""How per-tier and cluster scores are computed, said beside the tables (docs/outputs.md)."""


@dataclass(frozen=True)
class Column:
    """One column (or a pattern of columns) of an output table.

    Attributes:
        name: The column's name, or a pattern with ``<sector>`` or ``<tier>``.
        unit: Unit (``1`` for a pure number, share or score; ``text`` for labels).
        description: Meaning, in one or two sentences.
    """

    name: str
    unit: str
    description: str


_KEYS = (
    Column("seed", "1", "seed of the run"),
    Column("step", "yr", "years completed; 0 is the calibrated start year (2021 for yijing_jingen)"),
)
_VARIANT = Column("coupling_variant", "text",
                  "form of the coupling degree C (see chainweave.analysis.coupling_degree)")
_COMPARISON = (
    Column("scenario", "text", "comparisons only: the variant, baseline or a policy's name"),
    Column("replicate", "1", "comparisons only: replicate number; replicate r has the same seed "
           "in every variant"),
)

TOTALS = (
    Column("population", "persons", "residents"),
    Column("urban_population", "persons", "urban residents"),
    Column("value_added", "M yuan/yr",
           "value added of the firms at current prices (GDP of the model economy)"),
    Column("nonprimary_va", "M yuan/yr", "value added of secondary and tertiary sectors, current prices"),
    Column("value_added_real", "M yuan/yr",
           "value added at step-0 prices (output x the sector's step-0 value added per unit)"),
    Column("nonprimary_va_real", "M yuan/yr",
           "value added of secondary and tertiary sectors at step-0 prices"),
    Column("output", "M yuan/yr", "gross output of the firms"),
    Column("high_tech_output", "M yuan/yr", "gross output of high-tech sectors"),
    Column("rd_spend", "M yuan/yr", "R&D spending: firms' own R&D, R&D subsidies and institutes' funding"),
    Column("patents", "patents/yr", "patents granted to firms and institutes"),
    Column("new_finance", "M yuan/yr", "new bank loans and venture capital received by firms"),
    Column("public_services", "M yuan", "stock of public services (depreciating, renewed by budgets)"),
    Column("firms", "firms", "model firms (each stands for enterprises_per_person x residents / n_firms "
           "real enterprises)"),
    Column("incubation_weight", "firms", "firms x incubation coverage x incubator quality"),
    Column("intermediation_weight", "firms", "firms x intermediary coverage x intermediary quality"),
    Column("employment", "workers", "jobs filled"),
    Column("emissions", "t CO2/yr", "CO2 emitted by the firms"),
    Column("labour_supply", "workers", "labour force (participation_rate x residents)"),
    Column("researchers", "FTE", "researchers of the research institutes"),
    Column("rd_workers", "FTE", "R&D staff hired by the firms"),
    Column("value_added_previous", "M yuan/yr", "value added at step-0 prices recorded the year "
           "before (this year's in year 0)"),
    Column("tertiary_va", "M yuan/yr", "value added of tertiary industry at step-0 prices"),
    Column("enterprise_rd", "M yuan/yr", "firms' own R&D spending"),
    Column("public_st_spend", "M yuan/yr", "government S&T spending: R&D subsidies, public R&D "
           "platforms, incubators"),
    Column("budget_total", "M yuan/yr", "the government's budget"),
    Column("high_tech_enterprises", "enterprises", "model firms of high-tech sectors x enterprises "
           "per model firm"),
    Column("household_income", "M yuan/yr", "households' income: pay, R&D wages, dividends, "
           "institutes' and government pay (spent from next year)"),
    Column("household_deposits", "M yuan", "money households hold at the end of the year (0 at "
           "the opening of the accounts)"),
    Column("labour_compensation", "M yuan/yr", "what the place's firms pay their workers, R&D staff "
           "and managers: wages, R&D wages and overhead (not dividends)"),
    Column("unmet_demand", "M yuan/yr", "goods the place's buyers (households, government, firms' "
           "inputs and capital goods) sought from the cluster's firms and did not get, at last "
           "year's sector prices"),
    Column("unmet_inputs", "M yuan/yr", "inputs the place's firms ordered from the cluster's firms "
           "and did not get, at last year's sector prices; production uses them unpaid (docs/ODD.md, "
           "limitations)"),
)
"""Extensive totals (`chainweave.measures.EXTENSIVE`): summed over places for tiers and the cluster."""

INDICATOR_COLUMNS = tuple(
    Column(i.name, i.unit, f"indicator: {i.meaning}; reference bounds [{i.lower:g}, {i.upper:g}]")
    for i in CATALOGUE)
"""Every catalogue indicator (`chainweave.measurement.catalogue.CATALOGUE`), with its unit."""

SCORES = (
    *(Column(f"score_{s}", "1", f"{s} subsystem score in [0, 1]: equal-weight mean of its standardised "
             "indicators") for s in SUBSYSTEMS),
    Column("C", "1", "coupling degree of the four subsystem scores, in [0, 1] (standard n-system form)"),
    Column("T", "1", "comprehensive index: equal-weight mean of the four subsystem scores, in [0, 1]"),
    Column("D", "1", "coupling coordination degree D = sqrt(C T), in [0, 1]"),
)

FLOW_MEASURES = (
    Column("inflow_industry", "M yuan/yr", "goods sold to buyers in other places (orders radiating "
           "along the industry chain)"),
    Column("inflow_innovation", "knowledge units/yr", "knowledge absorbed from other places through "
           "the spillover kernel"),
    Column("inflow_service", "M yuan/yr", "credit and venture capital received from providers in "
           "other places"),
    Column("spillover_innovation", "knowledge units/yr", "knowledge absorbed from everything within "
           "reach, the place's own included"),
)

COUNTS = (
    Column("exits", "firms/yr", "firms that exited"),
    Column("entries", "firms/yr", "firms founded"),
    Column("relocations_in", "firms/yr", "firms that moved in"),
    Column("relocations_out", "firms/yr", "firms that moved out"),
    Column("policy_spend", "M yuan/yr", "budget the policies spend above the baseline mix"),
)

PLACES: tuple[Column, ...] = (
    *_KEYS,
    Column("place", "1", "index of the place, 0 to places - 1 (the flows table's source and target)"),
    Column("place_name", "text", "name of the place"),
    Column("tier", "text", "core, secondary or county"),
    Column("parent_name", "text", "the place above it in the hierarchy ('' for the core)"),
    Column("lat", "degrees", "latitude of the seat"),
    Column("lon", "degrees", "longitude of the seat"),
    Column("depth", "hops", "levels below the core (0 for the core)"),
    Column("distance_to_core_km", "km", "great-circle distance from the seat to the core's seat"),
    *TOTALS, *INDICATOR_COLUMNS, *SCORES,
    Column("wage", "M yuan/worker/yr", "local wage"),
    Column("budget", "M yuan/yr", "the government's spending this year"),
    Column("enforcement", "1", "environmental enforcement level, in [0, 1)"),
    Column("migration_in", "persons/yr", "residents who arrived"),
    Column("migration_out", "persons/yr", "residents who left"),
    Column("resource_type", "code", "resource life-cycle type: 0 none, 1 growing, 2 mature, 3 declining, "
           "4 regenerating"),
    Column("reserves", "reserve units", "resource reserves left"),
    Column("output_<sector>", "M yuan/yr", "gross output of the sector"),
    Column("firms_<sector>", "firms", "model firms of the sector"),
    *FLOW_MEASURES, *COUNTS,
    _VARIANT,
    *_COMPARISON,
)
"""Columns of the ``places`` table: one row per place and step."""

CLUSTER: tuple[Column, ...] = (
    *_KEYS,
    *(Column(c.name, c.unit, f"{c.description}, whole cluster") for c in (*TOTALS, *INDICATOR_COLUMNS)),
    *(Column(c.name, c.unit, f"{c.description}; cluster, from summed totals") for c in SCORES),
    *(Column(f"{c.name}_<tier>", c.unit, f"{c.description}; for the tier, from its summed totals")
      for c in SCORES),
    *(Column(f"{c.name}_<tier>", c.unit, f"{c.description}; mean over the tier's places")
      for c in FLOW_MEASURES),
    *(Column(c.name, c.unit, f"{c.description}, whole cluster") for c in COUNTS),
    _VARIANT,
    *_COMPARISON,
)
"""Columns of the ``cluster`` table: one row per step (``<tier>``: core, secondary, county)."""

FLOWS: tuple[Column, ...] = (
    *_KEYS,
    Column("source", "1", "index of the sending place"),
    Column("target", "1", "index of the receiving place"),
    Column("source_name", "text", "name of the sending place"),
    Column("target_name", "text", "name of the receiving place"),
    Column("chain", "text", "industry (goods, M yuan/yr), innovation (knowledge, knowledge units/yr) "
           "or service (credit and venture capital, M yuan/yr)"),
    Column("volume", "chain's unit", "volume sent from source to target this year, in the chain's unit; "
           "only source != target and volume > 0"),
)
"""Columns of the ``flows`` table: one row per step, source, target and chain."""

SYSTEMS: tuple[Column, ...] = (
    Column("system", "text", "name of the index system"),
    Column("column_prefix", "text", "prefix of the system's columns in places and cluster "
           "('' for default)"),
    Column("coupling_variant", "text", "coupling form: standard, revised or paper"),
    Column("theta", "1", "exponent of D = (C T)^theta"),
    Column("subsystem", "text", "subsystem the indicator belongs to"),
    Column("subsystem_weight", "1", "weight of the subsystem in T"),
    Column("aggregate", "text", "how the subsystem combines its indicators (weighted sum or "
           "coupling coordination)"),
    Column("weight_method", "text", "equal, given, entropy or pca"),
    Column("indicator", "text", "catalogue name of the indicator"),
    Column("direction", "text", "benefit (higher is better) or cost"),
    Column("bounds", "text", "fixed reference bounds, or the baseline's minimum and maximum"),
    Column("lower", "indicator's unit", "lower bound of the min-max standardisation"),
    Column("upper", "indicator's unit", "upper bound of the min-max standardisation"),
    Column("weight", "1", "weight of the indicator in its subsystem"),
)
"""Columns of the ``systems`` table: how each index system scored (one row per indicator)."""

TABLES: dict[str, tuple[Column, ...]] = {"places": PLACES, "cluster": CLUSTER, "flows": FLOWS,
                                         "systems": SYSTEMS}
"""The model's output tables and their columns."""


def _pattern(name: str) -> re.Pattern[str]:
    tiers = "|".join(TIERS)
    text = re.escape(name).replace(re.escape("<sector>"), r"[a-z][a-z0-9_]*").replace(
        re.escape("<tier>"), f"(?:{tiers})")
    return re.compile(f"^{text}$")


def describe(table: str, column: str) -> Column | None:
    """Returns the entry of a column of ``places``, ``cluster`` or ``flows``, or None if unknown.

    Exact names are matched first, then patterns (``output_<sector>``, ``D_<tier>``).
    """
    entries = TABLES.get(table, ())
    for entry in entries:
        if entry.name == column:
            return entry
    for entry in entries:
        if "<" in entry.name and _pattern(entry.name).match(column):
            return entry
    return None


def arrow_table(table: str, frame: pd.DataFrame) -> pa.Table:
    """Returns ``frame`` as an Arrow table whose fields carry ``unit`` and ``description`` metadata.

    Columns the dictionary does not know (and tables other than places, cluster and flows)
    are written without field metadata.
    """
    import pyarrow as pa

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for f in arrow.schema:
        entry = describe(table, f.name)
        fields.append(f if entry is None else
                      f.with_metadata({"unit": entry.unit, "description": entry.description}))
    return pa.Table.from_arrays(arrow.columns, schema=pa.schema(fields, metadata=arrow.schema.metadata))


def columns_table() -> pd.DataFrame:
    """Returns the dictionary as a table: table, column (or pattern), unit, description."""
    import pandas as pd

    return pd.DataFrame([{"table": name, "column": c.name, "unit": c.unit, "description": c.description}
                         for name, entries in TABLES.items() for c in entries])


def outputs_markdown() -> str:
    """Returns ``docs/outputs.md``: the dictionary as Markdown tables, with `TIER_SCORING`."""
    lines = [
        "# Output columns",
        "",
        "Generated from `chainweave/columns.py` by `python -m chainweave.columns > docs/outputs.md`;",
        "do not edit by hand. The same units and descriptions are in each Parquet file's field",
        "metadata (`pyarrow.parquet.read_schema(path).field(name).metadata`) and in",
        "`python run.py list columns`. `<sector>` stands for each sector of the scenario,",
        "`<tier>` for `core`, `secondary` and `county`.",
        "",
        "## How tiers and the cluster are scored",
        "",
        TIER_SCORING,
        "",
    ]
    titles = {"places": "one row per place and step", "cluster": "one row per step",
              "flows": "one row per step, source, target and chain with volume > 0",
              "systems": "one row per index system, subsystem and indicator"}
    for name, entries in TABLES.items():
        lines += [f"## `{name}`: {titles[name]}", "", "| column | unit | description |",
                  "| --- | --- | --- |"]
        lines += [f"| `{c.name}` | {c.unit} | {c.description} |" for c in entries]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(outputs_markdown(), end="")
