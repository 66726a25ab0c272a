"""Measurement as data: the indicator catalogue, index systems and scoring of result tables.

- `catalogue`: every indicator the model measures per place (`CATALOGUE`), from totals;
- `systems`: `IndexSystem` (subsystems, directions, bounds, weights, coupling form), fitted
  once on a baseline and then used to score rows;
- `spec`: index systems as YAML data (bundled: ``default``, ``iis``, ``henan``,
  ``innovative_city``), checked with one-line errors;
- `tables`: scoring whole places and cluster tables (runs, comparisons) under fitted systems.
"""

from chainweave.measurement.catalogue import BY_NAME, CATALOGUE, INNOVATIVE_CITY, indicator_values
from chainweave.measurement.spec import list_systems, load_system, parse_system, resolve_systems
from chainweave.measurement.systems import IndexSystem, IndicatorUse, Subsystem

__all__ = [
    "BY_NAME",
    "CATALOGUE",
    "INNOVATIVE_CITY",
    "IndexSystem",
    "IndicatorUse",
    "Subsystem",
    "indicator_values",
    "list_systems",
    "load_system",
    "parse_system",
    "resolve_systems",
]
