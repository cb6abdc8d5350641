"""Churn risk: who is about to stop buying, and why.

Features per customer at a date (recency, frequency, spend of the last 6 months against the 6
before, overdue receivables, complaints, returns, SLA breaches, days since the last interaction,
campaign engagement) -> a logistic regression (scikit-learn) trained on the company's own history
with a time split: the label is "no purchase in the next ``horizon`` days". It is trained on the
features of ``as_of - 2 horizon`` and evaluated (ROC AUC) on the held-out later period
``as_of - horizon``, then refitted on that later period and applied to today's features. The three
features pushing a customer's risk up the most are its reasons.

A trained model is returned as plain numbers (``info["model"]``: the scaler's means and scales,
the coefficients, the intercept, its AUC and training date); given back as ``model=``, it is
applied to today's features without training (the caller decides when a model is recent enough,
e.g. ``new_purchases`` since it was trained), with the same probabilities and reasons as the
model it was taken from.

With too little history (too few customers, or one class only) a documented rule replaces the
model: the risk grows with the time since the last purchase measured in the customer's usual gap
between purchases (``1 - exp(-recency / gap)``), plus complaints and overdue money; the result
says so.

Plain functions on DataFrames; no Odoo.
"""

import numpy as np
import pandas as pd

FEATURES = [
    "recency_days",
    "frequency",
    "spend_last_6m",
    "spend_prev_6m",
    "spend_trend",
    "overdue_amount",
    "overdue_days",
    "complaints",
    "returns",
    "sla_breaches",
    "days_since_interaction",
    "engagement",
]
# dated events counted over the year (or half-year) before the date of the features
EVENT_WINDOWS = {"complaints": 365, "returns": 365, "sla_breaches": 365, "engagement": 182}
NO_INTERACTION_DAYS = 999


def churn_features(purchases, as_of, events=None, overdue=None):
    """Features of every customer with a purchase before ``as_of``.

    ``purchases``: ``partner_id``, ``date``, ``amount`` (net per day; days not positive are no
    purchase). ``events``: ``{name: DataFrame(partner_id, date)}`` for ``complaints``, ``returns``,
    ``sla_breaches``, ``engagement`` and ``interactions``. ``overdue``: ``partner_id``, ``due_date``,
    ``amount`` of the invoices still unpaid (so also unpaid at any earlier date).
    Purchases before ``as_of`` count (those of ``as_of`` belong to the label's window), events up
    to ``as_of`` included.
    """
    as_of = pd.Timestamp(as_of)
    events = events or {}
    frame = purchases[["partner_id", "date", "amount"]].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame[(frame["date"] < as_of) & (frame["amount"] > 0)]
    if frame.empty:
        return pd.DataFrame(columns=["partner_id", *FEATURES])
    grouped = frame.groupby("partner_id")
    result = pd.DataFrame(
        {
            "recency_days": (as_of - grouped["date"].max()).dt.days.astype("float64"),
            "frequency": grouped["date"].nunique().astype("float64"),
        }
    )
    age = (as_of - frame["date"]).dt.days
    result["spend_last_6m"] = frame[age < 182].groupby("partner_id")["amount"].sum()
    result["spend_prev_6m"] = frame[(age >= 182) & (age < 365)].groupby("partner_id")["amount"].sum()
    result[["spend_last_6m", "spend_prev_6m"]] = result[["spend_last_6m", "spend_prev_6m"]].fillna(0.0)
    last, prev = result["spend_last_6m"], result["spend_prev_6m"]
    result["spend_trend"] = (last - prev) / (last + prev + 1.0)
    result["overdue_amount"] = 0.0
    result["overdue_days"] = 0.0
    if overdue is not None and not overdue.empty:
        due = overdue.copy()
        due["due_date"] = pd.to_datetime(due["due_date"])
        due = due[due["due_date"] < as_of]
        if not due.empty:
            by_partner = due.groupby("partner_id")
            result["overdue_amount"] = by_partner["amount"].sum().reindex(result.index).fillna(0.0)
            result["overdue_days"] = (
                (as_of - by_partner["due_date"].min())
                .dt.days.reindex(result.index)
                .fillna(0)
                .astype("float64")
            )
    for name, window in EVENT_WINDOWS.items():
        result[name] = _count_events(events.get(name), as_of, window).reindex(result.index).fillna(0.0)
    interactions = events.get("interactions")
    result["days_since_interaction"] = float(NO_INTERACTION_DAYS)
    if interactions is not None and not interactions.empty:
        dated = interactions.assign(date=pd.to_datetime(interactions["date"]))
        dated = dated[dated["date"] <= as_of]
        if not dated.empty:
            latest = (as_of - dated.groupby("partner_id")["date"].max()).dt.days.astype("float64")
            result["days_since_interaction"] = (
                latest.reindex(result.index).fillna(NO_INTERACTION_DAYS).clip(upper=NO_INTERACTION_DAYS)
            )
    return result.reset_index()[["partner_id", *FEATURES]]


