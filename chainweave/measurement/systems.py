"""Index systems: which indicators, standardised how, weighted how, coupled by which form.

An `IndexSystem` groups catalogue indicators (`chainweave.measurement.catalogue`) into
subsystems. Each indicator has a direction (benefit: larger is better; cost: smaller is
better) and reference bounds, fixed or taken from a baseline; each subsystem weights its
standardised indicators equally, by given weights, by the entropy method or by the first
principal component (`chainweave.analysis.weights`), and either sums them (the usual score) or
takes their own coupling coordination degree (the Henan paper's integration index Du). The
subsystem scores give C (standard, revised or the paper's two-system form), T (subsystem
weights) and D = (C T)^theta (`chainweave.analysis.coupling`).

Bounds from a baseline and data-driven weights are fitted once (`IndexSystem.fit`, on the
baseline run of a comparison, or on the run itself when it stands alone) and then held fixed,
so every variant is scored against the same reference; scoring (`IndexSystem.score`) needs a
fitted system and is vectorised over rows (places, tiers, runs, steps at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from chainweave.analysis import (
    comprehensive_index,
    coordination_degree,
    coupling_degree,
    entropy_weights,
    minmax_standardize,
    pca_weights,
)
from chainweave.errors import ParameterError

Direction = Literal["benefit", "cost"]
WeightMethod = Literal["equal", "given", "entropy", "pca"]
Aggregate = Literal["weighted_sum", "coordination"]
Coupling = Literal["standard", "revised", "paper"]


@dataclass(frozen=True)
class IndicatorUse:
    """One catalogue indicator as a system uses it.

    Attributes:
        name: Catalogue name.
        direction: ``"benefit"`` (larger is better) or ``"cost"``.
        lower: Lower reference bound (indicator's unit); None until fitted when taken from
            the baseline.
        upper: Upper reference bound, > lower; None likewise.
        from_baseline: Whether the bounds are the baseline's minimum and maximum.
        weight: Weight within the subsystem (given, or fitted for entropy/PCA); None for
            equal weights.
    """

    name: str
    direction: Direction
    lower: float | None
    upper: float | None
    from_baseline: bool = False
    weight: float | None = None


@dataclass(frozen=True)
class Subsystem:
    """A subsystem: its indicators, how they are weighted and how they are combined.

    Attributes:
        name: Subsystem name (the score column is ``score_<name>``).
        indicators: The indicators, in order.
        weights: ``"equal"``, ``"given"``, ``"entropy"`` or ``"pca"``.
        aggregate: ``"weighted_sum"`` (score = sum w_j x_j) or ``"coordination"`` (score =
            the coupling coordination degree of the indicators, with the system's coupling
            form and theta, and T weighted by w).
    """

    name: str
    indicators: tuple[IndicatorUse, ...]
    weights: WeightMethod = "equal"
    aggregate: Aggregate = "weighted_sum"


@dataclass(frozen=True)
class IndexSystem:
    """An evaluation index system (see the module docstring).

    Attributes:
        name: System name; columns of a system other than ``default`` are prefixed
            ``<name>_``.
        description: What it is and where it comes from.
        subsystems: Two or more subsystems (exactly two for the ``"paper"`` form).
        coupling: Coupling form of C.
        theta: Exponent of D = (C T)^theta, in (0, 1].
        subsystem_weights: Weights of the subsystems in T, summing to 1; None for equal.
    """

    name: str
    description: str
    subsystems: tuple[Subsystem, ...]
    coupling: Coupling = "standard"
    theta: float = 0.5
    subsystem_weights: tuple[float, ...] | None = None

    @property
    def indicator_names(self) -> tuple[str, ...]:
        """Every indicator the system uses, in order, without repeats."""
        return tuple(dict.fromkeys(i.name for s in self.subsystems for i in s.indicators))

    @property
    def is_fitted(self) -> bool:
        """Whether every bound and every data-driven weight is known (the system can score)."""
        return all(i.lower is not None and (s.weights in ("equal", "given") or i.weight is not None)
                   for s in self.subsystems for i in s.indicators)

    @property
    def needs_baseline(self) -> bool:
        """Whether fitting uses data (baseline bounds or entropy/PCA weights)."""
        return any(i.from_baseline or s.weights in ("entropy", "pca")
                   for s in self.subsystems for i in s.indicators)

    def prefix(self) -> str:
        """Returns the column prefix: "" for ``default``, else ``<name>_``."""
        return "" if self.name == "default" else f"{self.name}_"

    def score_keys(self) -> tuple[str, ...]:
        """Returns the score columns it writes (unprefixed): score_<subsystem>, C, T, D."""
        return (*(f"score_{s.name}" for s in self.subsystems), "C", "T", "D")

    def fit(self, values: Mapping[str, NDArray[np.float64]]) -> IndexSystem:
        """Returns the system with baseline bounds and entropy/PCA weights fitted on ``values``.

        Bounds are the minimum and maximum of each baseline-bounded indicator over the rows;
        weights are computed per subsystem on the indicators standardised with those bounds.
        Fixed bounds and equal or given weights are kept as they are.

        Args:
            values: Indicator values of the baseline, one array per indicator (rows: places
                and steps of the baseline runs).

        Raises:
            ParameterError: If a baseline-bounded indicator does not vary in the baseline, or
                no indicator of an entropy/PCA subsystem varies.
        """
        subsystems = []
        for sub in self.subsystems:
            uses = []
            for i in sub.indicators:
                if i.from_baseline:
                    x = np.asarray(values[i.name], dtype=np.float64)
                    lo, hi = float(x.min()), float(x.max())
                    if not hi > lo:
                        raise ParameterError(f"systems.{self.name}.{sub.name}.{i.name}", lo,
                                             "an indicator that varies in the baseline (or fixed "
                                             "bounds)")
                    i = replace(i, lower=lo, upper=hi)
                uses.append(i)
            sub = replace(sub, indicators=tuple(uses))
            if sub.weights in ("entropy", "pca"):
                scaled = _standardised(sub, values)
                method = entropy_weights if sub.weights == "entropy" else pca_weights
                try:
                    w = method(scaled).weights.to_numpy()
                except ValueError as err:
                    raise ParameterError(f"systems.{self.name}.{sub.name}.weights", sub.weights,
                                         f"indicators that vary in the baseline ({err})") from None
                sub = replace(sub, indicators=tuple(replace(i, weight=float(wj))
                                                    for i, wj in zip(sub.indicators, w, strict=True)))
            subsystems.append(sub)
        return replace(self, subsystems=tuple(subsystems))

    def score(self, values: Mapping[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
        """Returns score_<subsystem>, C, T and D per row of the indicator values.

        Args:
            values: Indicator values by name, equal-length arrays (one row per place, tier,
                cluster, step or run).

        Raises:
            ParameterError: If the system is not fitted.
        """
        if not self.is_fitted:
            raise ParameterError(f"systems.{self.name}", "unfitted",
                                 "a system fitted on a baseline (IndexSystem.fit)")
        scores = {}
        for sub in self.subsystems:
            scaled = _standardised(sub, values)
            if sub.aggregate == "coordination":
                w = _weights(sub)
                c = coupling_degree(scaled, variant=self.coupling)
                t = comprehensive_index(scaled, w)
                scores[f"score_{sub.name}"] = np.asarray(coordination_degree(c, t, theta=self.theta))
            elif sub.weights == "equal":
                scores[f"score_{sub.name}"] = scaled.mean(axis=1)
            else:
                scores[f"score_{sub.name}"] = scaled @ _weights(sub)
        return {**scores, **self.coordinate(np.column_stack(list(scores.values())))}

    def coordinate(self, scores: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Returns C (the system's coupling form), T (subsystem weights) and D = (C T)^theta.

        Args:
            scores: Subsystem scores, one row per observation, one column per subsystem in
                the system's order; non-negative.
        """
        c = np.asarray(coupling_degree(scores, variant=self.coupling))
        t = np.asarray(comprehensive_index(
            scores, None if self.subsystem_weights is None else np.asarray(self.subsystem_weights)))
        return {"C": c, "T": t, "D": np.asarray(coordination_degree(c, t, theta=self.theta))}

    def describe(self) -> list[dict[str, Any]]:
        """Returns one row per subsystem and indicator: how the system scores (for tables)."""
        rows = []
        for k, sub in enumerate(self.subsystems):
            for i in sub.indicators:
                rows.append({
                    "system": self.name, "column_prefix": self.prefix(),
                    "coupling_variant": self.coupling, "theta": self.theta,
                    "subsystem": sub.name, "subsystem_weight": (
                        1 / len(self.subsystems) if self.subsystem_weights is None
                        else self.subsystem_weights[k]),
                    "aggregate": sub.aggregate, "weight_method": sub.weights,
                    "indicator": i.name, "direction": i.direction,
                    "bounds": "baseline" if i.from_baseline else "fixed",
                    "lower": i.lower, "upper": i.upper,
                    "weight": 1 / len(sub.indicators) if i.weight is None else i.weight,
                })
        return rows


def _standardised(sub: Subsystem, values: Mapping[str, NDArray[np.float64]]) -> NDArray[np.float64]:
    """Returns the subsystem's indicators min-max standardised against their bounds, clipped."""
    matrix = np.column_stack([values[i.name] for i in sub.indicators])
    return minmax_standardize(matrix, [i.lower for i in sub.indicators],
                              [i.upper for i in sub.indicators],
                              ["negative" if i.direction == "cost" else "positive"
                               for i in sub.indicators])


def _weights(sub: Subsystem) -> NDArray[np.float64] | None:
    """Returns the indicator weights of a subsystem (None: equal)."""
    if sub.weights == "equal":
        return None
    return np.array([i.weight for i in sub.indicators], dtype=np.float64)
