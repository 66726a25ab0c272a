"""Analysis library: coupling coordination and structure metrics over output tables.

Pure, vectorised functions over pandas tables (indexed by place and step) or numpy arrays,
usable on a single run, a scenario comparison, a sweep, or a user's own statistical panel.
The engine calls ``coupling_degree``, ``comprehensive_index``, ``coordination_degree`` and
``minmax_standardize`` each step for its C/T/D columns. Formulas, ranges and references are in
``docs/analysis.md``.
"""

from chainweave.analysis.coupling import (
    COUPLING_VARIANTS,
    comprehensive_index,
    coordination_degree,
    coupling_degree,
)
from chainweave.analysis.standardize import (
    AVOID_ZEROS_RANGE,
    StandardizedIndicators,
    minmax_standardize,
    standardize_indicators,
)

__all__ = [
    "AVOID_ZEROS_RANGE",
    "COUPLING_VARIANTS",
    "StandardizedIndicators",
    "comprehensive_index",
    "coordination_degree",
    "coupling_degree",
    "minmax_standardize",
    "standardize_indicators",
]
