"""Segment refresh of crm_ext_marketing with behaviour rules: SQL for the whole segment vs the ORM.

The segment (created before timing, rolled back at the end) holds the customers (companies)
of the main company that, at once: were invoiced at least the median yearly revenue over
the last 365 days, ordered within the last 180 days, and bought a product of the first
bench category in the last 365 days. ``action_refresh_members`` computes the members in
one SQL statement and writes them; the naive baseline evaluates the rules per customer
with ``_read_group`` / ``search_count`` (stopping at the first rule that fails), on a
sample scaled to every customer of the segment's domain.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np

from odoo import Command, fields
from tests.benchmarks.registry import Result, benchmark

MODULES = ["crm_ext_marketing"]
PARTNER_DOMAIN = "[('is_company', '=', True)]"
REVENUE_DAYS = 365
ORDER_DAYS = 180
CATEGORY_DAYS = 365


def _segment(ctx):
    """The benchmark segment, created once per run (rolled back by the runner)."""
    if "segment_refresh.segment" in ctx.shared:
        return ctx.shared["segment_refresh.segment"]
    env = ctx.env
    company = env.company
    today = fields.Date.context_today(env.user)
    categ = env["product.category"].search([("name", "=like", "Bench %")], order="id", limit=1)
    if not categ:
        raise RuntimeError("no bench product category: fill the database with tests.benchmarks.generate")
    # the threshold: the median yearly revenue of the customers invoiced over the period
    env.cr.execute(
        """
        SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY revenue) FROM (
            SELECT SUM(amount_untaxed_signed) AS revenue FROM account_move
             WHERE move_type IN ('out_invoice', 'out_refund') AND state = 'posted'
               AND company_id = %s AND invoice_date >= %s AND commercial_partner_id IS NOT NULL
          GROUP BY commercial_partner_id) t
        """,
        [company.id, today - timedelta(days=REVENUE_DAYS)],
    )
    amount = round(env.cr.fetchone()[0] or 0.0, 2)
    segment = env["crm_ext.segment"].create(
        {
            "name": "Benchmark segment",
            "company_id": company.id,
            "partner_domain": PARTNER_DOMAIN,
            "rule_ids": [
                (
                    0,
                    0,
                    {"rule_type": "revenue", "operator": "at_least", "days": REVENUE_DAYS, "amount": amount},
                ),
                Command.create({"rule_type": "last_order", "operator": "after", "days": ORDER_DAYS}),
                Command.create({"rule_type": "category", "days": CATEGORY_DAYS, "categ_id": categ.id}),
            ],
        }
    )
    env.flush_all()
    ctx.shared["segment_refresh.segment"] = segment
    return segment


def _prepare_orm(ctx):
    segment = _segment(ctx)
    population = ctx.env["res.partner"].search(segment._members_domain(), order="id").ids
    size = min(ctx.options.sample, len(population))
    rng = np.random.default_rng(0)
    sample = sorted(int(x) for x in rng.choice(population, size, replace=False)) if size else []
    _members_orm(segment, population[:5])  # warm-up, not timed
    return {"segment": segment, "population": len(population), "sample": sample}


def _rule_holds(rule, partner, company_id):
    """One behaviour rule for one customer, with the ORM (the rules used here)."""
    env = rule.env
    since = rule._reference_date()
    commercial = partner.commercial_partner_id.id
    if rule.rule_type == "revenue":
        [(revenue,)] = env["account.move"]._read_group(
            [
                # the customer and its contacts (account_move.commercial_partner_id has no index)
                ("partner_id", "child_of", commercial),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("company_id", "=", company_id),
                ("invoice_date", ">=", since),
            ],
            [],
            ["amount_untaxed_signed:sum"],
        )
        reached = (revenue or 0.0) >= rule.amount
        return reached if rule.operator == "at_least" else not reached
    if rule.rule_type == "last_order":
        [(last,)] = env["sale.order"]._read_group(
            [
                ("partner_id.commercial_partner_id", "=", commercial),
                ("state", "=", "sale"),
                ("company_id", "=", company_id),
            ],
            [],
            ["date_order:max"],
        )
        if not last:
            return False
        return last.date() < since if rule.operator == "before" else last.date() >= since
    if rule.rule_type == "category":
        return bool(
            env["sale.order.line"].search_count(
                [
                    ("order_id.partner_id.commercial_partner_id", "=", commercial),
                    ("order_id.state", "=", "sale"),
                    ("order_id.company_id", "=", company_id),
                    ("order_id.date_order", ">=", datetime.combine(since, time.min)),
                    ("product_id.categ_id", "child_of", rule.categ_id.id),
                ],
                limit=1,
            )
        )
    raise NotImplementedError(rule.rule_type)


def _members_orm(segment, partner_ids):
    partners = segment.env["res.partner"].browse(partner_ids)
    company_id = segment.company_id.id
    rules = segment.rule_ids
    return {p.id for p in partners if all(_rule_holds(rule, p, company_id) for rule in rules)}


@benchmark(
    "segment_refresh_orm",
    baseline_only=True,
    prepare=_prepare_orm,
    requires=MODULES,
    description="naive ORM: per customer, each behaviour rule with _read_group/search_count, sample scaled",
)
def segment_refresh_orm(ctx):
    """Per customer of the domain: evaluate the segment's rules with the ORM."""
    members = _members_orm(ctx.prepared["segment"], ctx.prepared["sample"])
    sample = len(ctx.prepared["sample"])
    population = ctx.prepared["population"]
    return Result(
        rows=sample,
        value={"sample": set(ctx.prepared["sample"]), "members": members},
        scale=population / sample if sample else 1.0,
        note=f"{sample} of {population} customers, {len(members)} members",
    )


@benchmark(
    "segment_refresh",
    baseline="segment_refresh_orm",
    prepare=lambda ctx: {
        "segment": _segment(ctx),
        "population": ctx.env["res.partner"].search_count(_segment(ctx)._members_domain()),
    },
    requires=MODULES,
    check=lambda value, baseline: _same_members(value, baseline),
)
def segment_refresh(ctx):
    """Refresh of a segment with three behaviour rules (revenue, last order, category), SQL."""
    segment, population = ctx.prepared["segment"], ctx.prepared["population"]
    segment.action_refresh_members()
    ctx.env.cr.execute(
        "SELECT partner_id FROM crm_ext_segment_member_rel WHERE segment_id = %s", [segment.id]
    )
    members = {row[0] for row in ctx.env.cr.fetchall()}
    return Result(
        rows=population, value=members, note=f"{len(members):,} members of {population:,} customers"
    )


def _same_members(members, baseline):
    expected = baseline["members"]
    got = members & baseline["sample"]
    if got != expected:
        raise AssertionError(
            f"members differ on the sample: only SQL {sorted(got - expected)[:10]},"
            f" only ORM {sorted(expected - got)[:10]}"
        )
    return f"same {len(expected)} members among {len(baseline['sample'])} sampled customers"
