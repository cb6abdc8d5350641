import numpy as np
import pandas as pd
import pytest
from crm_ext_engine.churn import FEATURES, churn_features, churn_labels, churn_risk, usual_gap_days


def _purchases(rows):
    return pd.DataFrame(rows, columns=["partner_id", "date", "amount"])


def test_features_by_hand():
    as_of = "2026-07-01"
    purchases = _purchases(
        [
            (1, "2025-09-01", 300.0),  # 303 days before: the 6 months before the last 6
            (1, "2026-03-01", 100.0),  # 122 days before
            (1, "2026-06-01", 50.0),  # 30 days before
            (1, "2026-06-10", -20.0),  # a credit note: no purchase
            (1, "2026-07-05", 999.0),  # after as_of: ignored
            (2, "2026-06-21", 80.0),
        ]
    )
    events = {
        "complaints": pd.DataFrame(
            {"partner_id": [1, 1, 1], "date": ["2025-01-01", "2026-05-01", "2026-08-01"]}
        ),
        "returns": pd.DataFrame({"partner_id": [2], "date": ["2026-06-25"]}),
        "sla_breaches": pd.DataFrame(columns=["partner_id", "date"]),
        "engagement": pd.DataFrame({"partner_id": [2, 2], "date": ["2026-06-01", "2025-06-01"]}),
        "interactions": pd.DataFrame({"partner_id": [1], "date": ["2026-06-11"]}),
    }
    overdue = pd.DataFrame(
        {"partner_id": [1, 1], "due_date": ["2026-05-02", "2026-08-01"], "amount": [70.0, 500.0]}
    )
    frame = churn_features(purchases, as_of, events, overdue).set_index("partner_id")
    one, two = frame.loc[1], frame.loc[2]
    assert one["recency_days"] == 30
    assert one["frequency"] == 3
    assert one["spend_last_6m"] == pytest.approx(150.0)
    assert one["spend_prev_6m"] == pytest.approx(300.0)
    assert one["spend_trend"] == pytest.approx((150 - 300) / (150 + 300 + 1))
    assert one["overdue_amount"] == pytest.approx(70.0)  # the invoice due later is not overdue yet
    assert one["overdue_days"] == 60
    assert one["complaints"] == 1  # the old one is outside the year, the later one after as_of
    assert one["days_since_interaction"] == 20
    assert two["returns"] == 1 and two["engagement"] == 1
    assert two["days_since_interaction"] == 999
    assert list(frame.columns) == FEATURES


def test_labels_and_usual_gap_by_hand():
    purchases = _purchases(
        [(1, "2026-01-01", 10.0), (1, "2026-01-31", 10.0), (1, "2026-03-02", 10.0), (2, "2026-01-10", 5.0)]
    )
    labels = churn_labels(purchases, "2026-02-01", 45, np.array([1, 2]))
    assert list(labels) == [0, 1]  # 1 bought on 2026-03-02, within 45 days; 2 did not
    assert usual_gap_days(purchases, "2026-04-01") == pytest.approx(30.0)


def _synthetic(n=400, seed=5):
    """Loyal customers buy every 15-40 days for two years; the others stop at a random date after
    complaining and letting invoices go overdue."""
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp("2024-07-01"), pd.Timestamp("2026-07-01")
    rows, complaints, overdue = [], [], []
    for partner in range(1, n + 1):
        leaving = rng.random() < 0.4
        stop = start + pd.Timedelta(days=int(rng.integers(200, 700))) if leaving else end
        day = start + pd.Timedelta(days=int(rng.integers(0, 30)))
        while day < min(stop, end):
            rows.append((partner, day, float(rng.integers(50, 300))))
            day += pd.Timedelta(days=int(rng.integers(15, 40)))
        if leaving:
            complaints.append((partner, stop - pd.Timedelta(days=int(rng.integers(5, 40)))))
            overdue.append((partner, stop - pd.Timedelta(days=10), 120.0))
    events = {"complaints": pd.DataFrame(complaints, columns=["partner_id", "date"])}
    return _purchases(rows), events, pd.DataFrame(overdue, columns=["partner_id", "due_date", "amount"])


