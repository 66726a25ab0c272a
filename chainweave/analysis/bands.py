"""Qualitative bands for the coupling coordination degree D, as ordered categories.

Two scales are offered by name: the four bands (plus the D = 0 and D = 1 end points) used by
the Henan paper, and the ten equal-width levels common in the literature. Both return ordered
pandas Categoricals so that tables sort and compare by band.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from chainweave.analysis._checks import as_vector, require_at_most_one, require_nonnegative

BandScale = Literal["paper", "ten"]

PAPER_BANDS: tuple[str, ...] = ("none", "low", "medium", "benign", "high", "resonance")
"""Henan paper bands: D = 0; (0, 0.3]; (0.3, 0.5]; (0.5, 0.8]; (0.8, 1); D = 1."""

TEN_LEVEL_BANDS: tuple[str, ...] = (
    "extreme_imbalance",
    "severe_imbalance",
    "moderate_imbalance",
    "mild_imbalance",
    "near_imbalance",
    "barely_coordinated",
    "primary_coordination",
    "intermediate_coordination",
    "good_coordination",
    "high_quality_coordination",
)
"""Ten equal bands [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] from extreme imbalance upwards."""

_PAPER_EDGES = np.array([0.3, 0.5, 0.8])
_TEN_EDGES = np.round(np.arange(1, 10) / 10, 1)


def coordination_band(
    coordination: ArrayLike | pd.Series, scale: BandScale = "paper"
) -> pd.Categorical | pd.Series:
    """Return the band of each coupling coordination degree D as an ordered categorical.

    Scales:

    - ``"paper"`` (Wu 2020, section 3.3): ``none`` (D = 0), ``low`` (0 < D <= 0.3, unacceptable),
      ``medium`` (0.3 < D <= 0.5, barely acceptable), ``benign`` (0.5 < D <= 0.8, acceptable),
      ``high`` (0.8 < D < 1, high quality), ``resonance`` (D = 1).
    - ``"ten"``: ten equal bands closed on the left, [0, 0.1) ``extreme_imbalance`` up to
      [0.9, 1] ``high_quality_coordination`` (see ``TEN_LEVEL_BANDS``).

    Args:
        coordination: Coupling coordination degree D per observation, in [0, 1].
        scale: Which band scale to use.

    Returns:
        An ordered ``pandas.Categorical`` for array input, or a categorical Series named
        ``"band"`` on the input's index for Series input.

    Raises:
        ValueError: If ``scale`` is unknown or D is empty, NaN or outside [0, 1].
    """
    d = as_vector(coordination, "D")
    require_nonnegative(d.values, "D")
    require_at_most_one(d.values, "D")
    if scale == "paper":
        codes = 1 + np.searchsorted(_PAPER_EDGES, d.values, side="left")
        codes[d.values == 0.0] = 0
        codes[d.values == 1.0] = 5
        labels = PAPER_BANDS
    elif scale == "ten":
        codes = np.searchsorted(_TEN_EDGES, d.values, side="right")
        labels = TEN_LEVEL_BANDS
    else:
        raise ValueError(f"scale must be 'paper' or 'ten', got {scale!r}")
    bands = pd.Categorical.from_codes(codes, categories=list(labels), ordered=True)
    return bands if d.index is None else pd.Series(bands, index=d.index, name="band")
