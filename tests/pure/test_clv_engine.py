"""The lifetime-value engine against the published results and by hand.

``data/cdnow_sample_summary.csv`` is the CDNOW sample (2,357 customers who first bought in the
first quarter of 1997, 39 weeks of calibration) that Fader, Hardie & Lee (2005) and Fader &
Hardie (2013) fitted, as Bruce Hardie distributes it: ``x`` repeat purchases, ``t_x`` and ``T``
in weeks, ``zbar`` the average value of the repeat purchases.
"""

from pathlib import Path
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from crm_ext_engine import clv
from crm_ext_engine.clv import (
    bgnbd_expected_purchases,
    bgnbd_probability_alive,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_value,
    purchase_inputs,
    summary_from_inputs,
    summary_from_transactions,
)

CDNOW = pd.read_csv(Path(__file__).parent / "data" / "cdnow_sample_summary.csv")
# FHL (2005), table 1; FH (2013), section 4
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def test_bgnbd_parameters_match_the_paper_on_cdnow():
    params = fit_bgnbd(CDNOW["x"], CDNOW["t_x"], CDNOW["T"])
    for name, value in PUBLISHED_BGNBD.items():
        assert params[name] == pytest.approx(value, rel=0.01), name


def test_gamma_gamma_parameters_match_the_paper_on_cdnow():
    repeat = CDNOW[CDNOW["x"] > 0]
    assert len(repeat) == 946
    params = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        assert params[name] == pytest.approx(value, rel=0.01), name
    # the population mean of the spend per transaction (FH 2013: 35.3 with these parameters)
    assert params["p"] * params["v"] / (params["q"] - 1) == pytest.approx(35.2, abs=0.3)


def test_expected_purchases_agree_with_a_simulation_of_the_model():
    """E[X(t)] of a new customer (x = t_x = T = 0) equals the mean of simulated BG/NBD customers."""
    params = {"r": 0.8, "alpha": 6.0, "a": 1.6, "b": 4.0}
    rng = np.random.default_rng(3)
    n, horizon = 100_000, 52.0
    rate = rng.gamma(params["r"], 1 / params["alpha"], n)
    drop = rng.beta(params["a"], params["b"], n)
    counts = np.zeros(n)
    clock = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        clock[active] += rng.exponential(1 / rate[active])
        bought = active & (clock <= horizon)
        counts[bought] += 1
        # after each purchase the customer drops out with probability p
        active = bought & (rng.random(n) >= drop)
    expected = bgnbd_expected_purchases(params, horizon, np.zeros(1), np.zeros(1), np.zeros(1))[0]
    assert counts.mean() == pytest.approx(expected, rel=0.02)


def test_probability_alive_and_expected_value_by_hand():
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    # no repeat purchase: alive for sure in BG/NBD (a customer drops out only after a purchase)
    assert bgnbd_probability_alive(params, [0], [0.0], [30.0])[0] == 1.0
    # 2 repeats, the last 8.43 weeks ago: 1 / (1 + a/(b+1) * ((alpha+T)/(alpha+t_x))^(r+2))
    odds = 0.793 / (2.426 + 1) * ((4.414 + 38.86) / (4.414 + 30.43)) ** (0.243 + 2)
    assert bgnbd_probability_alive(params, [2], [30.43], [38.86])[0] == pytest.approx(1 / (1 + odds))
    # a recent buyer is more alive than one who stopped long ago, and expected to buy more
    recent, stale = bgnbd_expected_purchases(params, 39.0, [2, 2], [37.0, 5.0], [38.86, 38.86])
    assert recent > stale
    gamma = {"p": 6.25, "q": 3.74, "v": 15.44}
    # (v + m x) p / (p x + q - 1), and the population mean p v / (q - 1) without repeat
    assert gamma_gamma_expected_value(gamma, [3], [40.0])[0] == pytest.approx(
        (15.44 + 40.0 * 3) * 6.25 / (6.25 * 3 + 3.74 - 1)
    )
    assert gamma_gamma_expected_value(gamma, [0], [np.nan])[0] == pytest.approx(6.25 * 15.44 / 2.74)


