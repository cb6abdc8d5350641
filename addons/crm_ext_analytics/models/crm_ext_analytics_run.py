"""The analytics run: orchestration only (plan, progress, locking, queue, status). What a run
reads and computes lives in one file per part, each extending this model:

- ``crm_ext_analytics_run_source.py``: where the inputs are read (the replica or the primary);
- ``crm_ext_analytics_run_customers.py``: the customers' rows, written once per run;
- a file per stage, registered through ``_analytics_stages`` in the order the files are
  imported (``models/__init__.py``): ``_rfm``, ``_basket``, ``_forecast``, ``_clv``, ``_churn``;
- ``_history`` (the imported sales history) and ``_demo`` (the demo's history);
- the bulk reads and writes (COPY, UPDATE from a temporary table) in ``tools/bulk.py``.

Adding a stage is adding a file: a method returning the run's values (see ``_analytics_stages``)
and an override of ``_analytics_stages`` appending it."""

import json
import logging
import resource
import time
from datetime import timedelta

import numpy as np
from psycopg2.pool import PoolError

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import bulk, priority

_logger = logging.getLogger(__name__)

# an invoice's write date is the start of the transaction that wrote it, which may commit after a
# run has started: an incremental run also looks this far before the start of the previous run
WATERMARK_MARGIN = timedelta(hours=1)
# the first key of PostgreSQL's two-key advisory locks meaning "an analytics run of company <second key>"
RUN_LOCK_KEY = 0x43524D41  # "CRMA"
# the setting of the nice value the queue's runs compute at (``tools/priority.py``)
RUN_NICE_PARAM = "crm_ext_analytics.run_nice"


