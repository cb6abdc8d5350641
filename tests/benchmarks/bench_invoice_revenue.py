"""Net invoiced revenue per customer and company: one SQL query into pandas vs the ORM."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.benchmarks.registry import Result, benchmark

REVENUE_SQL = """
    SELECT line.company_id,
           move.commercial_partner_id AS partner_id,
           -SUM(line.balance) AS revenue,
           COUNT(*) AS lines
      FROM account_move_line line
      JOIN account_move move ON move.id = line.move_id
     WHERE move.state = 'posted'
       AND move.move_type IN ('out_invoice', 'out_refund')
       AND line.display_type = 'product'
  GROUP BY line.company_id, move.commercial_partner_id
"""


def _prepare_sample(ctx):
    """Customers with posted invoices or credit notes (the population) and a fixed sample."""
    cr = ctx.env.cr
    cr.execute(
        """
        SELECT DISTINCT move.commercial_partner_id
          FROM account_move move
         WHERE move.state = 'posted' AND move.move_type IN ('out_invoice', 'out_refund')
        """
    )
    population = sorted(row[0] for row in cr.fetchall())
    size = min(ctx.options.sample, len(population))
    rng = np.random.default_rng(0)
    sample = sorted(int(x) for x in rng.choice(population, size, replace=False)) if size else []
    # warm up (not timed): the first calls pay one-off costs that linear scaling would multiply
    _revenue_orm(ctx.env, population[:5])
    return {"population": len(population), "sample": sample}


def _revenue_orm(env, partner_ids):
    Line = env["account.move.line"]
    result = {}
    rows = 0
    for partner_id in partner_ids:
        groups = Line._read_group(
            [
                ("partner_id", "=", partner_id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                ("display_type", "=", "product"),
            ],
            ["company_id"],
            ["balance:sum", "__count"],
        )
        for company, balance, count in groups:
            result[(partner_id, company.id)] = -balance
            rows += count
    return result, rows


def _same_numbers(value, baseline_value):
    """The SQL result restricted to the baseline's sample equals the ORM's numbers."""
    frame = value.set_index(["partner_id", "company_id"])["revenue"]
    checked = 0
    for (partner_id, company_id), revenue in baseline_value.items():
        expected = round(float(frame.loc[(partner_id, company_id)]), 2)
        if abs(expected - round(revenue, 2)) > 0.005:
            raise AssertionError(
                f"partner {partner_id} company {company_id}: SQL {expected} != ORM {round(revenue, 2)}"
            )
        checked += 1
    sample_partners = {p for p, _c in baseline_value}
    sql_keys = {k for k in frame.index if k[0] in sample_partners}
    if sql_keys != set(baseline_value):
        raise AssertionError(
            "SQL and ORM disagree on which (partner, company) pairs have revenue: "
            f"{sorted(sql_keys ^ set(baseline_value))}"
        )
    return f"{checked} (partner, company) revenues equal on {len(sample_partners)} sampled customers"


@benchmark(
    "invoice_revenue_per_partner_orm",
    baseline_only=True,
    prepare=_prepare_sample,
    description="naive ORM: one _read_group per customer, on a sample, scaled linearly",
)
def revenue_per_partner_orm(ctx):
    """Per customer: _read_group of its posted invoice/credit note product lines by company."""
    result, rows = _revenue_orm(ctx.env, ctx.prepared["sample"])
    sample = len(ctx.prepared["sample"])
    scale = ctx.prepared["population"] / sample if sample else 1.0
    return Result(
        rows=rows, value=result, scale=scale, note=f"{sample} of {ctx.prepared['population']} customers"
    )


@benchmark(
    "invoice_revenue_per_partner",
    baseline="invoice_revenue_per_partner_orm",
    check=_same_numbers,
)
def revenue_per_partner_sql(ctx):
    """Net invoiced revenue per customer per company (company currency), one SQL query into pandas."""
    cr = ctx.env.cr
    cr.execute(REVENUE_SQL)
    frame = pd.DataFrame.from_records(cr.fetchall(), columns=["company_id", "partner_id", "revenue", "lines"])
    frame["revenue"] = frame["revenue"].astype(float)
    return Result(rows=int(frame["lines"].sum()), value=frame, note=f"{len(frame)} (customer, company) pairs")