def test_summary_from_transactions_by_hand():
    rows = pd.DataFrame(
        [
            (1, "2026-01-01", 100.0),
            (1, "2026-01-01", 20.0),  # same day: one purchase of 120
            (1, "2026-01-15", 60.0),
            (1, "2026-01-29", 90.0),
            (1, "2026-02-05", -30.0),  # a credit note: no purchase, lowers the total
            (2, "2026-01-22", 50.0),
            (3, "2026-01-10", -10.0),  # only a credit note: not a customer here
        ],
        columns=["partner_id", "date", "amount"],
    )
    summary = summary_from_transactions(rows, "2026-02-26").set_index("partner_id")
    assert list(summary.index) == [1, 2]
    assert summary.loc[1, "frequency"] == 2
    assert summary.loc[1, "recency"] == pytest.approx(4.0)  # 28 days
    assert summary.loc[1, "T"] == pytest.approx(8.0)  # 56 days
    assert summary.loc[1, "monetary"] == pytest.approx(75.0)  # (60 + 90) / 2, the first not counted
    assert summary.loc[1, "total"] == pytest.approx(240.0)
    assert summary.loc[2, "frequency"] == 0
    assert np.isnan(summary.loc[2, "monetary"])


def test_customer_lifetime_value_on_cdnow():
    summary = CDNOW.rename(
        columns={"ID": "partner_id", "x": "frequency", "t_x": "recency", "zbar": "monetary"}
    )
    summary["total"] = summary["monetary"] * (summary["frequency"] + 1)
    frame, info = customer_lifetime_value(summary, horizon_weeks=39)
    assert info["method"] == "bgnbd"
    assert info["params"]["r"] == pytest.approx(0.243, rel=0.01)
    assert len(frame) == len(CDNOW)
    assert frame["clv"].ge(0).all() and frame["p_alive"].between(0, 1).all()
    assert frame["expected_purchases"].gt(0).all()
    # the value is the expected purchases times the expected value per purchase
    assert np.allclose(frame["clv"], frame["expected_purchases"] * frame["expected_value"])
    top = frame.set_index("partner_id")["clv"].idxmax()
    assert CDNOW.set_index("ID").loc[top, "x"] > 0


def _cdnow_summary():
    summary = CDNOW.rename(
        columns={"ID": "partner_id", "x": "frequency", "t_x": "recency", "zbar": "monetary"}
    )
    summary["total"] = summary["monetary"] * (summary["frequency"] + 1)
    return summary


def test_fits_started_from_a_previous_fit_reach_the_same_values_with_fewer_evaluations():
    """A nightly run's fits start from the last run's parameters: the same parameters and values
    as from the fixed starting points (the next day's optimum is close to the last one: here the
    published parameters, 1-2 % away from the fit), in fewer likelihood evaluations; a start that
    is missing, not finite or not positive is ignored."""
    summary = _cdnow_summary()
    evaluations = []
    original = clv.optimize.minimize

    def counted(*args, **kwargs):
        result = original(*args, **kwargs)
        evaluations.append(result.nfev)
        return result

    with patch.object(clv.optimize, "minimize", counted):
        cold, cold_info = customer_lifetime_value(summary, horizon_weeks=39)
        cold_evaluations = sum(evaluations)
        evaluations.clear()
        previous = {**PUBLISHED_BGNBD, **PUBLISHED_GAMMA_GAMMA}
        warm, warm_info = customer_lifetime_value(summary, horizon_weeks=39, start=previous)
        warm_evaluations = sum(evaluations)
        assert len(evaluations) == 2, "one fit of each model, from the start given"
        # started at its own optimum (nothing changed since): kept, though a line search fails there
        evaluations.clear()
        again, again_info = customer_lifetime_value(summary, horizon_weeks=39, start=cold_info["params"])
        assert len(evaluations) == 2, evaluations
        for name, value in cold_info["params"].items():
            assert again_info["params"][name] == pytest.approx(value, rel=1e-6), name
        for bad in ({**previous, "r": float("nan")}, {**previous, "q": -1.0}, {"r": 1.0}, "x", None):
            evaluations.clear()
            frame, info = customer_lifetime_value(summary, horizon_weeks=39, start=bad)
            assert len(evaluations) >= 4, bad  # the fixed starting points, for one model at least
            assert info["params"]["r"] == pytest.approx(cold_info["params"]["r"], rel=1e-3)
    assert warm_evaluations < cold_evaluations / 2, (warm_evaluations, cold_evaluations)
    for name, value in cold_info["params"].items():
        assert warm_info["params"][name] == pytest.approx(value, rel=1e-3), name
    assert np.allclose(warm["clv"], cold["clv"], rtol=1e-3)
    assert np.allclose(warm["p_alive"], cold["p_alive"], rtol=1e-3, atol=1e-6)


