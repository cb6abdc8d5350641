"""Monthly revenue forecast with intervals and a backtest.

Series of 24 months or more: an additive ETS model with an additive trend (damped or not,
whichever has the lower AIC) and a 12-month additive seasonality (statsmodels
``ETSModel``, fitted by maximum likelihood), whose prediction intervals come from the
model's own error variance. Shorter series (at least
3 months): the mean of the last 12 months, with intervals from the spread of those months
around it (a normal approximation), so that a young company still gets a figure; the
method used is returned with every forecast. The backtest fits the same method without
the last 6 months and measures the mean absolute percentage error on them.
"""

import hashlib
import warnings

import numpy as np
import pandas as pd
from scipy import stats

FORECAST_COLUMNS = [
    "key",
    "month",
    "actual",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "method",
]
SEASONAL_MIN_MONTHS = 24
MIN_MONTHS = 3
BACKTEST_MONTHS = 6


def monthly_series(revenue, key_columns=("key",)):
    """Monthly totals per key with empty months as 0, from ``revenue`` with columns
    ``key``, ``date`` (any date in the month) and ``amount``.

    Returns ``{key: Series indexed by month start}`` from each key's first month to the
    last month present in the whole frame.
    """
    if revenue.empty:
        return {}
    frame = revenue.assign(month=pd.to_datetime(revenue["date"]).dt.to_period("M").dt.to_timestamp())
    last = frame["month"].max()
    totals = frame.groupby(["key", "month"], sort=True)["amount"].sum()
    series = {}
    for key, values in totals.groupby(level=0):
        values = values.droplevel(0)
        index = pd.date_range(values.index.min(), last, freq="MS")
        series[key] = values.reindex(index, fill_value=0.0).astype(float)
    return series


def _ets_forecast(values, horizon):
    from statsmodels.tools.eval_measures import aic
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        # convergence chatter of the optimiser: the fit is still used, its error is measured
        warnings.simplefilter("ignore")
        series = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(values.index, freq="MS"))
        models = [
            ETSModel(
                series, error="add", trend="add", damped_trend=damped, seasonal="add", seasonal_periods=12
            )
            for damped in (True, False)
        ]
        # the parameters of both, then the results of the one with the lower AIC only: building
        # a results object computes the parameters' covariance (a complex-step Hessian, half of a
        # fit's time), which the forecast and its intervals do not use. The AIC is the results'
        # (llf, nobs, free parameters + 1).
        fitted = [(model, model.fit(disp=False, maxiter=1000, return_params=True)) for model in models]
        model, params = min(
            fitted, key=lambda pair: aic(pair[0].loglike(pair[1]), pair[0].nobs, pair[0].k_params + 1)
        )
        fit = model.smooth(params)
        prediction = fit.get_prediction(start=len(values), end=len(values) + horizon - 1)
        mean = np.asarray(prediction.predicted_mean, dtype=float)
        frames = {level: prediction.summary_frame(alpha=1 - level) for level in (0.8, 0.95)}
    bounds = {
        level: (frame["pi_lower"].to_numpy(dtype=float), frame["pi_upper"].to_numpy(dtype=float))
        for level, frame in frames.items()
    }
    return mean, bounds


def _mean_forecast(values, horizon):
    recent = values.to_numpy(dtype=float)[-12:]
    mean = recent.mean()
    spread = recent.std(ddof=1) if len(recent) > 1 else 0.0
    # the error of a new month around an estimated mean
    scale = spread * np.sqrt(1 + 1 / len(recent))
    bounds = {}
    for level in (0.8, 0.95):
        z = stats.norm.ppf(0.5 + level / 2)
        bounds[level] = (np.full(horizon, mean - z * scale), np.full(horizon, mean + z * scale))
    return np.full(horizon, mean), bounds


def forecast_series(values, horizon=12):
    """Forecast of a monthly series (a Series indexed by month start).

    Returns ``(frame, method)``: ``month``, ``forecast`` and the 80 % and 95 % bounds of
    the ``horizon`` months after the series, and "ets" or "mean". Too short a series
    (under 3 months) returns an empty frame and "none".
    """
    if horizon < 1:
        raise ValueError("the horizon is at least one month")
    if len(values) < MIN_MONTHS:
        return pd.DataFrame(columns=FORECAST_COLUMNS[1:-1]), "none"
    method = "ets" if len(values) >= SEASONAL_MIN_MONTHS else "mean"
    mean, bounds = (_ets_forecast if method == "ets" else _mean_forecast)(values, horizon)
    months = pd.date_range(values.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    frame = pd.DataFrame(
        {
            "month": months,
            "forecast": mean,
            "lower_80": bounds[0.8][0],
            "upper_80": bounds[0.8][1],
            "lower_95": bounds[0.95][0],
            "upper_95": bounds[0.95][1],
        }
    )
    return frame, method


def series_signature(values):
    """A short text identifying a monthly series (first month and every value to the cent): two
    series with the same signature give the same forecast."""
    digest = hashlib.sha256(np.round(values.to_numpy(dtype=float), 2).tobytes()).hexdigest()[:32]
    return f"{pd.Timestamp(values.index[0]).date().isoformat()}:{len(values)}:{digest}"


def backtest_mape(values, months=BACKTEST_MONTHS, known=None, used=None):
    """Mean absolute percentage error (in %) of the method forecasting the last ``months``
    months from the ones before; months with no revenue are left out. None when the series
    is too short to hold them out.

    ``known``: earlier backtests (``{signature of the months before: forecast of the held-out
    months}``, see ``series_signature``): the forecast of the same earlier months is not fitted
    again (within a month only the last months change, so a nightly run reuses the previous
    night's backtest fits). ``used``: a dict that receives this backtest's entry."""
    if len(values) < MIN_MONTHS + months:
        return None
    before = values.iloc[:-months]
    signature = series_signature(before)
    predicted = (known or {}).get(signature)
    if predicted is None or len(predicted) != months:
        frame, _method = forecast_series(before, horizon=months)
        predicted = frame["forecast"].to_numpy(dtype=float).tolist()
    if used is not None:
        used[signature] = predicted
    actual = values.iloc[-months:].to_numpy(dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    nonzero = actual != 0
    if not nonzero.any():
        return None
    return float(np.mean(np.abs((actual[nonzero] - predicted[nonzero]) / actual[nonzero])) * 100)


def revenue_forecast(revenue, horizon=12, known_backtests=None, used_backtests=None):
    """Actual and forecast months of every key of ``revenue`` (columns ``key``, ``date``,
    ``amount``; a key is e.g. a company or a sales team).

    Returns ``(frame, backtest)``: one row per key and month — the actual months with
    ``actual`` set, then the forecast months with ``forecast`` and the bounds — and
    ``{key: (method, MAPE or None)}``. ``known_backtests`` and ``used_backtests``: ``backtest_mape``'s
    ``known`` and ``used``, one dict each for every key (the caller keeps what was used for its
    next call).
    """
    rows = []
    backtest = {}
    for key, values in monthly_series(revenue).items():
        forecast, method = forecast_series(values, horizon)
        backtest[key] = (
            method,
            backtest_mape(values, known=known_backtests, used=used_backtests) if method != "none" else None,
        )
        rows.append(
            pd.DataFrame({"key": key, "month": values.index, "actual": values.to_numpy(), "method": method})
        )
        if not forecast.empty:
            rows.append(forecast.assign(key=key, method=method))
    if not rows:
        return pd.DataFrame(columns=FORECAST_COLUMNS), backtest
    frame = pd.concat(rows, ignore_index=True)
    return frame.reindex(columns=FORECAST_COLUMNS), backtest
