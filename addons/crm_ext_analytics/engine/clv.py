"""Customer lifetime value: BG/NBD and Gamma-Gamma, fitted by maximum likelihood with scipy.

* BG/NBD (Fader, Hardie & Lee, "Counting Your Customers the Easy Way", Marketing Science 2005):
  how many purchases a customer still makes, from the number of repeat purchases ``x``, the time
  of the last one ``t_x`` and the age ``T`` (all in weeks since the first purchase).
* Gamma-Gamma (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value", 2013): the value of
  those purchases, from the average value ``m`` of the repeat purchases.

No maintained library does this with today's numpy and pandas (``lifetimes`` is archived), so the
published likelihoods are implemented here; the pure tests check that the fitted parameters
match the published ones on the CDNOW sample the papers used.

Plain functions on DataFrames; no Odoo.
"""

import numpy as np
import pandas as pd
from scipy import optimize, special

WEEK = 7.0
BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "v")


INPUT_COLUMNS = ["partner_id", "first_date", "last_date", "repeat", "repeat_value", "total"]
SUMMARY_COLUMNS = ["partner_id", "frequency", "recency", "T", "monetary", "total"]


def purchase_inputs(transactions):
    """Per customer with at least one purchase day, what the summary is made of and what does not
    change with the date of the run: ``first_date`` and ``last_date`` (purchase days), ``repeat``
    (purchase days after the first), ``repeat_value`` (their net value) and ``total`` (net value of
    every day, credit notes deducted). Stored by a run, they let a later run recompute only the
    customers with new invoices.

    ``transactions`` has ``partner_id``, ``date`` and ``amount`` (net: credit notes negative);
    amounts of the same day are one purchase. Days whose net is not positive are no purchase.
    """
    if transactions.empty:
        return pd.DataFrame(columns=INPUT_COLUMNS)
    frame = transactions[["partner_id", "date", "amount"]].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    totals = frame.groupby("partner_id")["amount"].sum()
    days = frame.groupby(["partner_id", "date"], as_index=False)["amount"].sum()
    days = days[days["amount"] > 0].sort_values(["partner_id", "date"])
    if days.empty:
        return pd.DataFrame(columns=INPUT_COLUMNS)
    grouped = days.groupby("partner_id")
    first_amount = grouped["amount"].first()
    inputs = pd.DataFrame(
        {
            "first_date": grouped["date"].min(),
            "last_date": grouped["date"].max(),
            "repeat": (grouped.size() - 1).astype("int64"),
            "repeat_value": (grouped["amount"].sum() - first_amount).astype("float64"),
        }
    )
    inputs["total"] = totals.reindex(inputs.index).astype("float64")
    return inputs.reset_index()[INPUT_COLUMNS]


def summary_from_inputs(inputs, as_of):
    """The BG/NBD summary (see :func:`summary_from_transactions`) from :func:`purchase_inputs`;
    customers whose first purchase is after ``as_of`` are left out."""
    if inputs.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    as_of = pd.Timestamp(as_of)
    first = pd.to_datetime(inputs["first_date"])
    repeat = inputs["repeat"].astype("int64")
    summary = pd.DataFrame(
        {
            "partner_id": inputs["partner_id"].to_numpy(),
            "frequency": repeat.to_numpy(),
            "recency": ((pd.to_datetime(inputs["last_date"]) - first).dt.days / WEEK).to_numpy(),
            "T": ((as_of - first).dt.days / WEEK).to_numpy(),
            "monetary": (inputs["repeat_value"].astype("float64") / repeat.where(repeat > 0)).to_numpy(
                "float64"
            ),
            "total": inputs["total"].astype("float64").to_numpy(),
        }
    )
    summary = summary[summary["T"] >= 0].sort_values("partner_id", kind="stable")
    return summary.reset_index(drop=True)[SUMMARY_COLUMNS]


def summary_from_transactions(transactions, as_of):
    """Per customer: ``frequency`` (repeat purchase days), ``recency`` (weeks from the first to the
    last purchase day), ``T`` (weeks from the first purchase day to ``as_of``), ``monetary`` (average
    net value of the repeat purchase days; NaN without repeat) and ``total`` (net value of all).

    ``transactions`` has ``partner_id``, ``date`` and ``amount`` (net: credit notes negative);
    amounts of the same day are one purchase. Days whose net is not positive are no purchase.
    """
    return summary_from_inputs(purchase_inputs(transactions), as_of)


