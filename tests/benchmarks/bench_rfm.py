"""RFM stage of crm_ext_analytics: read, score and write, against one SQL aggregate and the ORM.

The stage is what ``crm_ext.analytics.run`` does for a company: ``_read_rfm_summary`` (one
aggregate query), ``score_rfm`` (pandas) and ``_write_rfm_results`` (COPY on a company's first
scores, a few statements later), here for every company, in the runner's transaction (rolled
back at the end). Two baselines:

- ``rfm_stage_sql_aggregate``: the lower bound, one ``GROUP BY`` query computing the same
  recency / frequency / monetary figures in PostgreSQL, without scoring or writing. The
  stage should stay within 3 times its time.
- ``rfm_stage_orm``: the naive way, per customer a ``search_read`` of its invoices and the
  figures and scores in Python, on a sample scaled to every customer. The stage should be
  at least 100 times faster.
"""

from __future__ import annotations

import time
from datetime import timedelta
from unittest.mock import patch

import numpy as np
import pandas as pd

from odoo import fields
from tests.benchmarks.registry import Result, benchmark

MODULES = ["crm_ext_analytics"]

AGGREGATE_SQL = """
    SELECT company_id, partner_id,
           COALESCE(MAX(invoice_date) FILTER (WHERE amount > 0), MAX(invoice_date)) AS last_date,
           COUNT(*) FILTER (WHERE amount > 0) AS frequency,
           SUM(amount) AS monetary,
           COUNT(*) AS invoices
      FROM (SELECT company_id, commercial_partner_id AS partner_id, invoice_date,
                   amount_untaxed_signed AS amount
              FROM account_move
             WHERE state = 'posted'
               AND move_type IN ('out_invoice', 'out_refund')
               AND commercial_partner_id IS NOT NULL
         UNION ALL
            -- the documents of the sales history before Odoo, of the companies that count it
            -- (what the stage reads too: the demo companies have some)
            SELECT history.company_id, history.partner_id, history.date, SUM(history.amount_company)
              FROM crm_ext_sales_history history
              JOIN res_company company ON company.id = history.company_id
             WHERE company.crm_ext_analytics_sales_history
          GROUP BY history.company_id, history.partner_id, history.document_number, history.date) documents
  GROUP BY company_id, partner_id
"""


def _as_of(env):
    return fields.Date.context_today(env["crm_ext.analytics.run"])


def _prepare_stage(ctx):
    """One run per company (created before timing), and no scores yet: the results of earlier
    runs (the demo data's, at install) are deleted in the runner's transaction, so that the
    stage's run is each company's first."""
    ctx.env.cr.execute("DELETE FROM crm_ext_customer_rfm_history; DELETE FROM crm_ext_customer_rfm")
    ctx.env.invalidate_all()
    companies = ctx.env["res.company"].search([])  # pylint: disable=no-search-all
    runs = ctx.env["crm_ext.analytics.run"].create([{"company_id": c.id} for c in companies])
    runs.flush_recordset()
    # warm-up, not timed: the first call imports the engine and pays pandas' one-off costs
    from odoo.addons.crm_ext_analytics.engine.rfm import score_rfm

    summary, _count = runs[:1]._read_rfm_summary()
    score_rfm(summary.head(200), _as_of(ctx.env))
    return {"runs": runs}


# the stage's two targets: at most 3 times the SQL aggregate, at least 100 times faster than the ORM
VS_AGGREGATE_AND_ORM = {
    "baseline": ("rfm_stage_sql_aggregate", "rfm_stage_orm"),
    "requires": MODULES,
    "targets": {"rfm_stage_sql_aggregate": 1 / 3, "rfm_stage_orm": 100},
    "check": {
        "rfm_stage_sql_aggregate": lambda v, b: _same_rfm(v, b, "the SQL aggregate"),
        "rfm_stage_orm": lambda v, b: _same_rfm(v, b, "the ORM", scores=True),
    },
}


