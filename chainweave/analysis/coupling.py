"""Coupling degree C, comprehensive index T and coupling coordination degree D.

These are the headline metrics of the model: how strongly the industry, innovation, service and
urbanization subsystems move together (C), how developed they are together (T), and the two
combined (D). All functions are vectorised over rows (observations such as place x step x run),
accept numpy arrays or pandas objects and return the same kind.

Three coupling variants are offered by name, because the literature uses all three and they
give different numbers for the same scores; every table built from them names the variant.

References:
    Wu, X. (2020). Mechanism and countermeasures for action of scientific and technological
    innovation on integration of industrialization and urbanization. Asian Agricultural Research
    12(11). Section 3.2 (coupling and coordination degree, Table 1 for Henan 2000-2018).

    Wang, S., Kong, W., Ren, L., Zhi, D., Dai, B. (2021). Research on misuses and modification of
    coupling coordination degree model in China. Journal of Natural Resources 36(3): 793-810.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from chainweave.analysis._checks import (
    as_matrix,
    as_vector,
    check_same_length,
    check_weights,
    require_at_most_one,
    require_nonnegative,
)
from chainweave.analysis.bands import BandScale, coordination_band

CouplingVariant = Literal["standard", "paper", "revised"]
COUPLING_VARIANTS: tuple[str, ...] = ("standard", "paper", "revised")

ScoreTable = NDArray[np.float64] | pd.DataFrame
Column = NDArray[np.float64] | pd.Series


def _wrap(values: NDArray[np.float64], index: pd.Index | None, name: str) -> Column:
    """Return ``values`` as a Series on ``index`` (pandas input) or as the bare array."""
    return values if index is None else pd.Series(values, index=index, name=name)


def _standard_coupling(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return C = n (prod u)^(1/n) / sum u per row; 0 where any score is 0."""
    with np.errstate(divide="ignore"):
        geometric = np.exp(np.log(u).mean(axis=1))
    arithmetic = u.mean(axis=1)
    c = np.divide(geometric, arithmetic, out=np.zeros_like(arithmetic), where=arithmetic > 0)
    # AM-GM gives C <= 1; rounding can overshoot by an ulp, and equal scores must give exactly 1.
    c = np.minimum(c, 1.0)
    c[(u.min(axis=1) == u.max(axis=1)) & (arithmetic > 0)] = 1.0
    return c


