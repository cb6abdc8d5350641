"""Recency / frequency / monetary scoring of customers.

Input: one row per posted invoice or credit note, already net and in company
currency, with columns ``company_id``, ``partner_id``, ``invoice_date`` and
``amount`` (credit notes negative). Output: one row per customer and company.
"""

import numpy as np
import pandas as pd

SEGMENTS = [
    "Champions",
    "Loyal",
    "Potential loyalist",
    "New customers",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Can't lose them",
    "Hibernating",
    "Lost",
]

# (recency score, frequency score) -> segment; a grid in common use, with the
# coldest cell (1, 1) named Lost.
SEGMENT_GRID = {
    (5, 5): "Champions", (5, 4): "Champions", (4, 5): "Loyal", (4, 4): "Loyal",
    (3, 5): "Loyal", (3, 4): "Loyal", (5, 3): "Potential loyalist",
    (5, 2): "Potential loyalist", (4, 3): "Potential loyalist",
    (4, 2): "Potential loyalist", (5, 1): "New customers", (4, 1): "Promising",
    (3, 3): "Need attention", (3, 2): "About to sleep", (3, 1): "About to sleep",
    (2, 5): "Can't lose them", (1, 5): "Can't lose them", (2, 4): "At risk",
    (2, 3): "At risk", (1, 4): "At risk", (1, 3): "At risk", (2, 2): "Hibernating",
    (2, 1): "Hibernating", (1, 2): "Hibernating", (1, 1): "Lost",
}  # fmt: skip

# the segment of every (recency score, frequency score), as an array indexed by the two scores
SEGMENT_TABLE = np.full((6, 6), None, dtype=object)
for (_r, _f), _segment in SEGMENT_GRID.items():
    SEGMENT_TABLE[_r, _f] = _segment

COLUMNS = ["company_id", "partner_id", "invoice_date", "amount"]


def _quintile(values, higher_is_better=True):
    """Scores 1-5 by rank; ties broken by order of appearance (deterministic)."""
    ranks = values.rank(method="first", ascending=higher_is_better)
    count = len(values)
    return np.ceil(ranks * 5 / count).astype("int64").clip(1, 5)


def _quintiles(values, groups, sizes):
    """``_quintile`` of ``values`` (a Series) within each of ``groups`` (its groupby) at once:
    the groups' ranks (ties by order of appearance) and sizes (``sizes``, per row)."""
    ranks = groups.rank(method="first").to_numpy("float64")
    return np.clip(np.ceil(ranks * 5 / sizes), 1, 5).astype("int64")


SUMMARY_COLUMNS = ["company_id", "partner_id", "last_date", "frequency", "monetary"]


def rfm_summary(invoices: pd.DataFrame) -> pd.DataFrame:
    """Per customer and company, the inputs of the scores: ``last_date`` (of the last purchase,
    i.e. invoice with a positive amount; of the last credit note when there are only credit
    notes), ``frequency`` (purchases) and ``monetary`` (net amount, credit notes deducted).

    This is what a stored summary of an earlier run holds, so that a later run can score from
    the summaries of the customers without new invoices and recompute only the others."""
    missing = set(COLUMNS) - set(invoices.columns)
    if missing:
        raise ValueError(f"missing columns: {sorted(missing)}")
    if invoices.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    data = invoices[COLUMNS].copy()
    data["invoice_date"] = pd.to_datetime(data["invoice_date"])
    data["is_sale"] = data["amount"] > 0
    # recency counts purchases, not refunds (unless there are only refunds)
    data["sale_date"] = data["invoice_date"].where(data["is_sale"])
    grouped = data.groupby(["company_id", "partner_id"], sort=True)
    result = pd.DataFrame(
        {
            "last_date": grouped["sale_date"].max().fillna(grouped["invoice_date"].max()),
            "frequency": grouped["is_sale"].sum().astype("int64"),
            "monetary": grouped["amount"].sum(),
        }
    ).reset_index()
    return result[SUMMARY_COLUMNS]


def score_rfm(summary: pd.DataFrame, as_of) -> pd.DataFrame:
    """Scores and segments from per-customer summaries (the columns of :func:`rfm_summary`)."""
    missing = set(SUMMARY_COLUMNS) - set(summary.columns)
    if missing:
        raise ValueError(f"missing columns: {sorted(missing)}")
    out_columns = [
        "company_id", "partner_id", "recency_days", "frequency", "monetary",
        "r_score", "f_score", "m_score", "segment",
    ]  # fmt: skip
    if summary.empty:
        return pd.DataFrame(columns=out_columns)
    as_of = pd.Timestamp(as_of)
    # sorted by company and partner: ties rank by partner id, whatever order the rows came in
    result = summary[SUMMARY_COLUMNS].sort_values(["company_id", "partner_id"], kind="stable")
    result = result.reset_index(drop=True)
    result["frequency"] = result["frequency"].astype("int64")
    result["monetary"] = result["monetary"].astype("float64")
    result["recency_days"] = (as_of - pd.to_datetime(result["last_date"])).dt.days.astype("int64")
    # each score by rank within the company (``_quintile``), every company at once
    result["age"] = -result["recency_days"]  # recent is better: rank on the negated age
    by_company = result.groupby("company_id", sort=False)
    sizes = by_company["partner_id"].transform("size").to_numpy("int64")
    for score, column in (("r_score", "age"), ("f_score", "frequency"), ("m_score", "monetary")):
        result[score] = _quintiles(result[column], by_company[column], sizes)
    result["segment"] = SEGMENT_TABLE[result["r_score"].to_numpy(), result["f_score"].to_numpy()]
    return result[out_columns]


def rfm_scores(invoices: pd.DataFrame, as_of) -> pd.DataFrame:
    """Score customers by company; see the module docstring for the input."""
    return score_rfm(rfm_summary(invoices), as_of)
