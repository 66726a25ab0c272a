"""Structure metrics of a cluster: specialization, diversification, spatial autocorrelation.

These say how the cluster's industrial structure changes under a policy: whether regions become
more alike (duplicate low-end chains) or divide labour (specialization index), whether a place's
output is concentrated in few industries (Herfindahl), and whether a score clusters in space over
the place graph (Moran's I).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from chainweave.analysis._checks import as_matrix, as_vector, require_nonnegative


def _cluster_codes(n: int, clusters: ArrayLike | pd.Series | None) -> NDArray[np.intp]:
    """Return an integer cluster code per row (all zeros when ``clusters`` is None)."""
    if clusters is None:
        return np.zeros(n, dtype=np.intp)
    labels = np.asarray(clusters)
    if labels.shape[0] != n:
        raise ValueError(f"clusters has {labels.shape[0]} entries but output has {n} rows")
    if labels.ndim == 2:
        return pd.MultiIndex.from_arrays(list(labels.T)).factorize()[0]
    return pd.factorize(labels)[0]


def specialization_terms(
    output: ArrayLike | pd.DataFrame, clusters: ArrayLike | pd.Series | None = None
) -> NDArray[np.float64] | pd.DataFrame:
    """Return each industry's relative specialization |s_i^k - sbar_i^k| for each region.

    s_i^k is industry k's share of region i's output; sbar_i^k is its share of the output of all
    other regions of the same cluster (region i against the rest of the cluster).

    Args:
        output: Gross output E_i^k, one row per region (e.g. place x step x run) and one column
            per industry, non-negative, in any one currency unit.
        clusters: Cluster label per row (e.g. ``(run, step)`` pairs as a 2-column array);
            regions are compared within their cluster. ``None``: all rows form one cluster.

    Returns:
        The per-industry terms, same shape and labels as ``output``; each row sums to K_i.

    Raises:
        ValueError: If ``output`` is empty, NaN or negative, a cluster has a single region, a
            region has zero total output, or the rest of a cluster has none.

    References:
        Regional relative specialization index, seed 004 eq. (1); Krugman (1991), Geography
        and Trade, appendix D.
    """
    data = as_matrix(output, "output")
    e = data.values
    require_nonnegative(e, "output")
    codes = _cluster_codes(e.shape[0], clusters)
    sizes = np.bincount(codes)
    if (sizes < 2).any():
        lone = int(np.argmax(sizes < 2))
        raise ValueError(f"output has a cluster with a single region (cluster {lone}, row count 1)")
    region_total = e.sum(axis=1)
    if (region_total <= 0).any():
        row = int(np.argmax(region_total <= 0))
        raise ValueError(f"output has a region with zero total output at row {row}")
    # One bincount per industry column (a handful), not a loop over rows.
    cluster_industry = np.column_stack(
        [np.bincount(codes, weights=e[:, k], minlength=sizes.size) for k in range(e.shape[1])]
    )
    rest = cluster_industry[codes] - e
    rest_total = rest.sum(axis=1)
    if (rest_total <= 0).any():
        row = int(np.argmax(rest_total <= 0))
        raise ValueError(f"output has no output outside the region at row {row}")
    terms = np.abs(e / region_total[:, None] - rest / rest_total[:, None])
    if isinstance(output, pd.DataFrame):
        return pd.DataFrame(terms, index=output.index, columns=output.columns)
    return terms


def specialization_index(
    output: ArrayLike | pd.DataFrame, clusters: ArrayLike | pd.Series | None = None
) -> NDArray[np.float64] | pd.Series:
    """Return the regional relative specialization index K_i = sum_k |s_i^k - sbar_i^k|.

    Range [0, 2]: 0 when region i has the same industry mix as the rest of its cluster, 2 when
    it shares no industry with it.

    Args:
        output: Gross output, one row per region and one column per industry (see
            ``specialization_terms``).
        clusters: Cluster label per row; ``None`` for one cluster.

    Returns:
        K per region: an array, or a Series named ``"specialization"`` for DataFrame input.

    Raises:
        ValueError: As ``specialization_terms``.

    References:
        Seed 004 eq. (1).
    """
    terms = specialization_terms(output, clusters)
    if isinstance(terms, pd.DataFrame):
        return terms.sum(axis=1).rename("specialization")
    return terms.sum(axis=1)


def herfindahl_index(output: ArrayLike | pd.DataFrame) -> NDArray[np.float64] | pd.Series:
    """Return the Herfindahl concentration H = sum_k s_k^2 of each row's industry shares.

    Range [1/K, 1] for K industries: 1 when all output is in one industry.

    Args:
        output: Output per industry, one row per region, non-negative, positive row totals.

    Returns:
        H per row: an array, or a Series named ``"herfindahl"`` for DataFrame input.

    Raises:
        ValueError: If ``output`` is empty, NaN, negative, or a row total is zero.

    References:
        Herfindahl (1950); Hirschman (1964).
    """
    data = as_matrix(output, "output")
    e = data.values
    require_nonnegative(e, "output")
    total = e.sum(axis=1)
    if (total <= 0).any():
        raise ValueError(f"output has a zero row total at row {int(np.argmax(total <= 0))}")
    h = ((e / total[:, None]) ** 2).sum(axis=1)
    return h if data.index is None else pd.Series(h, index=data.index, name="herfindahl")


def diversification_index(output: ArrayLike | pd.DataFrame) -> NDArray[np.float64] | pd.Series:
    """Return the diversification 1 - H, the complement of ``herfindahl_index``.

    Range [0, 1 - 1/K]: 0 for a single-industry region.

    Args:
        output: Output per industry, one row per region (see ``herfindahl_index``).

    Returns:
        1 - H per row: an array, or a Series named ``"diversification"``.

    Raises:
        ValueError: As ``herfindahl_index``.
    """
    h = herfindahl_index(output)
    return (1.0 - h).rename("diversification") if isinstance(h, pd.Series) else 1.0 - h


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I with its permutation test.

    Attributes:
        statistic: Moran's I.
        expected: Its expectation under no autocorrelation, -1 / (n - 1).
        p_value: Permutation p-value, (1 + extreme) / (1 + permutations).
        permutations: Number of random permutations used.
        alternative: The tested alternative.
    """

    statistic: float
    expected: float
    p_value: float
    permutations: int
    alternative: str


