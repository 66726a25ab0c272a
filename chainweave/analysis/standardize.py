"""Min-max standardisation of indicators against a shared reference.

Coupling metrics need dimensionless indicators in [0, 1]. For scenarios to be comparable the
bounds must be shared, not taken from each run: either fixed bounds or the bounds of a reference
table (typically the baseline run). Values that fall outside the reference are clipped, and how
many were clipped is reported per indicator rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from chainweave.analysis._checks import as_matrix

Direction = Literal["positive", "negative"]
DIRECTIONS: tuple[str, ...] = ("positive", "negative")

AVOID_ZEROS_RANGE: tuple[float, float] = (0.01, 0.99)
"""Output range commonly used so that no standardised score is exactly 0 or 1."""


def _per_column(
    value: ArrayLike | Mapping[str, float] | pd.Series,
    columns: pd.Index | None,
    n: int,
    name: str,
) -> NDArray[np.float64]:
    """Return a bound given as scalar, sequence, mapping or Series as one float per column."""
    if isinstance(value, Mapping | pd.Series):
        if columns is None:
            raise ValueError(f"{name} given by column name needs a DataFrame, got {value!r}")
        missing = [c for c in columns if c not in value]
        if missing:
            raise ValueError(f"{name} has no entry for columns {missing}")
        arr = np.array([value[c] for c in columns], dtype=np.float64)
    else:
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(
            f"{name} must give one value per column ({n}), got {np.ravel(arr).tolist()}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def _directions(
    direction: Direction | Sequence[Direction] | Mapping[str, Direction],
    columns: pd.Index | None,
    n: int,
) -> NDArray[np.bool_]:
    """Return a boolean per column: True where the indicator is negative (smaller is better)."""
    if isinstance(direction, str):
        labels = [direction] * n
    elif isinstance(direction, Mapping):
        if columns is None:
            raise ValueError(f"direction given by column name needs a DataFrame, got {direction!r}")
        labels = [direction.get(c, "positive") for c in columns]
    else:
        labels = list(direction)
    if len(labels) != n:
        raise ValueError(f"direction must give one entry per column ({n}), got {labels}")
    unknown = [d for d in labels if d not in DIRECTIONS]
    if unknown:
        raise ValueError(f"direction must be 'positive' or 'negative', got {unknown[0]!r}")
    return np.array([d == "negative" for d in labels])


def _scale(
    x: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    negative: NDArray[np.bool_],
    clip: bool,
    out_range: tuple[float, float],
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Return the scaled matrix and the number of clipped entries per column."""
    bad = upper <= lower
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(
            f"upper must exceed lower, got lower={float(lower[k])!r}, upper={float(upper[k])!r}"
        )
    lo, hi = out_range
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"out_range must satisfy 0 <= low < high <= 1, got {out_range!r}")
    z = (x - lower) / (upper - lower)
    z = np.where(negative, 1.0 - z, z)
    outside = (z < 0.0) | (z > 1.0)
    if clip:
        z = np.clip(z, 0.0, 1.0)
    return lo + (hi - lo) * z, outside.sum(axis=0)


