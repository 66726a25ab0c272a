"""The industry table of the default scenario: 33 industries in chains, split from nine sectors.

``data/hubei_industries.csv`` lists the industries of a Hubei city cluster, each with its
chain (phosphorus, food, energy, equipment and automotive, optoelectronics, building, local
and producer services, ...), its stage on the chain, its national-accounts class, and the
*parent* sector of the nine-sector table (`chainweave.parameters.default_sectors`) it belongs
to. Industrial industries follow the two-digit classes of China's industrial statistics (NBS,
GB/T 4754-2017), the 36 industries of seed 004's specialization index, merged where the
cluster has little of them.

`industry_table` builds the `SectorTable` by disaggregating the parent table, so that summed
back over each parent's industries it is the nine-sector table again:

- An industry takes its parent's base productivity, R&D share, carbon intensity and wage ratio.
- ``weight`` is its share of its parent: of the parent's step-0 firms in every tier, and of
  what a buyer spends on the parent's goods unless the buyer names its supplier.
  ``final_weight`` and ``investment_weight`` are its shares of the parent's final demand and
  capital goods.
- Input-output coefficients: ``io[i, j] = io9[I, J] x w_ij``, I and J the parents of i and j,
  where ``w_ij`` is the share of i in what j buys from block I. By default ``w_ij`` is i's
  ``weight``; a buyer's ``sources_from`` (``block:supplier=share;...``) gives the share of
  named suppliers of a block, the rest spread over the block's other industries by weight.
  These are the links between successive stages of a chain: basic chemicals buy phosphate rock,
  fine chemicals buy basic chemicals, components buy optical materials, devices buy components.
  Every column of j then sums to its parent's column sum, so each industry's value-added share
  is its parent's, and the table is productive whenever the parent table is.

The coefficients are therefore the nine-sector table's documented estimates with a chain
structure, not a published input-output table: the NBS 17-sector tables (China Statistical
Yearbook 2008, table 2-28: intermediate input 0.71-0.81 of output in manufacturing, 2005)
have higher intermediate shares than the nine-sector table's manufacturing (0.57-0.60), which keeps its
value-added shares so that the economy's validated aggregates carry over.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from chainweave.errors import ParameterError
from chainweave.parameters import IndustryClass, SectorTable, Stage, default_sectors
from chainweave.scenarios.places import read_data

INDUSTRY_TABLES: tuple[str, ...] = ("hubei_industries",)
"""Bundled industry tables a scenario's ``sectors`` can name."""


def _supplier_shares(text: object) -> dict[str, dict[str, float]]:
    """Parses ``block:supplier=share;...`` into {block: {supplier: share}}."""
    out: dict[str, dict[str, float]] = {}
    if not isinstance(text, str) or not text.strip():
        return out
    for item in text.split(";"):
        block, _, rest = item.partition(":")
        for pair in rest.split(","):
            supplier, _, share = pair.partition("=")
            out.setdefault(block.strip(), {})[supplier.strip()] = float(share)
    return out


def sourcing_weights(rows: pd.DataFrame, parent_names: tuple[str, ...]) -> np.ndarray:
    """Returns w (industries x industries): the share of i in what j buys from i's parent block.

    Each column j sums to 1 over the industries of every parent block (`industry_table`).

    Raises:
        ParameterError: for a ``sources_from`` naming an unknown block or supplier, a supplier
            outside its block, shares of a block summing above 1, or shares summing to 0 for
            suppliers that make up the whole block.
    """
    names = list(rows["name"])
    parent = rows["parent"].to_numpy()
    weight = rows["weight"].to_numpy(float)
    w = np.zeros((len(names), len(names)))
    for j, (buyer, text) in enumerate(zip(names, rows["sources_from"], strict=True)):
        named = _supplier_shares(text)
        for block in parent_names:
            members = np.flatnonzero(parent == block)
            given = named.pop(block, {})
            for supplier in given:
                if supplier not in names or parent[names.index(supplier)] != block:
                    raise ParameterError(f"industries.{buyer}.sources_from", f"{block}:{supplier}",
                                         f"an industry of the block {block}")
            total = sum(given.values())
            if total > 1 + 1e-9 or min(given.values(), default=0.0) < 0:
                raise ParameterError(f"industries.{buyer}.sources_from", given,
                                     "shares in [0, 1] summing to at most 1 per block")
            rest = [i for i in members if names[i] not in given]
            rest_weight = weight[rest].sum()
            for i in members:
                if names[i] in given:
                    w[i, j] = given[names[i]]
                elif rest_weight > 0:
                    w[i, j] = (1 - total) * weight[i] / rest_weight
            if not rest or rest_weight == 0:  # the named suppliers take the whole block
                if total == 0:
                    raise ParameterError(f"industries.{buyer}.sources_from", given,
                                         f"shares above 0: they name every industry of {block}")
                w[members, j] /= total
        if named:
            raise ParameterError(f"industries.{buyer}.sources_from", sorted(named),
                                 "parent sectors: " + ", ".join(parent_names))
    return w


@cache
def industry_table(name: str = "hubei_industries") -> SectorTable:
    """Returns a bundled industry table (see the module docstring), its arrays read-only.

    Raises:
        ParameterError: for an unknown table, or a row whose parent, stage, class or weights
            are not valid (weights of a parent summing to 1).
    """
    if name not in INDUSTRY_TABLES:
        raise ParameterError("sectors", name, "default or one of " + ", ".join(INDUSTRY_TABLES))
    rows = read_data(f"{name}.csv")
    nine = default_sectors()
    unknown = sorted(set(rows["parent"]) - set(nine.names))
    if unknown:
        raise ParameterError(f"{name}.parent", unknown[0], "a sector of the nine-sector table")
    of = np.array([nine.names.index(p) for p in rows["parent"]])
    for column in ("weight", "final_weight", "investment_weight"):
        sums = rows.groupby("parent")[column].sum()
        bad = sums[~(np.isclose(sums, 1.0) | ((column != "weight") & np.isclose(sums, 0.0)))]
        if len(bad):
            raise ParameterError(f"{name}.{column}", {bad.index[0]: float(bad.iloc[0])},
                                 "weights of each parent's industries summing to 1")
    weight = rows["weight"].to_numpy(float)
    w = sourcing_weights(rows, nine.names)
    table = SectorTable(
        names=tuple(rows["name"]),
        stage=np.array([int(Stage[s.upper()]) for s in rows["stage"]], dtype=np.int8),
        industry_class=np.array([int(IndustryClass[c.upper()]) for c in rows["industry_class"]],
                                dtype=np.int8),
        high_tech=rows["high_tech"].to_numpy(bool),
        resource_based=rows["resource_based"].to_numpy(bool),
        carbon_intensity=nine.carbon_intensity[of],
        io=nine.io[np.ix_(of, of)] * w,
        final_demand_share=nine.final_demand_share[of] * rows["final_weight"].to_numpy(float),
        investment_share=nine.investment_share[of] * rows["investment_weight"].to_numpy(float),
        base_productivity=nine.base_productivity[of],
        rd_share=nine.rd_share[of],
        tier_mix=nine.tier_mix[of] * weight[:, None],
        wage_ratio=nine.wage_ratio[of],
        local_share=rows["local_share"].to_numpy(float),
        industrial=rows["industrial"].to_numpy(bool),
    )
    for value in vars(table).values():  # cached and shared by every model: read-only
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return table


def parent_of(name: str = "hubei_industries") -> pd.Series:
    """Returns each industry's parent sector of the nine-sector table, indexed by industry."""
    return read_data(f"{name}.csv").set_index("name")["parent"]