def events_needed_since(as_of, horizon_days, training=True):
    """The first day of each kind of dated event that ``churn_risk(..., as_of, horizon_days)`` can
    count: the features of its earliest date (``as_of - 2 horizon``, the training set's; ``as_of``
    itself when a kept model is applied, ``training=False``) look back ``EVENT_WINDOWS`` days;
    interactions count whenever they were (days since the latest), so they have no first day
    (None). Older events may be left out of the input: same result."""
    earliest = pd.Timestamp(as_of) - pd.Timedelta(days=2 * horizon_days if training else 0)
    since = {
        name: (earliest - pd.Timedelta(days=window - 1)).date() for name, window in EVENT_WINDOWS.items()
    }
    since["interactions"] = None
    return since


def _count_events(frame, as_of, window):
    if frame is None or frame.empty:
        return pd.Series(dtype="float64")
    dates = pd.to_datetime(frame["date"])
    recent = frame[(dates <= as_of) & (dates > as_of - pd.Timedelta(days=window))]
    return recent.groupby("partner_id").size().astype("float64")


def churn_labels(purchases, as_of, horizon_days, partners):
    """1 for each of ``partners`` without a purchase in ``[as_of, as_of + horizon)``, 0 for the others."""
    as_of = pd.Timestamp(as_of)
    frame = purchases[purchases["amount"] > 0]
    dates = pd.to_datetime(frame["date"])
    bought = frame[(dates >= as_of) & (dates < as_of + pd.Timedelta(days=horizon_days))][
        "partner_id"
    ].unique()
    return (~pd.Index(partners).isin(bought)).astype("int64")


def usual_gap_days(purchases, as_of):
    """The median over customers of their average days between purchase days before ``as_of``
    (30 to 365; 90 when nobody bought twice)."""
    frame = purchases[(purchases["amount"] > 0) & (pd.to_datetime(purchases["date"]) < pd.Timestamp(as_of))]
    days = (
        frame.assign(date=pd.to_datetime(frame["date"]))
        .groupby("partner_id")["date"]
        .agg(["min", "max", "nunique"])
    )
    repeat = days[days["nunique"] > 1]
    if repeat.empty:
        return 90.0
    gaps = (repeat["max"] - repeat["min"]).dt.days / (repeat["nunique"] - 1)
    return float(np.clip(gaps.median(), 30, 365))


def _model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000))


def _training_set(purchases, cutoff, horizon_days, events, overdue):
    features = churn_features(purchases, cutoff, events, overdue)
    return features, churn_labels(purchases, cutoff, horizon_days, features["partner_id"].to_numpy())


def _usable(labels, min_customers, min_per_class):
    return len(labels) >= min_customers and min(labels.sum(), len(labels) - labels.sum()) >= min_per_class


def new_purchases(purchases, since):
    """The purchases (customer and day with a positive net amount) on ``since`` or later."""
    dates = pd.to_datetime(purchases["date"])
    return int(((dates >= pd.Timestamp(since)) & (purchases["amount"] > 0)).sum())


def _model_numbers(model, as_of, auc, train_size, test_size):
    """A fitted pipeline as the plain numbers ``_apply`` needs, with what describes it."""
    scaler, regression = model.steps[0][1], model.steps[1][1]
    return {
        "features": list(FEATURES),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": regression.coef_[0].tolist(),
        "intercept": float(regression.intercept_[0]),
        "trained_on": as_of.date().isoformat(),
        "auc": auc,
        "train_size": train_size,
        "test_size": test_size,
    }


def usable_model(model):
    """Whether ``model`` (numbers kept from an earlier ``churn_risk``) can be applied: the same
    features, finite numbers of the right lengths, positive scales, a training date."""
    try:
        if model["features"] != FEATURES:
            return False
        arrays = [np.asarray(model[name], dtype="float64") for name in ("mean", "scale", "coef")]
        numbers = [float(model["intercept"]), float(model["auc"])]
        pd.Timestamp(model["trained_on"])
        int(model["train_size"]), int(model["test_size"])
    except (KeyError, TypeError, ValueError):
        return False
    return (
        all(array.shape == (len(FEATURES),) and np.isfinite(array).all() for array in arrays)
        and bool((arrays[1] > 0).all())
        and bool(np.isfinite(numbers).all())
    )


def _apply(model, values):
    """Probabilities and per-feature contributions (standardised value x coefficient) of a kept
    model: the scaler and the logistic regression's ``predict_proba`` in plain numpy."""
    scaled = (values - np.asarray(model["mean"])) / np.asarray(model["scale"])
    contributions = scaled * np.asarray(model["coef"])
    logit = contributions.sum(axis=1) + model["intercept"]
    return 1.0 / (1.0 + np.exp(-logit)), contributions


