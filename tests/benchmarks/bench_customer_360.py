"""Customer 360 figures of crm_ext_sales for 10,000 customers: batched vs per customer."""

from __future__ import annotations

import numpy as np

from tests.benchmarks.registry import Result, benchmark

CUSTOMERS = 10_000


def _prepare(ctx):
    """The 10,000 customers with the most invoices, and a fixed sample of them."""
    cr = ctx.env.cr
    cr.execute(
        """
        SELECT commercial_partner_id
          FROM account_move
         WHERE move_type = 'out_invoice' AND state = 'posted'
      GROUP BY commercial_partner_id
      ORDER BY COUNT(*) DESC, commercial_partner_id
         LIMIT %s
        """,
        [CUSTOMERS],
    )
    customers = [row[0] for row in cr.fetchall()]
    size = min(ctx.options.sample, len(customers))
    rng = np.random.default_rng(0)
    sample = sorted(int(x) for x in rng.choice(customers, size, replace=False)) if size else []
    return {"customers": customers, "sample": sample}


def _figures(env):
    """Every 360 figure of the installed modules (the extension point's keys): counts, amounts
    and dates (a date figure defaults to False, which is also an int: test for bool first)."""
    return sorted(env["res.partner"]._customer_360_defaults())


def _normalized(value):
    if isinstance(value, bool) or not value:
        return 0
    if isinstance(value, int | float):
        return round(float(value), 2)
    return str(value)  # dates and datetimes


def _values(partners):
    figures = _figures(partners.env)
    return {partner.id: tuple(_normalized(partner[name]) for name in figures) for partner in partners}


def _same_figures(value, baseline_value):
    for partner_id, figures in baseline_value.items():
        if value[partner_id] != figures:
            raise AssertionError(f"partner {partner_id}: batched {value[partner_id]} != alone {figures}")
    return f"360 figures equal on {len(baseline_value)} sampled customers"


@benchmark(
    "customer_360_per_partner",
    baseline_only=True,
    prepare=_prepare,
    description="naive: the 360 figures computed customer by customer, on a sample, scaled",
    requires=["crm_ext_sales"],
)
def customer_360_per_partner(ctx):
    Partner = ctx.env["res.partner"]
    result = {}
    for partner_id in ctx.prepared["sample"]:
        ctx.env.invalidate_all()
        result.update(_values(Partner.browse(partner_id)))
    sample = len(ctx.prepared["sample"])
    scale = len(ctx.prepared["customers"]) / sample if sample else 1.0
    note = f"{sample} of {len(ctx.prepared['customers'])}"
    return Result(rows=sample, value=result, scale=scale, note=note)


@benchmark(
    "customer_360",
    baseline="customer_360_per_partner",
    prepare=_prepare,
    check=_same_figures,
    requires=["crm_ext_sales"],
)
def customer_360(ctx):
    """The 360 figures of 10,000 customers read at once (one grouped query per source)."""
    ctx.env.invalidate_all()
    partners = ctx.env["res.partner"].browse(ctx.prepared["customers"])
    return Result(rows=len(partners), value=_values(partners))
