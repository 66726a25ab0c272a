"""Indicator weights (equal, user-given, entropy, first principal component) and subsystem scores.

A subsystem score is the weighted sum of its standardised indicators. The weighting methods the
literature uses all live here, each returning weights that sum to 1 together with the indicators
it could not use (zero variance), so that a dropped indicator is visible instead of silently
weighted zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from chainweave.analysis._checks import as_matrix, check_weights, require_nonnegative

WeightMethod = Literal["equal", "entropy", "pca"]
WEIGHT_METHODS: tuple[str, ...] = ("equal", "entropy", "pca")

DEFAULT_SUBSYSTEMS: tuple[str, ...] = ("industry", "innovation", "service", "urbanization")
"""Subsystems whose name prefixes indicator columns when no grouping is given."""


@dataclass(frozen=True)
class IndicatorWeights:
    """Weights of a set of indicators and what the method could not use.

    Attributes:
        weights: One weight per indicator (index = indicator names), non-negative, summing to 1;
            unusable indicators get 0.
        unusable: Indicators left out because they have zero variance (or, for the entropy
            method, a zero column total).
        method: The method that produced the weights.
    """

    weights: pd.Series
    unusable: tuple[str, ...]
    method: str


def _labels(table: ArrayLike | pd.DataFrame, n: int) -> pd.Index:
    """Return the column labels of ``table`` (positions as strings for arrays)."""
    if isinstance(table, pd.DataFrame):
        return pd.Index(table.columns.astype(str))
    return pd.Index([str(i) for i in range(n)])


def _finish(raw: np.ndarray, usable: np.ndarray, labels: pd.Index, method: str) -> IndicatorWeights:
    """Normalise ``raw`` over usable indicators into an ``IndicatorWeights``."""
    if not usable.any() or raw[usable].sum() <= 0:
        raise ValueError(
            f"table has no usable indicator for method {method!r}: all have zero variance"
        )
    w = np.where(usable, raw, 0.0)
    w = w / w.sum()
    unusable = tuple(str(c) for c in labels[~usable])
    return IndicatorWeights(pd.Series(w, index=labels, name="weight"), unusable, method)


def entropy_weights(table: ArrayLike | pd.DataFrame) -> IndicatorWeights:
    """Return entropy-method weights of standardised indicators.

    With p_ij = x_ij / sum_i x_ij over the n observations, the entropy of indicator j is
    e_j = -(1 / ln n) sum_i p_ij ln p_ij (0 ln 0 = 0), its divergence d_j = 1 - e_j, and its
    weight w_j = d_j / sum_j d_j. Indicators that vary more across observations get more
    weight; a constant indicator has d_j = 0 and is reported as unusable.

    Args:
        table: Standardised indicators, non-negative, one row per observation (at least 2) and
            one column per indicator.

    Returns:
        Weights summing to 1, with zero-variance or all-zero indicators listed as unusable.

    Raises:
        ValueError: If the table is empty, has fewer than 2 rows, holds NaN or negative values,
            or no indicator is usable.

    References:
        Shannon entropy weighting as used in coupling-coordination studies; see e.g. Zou, Yun
        and Sun (2006), Journal of Environmental Sciences 18(5): 1020-1023.
    """
    x = as_matrix(table, "table").values
    require_nonnegative(x, "table")
    n, m = x.shape
    if n < 2:
        raise ValueError(f"table needs at least 2 rows for entropy weights, got {n}")
    totals = x.sum(axis=0)
    p = np.divide(x, totals, out=np.zeros_like(x), where=totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(n)
    usable = (totals > 0) & (np.ptp(x, axis=0) > 0)
    return _finish(1.0 - entropy, usable, _labels(table, m), "entropy")


def pca_weights(table: ArrayLike | pd.DataFrame) -> IndicatorWeights:
    """Return weights from the first principal component of the indicators' correlation matrix.

    As in the Henan paper: the coefficients of the first principal component (the leading
    eigenvector of the correlation matrix, signed so that their sum is positive) are
    "unitised", w_j = |a_j| / sum_j |a_j|. Zero-variance indicators have no correlation and are
    reported as unusable.

    Args:
        table: Indicators (standardised or not: correlations are scale-free), one row per
            observation (at least 2) and one column per indicator.

    Returns:
        Weights summing to 1, with zero-variance indicators listed as unusable.

    Raises:
        ValueError: If the table is empty, has fewer than 2 rows, holds NaN, or no indicator
            varies.

    References:
        Wu (2020), section 3.2.1.
    """
    x = as_matrix(table, "table").values
    n, m = x.shape
    if n < 2:
        raise ValueError(f"table needs at least 2 rows for PCA weights, got {n}")
    usable = np.ptp(x, axis=0) > 0
    raw = np.zeros(m)
    if usable.sum() == 1:
        raw[usable] = 1.0
    elif usable.any():
        corr = np.atleast_2d(np.corrcoef(x[:, usable], rowvar=False))
        _, vectors = np.linalg.eigh(corr)
        leading = vectors[:, -1]
        leading = leading if leading.sum() >= 0 else -leading
        raw[usable] = np.abs(leading)
    return _finish(raw, usable, _labels(table, m), "pca")


def indicator_weights(
    table: ArrayLike | pd.DataFrame,
    method: WeightMethod = "equal",
    weights: ArrayLike | pd.Series | None = None,
) -> IndicatorWeights:
    """Return indicator weights by the named method, or the user's weights validated.

    Args:
        table: Indicators, one row per observation and one column per indicator.
        method: ``"equal"``, ``"entropy"`` (``entropy_weights``) or ``"pca"`` (``pca_weights``);
            ignored when ``weights`` is given.
        weights: User-given weights, one per column, non-negative and summing to 1.

    Returns:
        Weights summing to 1; for ``"equal"`` and user weights, ``unusable`` lists
        zero-variance indicators without changing their weight.

    Raises:
        ValueError: If ``method`` is unknown, or ``weights`` or ``table`` fail validation.
    """
    x = as_matrix(table, "table").values
    labels = _labels(table, x.shape[1])
    if weights is None and method not in WEIGHT_METHODS:
        raise ValueError(f"method must be one of {WEIGHT_METHODS}, got {method!r}")
    if weights is None and method == "entropy":
        return entropy_weights(table)
    if weights is None and method == "pca":
        return pca_weights(table)
    flat = tuple(str(c) for c in labels[np.ptp(x, axis=0) == 0])
    if weights is None:
        w = np.full(x.shape[1], 1.0 / x.shape[1])
        return IndicatorWeights(pd.Series(w, index=labels, name="weight"), flat, "equal")
    w = check_weights(weights, x.shape[1])
    return IndicatorWeights(pd.Series(w, index=labels, name="weight"), flat, "user")


def default_groups(columns: Sequence[str]) -> dict[str, list[str]]:
    """Return the default grouping: indicator columns by ``DEFAULT_SUBSYSTEMS`` name prefix.

    A column belongs to subsystem ``s`` when its name is ``s`` or starts with ``s + "_"``
    (e.g. ``innovation_patents``).

    Args:
        columns: Indicator column names.

    Returns:
        Subsystem name to its columns, for the default subsystems that have any.

    Raises:
        ValueError: If no column matches a default subsystem.
    """
    groups = {
        s: [c for c in columns if c == s or str(c).startswith(f"{s}_")] for s in DEFAULT_SUBSYSTEMS
    }
    groups = {s: cols for s, cols in groups.items() if cols}
    if not groups:
        raise ValueError(
            f"columns match none of the subsystems {DEFAULT_SUBSYSTEMS}: {list(columns)}"
        )
    return groups


@dataclass(frozen=True)
class SubsystemScores:
    """Subsystem scores with the indicator weights that produced them.

    Attributes:
        scores: One column per subsystem, same index as the indicators.
        weights: Subsystem name to the weights of its indicators.
    """

    scores: pd.DataFrame
    weights: dict[str, IndicatorWeights]


def subsystem_scores(
    indicators: pd.DataFrame,
    groups: Mapping[str, Sequence[str]] | None = None,
    method: WeightMethod = "equal",
    weights: Mapping[str, ArrayLike | pd.Series] | None = None,
) -> SubsystemScores:
    """Return one score per subsystem as the weighted sum of its standardised indicators.

    Args:
        indicators: Standardised indicators in [0, 1], one row per observation.
        groups: Subsystem name to its indicator columns; ``None`` groups by the
            ``DEFAULT_SUBSYSTEMS`` name prefixes (see ``default_groups``).
        method: Weighting method within each subsystem, see ``indicator_weights``.
        weights: Optional user weights per subsystem (overrides ``method`` for that subsystem).

    Returns:
        The scores (one column per subsystem, in [0, 1] for inputs in [0, 1]) and the weights.

    Raises:
        ValueError: If a group is empty or names a missing column, or the weights fail
            validation.
    """
    groups = default_groups(list(indicators.columns)) if groups is None else groups
    user = weights or {}
    scores: dict[str, np.ndarray] = {}
    used: dict[str, IndicatorWeights] = {}
    for name, cols in groups.items():  # one pass per subsystem (a handful), not per row
        cols = list(cols)
        missing = [c for c in cols if c not in indicators.columns]
        if not cols or missing:
            raise ValueError(f"groups[{name!r}] names missing or no columns: {missing or cols}")
        block = indicators[cols]
        w = indicator_weights(block, method, user.get(name))
        scores[name] = as_matrix(block, f"indicators[{name!r}]").values @ w.weights.to_numpy()
        used[name] = w
    return SubsystemScores(pd.DataFrame(scores, index=indicators.index), used)