# ---------------------------------------------------------------------- BG/NBD


def bgnbd_log_likelihood(params, x, t_x, T):
    """Log-likelihood of each customer under BG/NBD (FHL 2005, equation 6)."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def bgnbd_log_likelihood_gradient(params, x, t_x, T):
    """The derivatives of :func:`bgnbd_log_likelihood` by ``r``, ``alpha``, ``a`` and ``b``, per
    customer (rows: the four parameters), in closed form."""
    r, alpha, a, b = params
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    total = np.logaddexp(a3, a4)
    # the shares of the two terms of the sum inside the last logarithm
    w3, w4 = np.exp(a3 - total), np.exp(a4 - total)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        d_b_term = np.where(repeat, -1.0 / (b + x - 1), 0.0)
    dr = (
        special.digamma(r + x)
        - special.digamma(r)
        + np.log(alpha)
        - w3 * np.log(alpha + T)
        - w4 * np.where(repeat, np.log(alpha + t_x), 0.0)
    )
    dalpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * np.where(repeat, (r + x) / (alpha + t_x), 0.0)
    common = special.digamma(a + b) - special.digamma(a + b + x)
    da = common + w4 / a
    db = common + special.digamma(b + x) - special.digamma(b) + w4 * d_b_term
    return np.vstack([dr, dalpha, da, db])


def _distinct(*columns):
    """The distinct rows of ``columns`` (arrays of one length) and how often each occurs: the
    likelihoods are sums over customers, and customers with the same figures count once, weighted."""
    unique, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype("float64")


# the fits stop when the likelihood no longer moves by a relative 1e-12 (scipy's default, about
# 2e-9, stops a fit started near the optimum early, 0.1-0.4 % off the values a fit from farther
# away finds): wherever a fit starts, it ends at the same parameters
PRECISION = {"ftol": 1e-12, "gtol": 1e-8}


def _stationary(result, bound=12.0):
    """Whether an L-BFGS-B ``result`` that did not report convergence ended where the gradient
    vanishes all the same (no descent left but along a bound): a fit started at the optimum
    itself (a nightly run's customers unchanged) ends with a failed line search there."""
    x, gradient = np.asarray(result.x), np.asarray(result.jac)
    pinned = ((x <= -bound + 1e-9) & (gradient > 0)) | ((x >= bound - 1e-9) & (gradient < 0))
    projected = np.where(pinned, 0.0, gradient)
    return bool(np.max(np.abs(projected)) <= 1e-6 * max(1.0, abs(float(result.fun))))


def _fit(negative_log_likelihood, n_params, start=None):
    """Minimises over the logarithms of the parameters (all positive); None when it fails.
    ``negative_log_likelihood`` returns the value and its gradient. ``start`` (parameters, e.g. the
    previous run's): tried alone first, and kept when the fit from there converges (or ends where
    the gradient vanishes); else (or without it) the best of three fixed starting points."""
    if start is not None:
        result = optimize.minimize(
            negative_log_likelihood,
            np.clip(np.log(np.asarray(start, dtype="float64")), -12, 12),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-12, 12)] * n_params,
            options=PRECISION,
        )
        if np.isfinite(result.fun) and result.fun < 1e300 and (result.success or _stationary(result)):
            return np.exp(result.x)
    best = None
    for first in (np.zeros(n_params), np.full(n_params, 0.5), np.full(n_params, -0.5)):
        result = optimize.minimize(
            negative_log_likelihood,
            first,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-12, 12)] * n_params,
            options=PRECISION,
        )
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        return None
    return np.exp(best.x)


