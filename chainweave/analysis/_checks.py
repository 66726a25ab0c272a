"""Input checks shared by the analysis functions.

Every public metric validates its input the same way, so that a bad value fails early with a
``ValueError`` that names the argument and the offending value instead of propagating NaN into a
table. The helpers also strip pandas wrappers into float arrays and remember the index and
column labels, so each public function can hand pandas back for pandas input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

WEIGHT_SUM_ATOL = 1e-9
"""Absolute tolerance on ``sum(weights) == 1``."""


@dataclass(frozen=True)
class Labelled:
    """A float array with the pandas labels it came with (``None`` for numpy input)."""

    values: NDArray[np.float64]
    index: pd.Index | None
    columns: pd.Index | None


def _first_bad(values: NDArray[np.float64], mask: NDArray[np.bool_]) -> str:
    """Return a short description of the first flagged entry, for error messages."""
    pos = np.argwhere(mask)[0]
    where = tuple(int(p) for p in pos)
    return f"{float(values[tuple(pos)])!r} at position {where if len(where) > 1 else where[0]}"


def as_matrix(data: ArrayLike | pd.DataFrame, name: str, *, min_cols: int = 1) -> Labelled:
    """Return ``data`` as a finite 2-D float array (rows = observations) with its labels.

    Args:
        data: Array-like or DataFrame; a 1-D input is read as one column.
        name: Argument name used in error messages.
        min_cols: Least number of columns accepted.

    Raises:
        ValueError: If the input is empty, not 1-D/2-D, has too few columns or holds NaN/inf.
    """
    index = columns = None
    if isinstance(data, pd.DataFrame):
        index, columns = data.index, data.columns
        arr = data.to_numpy(dtype=np.float64)
    elif isinstance(data, pd.Series):
        index, columns = data.index, pd.Index([data.name])
        arr = data.to_numpy(dtype=np.float64)[:, None]
    else:
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name} must be numeric, got {data!r}") from err
        if arr.ndim == 1:
            arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if arr.shape[1] < min_cols:
        raise ValueError(f"{name} needs at least {min_cols} columns, got {arr.shape[1]}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} holds a non-finite value: {_first_bad(arr, bad)}")
    return Labelled(arr, index, columns)


def as_vector(data: ArrayLike | pd.Series, name: str) -> Labelled:
    """Return ``data`` as a finite 1-D float array with its index.

    Args:
        data: Array-like, scalar or Series.
        name: Argument name used in error messages.

    Raises:
        ValueError: If the input is empty, not 1-D or holds NaN/inf.
    """
    index = None
    if isinstance(data, pd.Series):
        index = data.index
        arr = data.to_numpy(dtype=np.float64)
    else:
        try:
            arr = np.atleast_1d(np.asarray(data, dtype=np.float64))
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name} must be numeric, got {data!r}") from err
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} holds a non-finite value: {_first_bad(arr, bad)}")
    return Labelled(arr, index, None)


def require_nonnegative(arr: NDArray[np.float64], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` and the first negative entry of ``arr``."""
    bad = arr < 0
    if bad.any():
        raise ValueError(f"{name} must be non-negative, got {_first_bad(arr, bad)}")


def require_at_most_one(arr: NDArray[np.float64], name: str) -> None:
    """Raise ``ValueError`` naming ``name`` and the first entry of ``arr`` above 1."""
    bad = arr > 1
    if bad.any():
        raise ValueError(f"{name} must be in [0, 1], got {_first_bad(arr, bad)}")


def check_weights(
    weights: ArrayLike | pd.Series, n: int, name: str = "weights"
) -> NDArray[np.float64]:
    """Return validated weights: ``n`` finite non-negative values summing to 1.

    Args:
        weights: One weight per column, in column order (a Series is used in its own order).
        n: Number of columns the weights must match.
        name: Argument name used in error messages.

    Raises:
        ValueError: On a length mismatch, a negative or non-finite weight, or a sum other than 1.
    """
    w = as_vector(weights, name).values
    if w.size != n:
        raise ValueError(f"{name} has {w.size} entries but there are {n} columns: {w.tolist()}")
    require_nonnegative(w, name)
    total = float(w.sum())
    if abs(total - 1.0) > WEIGHT_SUM_ATOL:
        raise ValueError(f"{name} must sum to 1, got sum {total!r} for {w.tolist()}")
    return w


def check_same_length(a: NDArray[np.float64], b: NDArray[np.float64], names: str) -> None:
    """Raise ``ValueError`` if ``a`` and ``b`` differ in length; ``names`` is e.g. ``"C and T"``."""
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{names} have mismatched lengths: {a.shape[0]} and {b.shape[0]}")
