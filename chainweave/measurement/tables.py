"""Scoring result tables under index systems: fit once on a baseline, then score every run.

The places table holds every place's extensive totals and catalogue indicators, so a system
can score a finished run or comparison without running it again: places from their own
indicators, tiers and the cluster from their places' summed totals (as the model does).
Systems whose bounds or weights come from data are fitted on the baseline's place rows (every
replicate and step) by `fit_systems`, once, and the same fitted system then scores every
variant (`score_tables`), so scenarios are compared against one reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from chainweave.measurement.catalogue import CATALOGUE, indicator_values
from chainweave.measurement.systems import IndexSystem

TIERS: tuple[str, ...] = ("core", "secondary", "county")
"""Tier names as the places table writes them."""
RUN_KEYS: tuple[str, ...] = ("scenario", "replicate", "seed", "step")
"""Columns that identify one cluster row (those present in a table are used)."""


def _totals_needed() -> list[str]:
    """Returns the extensive totals the catalogue's indicators are computed from."""
    names = [i.numerator for i in CATALOGUE] + [i.denominator for i in CATALOGUE if i.denominator]
    names += [i.minus for i in CATALOGUE if i.minus]
    return list(dict.fromkeys(names))


def fit_systems(systems: Sequence[IndexSystem], baseline_places: pd.DataFrame
                ) -> tuple[IndexSystem, ...]:
    """Returns the systems fitted on the baseline's place rows (fitted ones unchanged).

    Args:
        systems: Index systems, fitted or not.
        baseline_places: Places table of the baseline (all its replicates and steps).

    Raises:
        ParameterError: If a system cannot be fitted on this baseline (`IndexSystem.fit`).
    """
    values = {name: baseline_places[name].to_numpy(np.float64)
              for name in dict.fromkeys(n for s in systems for n in s.indicator_names)}
    return tuple(s if s.is_fitted else s.fit(values) for s in systems)


def score_tables(places: pd.DataFrame, cluster: pd.DataFrame, systems: Sequence[IndexSystem]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns the places and cluster tables with each system's columns added (or replaced).

    Places get ``<prefix>score_*``, ``C``, ``T``, ``D`` and ``coupling_variant``; the cluster
    table gets the same for the cluster and ``<prefix><key>_<tier>`` for each tier, scored from
    summed totals.

    Args:
        places: Places table of one run or many (with ``scenario``/``replicate`` columns).
        cluster: The matching cluster table.
        systems: Fitted index systems.
    """
    places, cluster = places.copy(), cluster.copy()
    keys = [k for k in RUN_KEYS if k in places.columns and k in cluster.columns]
    totals = _totals_needed()
    whole = places.groupby(keys, sort=False)[totals].sum()
    by_tier = places.groupby([*keys, "tier"], sort=False)[totals].sum()
    index = pd.MultiIndex.from_frame(cluster[keys])
    for system in systems:
        p = system.prefix()
        names = system.indicator_names
        row_scores = system.score({n: places[n].to_numpy(np.float64) for n in names})
        for k, v in row_scores.items():
            places[f"{p}{k}"] = v
        places[f"{p}coupling_variant"] = system.coupling
        cluster_scores = _group_scores(whole, system).reindex(index)
        for k in cluster_scores.columns:
            cluster[f"{p}{k}"] = cluster_scores[k].to_numpy()
        for tier in TIERS:
            if tier in by_tier.index.get_level_values("tier"):
                part = by_tier.xs(tier, level="tier")
            else:  # no place of this tier: zero totals, as the model's sums give
                part = pd.DataFrame(0.0, index=whole.index, columns=totals)
            tier_scores = _group_scores(part, system).reindex(index)
            for k in ("D", "C", "T", *system.score_keys()[:-3]):
                cluster[f"{p}{k}_{tier}"] = tier_scores[k].to_numpy()
        cluster[f"{p}coupling_variant"] = system.coupling
    return places, cluster


def _group_scores(totals: pd.DataFrame, system: IndexSystem) -> pd.DataFrame:
    """Returns a system's scores of groups given their summed totals (one row per group)."""
    arrays = {k: totals[k].to_numpy(np.float64) for k in totals.columns}
    values = indicator_values(arrays, system.indicator_names)
    return pd.DataFrame(system.score(values), index=totals.index)


def systems_table(systems: Sequence[IndexSystem]) -> pd.DataFrame:
    """Returns one row per system, subsystem and indicator: bounds, weights, coupling form."""
    return pd.DataFrame([row for s in systems for row in s.describe()])
