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
