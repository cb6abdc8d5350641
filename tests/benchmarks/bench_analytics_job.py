"""The whole analytics job of crm_ext_analytics: every stage of a run, for every company.

Prints, per stage, the rows read, the seconds and the server process's peak memory when the
stage ended (``ru_maxrss``, what the run records on its stage lines); the target is a peak
under 2 GB. No baseline: the stages are measured against their own baselines elsewhere
(``rfm_stage``, ``basket_rules``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from tests.benchmarks.registry import Result, benchmark

PEAK_LIMIT_MB = 2048


def _prepare(ctx):
    companies = ctx.env["res.company"].search([])  # pylint: disable=no-search-all
    runs = ctx.env["crm_ext.analytics.run"].create(
        [{"company_id": c.id, "full_run": True} for c in companies]
    )
    runs.flush_recordset()
    return {"runs": runs}


def _prepare_incremental(ctx):
    """A full run of every company (not timed), then new or changed invoices for 1 % of the
    customers; the timed runs are incremental, as the nightly cron's are."""
    from tests.benchmarks.bench_rfm import mark_changed_customers

    first = _prepare(ctx)["runs"]
    for run in first:
        run._execute()
    changed = mark_changed_customers(ctx.env, 0.01)
    # the next runs look for changes from the start of the previous one less an hour: here from
    # the start of the runner's transaction, when the marked customers' invoices were written
    ctx.env.flush_all()
    ctx.env.cr.execute(
        "UPDATE crm_ext_analytics_run SET date_start = %s WHERE id IN %s",
        (ctx.env.cr.now() + timedelta(hours=1), tuple(first.ids)),
    )
    ctx.env.invalidate_all()
    companies = first.company_id
    runs = ctx.env["crm_ext.analytics.run"].create([{"company_id": c.id} for c in companies])
    runs.flush_recordset()
    return {"runs": runs, "changed": changed}


def _prepare_full_again(ctx):
    """A full run of every company (not timed), then the timed full runs: *Recompute Everything*
    on a database whose results exist, the button's usual case (``analytics_job`` times the
    first run ever, which inserts every customer's row and offers)."""
    for run in _prepare(ctx)["runs"]:
        run._execute()
    return _prepare(ctx)


@benchmark("analytics_job", prepare=_prepare, requires=["crm_ext_analytics"])
def analytics_job(ctx):
    """Every stage of the analytics run (RFM, basket, forecast, lifetime value, churn) per company."""
    return _job(ctx)


@benchmark("analytics_job_full_again", prepare=_prepare_full_again, requires=["crm_ext_analytics"])
def analytics_job_full_again(ctx):
    """The whole job recomputing everything once more on the same day, after a full run: every
    figure computed again, only the rows whose values changed written."""
    return _job(ctx)


@benchmark("analytics_job_incremental", prepare=_prepare_incremental, requires=["crm_ext_analytics"])
def analytics_job_incremental(ctx):
    """The whole job the day after a full run, 1 % of the customers with new or changed invoices:
    RFM and lifetime value read again only for them, the other stages everything."""
    result = _job(ctx)
    modes = {run.mode for run in ctx.prepared["runs"]}
    if modes != {"incremental"}:
        raise AssertionError(f"the runs were not incremental: {modes}")
    result.note = f"{ctx.prepared['changed']:,} customers changed; " + result.note
    return result


def _job(ctx):
    runs = ctx.prepared["runs"]
    for run in runs:  # the job of each run, as the queue's cron runs it
        run._execute()
    failed = runs.filtered(lambda r: r.state != "done")
    if failed:
        raise AssertionError(f"runs not done: {[(r.company_id.name, r.log) for r in failed]}")
    seconds, rows = defaultdict(float), defaultdict(int)
    peak = 0.0
    for stage in runs.stage_ids:
        seconds[stage.key] += stage.seconds
        rows[stage.key] += stage.rows
        peak = max(peak, stage.memory_mb)
    order = [key for key in ("rfm", "basket", "forecast", "clv", "churn") if key in seconds]
    split = ", ".join(f"{key} {seconds[key]:.2f} s / {rows[key]:,} rows" for key in order)
    verdict = "met" if peak < PEAK_LIMIT_MB else "MISSED"
    methods = "; ".join(
        line
        for run in runs
        for line in (run.log or "").splitlines()
        if line.startswith(("Lifetime", "Churn"))
    )
    aucs = ", ".join(f"{r.churn_auc:.3f}" for r in runs)
    note = (
        f"{len(runs)} companies: {split}; peak process memory {peak:,.0f} MiB "
        f"(< {PEAK_LIMIT_MB} MiB: {verdict}); churn AUC {aucs}; {methods}"
    )
    return Result(rows=sum(rows.values()), note=note)