def test_model_learns_from_history_and_explains():
    purchases, events, overdue = _synthetic()
    frame, info = churn_risk(purchases, "2026-07-01", horizon_days=90, events=events, overdue=overdue)
    assert info["method"] == "model"
    assert info["auc"] > 0.8, info
    assert "AUC" in info["message"]
    assert frame["probability"].between(0, 1).all()
    gone = frame[frame["recency_days"] > 120]
    active = frame[frame["recency_days"] < 30]
    assert gone["probability"].mean() > active["probability"].mean() + 0.3
    # the customers at risk are explained by what raises their risk
    top = frame.sort_values("probability").iloc[-1]
    assert top["reason_1"] in FEATURES
    reasons = set(frame.loc[frame["probability"] > 0.8, ["reason_1", "reason_2", "reason_3"]].stack())
    assert "recency_days" in reasons


def test_too_little_history_uses_the_rules_and_says_so():
    purchases = _purchases(
        [
            (1, "2026-06-20", 100.0),
            (1, "2026-05-21", 100.0),
            (2, "2026-01-01", 100.0),
            (2, "2025-12-02", 100.0),
            (3, "2026-06-25", 40.0),
        ]
    )
    frame, info = churn_risk(purchases, "2026-07-01", horizon_days=90)
    assert info["method"] == "rules" and info["auc"] is None
    assert "too little history" in info["message"]
    by_partner = frame.set_index("partner_id")
    # usual gap 30 days: 11 days without purchase -> 1 - exp(-11/30)
    assert by_partner.loc[1, "probability"] == pytest.approx(1 - np.exp(-11 / 30))
    assert by_partner.loc[2, "probability"] > 0.99
    assert by_partner.loc[2, "reason_1"] == "recency_days"
    empty, info = churn_risk(purchases.iloc[0:0], "2026-07-01")
    assert empty.empty and info["method"] == "none"


def test_events_before_their_first_useful_day_change_nothing():
    """``events_needed_since``: leaving out the older events gives the same risks and reasons,
    and the day before a first day would have counted (the bound is tight)."""
    from crm_ext_engine.churn import events_needed_since

    purchases, events, overdue = _synthetic()
    rng = np.random.default_rng(9)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 915, 3000), unit="D")
    partners = rng.integers(1, 401, 3000)
    for name in ("complaints", "returns", "sla_breaches", "engagement", "interactions"):
        extra = pd.DataFrame({"partner_id": partners, "date": days.date})
        events[name] = pd.concat([events.get(name), extra], ignore_index=True).sample(
            frac=0.5, random_state=1
        )
    as_of = "2026-07-01"
    since = events_needed_since(as_of, 90)
    assert since["interactions"] is None
    kept = {
        name: frame
        if since[name] is None
        else frame[pd.to_datetime(frame["date"]) >= pd.Timestamp(since[name])]
        for name, frame in events.items()
    }
    assert all(len(kept[name]) < len(events[name]) for name in ("complaints", "engagement"))
    full, _info = churn_risk(purchases, as_of, horizon_days=90, events=events, overdue=overdue)
    fewer, _info = churn_risk(purchases, as_of, horizon_days=90, events=kept, overdue=overdue)
    pd.testing.assert_frame_equal(full, fewer)
    # an event on the first day counts in the training set's features, the day before does not
    first = pd.Timestamp(since["complaints"])
    for day, counted in ((first, 1.0), (first - pd.Timedelta(days=1), 0.0)):
        one = {"complaints": pd.DataFrame({"partner_id": [1], "date": [day]})}
        features = churn_features(purchases, pd.Timestamp(as_of) - pd.Timedelta(days=180), one)
        assert features.set_index("partner_id").loc[1, "complaints"] == counted


