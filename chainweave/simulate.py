"""One run of the model as a function: parameters and a seed in, tables out.

`simulate` is the experiment unit that comparisons, sweeps and scripts build on: it takes a
cluster graph, parameter overrides and an explicit seed, runs the model, and returns its
tables and manifest, without touching the file system.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd

from chainweave.model import ClusterModel
from chainweave.parameters import ModelParams, SectorTable


def simulate(
    steps: int,
    seed: int,
    graph: nx.Graph | None = None,
    params: ModelParams | None = None,
    sectors: SectorTable | None = None,
    record_flows: bool = True,
    **overrides: Any,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Runs one model for ``steps`` years and returns (tables, manifest).

    Args:
        steps: Years to run, >= 0.
        seed: Seed of the run's generator; the tables carry it in a ``seed`` column.
        graph: Cluster graph; default a synthetic cluster drawn from the seed.
        params: Parameters; default `ModelParams()`.
        sectors: Sector table; default `default_sectors()`.
        record_flows: Whether to record the per-edge flows table.
        **overrides: `ModelParams` fields to change.
    """
    model = ClusterModel(graph=graph, params=params, sectors=sectors, rng=seed, steps=steps,
                         record_flows=record_flows, **overrides)
    model.run(steps)
    tables = model.tables()
    for table in tables.values():
        table.insert(0, "seed", seed)
    return tables, model.manifest()