@benchmark(
    "rfm_stage",
    prepare=_prepare_stage,
    **VS_AGGREGATE_AND_ORM,
)
def rfm_stage(ctx):
    """RFM stage of the analytics run for every company: read invoices, score, write results."""
    # imported here: the add-ons path is only known once the runner has started Odoo
    from odoo.addons.crm_ext_analytics.engine.rfm import score_rfm

    as_of = _as_of(ctx.env)
    frames, rows = [], 0
    phases = {"read": 0.0, "score": 0.0, "write": 0.0}
    for run in ctx.prepared["runs"]:
        started = time.perf_counter()
        summary, invoices = run._read_rfm_summary()
        read = time.perf_counter()
        scores = score_rfm(summary, as_of)
        scored = time.perf_counter()
        if not scores.empty:
            run._write_rfm_results(scores, as_of)
        phases["read"] += read - started
        phases["score"] += scored - read
        phases["write"] += time.perf_counter() - scored
        rows += invoices
        frames.append(scores)
    result = pd.concat(frames, ignore_index=True)
    split = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in phases.items())
    return Result(
        rows=rows, value=result, note=f"{len(result):,} (customer, company) scores written ({split})"
    )


# a benchmark measured against the SQL aggregate alone, with the stage's target
VS_AGGREGATE = {
    "baseline": "rfm_stage_sql_aggregate",
    "requires": MODULES,
    "targets": {"rfm_stage_sql_aggregate": 1 / 3},
    "check": lambda v, b: _same_rfm(v, b, "the SQL aggregate"),
}


def _prepare_floor(ctx, indexed=False):
    """As ``rfm_stage``, plus two tables shaped like the RFM and history tables but without a
    constraint, index, default or trigger (created in the runner's transaction, rolled back);
    ``indexed``: with only the indexes that find a customer's rows (company and customer on the
    RFM table, customer on the history)."""
    prepared = _prepare_stage(ctx)
    cr = ctx.env.cr
    for table, floor in FLOOR_TABLES.items():
        cr.execute(f"CREATE TABLE {floor} AS SELECT * FROM {table} WITH NO DATA")
    if indexed:
        cr.execute("CREATE UNIQUE INDEX ON bench_rfm_floor (company_id, partner_id)")
        cr.execute("CREATE INDEX ON bench_rfm_history_floor (partner_id)")
    return prepared


FLOOR_TABLES = {
    "crm_ext_customer_rfm": "bench_rfm_floor",
    "crm_ext_customer_rfm_history": "bench_rfm_history_floor",
}


@benchmark(
    "rfm_stage_write_floor",
    prepare=_prepare_floor,
    **VS_AGGREGATE,
)
def rfm_stage_write_floor(ctx):
    """Not a way to run the stage: ``rfm_stage`` with its rows and history rows copied into bare
    tables (no foreign key, index, default or trigger), the least any write of these rows can
    cost here: how much of the target is left for keys and indexes."""
    return _stage_into_floor(ctx, "bare tables")


@benchmark(
    "rfm_stage_write_floor_indexed",
    prepare=lambda ctx: _prepare_floor(ctx, indexed=True),
    **VS_AGGREGATE,
)
def rfm_stage_write_floor_indexed(ctx):
    """Not a way to run the stage: as ``rfm_stage_write_floor``, the tables with only the two
    indexes that find a customer's rows (no foreign key, no other index)."""
    return _stage_into_floor(ctx, "tables with two indexes")


def _stage_into_floor(ctx, label):
    Run = type(ctx.env["crm_ext.analytics.run"])
    copy_rows = Run._copy_rows

    def copy_to_floor(run, table, frame):
        return copy_rows(run, FLOOR_TABLES.get(table, table), frame)

    with patch.object(Run, "_copy_rows", copy_to_floor):
        result = rfm_stage(ctx)
    ctx.env.cr.execute("SELECT count(*) FROM bench_rfm_floor")
    if ctx.env.cr.fetchone()[0] != len(result.value):
        raise AssertionError("the floor tables did not get the stage's rows")
    result.note = result.note.replace("written", f"copied into {label}")
    return result


@benchmark(
    "rfm_stage_sql_aggregate",
    baseline_only=True,
    requires=MODULES,
    description="one SQL GROUP BY: last purchase, purchases, net revenue per customer and company",
)
def rfm_stage_sql_aggregate(ctx):
    """Lower bound: the same figures in one SQL aggregate query, nothing scored or written."""
    cr = ctx.env.cr
    cr.execute(AGGREGATE_SQL)
    frame = pd.DataFrame.from_records(
        cr.fetchall(), columns=["company_id", "partner_id", "last_date", "frequency", "monetary", "invoices"]
    )
    as_of = pd.Timestamp(_as_of(ctx.env))
    frame["recency_days"] = (as_of - pd.to_datetime(frame["last_date"])).dt.days
    return Result(rows=int(frame["invoices"].sum()), value=frame, note=f"{len(frame):,} customer rows")


