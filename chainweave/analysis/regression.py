"""The lagged regression of the Henan paper: integration on S&T level, its lag and its own lag.

Du_t = b0 + b1 K_t + b2 K_{t-1} + b3 Du_{t-1} + e_t, fitted by ordinary least squares
(statsmodels) on any pair of series: the model's own outputs or a user's statistical panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from numpy.typing import ArrayLike

from chainweave.analysis._checks import as_vector, check_same_length

LAGGED_TERMS: tuple[str, ...] = ("const", "x", "x_lag1", "y_lag1")
"""Row names of the coefficient table: intercept, x_t, x_{t-1}, y_{t-1}."""


@dataclass(frozen=True)
class LaggedRegressionResult:
    """Coefficients and fit of the lagged regression.

    Attributes:
        coefficients: One row per term in ``LAGGED_TERMS`` with columns ``coef``, ``std_err``,
            ``t``, ``p_value``.
        r_squared: Coefficient of determination.
        adj_r_squared: R-squared adjusted for the 3 regressors.
        n_obs: Observations used (the series length minus one for the lag).
        durbin_watson: Durbin-Watson statistic of the residuals.
    """

    coefficients: pd.DataFrame
    r_squared: float
    adj_r_squared: float
    n_obs: int
    durbin_watson: float


def lagged_regression(y: ArrayLike | pd.Series, x: ArrayLike | pd.Series) -> LaggedRegressionResult:
    """Return the OLS fit of y_t = b0 + b1 x_t + b2 x_{t-1} + b3 y_{t-1}.

    In the Henan paper y is the industrialization-urbanization integration Du and x the S&T
    level K (Table 2: Du_t = 0.154 + 0.777 K_t + 0.830 K_{t-1} + 0.780 Du_{t-1}, R^2 0.953,
    18 observations after the lag).

    Args:
        y: Dependent series in time order (e.g. integration degree per year).
        x: Explanatory series in the same time order and of the same length.

    Returns:
        Coefficients with standard errors, t statistics and p-values, R^2, adjusted R^2, the
        number of observations and the Durbin-Watson statistic.

    Raises:
        ValueError: If a series is empty or NaN, the lengths differ, or there are fewer than
            6 points (5 observations after the lag for 4 coefficients and 1 residual degree of
            freedom).

    References:
        Wu (2020), section 3.4 and Table 2.
    """
    yv = as_vector(y, "y").values
    xv = as_vector(x, "x").values
    check_same_length(yv, xv, "y and x")
    if yv.size < 6:
        raise ValueError(f"y and x need at least 6 points for the lagged regression, got {yv.size}")
    design = np.column_stack([np.ones(yv.size - 1), xv[1:], xv[:-1], yv[:-1]])
    fit = sm.OLS(yv[1:], design).fit()
    table = pd.DataFrame(
        {"coef": fit.params, "std_err": fit.bse, "t": fit.tvalues, "p_value": fit.pvalues},
        index=pd.Index(LAGGED_TERMS, name="term"),
    )
    dw = float(sm.stats.durbin_watson(fit.resid))
    return LaggedRegressionResult(
        table, float(fit.rsquared), float(fit.rsquared_adj), int(fit.nobs), dw
    )