def _paper_coupling(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return C = sqrt(u1 u2 / (u1 + u2)^2) per row (the Henan paper's printed form)."""
    total = u[:, 0] + u[:, 1]
    # sqrt(u1) sqrt(u2) / total rather than sqrt(u1 u2 / total^2): no underflow for tiny scores.
    root = np.sqrt(u[:, 0]) * np.sqrt(u[:, 1])
    # AM-GM bounds it by 0.5; rounding of the square roots can overshoot by an ulp.
    return np.minimum(np.divide(root, total, out=np.zeros_like(total), where=total > 0), 0.5)


def _revised_coupling(u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return Wang et al.'s revised C per row (see ``coupling_degree``)."""
    n = u.shape[1]
    ordered = np.sort(u, axis=1)
    # sum_{i<j} |u_i - u_j| over sorted values is sum_k (2k - n + 1) u_(k), k = 0..n-1.
    pair_weights = 2.0 * np.arange(n) - n + 1
    spread = ordered @ pair_weights / (n * (n - 1) / 2)
    top = ordered[:, -1]
    ratios = np.divide(
        ordered[:, :-1], top[:, None], out=np.zeros_like(ordered[:, :-1]), where=top[:, None] > 0
    )
    balance = ratios.prod(axis=1) ** (1.0 / (n - 1))
    c = np.sqrt(np.clip((1.0 - spread) * balance, 0.0, 1.0))
    # Equal positive scores must give exactly 1, whatever the rounding of the spread.
    c[(ordered[:, 0] == top) & (top > 0)] = 1.0
    return c


def coupling_degree(scores: ScoreTable, variant: CouplingVariant = "standard") -> Column:
    r"""Return the coupling degree C of each row of subsystem scores.

    Variants (n = number of subsystems, u_i their scores):

    - ``"standard"``: the general n-system form C = n (prod u_i)^(1/n) / sum u_i, in [0, 1]; equal
      positive scores give exactly 1. Scale-free, so scores need only be non-negative. It
      saturates: weak but similar scores such as (0.2, 0.3, 0.25) still give C = 0.986.
    - ``"paper"``: the two-system form printed in the Henan paper, C = sqrt(u1 u2 / (u1 + u2)^2),
      in [0, 0.5] (half the square root of the standard two-system C). Needs exactly 2 columns.
    - ``"revised"``: Wang et al. (2021),
      C = sqrt( [1 - sum_{i<j} |u_i - u_j| / (n(n-1)/2)] * [prod_i (u_i / max u)]^(1/(n-1)) ),
      in [0, 1]; needs scores in [0, 1]. Two equal scores give 1, as in the standard form, while
      unequal scores are penalised by both their spread and their ratio to the leading
      subsystem: (0.2, 0.3, 0.25) gives 0.834 and (0.9, 0.2, 0.5) gives 0.433.
      Not confirmed against the paper's own text (it could not be fetched, and its equation
      number is unknown here). The form agrees with an independent implementation that cites
      the paper (R package ``mathmodels``, ``coupling_degree(type = "adjusted")``), and it reads
      the product as prod_i (u_i / max u), the reading under which two equal scores give 1;
      the literal reading prod_i u_i / max u would give sqrt(u) for two equal scores u.

    A row with any zero score, or all zeros, has C = 0 in every variant (defined, not NaN).

    Args:
        scores: Subsystem scores, one row per observation and one column per subsystem
            (at least 2 columns), non-negative and finite.
        variant: Which coupling form to use (see above).

    Returns:
        C per row: a 1-D array for array input, a Series named ``"C"`` on the input's index for
        pandas input.

    Raises:
        ValueError: If ``variant`` is unknown, ``scores`` is empty, has fewer than 2 columns
            (exactly 2 for ``"paper"``), or holds NaN, infinite or negative values (or values
            above 1 for ``"revised"``).

    References:
        Wu (2020), section 3.2.2, for the ``"paper"`` form; Wang, Kong, Ren, Zhi and Dai (2021),
        Journal of Natural Resources 36(3): 793-810, for the ``"revised"`` form.
    """
    if variant not in COUPLING_VARIANTS:
        raise ValueError(f"variant must be one of {COUPLING_VARIANTS}, got {variant!r}")
    data = as_matrix(scores, "scores", min_cols=2)
    u = data.values
    require_nonnegative(u, "scores")
    if variant == "standard":
        c = _standard_coupling(u)
    elif variant == "paper":
        if u.shape[1] != 2:
            raise ValueError(
                f"scores must have exactly 2 columns for variant 'paper', got {u.shape[1]}"
            )
        c = _paper_coupling(u)
    else:
        require_at_most_one(u, "scores")
        c = _revised_coupling(u)
    return _wrap(c, data.index, "C")


def comprehensive_index(scores: ScoreTable, weights: ArrayLike | pd.Series | None = None) -> Column:
    """Return the comprehensive development index T = sum_i a_i u_i of each row.

    Args:
        scores: Subsystem scores, one row per observation and one column per subsystem,
            non-negative and finite.
        weights: One weight a_i per subsystem, non-negative and summing to 1; ``None`` gives
            equal weights (the Henan paper's alpha = beta = 0.5 for two subsystems).

    Returns:
        T per row: a 1-D array for array input, a Series named ``"T"`` for pandas input.

    Raises:
        ValueError: If ``scores`` is empty or holds NaN/negative values, or ``weights`` does not
            match the number of subsystems, is negative or does not sum to 1.

    References:
        Wu (2020), section 3.2.3.
    """
    data = as_matrix(scores, "scores")
    require_nonnegative(data.values, "scores")
    n = data.values.shape[1]
    w = np.full(n, 1.0 / n) if weights is None else check_weights(weights, n)
    return _wrap(data.values @ w, data.index, "T")


def coordination_degree(coupling: Column, comprehensive: Column, theta: float = 0.5) -> Column:
    """Return the coupling coordination degree D = (C * T)^theta.

    Args:
        coupling: Coupling degree C per observation, in [0, 1].
        comprehensive: Comprehensive index T per observation, non-negative (in [0, 1] when the
            scores are standardised); same length as ``coupling``.
        theta: Exponent, in (0, 1]; 0.5 as in the Henan paper and common practice.

    Returns:
        D per observation: a 1-D array for array input, a Series named ``"D"`` when either input
        is a Series (on its index).

    Raises:
        ValueError: If an input is empty, NaN, negative (or C above 1), the lengths differ, or
            ``theta`` is outside (0, 1].

    References:
        Wu (2020), section 3.2.3.
    """
    c = as_vector(coupling, "C")
    t = as_vector(comprehensive, "T")
    check_same_length(c.values, t.values, "C and T")
    require_nonnegative(c.values, "C")
    require_at_most_one(c.values, "C")
    require_nonnegative(t.values, "T")
    if not 0.0 < theta <= 1.0:
        raise ValueError(f"theta must be in (0, 1], got {theta!r}")
    index = c.index if c.index is not None else t.index
    return _wrap((c.values * t.values) ** theta, index, "D")


def coupling_coordination(
    scores: ScoreTable,
    variant: CouplingVariant = "standard",
    weights: ArrayLike | pd.Series | None = None,
    theta: float = 0.5,
    scale: BandScale = "paper",
) -> pd.DataFrame:
    """Return C, T, D, the band of D and the variant name side by side, one row per observation.

    D is mostly sqrt(T) when C saturates near 1 (as the standard form does for similar scores),
    so C and T are always reported next to D, and the ``variant`` column says which coupling
    form produced C.

    Args:
        scores: Subsystem scores, one row per observation and one column per subsystem.
        variant: Coupling form, see ``coupling_degree``.
        weights: Subsystem weights for T, summing to 1; ``None`` for equal weights.
        theta: Exponent of D = (C T)^theta, in (0, 1].
        scale: Band scale for D, see ``coordination_band``.

    Returns:
        A DataFrame with columns ``C``, ``T``, ``D``, ``band`` (ordered categorical) and
        ``variant``, on the input's index (a RangeIndex for arrays).

    Raises:
        ValueError: On any invalid input, as for the functions it combines, or if D falls
            outside [0, 1] (T above 1, i.e. scores not standardised).
    """
    c = np.asarray(coupling_degree(scores, variant))
    t = np.asarray(comprehensive_index(scores, weights))
    d = np.asarray(coordination_degree(c, t, theta))
    index = scores.index if isinstance(scores, pd.DataFrame) else None
    table = pd.DataFrame({"C": c, "T": t, "D": d}, index=index)
    table["band"] = coordination_band(d, scale)
    table["variant"] = variant
    return table