def _prepare_orm(ctx):
    """The (customer, company) pairs with posted invoices, and a fixed sample of customers."""
    cr = ctx.env.cr
    cr.execute(
        """
        SELECT DISTINCT commercial_partner_id FROM account_move
         WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
           AND commercial_partner_id IS NOT NULL
        """
    )
    population = sorted(row[0] for row in cr.fetchall())
    size = min(ctx.options.sample, len(population))
    rng = np.random.default_rng(0)
    sample = sorted(int(x) for x in rng.choice(population, size, replace=False)) if size else []
    _rfm_orm(ctx.env, population[:5], _as_of(ctx.env))  # warm-up, not timed
    return {"population": len(population), "sample": sample}


def _quintiles(values, higher_is_better=True):
    """Python scores 1-5 by rank (ties by order), as a naive implementation would write them."""
    order = sorted(range(len(values)), key=lambda i: values[i], reverse=not higher_is_better)
    scores = [0] * len(values)
    for rank, i in enumerate(order, start=1):
        scores[i] = max(1, min(5, -(-rank * 5 // len(values))))
    return scores


def _rfm_orm(env, partner_ids, as_of):
    Move = env["account.move"]
    rows, invoices = [], 0
    for partner_id in partner_ids:
        moves = Move.search_read(
            [
                # the customer and its contacts; not commercial_partner_id, which has no index
                # (a naive baseline, not a strawman: 150 ms per customer instead of a few)
                ("partner_id", "child_of", partner_id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ],
            ["company_id", "invoice_date", "amount_untaxed_signed"],
        )
        invoices += len(moves)
        by_company = {}
        for move in moves:
            by_company.setdefault(move["company_id"][0], []).append(move)
        for company_id, company_moves in by_company.items():
            sales = [m["invoice_date"] for m in company_moves if m["amount_untaxed_signed"] > 0]
            last = max(sales) if sales else max(m["invoice_date"] for m in company_moves)
            rows.append(
                {
                    "company_id": company_id,
                    "partner_id": partner_id,
                    "recency_days": (as_of - last).days,
                    "frequency": len(sales),
                    "monetary": sum(m["amount_untaxed_signed"] for m in company_moves),
                }
            )
    # scores within each company, on the sample (a naive job would rank the whole population)
    for company_id in {r["company_id"] for r in rows}:
        group = [r for r in rows if r["company_id"] == company_id]
        for key, better in (("recency_days", False), ("frequency", True), ("monetary", True)):
            for row, score in zip(group, _quintiles([r[key] for r in group], better), strict=True):
                row[key[0] + "_score"] = score
    return rows, invoices


@benchmark(
    "rfm_stage_orm",
    baseline_only=True,
    prepare=_prepare_orm,
    requires=MODULES,
    description="naive ORM: per customer a search_read of its invoices and Python scoring, sample scaled",
)
def rfm_stage_orm(ctx):
    """Per customer: search_read of its posted invoices, RFM figures and scores in Python."""
    rows, invoices = _rfm_orm(ctx.env, ctx.prepared["sample"], _as_of(ctx.env))
    sample = len(ctx.prepared["sample"])
    scale = ctx.prepared["population"] / sample if sample else 1.0
    return Result(
        rows=invoices,
        value=pd.DataFrame(rows),
        scale=scale,
        note=f"{sample} of {ctx.prepared['population']} customers",
    )


def _same_rfm(value, baseline_value, label, scores=False):
    """Recency, frequency and monetary of the stage equal the baseline's for every pair it has."""
    keys = ["company_id", "partner_id"]
    stage = value.set_index(keys)[["recency_days", "frequency", "monetary"]]
    other = baseline_value.set_index(keys)[["recency_days", "frequency", "monetary"]]
    if scores:  # a sample: compare the pairs of the sampled customers
        sampled = set(baseline_value["partner_id"])
        stage = stage[stage.index.get_level_values("partner_id").isin(sampled)]
    missing = set(stage.index) ^ set(other.index)
    if missing:
        raise AssertionError(
            f"the stage and {label} disagree on {len(missing)} pairs, e.g. {sorted(missing)[:5]}"
        )
    joined = stage.join(other, rsuffix="_b")
    for column in ("recency_days", "frequency"):
        bad = joined[joined[column].astype("int64") != joined[f"{column}_b"].astype("int64")]
        if len(bad):
            raise AssertionError(
                f"{column} differs for {len(bad)} pairs, e.g. {bad.head(3).to_dict('index')}"
            )
    diff = (joined["monetary"].astype(float) - joined["monetary_b"].astype(float)).abs()
    if (diff > 0.005).any():
        bad = joined[diff > 0.005]
        raise AssertionError(f"monetary differs for {len(bad)} pairs, e.g. {bad.head(3).to_dict('index')}")
    return f"recency, frequency and monetary equal for {len(joined):,} (customer, company) pairs"


def _prepare_rerun(ctx, days_before=0):
    """A first run of the stage for every company, not timed: the rerun finds current rows."""
    prepared = _prepare_stage(ctx)
    as_of = _as_of(ctx.env) - timedelta(days=days_before)
    for run in prepared["runs"]:
        scores, _invoices, _rows = run._rfm_scores(as_of)
        if not scores.empty:
            run._write_rfm_results(scores, as_of)
    ctx.env.flush_all()
    return prepared


@benchmark(
    "rfm_stage_rerun",
    prepare=_prepare_rerun,
    **VS_AGGREGATE,
)
def rfm_stage_rerun(ctx):
    """RFM stage run again the same day: rows and history written only where they change."""
    return _rerun(ctx)


@benchmark(
    "rfm_stage_next_day",
    prepare=lambda ctx: _prepare_rerun(ctx, days_before=1),
    **VS_AGGREGATE_AND_ORM,
)
def rfm_stage_next_day(ctx):
    """RFM stage run the day after a first run (the nightly case): only what changed is written."""
    return _rerun(ctx)


def _rerun(ctx, note="rewritten only where changed"):
    as_of = _as_of(ctx.env)
    frames, rows = [], 0
    for run in ctx.prepared["runs"]:
        scores, _invoices, rows_read = run._rfm_scores(as_of)
        if not scores.empty:
            run._write_rfm_results(scores, as_of)
        rows += rows_read
        frames.append(scores)
    result = pd.concat(frames, ignore_index=True)
    return Result(rows=rows, value=result, note=f"{len(result):,} scores, {note}")


def mark_changed_customers(env, share=0.01, seed=1):
    """Moves the write date of the invoices and credit notes of ``share`` of the customers to the
    start of the runner's transaction, as if those customers alone had new or changed invoices
    since the data was written (the others' write dates are earlier); runs looking for changes
    since that time find them. Returns how many customers. Inside the runner's transaction
    (only these customers' invoices are rewritten: no bloat of the whole table)."""
    cr = env.cr
    cr.execute(
        """
        SELECT DISTINCT commercial_partner_id FROM account_move
         WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
           AND commercial_partner_id IS NOT NULL
        """
    )
    population = sorted(row[0] for row in cr.fetchall())
    rng = np.random.default_rng(seed)
    changed = sorted(
        int(x) for x in rng.choice(population, max(1, int(len(population) * share)), replace=False)
    )
    env.flush_all()
    cr.execute(
        """
        UPDATE account_move SET write_date = now() AT TIME ZONE 'UTC'
         WHERE move_type IN ('out_invoice', 'out_refund') AND commercial_partner_id = ANY(%s)
        """,
        (changed,),
    )
    env.invalidate_all()
    return len(changed)


def _prepare_incremental(ctx, share=0.01):
    """A first run the day before, then new or changed invoices for ``share`` of the customers:
    the runs are incremental, as the nightly cron's are."""
    prepared = _prepare_rerun(ctx, days_before=1)
    prepared["changed"] = mark_changed_customers(ctx.env, share)
    prepared["runs"].write({"mode": "incremental", "since": ctx.env.cr.now()})
    ctx.env.flush_all()
    return prepared


@benchmark(
    "rfm_stage_incremental",
    prepare=_prepare_incremental,
    **VS_AGGREGATE_AND_ORM,
)
def rfm_stage_incremental(ctx):
    """RFM stage of an incremental run the day after a first run, 1 % of the customers with new or
    changed invoices: their figures aggregated again, the others' read from the stored rows."""
    return _rerun(ctx, note=f"{ctx.prepared['changed']:,} customers' invoices read again")
