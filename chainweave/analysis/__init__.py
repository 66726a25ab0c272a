"""Analysis library: coupling coordination and structure metrics over output tables.

Pure, vectorised functions over pandas tables (indexed by place and step) or numpy arrays,
usable on a single run, a scenario comparison, a sweep, or a user's own statistical panel.
The engine calls ``coupling_degree``, ``comprehensive_index``, ``coordination_degree`` and
``minmax_standardize`` each step for its C/T/D columns. Formulas, ranges and references are in
``docs/analysis.md``.
"""

from chainweave.analysis.bands import (
    PAPER_BANDS,
    TEN_LEVEL_BANDS,
    coordination_band,
)
from chainweave.analysis.contrasts import policy_contrasts
from chainweave.analysis.coupling import (
    COUPLING_VARIANTS,
    comprehensive_index,
    coordination_degree,
    coupling_coordination,
    coupling_degree,
)
from chainweave.analysis.regression import (
    LAGGED_TERMS,
    LaggedRegressionResult,
    lagged_regression,
)
from chainweave.analysis.standardize import (
    AVOID_ZEROS_RANGE,
    StandardizedIndicators,
    minmax_standardize,
    standardize_indicators,
)
from chainweave.analysis.structure import (
    MoranResult,
    diversification_index,
    herfindahl_index,
    morans_i,
    specialization_index,
    specialization_terms,
)
from chainweave.analysis.weights import (
    DEFAULT_SUBSYSTEMS,
    IndicatorWeights,
    SubsystemScores,
    default_groups,
    entropy_weights,
    indicator_weights,
    pca_weights,
    subsystem_scores,
)

__all__ = [
    "AVOID_ZEROS_RANGE",
    "COUPLING_VARIANTS",
    "DEFAULT_SUBSYSTEMS",
    "LAGGED_TERMS",
    "PAPER_BANDS",
    "TEN_LEVEL_BANDS",
    "IndicatorWeights",
    "LaggedRegressionResult",
    "MoranResult",
    "StandardizedIndicators",
    "SubsystemScores",
    "comprehensive_index",
    "coordination_band",
    "coordination_degree",
    "coupling_coordination",
    "coupling_degree",
    "default_groups",
    "diversification_index",
    "entropy_weights",
    "herfindahl_index",
    "indicator_weights",
    "lagged_regression",
    "minmax_standardize",
    "morans_i",
    "pca_weights",
    "policy_contrasts",
    "specialization_index",
    "specialization_terms",
    "standardize_indicators",
    "subsystem_scores",
]