def test_too_little_history_falls_back_and_says_so():
    rows = pd.DataFrame(
        [(1, "2026-01-01", 100.0), (1, "2026-02-01", 50.0), (2, "2026-01-15", 80.0)],
        columns=["partner_id", "date", "amount"],
    )
    summary = summary_from_transactions(rows, "2026-03-01")
    frame, info = customer_lifetime_value(summary, horizon_weeks=52)
    assert info["method"] == "historical"
    assert "too little history" in info["message"]
    by_partner = frame.set_index("partner_id")
    weeks = (pd.Timestamp("2026-03-01") - pd.Timestamp("2026-01-01")).days / 7
    assert by_partner.loc[1, "clv"] == pytest.approx(150.0 / weeks * 52)
    empty, info = customer_lifetime_value(summary.iloc[0:0])
    assert empty.empty and info["method"] == "none"


def test_inputs_by_hand_and_summaries_from_stored_inputs():
    """What a run stores per customer, and a later run's summary from stored inputs of the
    customers without new invoices plus fresh inputs of the others: equal to the summary from
    every transaction."""
    rows = pd.DataFrame(
        [
            (1, "2026-01-01", 100.0),
            (1, "2026-01-01", 20.0),
            (1, "2026-01-15", 60.0),
            (1, "2026-01-29", 90.0),
            (1, "2026-02-05", -30.0),
            (2, "2026-01-22", 50.0),
            (3, "2026-01-10", -10.0),
        ],
        columns=["partner_id", "date", "amount"],
    )
    inputs = purchase_inputs(rows).set_index("partner_id")
    assert list(inputs.index) == [1, 2]
    assert inputs.loc[1, "first_date"] == pd.Timestamp("2026-01-01")
    assert inputs.loc[1, "last_date"] == pd.Timestamp("2026-01-29")
    assert inputs.loc[1, "repeat"] == 2 and inputs.loc[1, "repeat_value"] == pytest.approx(150.0)
    assert inputs.loc[1, "total"] == pytest.approx(240.0)

    rng = np.random.default_rng(3)
    count = 500
    transactions = pd.DataFrame(
        {
            "partner_id": rng.integers(1, 80, count),
            "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 400, count), unit="D"),
            "amount": rng.choice([-1.0, 1.0, 1.0, 1.0], count) * rng.integers(1, 500, count),
        }
    )
    full = summary_from_transactions(transactions, "2026-03-01")
    changed = transactions["partner_id"] % 5 == 0
    stored = purchase_inputs(transactions[~changed])
    stored["first_date"] = stored["first_date"].dt.date  # read back from date columns
    stored["last_date"] = stored["last_date"].dt.date
    merged = summary_from_inputs(pd.concat([purchase_inputs(transactions[changed]), stored]), "2026-03-01")
    pd.testing.assert_frame_equal(merged, full, check_dtype=False)
    assert summary_from_inputs(purchase_inputs(rows.iloc[0:0]), "2026-03-01").empty
