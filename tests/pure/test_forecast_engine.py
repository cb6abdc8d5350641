import numpy as np
import pandas as pd
import pytest
from crm_ext_engine.forecast import backtest_mape, forecast_series, monthly_series, revenue_forecast


def _seasonal(months=48, seed=0, noise=20.0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2022-01-01", periods=months, freq="MS")
    t = np.arange(months)
    values = 1000 + 10 * t + 200 * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise, months)
    return pd.Series(values, index=index)


def test_seasonal_series_is_forecast_with_ets_and_small_error():
    series = _seasonal()
    frame, method = forecast_series(series, horizon=12)
    assert method == "ets"
    assert len(frame) == 12
    assert frame["month"].iloc[0] == pd.Timestamp("2026-01-01")
    t = np.arange(48, 60)
    truth = 1000 + 10 * t + 200 * np.sin(2 * np.pi * t / 12)
    assert np.mean(np.abs(frame["forecast"] - truth) / truth) < 0.05, "trend and season are carried on"
    assert (frame["lower_95"] <= frame["lower_80"]).all()
    assert (frame["lower_80"] <= frame["forecast"]).all() and (frame["forecast"] <= frame["upper_80"]).all()
    assert (frame["upper_80"] <= frame["upper_95"]).all()
    mape = backtest_mape(series)
    assert mape is not None and mape < 5


def test_short_series_falls_back_to_the_mean():
    series = pd.Series([100.0, 120.0, 80.0, 100.0], index=pd.date_range("2026-01-01", periods=4, freq="MS"))
    frame, method = forecast_series(series, horizon=3)
    assert method == "mean"
    assert frame["forecast"].tolist() == [100.0] * 3
    spread = np.std([100, 120, 80, 100], ddof=1) * np.sqrt(1 + 1 / 4)
    assert frame["upper_95"].iloc[0] == pytest.approx(100 + 1.959964 * spread, rel=1e-5)
    too_short, none = forecast_series(series.iloc[:2])
    assert none == "none" and too_short.empty
    with pytest.raises(ValueError):
        forecast_series(series, horizon=0)


def test_monthly_series_fills_empty_months_and_sums():
    revenue = pd.DataFrame(
        [("a", "2026-01-05", 10.0), ("a", "2026-01-20", 5.0), ("a", "2026-03-01", 7.0),
         ("b", "2026-02-10", 1.0), ("a", "2026-03-15", -2.0)],
        columns=["key", "date", "amount"],
    )  # fmt: skip
    series = monthly_series(revenue)
    assert series["a"].tolist() == [15.0, 0.0, 5.0]
    assert series["b"].index[0] == pd.Timestamp("2026-02-01") and series["b"].tolist() == [1.0, 0.0]


def test_revenue_forecast_per_key():
    rows = [("co", month, value) for month, value in _seasonal(30).items()]
    rows += [("team", "2024-04-01", 50.0), ("team", "2024-05-01", 70.0), ("team", "2024-06-01", 60.0)]
    frame, backtest = revenue_forecast(pd.DataFrame(rows, columns=["key", "date", "amount"]), horizon=6)
    co = frame[frame["key"] == "co"]
    assert co["actual"].notna().sum() == 30 and co["forecast"].notna().sum() == 6
    assert backtest["co"][0] == "ets" and backtest["co"][1] < 10
    team = frame[frame["key"] == "team"]
    assert team["actual"].tolist()[:3] == [50.0, 70.0, 60.0]
    assert team["forecast"].notna().sum() == 6
    # every key runs to the last month of the whole frame: a quiet key shows zeros
    late = pd.DataFrame([("x", "2024-01-01", 5.0)], columns=["key", "date", "amount"])
    frame, _backtest = revenue_forecast(
        pd.concat([late, pd.DataFrame(rows, columns=["key", "date", "amount"])]), 3
    )
    assert frame[(frame["key"] == "x") & frame["actual"].notna()]["actual"].tolist() == [5.0, 0, 0, 0, 0, 0]
    assert backtest["team"] == ("mean", None)


def test_ets_picks_the_model_statsmodels_would_and_forecasts_the_same():
    """The forecast builds one results object (the lower AIC's): the same model and figures as
    fitting both results objects and comparing their ``aic``."""
    import warnings

    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = _seasonal(40, seed=3, noise=60.0)
    frame, method = forecast_series(series, horizon=6)
    assert method == "ets"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        indexed = pd.Series(series.to_numpy(), index=pd.DatetimeIndex(series.index, freq="MS"))
        fits = [
            ETSModel(
                indexed, error="add", trend="add", damped_trend=damped, seasonal="add", seasonal_periods=12
            ).fit(disp=False, maxiter=1000)
            for damped in (True, False)
        ]
        best = min(fits, key=lambda fit: fit.aic)
        expected = best.get_prediction(start=40, end=45).summary_frame(alpha=0.05)
    np.testing.assert_allclose(frame["forecast"].to_numpy(), expected["mean"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(frame["lower_95"].to_numpy(), expected["pi_lower"].to_numpy(), rtol=1e-9)


def test_backtest_fits_of_the_same_earlier_months_are_reused(monkeypatch):
    import crm_ext_engine.forecast as engine

    fits = []
    real = engine.forecast_series

    def counted(values, horizon=12):
        fits.append(len(values))
        return real(values, horizon)

    monkeypatch.setattr(engine, "forecast_series", counted)
    series = _seasonal(36, seed=5)
    known = {}
    first = engine.backtest_mape(series, used=known)
    assert fits == [30] and len(known) == 1
    # the same series (a rerun), then only the held-out months changed (a new invoice this month)
    assert engine.backtest_mape(series, known=known) == first
    later = series.copy()
    later.iloc[-1] += 500.0
    changed = engine.backtest_mape(later, known=known)
    assert fits == [30], "the months before the held-out ones did not change: no new fit"
    assert changed != first
    assert changed == pytest.approx(engine.backtest_mape(later))  # as computed without the known fits
    # a change before the held-out months (a back-dated invoice): fitted again
    earlier = series.copy()
    earlier.iloc[10] += 500.0
    used = {}
    engine.backtest_mape(earlier, known=known, used=used)
    assert fits[-1] == 30 and len(fits) == 3
    assert len(used) == 1 and set(used).isdisjoint(known), "what this call used, for the next run"
