import numpy as np
import pandas as pd
import pytest
from crm_ext_engine.rfm import SEGMENTS, rfm_scores, rfm_summary, score_rfm


def _frame(rows):
    return pd.DataFrame(rows, columns=["company_id", "partner_id", "invoice_date", "amount"])


def test_scores_and_segments_by_hand():
    # five customers of company 1, as of 2026-01-31
    rows = [
        (1, 10, "2026-01-30", 500.0),  # 1 day, 3 sales, 1200 net
        (1, 10, "2026-01-10", 400.0),
        (1, 10, "2025-12-01", 300.0),
        (1, 20, "2025-01-01", 100.0),  # 395 days, 1 sale, 100
        (1, 30, "2026-01-20", 50.0),  # 11 days, 1 sale, 50
        (1, 40, "2025-06-01", 900.0),  # 244 days, 2 sales, 800 net after refund
        (1, 40, "2025-05-01", 100.0),
        (1, 40, "2025-06-15", -200.0),  # credit note: not a purchase, lowers money
        (1, 50, "2025-11-01", 70.0),  # 91 days, 1 sale, 70
    ]
    result = rfm_scores(_frame(rows), "2026-01-31").set_index("partner_id")
    assert result.loc[40, "frequency"] == 2
    assert result.loc[40, "monetary"] == pytest.approx(800.0)
    assert result.loc[40, "recency_days"] == 244  # last purchase, not the refund
    assert list(result["recency_days"]) == [1, 395, 11, 244, 91]
    # 5 customers -> each rank is its own quintile
    assert list(result["r_score"]) == [5, 1, 4, 2, 3]
    # frequencies 3,1,1,2,1: ties broken by partner id (20 < 30 < 50)
    assert list(result["f_score"]) == [5, 1, 2, 4, 3]
    assert list(result["m_score"]) == [5, 3, 1, 4, 2]
    assert list(result["segment"]) == [
        "Champions", "Lost", "Potential loyalist", "At risk", "Need attention",
    ]  # fmt: skip


def test_companies_are_scored_separately():
    rows = [(1, 10, "2026-01-01", 10.0), (2, 10, "2025-01-01", 10.0)]
    result = rfm_scores(_frame(rows), "2026-01-31")
    # alone in its company, each customer has the top rank there
    assert list(result["r_score"]) == [5, 5]
    assert list(result["company_id"]) == [1, 2]


def test_only_credit_notes_and_empty_input():
    result = rfm_scores(_frame([(1, 10, "2026-01-01", -50.0)]), "2026-01-31")
    assert result.loc[0, "frequency"] == 0
    assert result.loc[0, "monetary"] == -50.0
    assert rfm_scores(_frame([]), "2026-01-31").empty


def test_missing_column_is_a_clear_error():
    with pytest.raises(ValueError, match="missing columns"):
        rfm_scores(pd.DataFrame({"partner_id": [1]}), "2026-01-31")


def test_every_segment_is_reachable():
    from crm_ext_engine.rfm import SEGMENT_GRID

    assert set(SEGMENT_GRID.values()) == set(SEGMENTS)
    assert len(SEGMENT_GRID) == 25


def test_scores_from_summaries_of_two_runs_equal_a_full_run():
    """An incremental run scores from the stored summaries of the customers without new invoices
    and fresh ones of the others: the scores equal those from every invoice, in any row order."""
    rng = np.random.default_rng(7)
    count = 400
    frame = _frame(
        list(
            zip(
                rng.integers(1, 3, count),
                rng.integers(1, 60, count),
                pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 390, count), unit="D"),
                rng.choice([-1.0, 1.0, 1.0, 1.0], count) * rng.integers(1, 1000, count),
                strict=True,
            )
        )
    )
    full = rfm_scores(frame, "2026-02-01")
    changed = frame["partner_id"] % 7 == 0
    stored = rfm_summary(frame[~changed])  # as an earlier run left them
    stored["last_date"] = stored["last_date"].dt.date  # read back from a date column
    fresh = rfm_summary(frame[changed])
    merged = score_rfm(pd.concat([fresh, stored]).sample(frac=1, random_state=1), "2026-02-01")
    pd.testing.assert_frame_equal(merged, full, check_dtype=False)


def test_summary_by_hand():
    rows = [(1, 10, "2026-01-05", 100.0), (1, 10, "2026-01-20", -30.0), (1, 20, "2026-01-07", -15.0)]
    summary = rfm_summary(_frame(rows)).set_index("partner_id")
    assert summary.loc[10, "last_date"] == pd.Timestamp("2026-01-05")  # the purchase, not the refund
    assert summary.loc[10, "frequency"] == 1 and summary.loc[10, "monetary"] == pytest.approx(70.0)
    assert summary.loc[20, "last_date"] == pd.Timestamp("2026-01-07")  # only a credit note
    assert summary.loc[20, "frequency"] == 0
    with pytest.raises(ValueError, match="missing columns"):
        score_rfm(summary.reset_index().drop(columns="monetary"), "2026-01-31")


def test_scores_equal_the_quintile_of_each_company():
    """The scores, computed for every company at once, are ``_quintile`` within each company (ranks
    with ties by order of appearance, here many: few distinct values), and the segment is the
    grid's cell of the recency and frequency scores."""
    from crm_ext_engine.rfm import SEGMENT_GRID, _quintile

    rng = np.random.default_rng(11)
    count = 3000
    summary = pd.DataFrame(
        {
            "company_id": rng.choice([3, 1, 2], count, p=[0.6, 0.3, 0.1]),
            "partner_id": rng.permutation(count) + 1,
            "last_date": pd.Timestamp("2025-06-01") + pd.to_timedelta(rng.integers(0, 30, count), unit="D"),
            "frequency": rng.integers(0, 6, count),
            "monetary": rng.integers(-5, 20, count) * 10.0,
        }
    )
    scores = score_rfm(summary, "2026-01-31")
    for company_id, group in scores.groupby("company_id"):
        assert (group["r_score"].to_numpy() == _quintile(-group["recency_days"]).to_numpy()).all(), company_id
        assert (group["f_score"].to_numpy() == _quintile(group["frequency"]).to_numpy()).all(), company_id
        assert (group["m_score"].to_numpy() == _quintile(group["monetary"]).to_numpy()).all(), company_id
    expected = [SEGMENT_GRID[r, f] for r, f in zip(scores["r_score"], scores["f_score"], strict=True)]
    assert scores["segment"].tolist() == expected
    assert set(scores["r_score"]) == set(range(1, 6)) and len(scores) == count