def fit_bgnbd(x, t_x, T, start=None):
    """``{r, alpha, a, b}`` maximising the BG/NBD likelihood, or None. ``start``: parameters to
    start from (a previous fit's), tried before the fixed starting points."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    scale = max(float(np.max(T)), 1.0) / 10.0  # time rescaled for the optimiser, undone below
    (x, t_x, T), weights = _distinct(x, t_x / scale, T / scale)

    def nll(log_params):
        params = np.exp(log_params)
        value = -np.sum(weights * bgnbd_log_likelihood(params, x, t_x, T))
        if not np.isfinite(value):
            return 1e300, np.zeros(4)
        # by the logarithms of the parameters: d/d(log p) = p * d/dp
        gradient = -(bgnbd_log_likelihood_gradient(params, x, t_x, T) @ weights) * params
        return value, np.where(np.isfinite(gradient), gradient, 0.0)

    if start is not None:
        start = [start["r"], start["alpha"] / scale, start["a"], start["b"]]
    params = _fit(nll, 4, start)
    if params is None:
        return None
    r, alpha, a, b = params
    return {"r": r, "alpha": alpha * scale, "a": a, "b": b}


def bgnbd_probability_alive(params, x, t_x, T):
    r, alpha, a, b = (params[k] for k in BGNBD_PARAMS)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + odds)


def bgnbd_expected_purchases(params, t, x, t_x, T):
    """Expected purchases in the next ``t`` weeks of customers (x, t_x, T) (FHL 2005, eq. 10)."""
    r, alpha, a, b = (params[k] for k in BGNBD_PARAMS)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    first = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    return first * bgnbd_probability_alive(params, x, t_x, T)


# ---------------------------------------------------------------------- Gamma-Gamma


def gamma_gamma_log_likelihood(params, x, m):
    """Log-likelihood of the average repeat value ``m`` of ``x`` purchases (FH 2013, eq. 3)."""
    p, q, v = params
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    return (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + (p * x) * np.log(x)
        - (p * x + q) * np.log(v + m * x)
    )


def gamma_gamma_log_likelihood_gradient(params, x, m):
    """The derivatives of :func:`gamma_gamma_log_likelihood` by ``p``, ``q`` and ``v``, per
    customer (rows: the three parameters), in closed form."""
    p, q, v = params
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    both = special.digamma(p * x + q)
    log_total = np.log(v + m * x)
    dp = x * (both - special.digamma(p * x) + np.log(m) + np.log(x) - log_total)
    dq = both - special.digamma(q) + np.log(v) - log_total
    dv = q / v - (p * x + q) / (v + m * x)
    return np.vstack([dp, dq, dv])


def fit_gamma_gamma(x, m, start=None):
    """``{p, q, v}`` maximising the Gamma-Gamma likelihood over repeat customers, or None.
    ``start``: parameters to start from (a previous fit's), tried before the fixed starting points."""
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    scale = max(float(np.median(m)), 1e-9)  # values rescaled for the optimiser, undone below
    (x, m), weights = _distinct(x, m / scale)

    def nll(log_params):
        params = np.exp(log_params)
        value = -np.sum(weights * gamma_gamma_log_likelihood(params, x, m))
        if not np.isfinite(value):
            return 1e300, np.zeros(3)
        gradient = -(gamma_gamma_log_likelihood_gradient(params, x, m) @ weights) * params
        return value, np.where(np.isfinite(gradient), gradient, 0.0)

    if start is not None:
        start = [start["p"], start["q"], start["v"] / scale]
    params = _fit(nll, 3, start)
    if params is None:
        return None
    p, q, v = params
    return {"p": p, "q": q, "v": v * scale}


def gamma_gamma_expected_value(params, x, m):
    """Expected value of a customer's future purchases (FH 2013, eq. 5); the population mean
    for customers without repeat purchase."""
    p, q, v = (params[k] for k in GAMMA_GAMMA_PARAMS)
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    population = p * v / (q - 1)
    with np.errstate(invalid="ignore"):
        conditional = (v + m * x) * p / (p * x + q - 1)
    return np.where((x > 0) & np.isfinite(m) & (m > 0), conditional, population)


# ---------------------------------------------------------------------- together


def _start(params, names):
    """``params`` (a previous fit's, e.g. ``info["params"]`` of an earlier call) restricted to
    ``names``, or None when one is missing, not a number, not finite or not positive."""
    if not isinstance(params, dict):
        return None
    try:
        values = {name: float(params[name]) for name in names}
    except (KeyError, TypeError, ValueError):
        return None
    if not all(np.isfinite(value) and value > 0 for value in values.values()):
        return None
    return values


def customer_lifetime_value(summary, horizon_weeks=52, min_customers=20, min_repeat=10, start=None):
    """Predicted value of each customer over the next ``horizon_weeks``.

    Returns ``(frame, info)``: ``frame`` has ``partner_id``, ``p_alive``, ``expected_purchases``,
    ``expected_value`` (per purchase) and ``clv``; ``info`` the method (``bgnbd`` or
    ``historical``), the fitted parameters and a message. With too few customers or repeat
    buyers, or when a fit fails, each customer's average weekly net revenue so far times the
    horizon is used instead, and the message says so.

    ``start``: the parameters of a previous fit (``info["params"]`` of an earlier call, e.g. the
    last nightly run's): both fits start from them, and keep what they reach when it converges
    (from one day to the next the customers change little, and so does the optimum), else they
    fall back to the fixed starting points. Unusable values are ignored.
    """
    columns = ["partner_id", "p_alive", "expected_purchases", "expected_value", "clv"]
    if summary.empty:
        return pd.DataFrame(columns=columns), {"method": "none", "message": "no customer with a purchase"}
    x = summary["frequency"].to_numpy("float64")
    t_x = summary["recency"].to_numpy("float64")
    T = summary["T"].to_numpy("float64")
    m = summary["monetary"].to_numpy("float64")
    repeat = (x > 0) & np.isfinite(m) & (m > 0)
    bgnbd = gamma = None
    if len(summary) >= min_customers and repeat.sum() >= min_repeat:
        bgnbd = fit_bgnbd(x, t_x, T, start=_start(start, BGNBD_PARAMS))
        gamma = fit_gamma_gamma(x[repeat], m[repeat], start=_start(start, GAMMA_GAMMA_PARAMS))
    usable = (
        bgnbd is not None
        and gamma is not None
        and gamma["q"] > 1
        and all(np.isfinite(list(bgnbd.values())))
        and all(np.isfinite(list(gamma.values())))
    )
    if usable:
        p_alive = bgnbd_probability_alive(bgnbd, x, t_x, T)
        purchases = bgnbd_expected_purchases(bgnbd, float(horizon_weeks), x, t_x, T)
        value = gamma_gamma_expected_value(gamma, x, m)
        usable = bool(np.all(np.isfinite(purchases)) and np.all(np.isfinite(value)))
    if usable:
        frame = pd.DataFrame(
            {
                "partner_id": summary["partner_id"].to_numpy(),
                "p_alive": p_alive,
                "expected_purchases": purchases,
                "expected_value": value,
                "clv": purchases * value,
            }
        )
        info = {
            "method": "bgnbd",
            "params": {**bgnbd, **gamma},
            "message": "BG/NBD r=%.3f alpha=%.3f a=%.3f b=%.3f; Gamma-Gamma p=%.3f q=%.3f v=%.3f"
            % tuple([bgnbd[k] for k in BGNBD_PARAMS] + [gamma[k] for k in GAMMA_GAMMA_PARAMS]),
        }
        return frame[columns], info
    weeks = np.maximum(T, 1.0)
    weekly = summary["total"].to_numpy("float64") / weeks
    frame = pd.DataFrame(
        {
            "partner_id": summary["partner_id"].to_numpy(),
            "p_alive": np.nan,
            "expected_purchases": (x + 1) / weeks * horizon_weeks,
            "expected_value": np.where(x + 1 > 0, summary["total"].to_numpy("float64") / (x + 1), 0.0),
            "clv": np.maximum(weekly, 0.0) * horizon_weeks,
        }
    )
    info = {
        "method": "historical",
        "params": {},
        "message": (
            f"too little history for BG/NBD ({len(summary)} customers, {int(repeat.sum())} with repeat "
            f"purchases; at least {min_customers} and {min_repeat} needed, or the fit failed): the "
            "predicted value is each customer's average weekly net revenue so far times the horizon"
        ),
    }
    return frame[columns], info