def _process_memory_mb():
    """The peak resident memory of this server process so far, in MiB (``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CrmExtAnalyticsRun(models.Model):
    """One run of the customer analytics job, with what it read and found."""

    _name = "crm_ext.analytics.run"
    _description = "Analytics Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    state = fields.Selection(
        [
            ("draft", "Not started"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
    )
    date_start = fields.Datetime(string="Started", readonly=True)
    date_end = fields.Datetime(string="Finished", readonly=True)
    duration = fields.Float(string="Seconds", readonly=True, aggregator="avg")
    user_id = fields.Many2one(
        "res.users", string="Started by", default=lambda self: self.env.user, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    invoice_count = fields.Integer(string="Invoices Read", readonly=True)
    customer_count = fields.Integer(string="Customers Scored", readonly=True)
    order_count = fields.Integer(string="Orders Read", readonly=True)
    rule_count = fields.Integer(string="Product Rules", readonly=True)
    offer_count = fields.Integer(string="Offers", readonly=True)
    forecast_count = fields.Integer(string="Forecast Series", readonly=True)
    churn_auc = fields.Float(
        string="Churn Model AUC",
        readonly=True,
        digits=(16, 3),
        help="ROC AUC of the churn model on the held-out period; empty when the rules were used.",
    )
    full_run = fields.Boolean(
        string="Recompute Everything",
        help="Recompute every customer's inputs, even when an incremental run would do.",
    )
    mode = fields.Selection(
        [("full", "Full"), ("incremental", "Incremental")],
        readonly=True,
        help="Full: every customer's inputs read again. Incremental: only the customers with invoices "
        "or credit notes created or changed since the previous run; the others keep their inputs.",
    )
    since = fields.Datetime(
        string="Changes Since", readonly=True, help="Incremental runs: invoices changed from this time on."
    )
    changed_customer_count = fields.Integer(
        string="Customers Recomputed",
        readonly=True,
        help="Incremental runs: customers whose invoices or credit notes changed since the previous run.",
    )
    read_source = fields.Selection(
        [("primary", "Primary"), ("replica", "Replica"), ("both", "Replica, then primary")],
        string="Input Read From",
        readonly=True,
        help="The database server the run read its input datasets from (invoices, orders, leads, "
        "tickets...): the streaming replica when Odoo has one that had caught up with the primary at "
        "the run's start, else the primary. Results are always written on the primary.",
    )
    read_source_note = fields.Char(readonly=True)
    forecast_backtests = fields.Json(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The forecast stage's backtest forecasts of this run ({signature of the months before "
        "the held-out ones: forecast of the held-out months}): the next run reuses those whose "
        "earlier months did not change (read and written by the stage in SQL).",
    )
    clv_params = fields.Json(
        string="Lifetime Value Fit",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The parameters the lifetime-value stage fitted in this run (BG/NBD and Gamma-Gamma): "
        "the next run's fits start from them (read and written by the stage in SQL).",
    )
    churn_model = fields.Json(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The churn model this run trained or applied (its scaler, coefficients, AUC and "
        "training date): the next incremental run may apply it again (read and written by the "
        "stage in SQL).",
    )
    stage_ids = fields.One2many("crm_ext.analytics.run.stage", "run_id", string="Stages", readonly=True)
    progress = fields.Char(compute="_compute_progress", help="The stage a running run is at.")
    progress_percent = fields.Float(compute="_compute_progress")
    log = fields.Text(readonly=True)

    @api.depends("date_start")
    def _compute_name(self):
        for run in self:
            run.name = _("Run %(id)s", id=run.id) if run.id else _("New Run")

    @api.depends("state")
    def _compute_progress(self):
        lines = {
            line.run_ref: line
            for line in self.env["crm_ext.analytics.run.progress"]
            .sudo()
            .search([("run_ref", "in", self.ids)])
        }
        for run in self:
            line = lines.get(run.id)
            # a run under way is committed as queued until it ends: its progress line says where it is
            if run.state in ("queued", "running") and line:
                run.progress = _(
                    "Stage %(step)s of %(total)s: %(stage)s",
                    step=line.step,
                    total=line.total,
                    stage=line.stage,
                )
                run.progress_percent = 100.0 * (line.step - 1) / line.total if line.total else 0.0
            elif run.state == "queued":
                run.progress = _("Queued: the analytics job starts it shortly.")
                run.progress_percent = 0.0
            else:
                run.progress = False
                run.progress_percent = 100.0 if run.state == "done" else 0.0

    def _set_progress(self, step, total, stage):
        """Commits where the run is through a separate cursor, visible at once to other sessions;
        when the process's connection pool has no free connection (a threaded server under load)
        the run goes on without showing it."""
        try:
            progress_cr = self.env.registry.cursor()
        except PoolError as error:
            _logger.info("Analytics run %s: progress not shown, %s", self.id, error)
            return
        with progress_cr as cr:
            # while the module is being installed its table is not committed: no progress then
            cr.execute(SQL("SELECT to_regclass('crm_ext_analytics_run_progress')"))
            if not cr.fetchone()[0]:
                return
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_ext_analytics_run_progress (
                        run_ref, company_ref, step, total, stage, date)
                    VALUES (%(run)s, %(company)s, %(step)s, %(total)s, %(stage)s, NOW() AT TIME ZONE 'UTC')
                    ON CONFLICT (run_ref) DO UPDATE
                       SET step = EXCLUDED.step, total = EXCLUDED.total, stage = EXCLUDED.stage,
                           date = EXCLUDED.date
                    """,
                    run=self.id,
                    company=self.company_id.id,
                    step=step,
                    total=total,
                    stage=stage,
                )
            )
        self.invalidate_recordset(["progress", "progress_percent"])

    # ------------------------------------------------------------------ full or incremental

    def _plan_inputs(self):
        """Full or incremental, and why (a line for the log). Incremental needs the option on, a
        previous successful run of the company that stored the inputs, and a full run within the
        company's number of days; a user can ask for a full run."""
        company = self.company_id
        done = [("company_id", "=", company.id), ("state", "=", "done"), ("id", "!=", self.id)]
        previous = self.search([*done, ("mode", "!=", False)], order="date_start desc", limit=1)
        last_full = self.search([*done, ("mode", "=", "full")], order="date_start desc", limit=1)
        if self.full_run:
            return "full", False, _("Full run: asked for.")
        if not company.crm_ext_analytics_incremental:
            return "full", False, _("Full run: incremental runs are off.")
        if not previous or not last_full:
            return "full", False, _("Full run: no earlier run stored the customers' inputs.")
        if last_full.date_start < self.date_start - timedelta(days=company.crm_ext_analytics_full_days):
            return (
                "full",
                False,
                _(
                    "Full run: the last full run is older than %(days)s days.",
                    days=company.crm_ext_analytics_full_days,
                ),
            )
        return "incremental", previous.date_start - WATERMARK_MARGIN, ""

    def _changed_partner_ids(self):
        """None on a full run; else the customers (commercial partners) of the company with an
        invoice or credit note created or changed since ``since``: one query, once per run."""
        if self.mode != "incremental":
            return None
        memo = self._memo()
        if memo is not None and "changed" in memo:
            return memo["changed"]
        self.env["account.move"].flush_model(["write_date", "commercial_partner_id", "move_type"])
        rows = self._read_rows(
            SQL(
                """
                SELECT DISTINCT commercial_partner_id FROM account_move
                 WHERE company_id = %s AND move_type IN ('out_invoice', 'out_refund')
                   AND commercial_partner_id IS NOT NULL AND write_date >= %s
                %s
                """,
                self.company_id.id,
                self.since,
                self._history_changed_partners(),
            )
        )
        changed = np.array([row[0] for row in rows], dtype="int64")
        if memo is not None:
            memo["changed"] = changed
        return changed

    def _previous_kept(self, column):
        """What the company's last finished run kept in its internal JSON field ``column``
        (``forecast_backtests``, ``clv_params``, ``churn_model``: a stage's state for the next
        run), read in SQL (the fields are internal to the run); None when no such run kept any."""
        self.env.cr.execute(
            SQL(
                """SELECT %s FROM crm_ext_analytics_run
                    WHERE company_id = %s AND state = 'done' AND %s IS NOT NULL
                 ORDER BY date_start DESC, id DESC LIMIT 1""",
                SQL.identifier(column),
                self.company_id.id,
                SQL.identifier(column),
            )
        )
        row = self.env.cr.fetchone()
        return dict(row[0]) if row and isinstance(row[0], dict) else None

    def _keep(self, column, value):
        """Keeps ``value`` (a dict) in this run's internal JSON field ``column``, for the next run."""
        self.env.cr.execute(
            SQL(
                "UPDATE crm_ext_analytics_run SET %s = %s WHERE id = %s",
                SQL.identifier(column),
                json.dumps(value),
                self.id,
            )
        )
        self.invalidate_recordset([column])

    def _memo(self):
        """What the stages of a run share, computed once (a dict kept on the cursor while the run
        executes), or None outside a run."""
        return self.env.cr.cache.get(("crm_ext_analytics_run", self.id))

    # ------------------------------------------------------------------ stages

    def _analytics_stages(self):
        """The stages of a run, in order, as ``(key, label, method)``; a method returns a dict
        of run values plus ``log`` (a line for the run's log) and ``rows`` (rows read). Each
        stage's file appends its own (``super()`` first): the order is the files' import order."""
        return []

    def _copy_rows(self, table, frame):
        """COPY ``frame`` (numbers, dates and our own keys: no tab, newline or backslash; missing
        values become NULL) into ``table``, its columns named as the frame's."""
        bulk.copy_rows(self.env.cr, table, frame)

    # ------------------------------------------------------------------ queue, lock, status

    def _lock_company(self):
        """Takes the run lock of the run's company for the rest of the transaction, without
        waiting; False when another transaction holds it (a run of the company under way in
        another process). The lock ends with the transaction, or with its process."""
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", RUN_LOCK_KEY, self.company_id.id))
        return self.env.cr.fetchone()[0]

    def _company_locked_elsewhere(self):
        """Whether another database session holds the run lock of the run's company (without
        taking it). pg_locks lists the locks of every database of the server: only this
        database's count (company ids repeat from one database to the next)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """SELECT EXISTS (SELECT 1 FROM pg_locks
                                   WHERE locktype = 'advisory' AND granted AND objsubid = 2
                                     AND database = (SELECT oid FROM pg_database
                                                      WHERE datname = current_database())
                                     AND classid = %s AND objid = %s AND pid != pg_backend_pid())""",
                RUN_LOCK_KEY,
                self.company_id.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _check_company_free(self):
        """UserError when the company has another run queued or under way."""
        self.ensure_one()
        # every run of the company counts, whatever companies the user has active (the user may
        # start this run: its access is checked by the caller)
        other = (
            self.sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "in", ("queued", "running")),
                    ("id", "!=", self.id),
                ],  # fmt: skip
                limit=1,
            )
            .sudo(False)
        )
        if other or self._company_locked_elsewhere():
            which = f" ({other.name})" if other else ""
            raise UserError(
                _(
                    "A run of %(company)s is already in progress%(which)s: wait for it to finish "
                    "(it shows its progress in the runs).",
                    company=self.company_id.name,
                    which=which,
                )
            )

    def action_run(self):
        """The *Run now* button: queues the runs for the analytics cron and triggers it. The job
        does not run inside the request, which a worker's time limit would kill half-way."""
        if len(self.company_id) < len(self):
            raise UserError(_("Start one run per company at a time."))
        for run in self:
            if run.state != "draft":
                if run.state == "queued":
                    raise UserError(
                        _("%(run)s is already queued: the analytics job starts it shortly.", run=run.name)
                    )
                raise UserError(_("%(run)s is already queued or has run: start a new run.", run=run.name))
            run._check_company_free()
        self.write({"state": "queued", "user_id": self.env.uid})
        self.env.ref("crm_ext_analytics.ir_cron_analytics_queue").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": _("Analytics run queued"),
                "message": _(
                    "%(runs)s queued: the analytics job starts it shortly, one company at a time; "
                    "the run shows its progress and you are told when it ends.",
                    runs=", ".join(self.mapped("name")),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_run(self):
        """The nightly cron: queues a run for every company, except a company that already has
        a run queued or under way (logged), and triggers the queue's cron."""
        self._fail_stale_runs()
        busy = self.search([("state", "in", ("queued", "running"))]).company_id
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        for company in companies & busy:
            _logger.info(
                "Analytics: %s already has a run queued or in progress; no nightly run queued for it",
                company.name,
            )
        runs = self.create([{"company_id": company.id, "state": "queued"} for company in companies - busy])
        if runs:
            self.env.ref("crm_ext_analytics.ir_cron_analytics_queue")._trigger()
        return runs

    @api.model
    def _cron_process_queue(self):
        """The queue's cron: runs the oldest queued run whose company no other process is
        running, one run (one company) per call. The cron framework commits after each call and,
        told that runs remain (``_notify_progress``), calls again: a process killed mid-way (a
        worker past ``limit_time_real``) loses the run in flight only, which the next start marks
        failed (``_fail_stale_runs``)."""
        self._fail_stale_runs()
        queued = self.search([("state", "=", "queued")], order="id")
        for run in queued:
            if not run._lock_company():
                _logger.info(
                    "Analytics run %s of %s skipped: another run of the company is in progress",
                    run.id,
                    run.company_id.name,
                )
                continue
            setting = self.env["ir.config_parameter"].sudo().get_param(RUN_NICE_PARAM)
            with priority.background(priority.nice_of(setting)) as nice:
                if nice:
                    _logger.info("Analytics run %s of %s runs at nice %s", run.id, run.company_id.name, nice)
                run._execute()
            remaining = self.search_count([("state", "=", "queued")])
            self.env["ir.cron"]._notify_progress(done=1, remaining=remaining)
            return run
        if queued:
            # each waits for a run of its company under way in another process: look again soon
            self.env.ref("crm_ext_analytics.ir_cron_analytics_queue")._trigger(
                fields.Datetime.now() + timedelta(minutes=1)
            )
        return self.browse()

    @api.model
    def _fail_stale_runs(self):
        """Marks failed, with the reason, the runs a process started and left: those running or
        with a progress line while nobody holds their company's lock (the process was killed,
        e.g. past its time limit, or the server restarted). Their transaction was lost: the
        company's previous results are as they were. Also deletes the progress lines of the runs
        that ended (a run's own transaction does not see the lines committed after it began), and
        those of runs that do not exist while nobody runs their company: a run created and
        executed in a transaction that was rolled back (a script's, a test's) left them. A run
        under way holds its company's lock (``_execute``), and its next step writes its line
        again."""
        self.env.cr.execute(
            SQL(
                """DELETE FROM crm_ext_analytics_run_progress progress USING crm_ext_analytics_run run
                    WHERE run.id = progress.run_ref AND run.state IN ('done', 'failed')"""
            )
        )
        self.env.cr.execute(
            SQL(
                """DELETE FROM crm_ext_analytics_run_progress progress
                    WHERE NOT EXISTS (SELECT 1 FROM crm_ext_analytics_run run WHERE run.id = progress.run_ref)
                      AND NOT EXISTS (
                          SELECT 1 FROM pg_locks
                           WHERE locktype = 'advisory' AND granted AND objsubid = 2
                             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                             AND classid = %s AND objid = progress.company_ref)""",
                RUN_LOCK_KEY,
            )
        )
        runs = self.search([("state", "in", ("queued", "running"))])
        lines = {
            line.run_ref: line
            for line in self.env["crm_ext.analytics.run.progress"]
            .sudo()
            .search([("run_ref", "in", runs.ids)])
        }
        for run in runs:
            line = lines.get(run.id)
            if (run.state == "queued" and not line) or run._company_locked_elsewhere():
                continue  # waiting for its turn, or under way
            where = (
                _(
                    "stage %(step)s of %(total)s (%(stage)s)",
                    step=line.step,
                    total=line.total,
                    stage=line.stage,
                )
                if line
                else _("its start")
            )
            _logger.warning(
                "Analytics run %s of %s stopped at %s: marked failed", run.id, run.company_id.name, where
            )
            run.write(
                {
                    "state": "failed",
                    "date_end": fields.Datetime.now(),
                    "log": _(
                        "The run stopped at %(where)s without finishing: the server process running it "
                        "ended (stopped past its time limit, or restarted). The previous results of "
                        "%(company)s are kept.",
                        where=where,
                        company=run.company_id.name,
                    ),
                }
            )
        if lines:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM crm_ext_analytics_run_progress WHERE run_ref = ANY(%s)",
                    [run.id for run in runs if run.state == "failed"],
                )
            )

    def _notify_user(self):
        """Tells the user who started the run that it ended (a notification in the web client)."""
        if not self.user_id:
            return
        if self.state == "done":
            kind, message = "success", _("%(run)s of %(company)s is done.")
        else:
            kind, message = "danger", _("%(run)s of %(company)s failed: see its log.")
        self.user_id._bus_send(
            "simple_notification",
            {"type": kind, "message": message % {"run": self.name, "company": self.company_id.name}},
        )

    def _execute(self):
        """The job of one run: every stage for its company in the current transaction, under the
        company's run lock (UserError when another process holds it)."""
        self.ensure_one()
        if not self._lock_company():
            raise UserError(
                _(
                    "A run of %(company)s is already in progress in another process: wait for it to finish.",
                    company=self.company_id.name,
                )
            )
        # the run's transaction does not wait for its WAL to reach the disk when it commits: a crash
        # right after the commit loses at most this run's results (the previous ones are kept: the
        # run is lost as a whole), which the next run computes again
        self.env.cr.execute(SQL("SET LOCAL synchronous_commit = off"))
        started = time.perf_counter()
        self.write({"state": "running", "date_start": fields.Datetime.now()})
        values, logs, timings = {}, [], []
        self.env.cr.cache[("crm_ext_analytics_run", self.id)] = {}
        try:
            # one savepoint for every stage: a failure anywhere leaves the previous results
            # of the company as they were
            with self.env.cr.savepoint():
                mode, since, reason = self._plan_inputs()
                self.write({"mode": mode, "since": since})
                if mode == "incremental":
                    changed = len(self._changed_partner_ids())
                    values["changed_customer_count"] = changed
                    reason = _(
                        "Incremental run: %(count)s customers with invoices or credit notes created or "
                        "changed since %(since)s recomputed for RFM and lifetime value, the others keep "
                        "the inputs stored by the previous runs; churn, basket and forecast read everything "
                        "(their figures are windows ending today).",
                        count=changed,
                        since=fields.Datetime.to_string(since),
                    )
                logs.append(reason)
                stages = self._analytics_stages()
                for sequence, (key, label, method) in enumerate(stages):
                    self._set_progress(sequence + 1, len(stages), label)
                    stage_started = time.perf_counter()
                    result = method()
                    timings.append(
                        {
                            "run_id": self.id,
                            "sequence": sequence,
                            "key": key,
                            "name": label,
                            "rows": result.pop("rows", 0),
                            "seconds": time.perf_counter() - stage_started,
                            "memory_mb": _process_memory_mb(),
                        }
                    )
                    logs.append(result.pop("log"))
                    values.update(result)
        except Exception as error:
            _logger.exception("Analytics run %s failed", self.id)
            values = {"state": "failed", "log": _("The run failed: %(error)s", error=error)}
        else:
            values.update(state="done", log="\n".join(logs))
        finally:
            self.env.cr.cache.pop(("crm_ext_analytics_run", self.id), None)
        self.env["crm_ext.analytics.run.stage"].create(timings)  # on a failure, the stages that finished
        # the progress line has done its work: it goes when the run's transaction commits
        self.env.cr.execute(SQL("DELETE FROM crm_ext_analytics_run_progress WHERE run_ref = %s", self.id))
        self.write({"date_end": fields.Datetime.now(), "duration": time.perf_counter() - started, **values})
        self._notify_user()