def test_a_kept_model_gives_the_trained_models_risks_without_training(monkeypatch):
    """The numbers a run keeps reproduce scikit-learn's probabilities; given back on a later day
    they are applied to that day's features and nothing is trained."""
    from crm_ext_engine import churn
    from crm_ext_engine.churn import _model, _training_set

    purchases, events, overdue = _synthetic()
    frame, info = churn_risk(purchases, "2026-07-01", horizon_days=90, events=events, overdue=overdue)
    assert info["method"] == "model" and not info["kept"]
    kept = info["model"]
    assert kept["trained_on"] == "2026-07-01" and kept["auc"] == info["auc"]
    assert len(kept["coef"]) == len(FEATURES)
    # the pipeline as scikit-learn applies it (the one fitted on the later period)
    test_x, test_y = _training_set(purchases, pd.Timestamp("2026-04-02"), 90, events, overdue)
    pipeline = _model().fit(test_x[FEATURES].to_numpy("float64"), test_y)
    expected = pipeline.predict_proba(frame[FEATURES].to_numpy("float64"))[:, 1]
    np.testing.assert_allclose(frame["probability"].to_numpy(), expected, rtol=1e-9, atol=1e-12)

    def no_training(*args, **kwargs):
        raise AssertionError("a kept model is not trained again")

    monkeypatch.setattr(churn, "_training_set", no_training)
    later, later_info = churn_risk(
        purchases, "2026-07-08", horizon_days=90, events=events, overdue=overdue, model=kept
    )
    assert later_info["kept"] and later_info["method"] == "model"
    assert later_info["auc"] == info["auc"] and later_info["model"] is kept
    assert "2026-07-01 kept" in later_info["message"]
    features = churn_features(purchases, "2026-07-08", events, overdue)
    expected = pipeline.predict_proba(features[FEATURES].to_numpy("float64"))[:, 1]
    np.testing.assert_allclose(later["probability"].to_numpy(), expected, rtol=1e-9, atol=1e-12)
    # a week on, every customer's recency moved: the risks are today's, not the kept day's
    assert (later["recency_days"].to_numpy() >= frame["recency_days"].to_numpy() - 1e-9).all()
    assert not np.allclose(later["probability"].to_numpy(), frame["probability"].to_numpy())
    assert set(later.columns) == set(frame.columns)


@pytest.mark.parametrize(
    "damage",
    [
        lambda model: model.pop("coef"),
        lambda model: model.__setitem__("features", FEATURES[:-1]),
        lambda model: model.__setitem__("scale", [0.0] * len(FEATURES)),
        lambda model: model.__setitem__("intercept", float("nan")),
        lambda model: model.__setitem__("trained_on", "not a date"),
        lambda model: model.__setitem__("mean", [1.0, 2.0]),
    ],
)
def test_an_unusable_kept_model_is_trained_again(damage):
    from crm_ext_engine.churn import usable_model

    purchases, events, overdue = _synthetic(n=120)
    _frame, info = churn_risk(purchases, "2026-07-01", horizon_days=90, events=events, overdue=overdue)
    model = dict(info["model"])
    assert usable_model(model)
    damage(model)
    assert not usable_model(model)
    _frame, again = churn_risk(
        purchases, "2026-07-01", horizon_days=90, events=events, overdue=overdue, model=model
    )
    assert again["method"] == "model" and not again["kept"]
    assert again["model"]["coef"] == info["model"]["coef"]


def test_new_purchases_and_the_events_a_kept_model_needs():
    from crm_ext_engine.churn import events_needed_since, new_purchases

    purchases = _purchases(
        [
            (1, "2026-06-30", 100.0),
            (1, "2026-07-01", 100.0),
            (2, "2026-07-03", -40.0),  # a credit note's day: no purchase
            (3, "2026-07-05", 10.0),
        ]
    )
    assert new_purchases(purchases, "2026-07-01") == 2
    assert new_purchases(purchases, "2026-07-06") == 0
    training = events_needed_since("2026-07-01", 90)
    applying = events_needed_since("2026-07-01", 90, training=False)
    assert applying["interactions"] is None
    # applying a model needs only the windows before today's features
    assert applying["complaints"] == pd.Timestamp("2026-07-01").date() - pd.Timedelta(days=364)
    assert applying["engagement"] == pd.Timestamp("2026-07-01").date() - pd.Timedelta(days=181)
    assert all(applying[name] > training[name] for name in ("complaints", "returns", "engagement"))
    # and leaving out the older events changes nothing for a kept model
    purchases, events, overdue = _synthetic()
    _frame, info = churn_risk(purchases, "2026-07-01", horizon_days=90, events=events, overdue=overdue)
    day = applying["complaints"] - pd.Timedelta(days=1)
    old = pd.DataFrame({"partner_id": [1, 2, 3], "date": [day] * 3})
    events_with_old = {"complaints": pd.concat([events["complaints"], old], ignore_index=True)}
    model = info["model"]
    with_old, _i = churn_risk(purchases, "2026-07-01", events=events_with_old, overdue=overdue, model=model)
    without, _i = churn_risk(purchases, "2026-07-01", events=events, overdue=overdue, model=model)
    pd.testing.assert_frame_equal(with_old, without)