def churn_risk(
    purchases,
    as_of,
    horizon_days=90,
    events=None,
    overdue=None,
    min_customers=30,
    min_per_class=5,
    model=None,
):
    """Churn probability and top-3 reasons of every customer as of ``as_of``.

    Returns ``(frame, info)``: ``frame`` has ``partner_id``, ``probability``, ``reason_1..3``
    (feature names, or None) and the features; ``info`` the method (``model`` or ``rules``), the
    held-out ``auc`` (model only), the training sizes, a message, ``model`` (the model's numbers,
    to keep) and ``kept`` (whether ``model=`` was applied instead of training; an unusable one is
    not, see ``usable_model``).
    """
    as_of = pd.Timestamp(as_of)
    current = churn_features(purchases, as_of, events, overdue)
    columns = ["partner_id", "probability", "reason_1", "reason_2", "reason_3", *FEATURES]
    if current.empty:
        return pd.DataFrame(columns=columns), {
            "method": "none",
            "auc": None,
            "message": "no customer",
            "model": None,
            "kept": False,
        }
    if model is not None and usable_model(model):
        probability, contributions = _apply(model, current[FEATURES].to_numpy("float64"))
        info = {
            "method": "model",
            "auc": model["auc"],
            "train_size": model["train_size"],
            "test_size": model["test_size"],
            "model": model,
            "kept": True,
            "message": (
                f"logistic regression of {model['trained_on']} kept (AUC {model['auc']:.3f} on the held-out "
                f"{horizon_days} days, trained on {model['test_size']} customers)"
            ),
        }
        return _result(current, probability, contributions, columns), info
    horizon = pd.Timedelta(days=horizon_days)
    train_x, train_y = _training_set(purchases, as_of - 2 * horizon, horizon_days, events, overdue)
    test_x, test_y = _training_set(purchases, as_of - horizon, horizon_days, events, overdue)
    if _usable(train_y, min_customers, min_per_class) and _usable(test_y, min_customers, min_per_class):
        from sklearn.metrics import roc_auc_score

        trained = _model().fit(train_x[FEATURES].to_numpy("float64"), train_y)
        auc = float(roc_auc_score(test_y, trained.predict_proba(test_x[FEATURES].to_numpy("float64"))[:, 1]))
        fitted = _model().fit(test_x[FEATURES].to_numpy("float64"), test_y)
        numbers = _model_numbers(fitted, as_of, auc, len(train_y), len(test_y))
        probability, contributions = _apply(numbers, current[FEATURES].to_numpy("float64"))
        info = {
            "method": "model",
            "auc": auc,
            "train_size": len(train_y),
            "test_size": len(test_y),
            "model": numbers,
            "kept": False,
            "message": (
                f"logistic regression on {len(test_y)} customers, AUC {auc:.3f} on the held-out "
                f"{horizon_days} days (trained on {len(train_y)} customers of the period before)"
            ),
        }
    else:
        probability, contributions = _rules(current, usual_gap_days(purchases, as_of))
        info = {
            "method": "rules",
            "auc": None,
            "train_size": len(train_y),
            "test_size": len(test_y),
            "model": None,
            "kept": False,
            "message": (
                f"too little history for a model ({len(train_y)} and {len(test_y)} customers in the two "
                f"periods of {horizon_days} days, both outcomes at least {min_per_class} times among at "
                f"least {min_customers} customers needed): risk = 1 - exp(-days since the last purchase "
                "/ usual days between purchases), raised by complaints, SLA breaches and overdue invoices"
            ),
        }
    return _result(current, probability, contributions, columns), info


def _result(current, probability, contributions, columns):
    frame = current.copy()
    frame["probability"] = np.clip(probability, 0.0, 1.0)
    reasons = _top_reasons(contributions)
    for k in range(3):
        frame[f"reason_{k + 1}"] = reasons[k]
    return frame[columns]


def _rules(current, usual_gap):
    """The fallback: probability from recency in units of the usual purchase gap, plus penalties."""
    base = 1 - np.exp(-current["recency_days"].to_numpy("float64") / usual_gap)
    penalties = (
        0.05 * current["complaints"] + 0.05 * current["sla_breaches"] + 0.1 * (current["overdue_days"] > 30)
    ).to_numpy("float64")
    probability = np.clip(base + penalties, 0.0, 1.0)
    contributions = np.zeros((len(current), len(FEATURES)))
    index = {name: k for k, name in enumerate(FEATURES)}
    contributions[:, index["recency_days"]] = base
    contributions[:, index["complaints"]] = 0.05 * current["complaints"].to_numpy("float64")
    contributions[:, index["sla_breaches"]] = 0.05 * current["sla_breaches"].to_numpy("float64")
    contributions[:, index["overdue_days"]] = 0.1 * (current["overdue_days"].to_numpy("float64") > 30)
    contributions[:, index["spend_trend"]] = (
        np.clip(-current["spend_trend"].to_numpy("float64"), 0, None) * 0.01
    )
    return probability, contributions


def _top_reasons(contributions):
    """The names of the (up to) three features raising each customer's risk the most."""
    order = np.argsort(-contributions, axis=1)[:, :3]
    names = np.array(FEATURES, dtype=object)
    reasons = []
    for k in range(3):
        picked = names[order[:, k]]
        positive = np.take_along_axis(contributions, order[:, k : k + 1], axis=1)[:, 0] > 1e-9
        reasons.append(np.where(positive, picked, None))
    return reasons