def _spatial_weights(
    weights: nx.Graph | ArrayLike | sparse.sparray, nodes: list | None, n: int
) -> sparse.csr_array:
    """Return the spatial weight matrix as CSR, built from a graph or a matrix."""
    if isinstance(weights, nx.Graph):
        order = list(weights.nodes) if nodes is None else nodes
        missing = [v for v in order if v not in weights]
        if missing:
            raise ValueError(f"weights graph lacks nodes {missing[:5]}")
        w = sparse.csr_array(nx.to_scipy_sparse_array(weights, nodelist=order, format="csr"))
    else:
        w = sparse.csr_array(weights, dtype=np.float64)
    if w.shape != (n, n):
        raise ValueError(f"weights must be {n} x {n} for {n} values, got shape {w.shape}")
    if w.nnz and (w.data < 0).any():
        raise ValueError(f"weights must be non-negative, got {float(w.data.min())!r}")
    return w


def morans_i(
    values: ArrayLike | pd.Series,
    weights: nx.Graph | ArrayLike | sparse.sparray,
    rng: np.random.Generator | int,
    permutations: int = 999,
    row_standardize: bool = True,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
) -> MoranResult:
    """Return global Moran's I of a score over the place graph, with a permutation p-value.

    I = (n / S0) (z' W z) / (z' z) with z the deviations from the mean and S0 the sum of the
    weights. The p-value compares I with its values under random permutations of the scores.

    Args:
        values: Score per place; a Series is matched to graph nodes by its index.
        weights: A networkx graph (edge attribute ``weight`` if present, else 1) or an n x n
            matrix (dense or scipy sparse), non-negative.
        rng: Generator or seed for the permutations (no global random state is used).
        permutations: Number of permutations, at least 1.
        row_standardize: Divide each row of W by its sum (isolated places keep a zero row).
        alternative: ``"greater"`` (clustering), ``"less"`` (dispersion) or ``"two-sided"``
            (distance from the expectation).

    Returns:
        Moran's I, its expectation, the permutation p-value and the settings used.

    Raises:
        ValueError: If ``values`` is empty, NaN or constant, the weights do not match or sum to
            zero, or ``permutations`` or ``alternative`` is invalid.

    References:
        Moran (1950), Biometrika 37: 17-23; Anselin (1995), Geographical Analysis 27: 93-115.
    """
    v = as_vector(values, "values")
    x = v.values
    n = x.size
    nodes = list(v.index) if v.index is not None else None
    w = _spatial_weights(weights, nodes, n)
    if row_standardize:
        rows = np.asarray(w.sum(axis=1)).ravel()
        w = sparse.csr_array(
            sparse.diags_array(np.divide(1.0, rows, where=rows > 0, out=np.zeros(n))) @ w
        )
    s0 = float(w.sum())
    if s0 <= 0:
        raise ValueError("weights sum to zero: no neighbour pairs")
    if permutations < 1:
        raise ValueError(f"permutations must be at least 1, got {permutations!r}")
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(
            f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}"
        )
    z = x - x.mean()
    zz = float(z @ z)
    if zz == 0:
        raise ValueError(f"values are constant ({float(x[0])!r}): Moran's I is undefined")
    scale = n / s0 / zz
    observed = scale * float(z @ (w @ z))
    generator = np.random.default_rng(rng)
    shuffled = generator.permuted(np.broadcast_to(z, (permutations, n)), axis=1)
    simulated = scale * np.einsum("pi,pi->p", shuffled, (w @ shuffled.T).T)
    expected = -1.0 / (n - 1)
    if alternative == "greater":
        extreme = np.count_nonzero(simulated >= observed)
    elif alternative == "less":
        extreme = np.count_nonzero(simulated <= observed)
    else:
        extreme = np.count_nonzero(np.abs(simulated - expected) >= abs(observed - expected))
    return MoranResult(
        observed, expected, (1 + extreme) / (1 + permutations), permutations, alternative
    )