def minmax_standardize(
    values: ArrayLike | pd.Series | pd.DataFrame,
    lower: ArrayLike | Mapping[str, float] | pd.Series,
    upper: ArrayLike | Mapping[str, float] | pd.Series,
    direction: Direction | Sequence[Direction] | Mapping[str, Direction] = "positive",
    clip: bool = True,
    out_range: tuple[float, float] = (0.0, 1.0),
) -> NDArray[np.float64] | pd.Series | pd.DataFrame:
    """Return indicators min-max scaled against fixed reference bounds.

    Positive indicators (larger is better) map to (x - lower) / (upper - lower); negative ones
    to (upper - x) / (upper - lower). The result is then mapped linearly onto ``out_range``;
    ``AVOID_ZEROS_RANGE`` = (0.01, 0.99) is the common choice that keeps scores off zero, where
    the geometric-mean coupling collapses to 0.

    Use ``standardize_indicators`` for the same scaling with the clipped values counted.

    Args:
        values: Indicator values, one column per indicator (1-D = one indicator).
        lower: Reference lower bound, a scalar or one per column (a mapping or Series by column
            name for a DataFrame); same unit as ``values``.
        upper: Reference upper bound, like ``lower``; must exceed it.
        direction: ``"positive"`` or ``"negative"``, for all columns or one per column.
        clip: Clip to the reference range (values beyond the bounds get 0 or 1); without it,
            out-of-reference values fall outside ``out_range``.
        out_range: Output interval (low, high) within [0, 1].

    Returns:
        Standardised values, same shape and kind as ``values``, in ``out_range`` when ``clip``.

    Raises:
        ValueError: If ``values`` is empty or non-finite, a bound is non-finite, the bounds do
            not match the columns, ``upper <= lower``, or ``direction`` is unknown.
    """
    data = as_matrix(values, "values")
    n = data.values.shape[1]
    scaled, _ = _scale(
        data.values,
        _per_column(lower, data.columns, n, "lower"),
        _per_column(upper, data.columns, n, "upper"),
        _directions(direction, data.columns, n),
        clip,
        out_range,
    )
    if isinstance(values, pd.DataFrame):
        return pd.DataFrame(scaled, index=data.index, columns=data.columns)
    if isinstance(values, pd.Series):
        return pd.Series(scaled[:, 0], index=data.index, name=values.name)
    return scaled if np.ndim(values) == 2 else scaled[:, 0]


@dataclass(frozen=True)
class StandardizedIndicators:
    """Indicators scaled against a reference, with the bounds used and what was clipped.

    Attributes:
        values: Standardised indicators, same index and columns as the input.
        lower: Lower reference bound per indicator.
        upper: Upper reference bound per indicator.
        clipped: Number of values per indicator that lay outside the reference bounds.
    """

    values: pd.DataFrame
    lower: pd.Series
    upper: pd.Series
    clipped: pd.Series


def standardize_indicators(
    table: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    lower: ArrayLike | Mapping[str, float] | pd.Series | None = None,
    upper: ArrayLike | Mapping[str, float] | pd.Series | None = None,
    direction: Direction | Sequence[Direction] | Mapping[str, Direction] = "positive",
    out_range: tuple[float, float] = (0.0, 1.0),
) -> StandardizedIndicators:
    """Return indicators scaled against a shared reference, with clipped values counted.

    Bounds come either from ``lower``/``upper`` (fixed) or from the column minima and maxima of
    ``reference`` (e.g. the baseline run), never from ``table`` itself unless it is passed as
    its own reference. Values outside the bounds are clipped and counted in ``clipped``.

    Args:
        table: Indicator values, one column per indicator.
        reference: Table whose per-column min and max are the bounds; it must hold every
            column of ``table``. Mutually exclusive with ``lower``/``upper``.
        lower: Fixed lower bounds (scalar, sequence, mapping or Series by column).
        upper: Fixed upper bounds, like ``lower``.
        direction: ``"positive"``/``"negative"`` for all columns, or per column.
        out_range: Output interval within [0, 1], e.g. ``AVOID_ZEROS_RANGE``.

    Returns:
        The standardised table, the bounds used and the clipped count per indicator.

    Raises:
        ValueError: If both or neither of ``reference`` and the fixed bounds are given, the
            reference lacks a column or has a zero-range column, or any check of
            ``minmax_standardize`` fails.
    """
    data = as_matrix(table, "table")
    columns = pd.Index(table.columns)
    n = data.values.shape[1]
    if reference is not None:
        if lower is not None or upper is not None:
            raise ValueError("give either reference or lower/upper bounds, not both")
        missing = [c for c in columns if c not in reference.columns]
        if missing:
            raise ValueError(f"reference lacks columns {missing}")
        ref = as_matrix(reference[columns], "reference").values
        lo, hi = ref.min(axis=0), ref.max(axis=0)
    elif lower is None or upper is None:
        raise ValueError("give either reference or both lower and upper bounds")
    else:
        lo = _per_column(lower, columns, n, "lower")
        hi = _per_column(upper, columns, n, "upper")
    scaled, clipped = _scale(
        data.values, lo, hi, _directions(direction, columns, n), True, out_range
    )
    return StandardizedIndicators(
        values=pd.DataFrame(scaled, index=table.index, columns=columns),
        lower=pd.Series(lo, index=columns, name="lower"),
        upper=pd.Series(hi, index=columns, name="upper"),
        clipped=pd.Series(clipped, index=columns, name="clipped"),
    )
