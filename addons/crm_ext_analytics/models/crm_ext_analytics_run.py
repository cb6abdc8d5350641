import csv
import io
import logging
import resource
import time
from datetime import timedelta

import numpy as np
import pandas as pd
import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, config, format_amount

from ..engine.basket import association_rules, next_best_offers
from ..engine.churn import churn_risk
from ..engine.clv import customer_lifetime_value, purchase_inputs, summary_from_inputs
from ..engine.forecast import revenue_forecast
from ..engine.rfm import score_rfm
from .crm_ext_customer_rfm import SEGMENT_SELECTION

_logger = logging.getLogger(__name__)

# an invoice's write date is the start of the transaction that wrote it, which may commit after a
# run has started: an incremental run also looks this far before the start of the previous run
WATERMARK_MARGIN = timedelta(hours=1)
# the first key of PostgreSQL's two-key advisory locks meaning "an analytics run of company <second key>"
RUN_LOCK_KEY = 0x43524D41  # "CRMA"
# the ir.config_parameter of how long a run waits for the replica to catch up, and its default
REPLICA_MAX_LAG_PARAM = "crm_ext_analytics.replica_max_lag"
REPLICA_MAX_LAG_DEFAULT = 30
# seconds between two looks at how far the replica has replayed the primary's WAL
REPLICA_POLL_SECONDS = 0.2
# the invoice fields the runs read with SQL (flushed first)
INVOICE_FIELDS = [
    "state", "move_type", "company_id", "commercial_partner_id", "invoice_date", "amount_untaxed_signed",
]  # fmt: skip


# the columns of crm_ext_customer_rfm a run writes, by kind, per stage (``run_id``: the run that
# last changed the customer's RFM figures)
RFM_COLUMNS = {
    "last_purchase_date": "date", "frequency": "int", "monetary": "numeric", "r_score": "int",
    "f_score": "int", "m_score": "int", "rfm_cell": "varchar", "segment": "varchar",
}  # fmt: skip
CLV_COLUMNS = {
    "margin": "numeric", "clv_predicted": "numeric", "clv_p_alive": "numeric",
    "clv_expected_purchases": "numeric", "clv_decile": "int", "clv_first_date": "date",
    "clv_last_date": "date", "clv_repeat": "int", "clv_repeat_value": "numeric",
}  # fmt: skip
CHURN_COLUMNS = {"churn_probability": "numeric", "churn_risk": "varchar", "churn_reasons": "varchar"}
CUSTOMER_COLUMNS = {"run_id": "int", **RFM_COLUMNS, **CLV_COLUMNS, **CHURN_COLUMNS}
# how ``_read_customer_rows`` reads each kind of column (numbers as float8, dates parsed after)
READ_DTYPES = {"int": "Int64", "numeric": "float64", "date": "object", "varchar": "object"}
# the stages whose results are columns of a customer's row, written together once per run
CUSTOMER_PARTS = ("rfm", "clv", "churn")
# a temporary table of at least this many rows is analysed before it is joined (below, any plan is fast)
ANALYZE_ROWS = 1000
# two numbers closer than this are the same value (every stored figure is rounded to 4 decimals or fewer)
SAME_NUMBER = 5e-7


def _differs(new, old):
    """Per row, whether ``new`` and ``old`` (two aligned Series) hold different values: a missing
    value equals a missing value only, numbers are compared to ``SAME_NUMBER``, dates as dates."""
    new_missing, old_missing = new.isna().to_numpy(), old.isna().to_numpy()
    result = new_missing != old_missing
    both = ~new_missing & ~old_missing
    if pd.api.types.is_datetime64_any_dtype(new) and pd.api.types.is_datetime64_any_dtype(old):
        a, b = new.to_numpy("datetime64[D]"), old.to_numpy("datetime64[D]")
        result[both] = a[both] != b[both]
    elif pd.api.types.is_numeric_dtype(new) and pd.api.types.is_numeric_dtype(old):
        a = new.to_numpy("float64", na_value=np.nan)
        b = old.to_numpy("float64", na_value=np.nan)
        result[both] = np.abs(a[both] - b[both]) > SAME_NUMBER
    else:
        a, b = new.to_numpy(object), old.to_numpy(object)
        result[both] = a[both] != b[both]
    return result


def _as_copy_rows(frame):
    """``frame`` (columns of crm_ext_customer_rfm) as ``_copy_rows`` writes them: whole numbers
    without a decimal point, dates as ISO dates, missing values empty (NULL)."""
    out = frame.copy()
    for name in out.columns:
        kind = CUSTOMER_COLUMNS.get(name, "int")
        if kind == "int":
            out[name] = out[name].astype("Int64")
        elif kind == "date":
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d")
    return out


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
        """Commits where the run is through a separate cursor, visible at once to other sessions."""
        with self.env.registry.cursor() as cr:
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

    def _memo(self):
        """What the stages of a run share, computed once (a dict kept on the cursor while the run
        executes), or None outside a run."""
        return self.env.cr.cache.get(("crm_ext_analytics_run", self.id))

    # ------------------------------------------------------------------ read source

    def _read_cursor(self):
        """The cursor a run reads its input datasets with (invoices, orders, leads, tickets...):
        the replica's (``_open_replica_cursor``), or the run's own on the primary. Chosen at the
        run's first read and kept for the run (one snapshot for every dataset); outside a run the
        current cursor. The results and the run's own stored inputs are read and written with
        ``self.env.cr``."""
        memo = self._memo()
        if memo is None:
            return self.env.cr
        if "read_cr" not in memo:
            memo["read_cr"] = self._open_replica_cursor()
        return memo["read_cr"] or self.env.cr

    def _read_with(self, read):
        """``read(cr)`` with ``_read_cursor()``. When the replica fails under it (stopped, or a
        query cancelled by a recovery conflict), the run reads the primary from then on, this read
        first."""
        read_cr = self._read_cursor()
        try:
            return read(read_cr)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            if read_cr is self.env.cr:
                raise
            self._memo()["read_cr"] = None
            self._close_quietly(read_cr)
            _logger.warning(
                "Analytics run %s: the replica failed (%s); the run reads the primary from now on",
                self.id,
                " ".join(str(error).split()),
            )
            self.write(
                {
                    "read_source": "both",
                    "read_source_note": _(
                        "The replica failed during the run (%(error)s): from then on the inputs were read "
                        "from the primary.",
                        error=" ".join(str(error).split()),
                    ),
                }
            )
            return read(self.env.cr)

    def _read_rows(self, query):
        """The rows of ``query`` (SQL), read with ``_read_with``."""

        def read(cr):
            cr.execute(query, log_exceptions=False)
            return cr.fetchall()

        return self._read_with(read)

    @staticmethod
    def _close_quietly(cr):
        try:
            cr.close()
        except psycopg2.Error as error:  # its connection is gone: the pool drops it
            _logger.debug("Analytics run: closing a replica cursor whose connection is gone: %s", error)

    def _open_replica_cursor(self):
        """A read-only cursor on Odoo's replica (``db_replica_host``) for the run's reads, or None
        to read the primary; the choice and why on the run (``read_source``) and in the log.

        An incremental run reads the customers with invoices changed since the previous run:
        reading a replica that lags would miss the latest changes, and the next run would not look
        for them again. So the replica is used only once it has replayed the primary's WAL up to
        where it was at this point, which is past every transaction committed before the run
        started: its snapshot (taken after that) then holds all the run's own snapshot holds, and
        maybe more recent rows, which the next run reads again anyway. It is measured in WAL
        positions, not with ``now() - pg_last_xact_replay_timestamp()``, which grows on an idle
        primary while the replica is fully caught up. The run waits up to the setting
        ``crm_ext_analytics.replica_max_lag`` seconds for it, else reads the primary; so it does
        when the replica does not answer (Odoo then gives the primary and logs why) or is not
        in recovery (promoted, or the primary itself)."""
        if config["db_replica_host"] is False:  # Odoo's own test (odoo.modules.registry)
            return self._use_primary(
                _("No replica configured (db_replica_host): inputs read from the primary.")
            )
        max_lag = max(
            0,
            int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(REPLICA_MAX_LAG_PARAM, REPLICA_MAX_LAG_DEFAULT)
            ),
        )
        self.env.cr.execute(SQL("SELECT pg_current_wal_lsn()"))
        target = self.env.cr.fetchone()[0]
        replica = self.env.registry.cursor(readonly=True)
        if not replica.readonly:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica did not answer (Odoo tries it again 20 minutes after a failure): "
                    "inputs read from the primary."
                )
            )
        started = time.monotonic()
        try:
            while True:
                replica.execute(
                    SQL(
                        """SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %(target)s::pg_lsn,
                                  pg_wal_lsn_diff(%(target)s::pg_lsn, pg_last_wal_replay_lsn())::bigint,
                                  EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::int""",
                        target=target,
                    ),
                    log_exceptions=False,
                )
                in_recovery, caught_up, behind, replayed_ago = replica.fetchone()
                waited = time.monotonic() - started
                if not in_recovery or caught_up or waited >= max_lag:
                    break
                time.sleep(min(REPLICA_POLL_SECONDS, max_lag - waited))
            # the reads get a new snapshot, taken after the replay reached the target
            replica.rollback()
        except psycopg2.Error as error:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica failed (%(error)s): inputs read from the primary.",
                    error=" ".join(str(error).split()),
                )
            )
        if not in_recovery:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica is not in recovery (promoted, or the primary itself): "
                    "inputs read from the primary."
                )
            )
        if not caught_up:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica was %(bytes)s bytes of WAL behind the primary's position at the run's "
                    "start after %(seconds)s s (allowed lag: %(max)s s): inputs read from the primary.",
                    bytes=behind,
                    seconds=round(waited, 1),
                    max=max_lag,
                )
            )
        # closed with the run's transaction, when the results are committed (or rolled back)
        self.env.cr.postcommit.add(lambda: self._close_quietly(replica))
        self.env.cr.postrollback.add(lambda: self._close_quietly(replica))
        note = _(
            "The replica had replayed the primary's WAL up to the run's start after %(seconds)s s: "
            "inputs read from the replica.",
            seconds=round(waited, 1),
        )
        _logger.info("Analytics run %s: %s (last replayed transaction %s s old)", self.id, note, replayed_ago)
        self.write({"read_source": "replica", "read_source_note": note})
        return replica

    def _use_primary(self, note):
        _logger.info("Analytics run %s: %s", self.id, note)
        self.write({"read_source": "primary", "read_source_note": note})
        return None

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

    @staticmethod
    def _partner_filter(column, partner_ids):
        """``AND column = ANY(ids)``, or nothing when ``partner_ids`` is None (every customer)."""
        if partner_ids is None:
            return SQL()
        return SQL("AND %s = ANY(%s)", column, [int(pid) for pid in partner_ids])

    def _read_stored_inputs(self, columns, condition=None):
        """The inputs an earlier run stored on the company's RFM rows: ``columns`` (names of
        crm_ext.customer.rfm) per ``partner_id``, one query."""
        self.env["crm_ext.customer.rfm"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, %s FROM crm_ext_customer_rfm WHERE company_id = %s %s",
                SQL(", ").join(SQL.identifier(name) for name in columns),
                self.company_id.id,
                SQL("AND %s", condition) if condition else SQL(),
            )
        )
        return pd.DataFrame(self.env.cr.fetchall(), columns=["partner_id", *columns])

    # ------------------------------------------------------------------ RFM

    def _read_rfm_summary(self, partner_ids=None):
        """Per customer of the company: last purchase, purchases and net revenue (the columns of
        ``engine.rfm.rfm_summary``) from posted invoices and credit notes, net, company currency,
        aggregated in one query; ``partner_ids``: only these customers. Also the invoices read."""
        self.env["account.move"].flush_model(INVOICE_FIELDS)
        rows = self._read_rows(
            SQL(
                """
                SELECT company_id, commercial_partner_id,
                       COALESCE(MAX(invoice_date) FILTER (WHERE amount_untaxed_signed > 0),
                                MAX(invoice_date)),
                       COUNT(*) FILTER (WHERE amount_untaxed_signed > 0),
                       SUM(amount_untaxed_signed),
                       COUNT(*)
                  FROM (SELECT company_id, commercial_partner_id, invoice_date, amount_untaxed_signed
                          FROM account_move
                         WHERE state = 'posted'
                           AND move_type IN ('out_invoice', 'out_refund')
                           AND company_id = %s
                           AND commercial_partner_id IS NOT NULL
                           %s
                        %s) documents
              GROUP BY company_id, commercial_partner_id
                """,
                self.company_id.id,
                self._partner_filter(SQL.identifier("commercial_partner_id"), partner_ids),
                self._history_documents(partner_ids),
            )
        )
        frame = pd.DataFrame(
            rows,
            columns=["company_id", "partner_id", "last_date", "frequency", "monetary", "invoices"],
        )
        frame["monetary"] = frame["monetary"].astype("float64")
        return frame.drop(columns="invoices"), int(frame["invoices"].sum())

    def _read_invoices(self, partner_ids=None):
        """Posted customer invoices and credit notes, net, in company currency."""
        self.env["account.move"].flush_model(INVOICE_FIELDS)
        rows = self._read_rows(
            SQL(
                """
                SELECT company_id, commercial_partner_id AS partner_id,
                       invoice_date, amount_untaxed_signed AS amount
                  FROM account_move
                 WHERE state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund')
                   AND company_id = %s
                   AND commercial_partner_id IS NOT NULL
                   %s
                %s
                """,
                self.company_id.id,
                self._partner_filter(SQL.identifier("commercial_partner_id"), partner_ids),
                self._history_documents(partner_ids),
            )
        )
        return pd.DataFrame(rows, columns=["company_id", "partner_id", "invoice_date", "amount"])

    def _write_rfm_results(self, scores, as_of):
        """The RFM stage's part of the company's customer rows (``_put_customer_results``): the
        scores of every scored customer; the customers no longer scored lose their row, a customer
        scored for the first time or moving to another segment or RFM cell gets a history row, and
        ``run_id`` is the run that last changed a row's RFM figures. The caller holds a savepoint."""
        self.ensure_one()
        keys = {label: key for key, label in SEGMENT_SELECTION}
        rows = pd.DataFrame(
            {
                "partner_id": scores["partner_id"].to_numpy("int64"),
                "last_purchase_date": (
                    pd.Timestamp(as_of) - pd.to_timedelta(scores["recency_days"].to_numpy("int64"), unit="D")
                ),
                "frequency": scores["frequency"].to_numpy("int64"),
                "monetary": scores["monetary"].to_numpy("float64").round(2),
                "r_score": scores["r_score"].to_numpy("int64"),
                "f_score": scores["f_score"].to_numpy("int64"),
                "m_score": scores["m_score"].to_numpy("int64"),
            }
        )
        rows["rfm_cell"] = (rows["r_score"] * 100 + rows["f_score"] * 10 + rows["m_score"]).astype(str)
        rows["segment"] = scores["segment"].map(keys).to_numpy()
        self._put_customer_results("rfm", rows, as_of=as_of)

    # ------------------------------------------------------------------ the customers' rows, once per run

    def _put_customer_results(self, part, rows, as_of=None):
        """Hands a stage's part of the customers' rows (``part``: one of ``CUSTOMER_PARTS``) to
        the write. In a run (``_memo``) the part is kept until the run's last customer stage is
        done (``_customer_stage_done``), and the company's rows are then written once, every
        stage's columns together; outside a run (a stage's method called on its own) it is
        written at once."""
        memo = self._memo()
        if memo is None:
            self._write_customer_rows({part: rows}, as_of)
            return
        memo.setdefault("customer_rows", {})[part] = rows
        if as_of is not None:
            memo["customer_rows_as_of"] = as_of

    def _customer_stage_done(self, key):
        """Called by the RFM, lifetime-value and churn stages when they end (whatever they found):
        after the last of those the run has, the company's customer rows are written, once."""
        memo = self._memo()
        if memo is None:
            return
        done = memo.setdefault("customer_stages_done", set())
        done.add(key)
        expected = {stage for stage, __, __ in self._analytics_stages() if stage in CUSTOMER_PARTS}
        if expected <= done and not memo.get("customer_rows_written"):
            memo["customer_rows_written"] = True
            self._write_customer_rows(memo.get("customer_rows", {}), memo.get("customer_rows_as_of"))

    def _read_customer_rows(self):
        """The company's rows of crm_ext_customer_rfm as they are, every column the run writes,
        streamed with COPY from the run's own cursor (the rows it is about to rewrite)."""
        Rfm = self.env["crm_ext.customer.rfm"]
        Rfm.flush_model()
        kinds = {"partner_id": "int", **CUSTOMER_COLUMNS}
        select = SQL(", ").join(
            SQL("%s::float8", SQL.identifier(name)) if kind == "numeric" else SQL.identifier(name)
            for name, kind in kinds.items()
        )
        query = SQL("SELECT %s FROM crm_ext_customer_rfm WHERE company_id = %s", select, self.company_id.id)
        buffer = io.StringIO()
        statement = self.env.cr.mogrify(query.code, query.params).decode()
        self.env.cr.copy_expert(f"COPY ({statement}) TO STDOUT", buffer)
        dtypes = {name: READ_DTYPES[kind] for name, kind in kinds.items()} | {"partner_id": "int64"}
        if not buffer.tell():
            return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            sep="\t",
            header=None,
            names=list(kinds),
            dtype=dtypes,
            na_values=["\\N"],
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
        )
        for name, kind in kinds.items():
            if kind == "date":
                frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d")
        return frame

    def _write_customer_rows(self, parts, as_of=None):
        """Brings the company's rows of crm_ext_customer_rfm to the run's results, each customer's
        row written at most once: ``parts`` maps ``rfm``, ``clv`` and ``churn`` to what those stages
        found (a part missing: that stage wrote nothing, e.g. no customer with a purchase, and the
        rows keep their values).

        - ``rfm``: the scored customers; new ones are inserted (COPY), those no longer scored
          deleted (one DELETE); without it the rows stay those there are.
        - ``clv``: the predictions of the customers with a purchase; the other rows get none.
        - ``churn``: the risk of the customers the stage scored; the other rows keep theirs.

        The rows are read once (COPY), compared in pandas, and only those with a value changed
        are updated: COPY into a temporary table and one UPDATE of every column, whatever the
        number of customers (an unchanged indexed column lets PostgreSQL update in place).
        """
        self.ensure_one()
        started = time.perf_counter()
        Rfm, History = self.env["crm_ext.customer.rfm"], self.env["crm_ext.customer.rfm.history"]
        History.flush_model()
        cr, company_id = self.env.cr, self.company_id.id
        current = self._read_customer_rows()
        rfm, clv, churn = parts.get("rfm"), parts.get("clv"), parts.get("churn")
        if rfm is not None:
            # the columns only the table has (run, lifetime value, churn) come with their values
            target = rfm.merge(current, on="partner_id", how="left", suffixes=("", "_old"), indicator=True)
            new = (target["_merge"] == "left_only").to_numpy()
            moved = ~new & (
                _differs(target["segment"], target["segment_old"])
                | _differs(target["rfm_cell"], target["rfm_cell_old"])
            )
            rfm_changed = ~new & np.logical_or.reduce(
                [_differs(target[name], target[f"{name}_old"]) for name in RFM_COLUMNS]
            )
            target["run_id"] = target["run_id"].astype("Int64").where(~(new | rfm_changed), self.id)
            target = target[["partner_id", *CUSTOMER_COLUMNS]]
            gone = current.loc[~current["partner_id"].isin(rfm["partner_id"]), "partner_id"]
        else:
            target = current.copy()
            new = moved = np.zeros(len(target), dtype=bool)
            gone = current["partner_id"].iloc[:0]
        if clv is not None:
            # the customers without a purchase (no longer) get no prediction
            target = target.drop(columns=list(CLV_COLUMNS)).merge(
                clv[["partner_id", *CLV_COLUMNS]], on="partner_id", how="left"
            )
        if churn is not None:
            # the customers the stage did not score keep their risk
            found = target[["partner_id"]].merge(
                churn[["partner_id", *CHURN_COLUMNS]], on="partner_id", how="left", indicator=True
            )
            scored = (found["_merge"] == "both").to_numpy()
            for name in CHURN_COLUMNS:
                column = target[name] if name == "churn_probability" else target[name].astype(object)
                target[name] = column.where(~scored, found[name].to_numpy())
        target = target[["partner_id", *CUSTOMER_COLUMNS]]
        old = target[["partner_id"]].merge(current, on="partner_id", how="left")
        changed = ~new & np.logical_or.reduce(
            [_differs(target[name], old[name]) for name in CUSTOMER_COLUMNS]
        )
        if new.any():
            self._copy_rows(
                "crm_ext_customer_rfm", _as_copy_rows(target.loc[new].assign(company_id=company_id))
            )
        if (new | moved).any():
            history = target.loc[new | moved, ["partner_id", "segment", "rfm_cell"]].assign(
                company_id=company_id, run_id=self.id, date=fields.Date.to_string(as_of)
            )
            self._copy_rows("crm_ext_customer_rfm_history", history)
        if changed.any():
            names = ["partner_id", *CUSTOMER_COLUMNS]
            cr.execute(
                SQL(
                    "CREATE TEMPORARY TABLE crm_ext_analytics_src ON COMMIT DROP AS"
                    " SELECT %s FROM crm_ext_customer_rfm WITH NO DATA",
                    SQL(", ").join(SQL.identifier(name) for name in names),
                )
            )
            self._copy_rows("crm_ext_analytics_src", _as_copy_rows(target.loc[changed, names]))
            if changed.sum() >= ANALYZE_ROWS:
                # the planner's row count and key statistics for the join below
                cr.execute(SQL("ANALYZE crm_ext_analytics_src"))
            cr.execute(
                SQL(
                    """
                    UPDATE crm_ext_customer_rfm current SET %s
                      FROM crm_ext_analytics_src src
                     WHERE current.company_id = %s AND current.partner_id = src.partner_id
                    """,
                    SQL(", ").join(
                        SQL("%s = src.%s", SQL.identifier(name), SQL.identifier(name))
                        for name in CUSTOMER_COLUMNS
                    ),
                    company_id,
                )
            )
            cr.execute(SQL("DROP TABLE crm_ext_analytics_src"))
        if len(gone):
            cr.execute(
                SQL(
                    "DELETE FROM crm_ext_customer_rfm WHERE company_id = %s AND partner_id = ANY(%s)",
                    company_id,
                    gone.astype(int).tolist(),
                )
            )
        Rfm.invalidate_model()
        self._invalidate_rfm_caches()
        self.env["res.partner"].invalidate_model(
            ["rfm_clv_predicted", "rfm_clv_p_alive", "rfm_churn_probability", "rfm_churn_reasons"]
        )
        _logger.info(
            "Analytics run %s, rows of %s: %s inserted, %s updated, %s deleted, %s unchanged (%.2f s)",
            self.id,
            self.company_id.name,
            int(new.sum()),
            int(changed.sum()),
            len(gone),
            int(len(target) - new.sum() - changed.sum()),
            time.perf_counter() - started,
        )

    def _copy_rows(self, table, frame):
        """COPY ``frame`` (numbers, dates and our own keys: no tab, newline or backslash; missing
        values become NULL) into ``table``, its columns named as the frame's."""
        buffer = io.StringIO()
        frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
        buffer.seek(0)
        columns = SQL(", ").join(SQL.identifier(name) for name in frame.columns)
        query = SQL("COPY %s (%s) FROM STDIN", SQL.identifier(table), columns)
        self.env.cr.copy_expert(query.code, buffer)

    def _invalidate_rfm_caches(self):
        """The rows changed behind the ORM's back, and so did the partners' scores."""
        self.env["crm_ext.customer.rfm"].invalidate_model()
        self.env["crm_ext.customer.rfm.history"].invalidate_model()
        self.env["res.partner"].invalidate_model(
            ["rfm_segment", "rfm_cell", "rfm_r_score", "rfm_f_score", "rfm_m_score"]
        )

    def _analytics_stages(self):
        """The stages of a run, in order, as ``(key, label, method)``; a method returns a dict
        of run values plus ``log`` (a line for the run's log) and ``rows`` (rows read).
        Modules adding analytics append their stages."""
        return [
            ("rfm", _("RFM"), self._stage_rfm),
            ("basket", _("Market basket"), self._stage_basket),
            ("forecast", _("Revenue forecast"), self._stage_forecast),
            ("clv", _("Lifetime value"), self._stage_clv),
            ("churn", _("Churn risk"), self._stage_churn),
        ]

    def _rfm_scores(self, as_of):
        """The company's RFM scores (``engine.rfm.score_rfm``), the invoices and the rows read: on
        a full run from one aggregate over the invoices; on an incremental one from the same
        aggregate over the changed customers' invoices and the others' stored figures."""
        changed = self._changed_partner_ids()
        summary, invoices_read = self._read_rfm_summary(changed)
        rows_read = invoices_read
        if changed is not None:
            # the customers without new invoices keep the figures the previous runs stored
            stored = self._read_stored_inputs(["last_purchase_date", "frequency", "monetary"])
            stored = stored[~stored["partner_id"].isin(changed)].rename(
                columns={"last_purchase_date": "last_date"}
            )
            stored.insert(0, "company_id", self.company_id.id)
            rows_read += len(stored)
            summary = pd.concat([summary, stored], ignore_index=True) if len(stored) else summary
        return score_rfm(summary, as_of), invoices_read, rows_read

    def _stage_rfm(self):
        as_of = fields.Date.context_today(self)
        scores, invoices_read, rows_read = self._rfm_scores(as_of)
        if scores.empty:
            log = _(
                "No posted customer invoices in %(company)s: nothing to score.", company=self.company_id.name
            )
        else:
            self._write_rfm_results(scores, as_of)
            sizes = scores["segment"].value_counts().sort_index()
            log = "\n".join(f"{segment}: {count}" for segment, count in sizes.items())
        self._customer_stage_done("rfm")
        return {
            "invoice_count": invoices_read,
            "customer_count": len(scores),
            "rows": rows_read,
            "log": log,
        }

    # ------------------------------------------------------------------ lifetime value

    def _read_purchase_days(self, partner_ids=None):
        """Net invoiced amount per customer and invoice day (credit notes deducted), company
        currency: the invoices of ``_read_invoices`` summed per day. Every customer's days are
        read once per run (lifetime value on a full run and churn both need them)."""
        memo = self._memo() if partner_ids is None else None
        if memo is not None and "days" in memo:
            return memo["days"]
        invoices = self._read_invoices(partner_ids)
        days = invoices.groupby(["partner_id", "invoice_date"], as_index=False)["amount"].sum()
        days = days.rename(columns={"invoice_date": "date"})[["partner_id", "date", "amount"]]
        if memo is not None:
            memo["days"] = days
        return days

    def _read_margins(self, partner_ids=None):
        """Net margin per customer: invoiced lines minus their products' cost price, credit notes
        deducted, company currency."""
        self.env["account.move.line"].flush_model(
            ["move_id", "balance", "quantity", "product_id", "display_type"]
        )
        rows = self._read_rows(
            SQL(
                """
                SELECT partner_id, SUM(revenue) - SUM(cost)
                  FROM (SELECT move.commercial_partner_id AS partner_id, -line.balance AS revenue,
                               line.quantity
                               * COALESCE((product.standard_price ->> %(company)s::text)::numeric, 0)
                               * CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END AS cost
                          FROM account_move_line line
                          JOIN account_move move ON move.id = line.move_id
                     LEFT JOIN product_product product ON product.id = line.product_id
                         WHERE move.state = 'posted' AND move.move_type IN ('out_invoice', 'out_refund')
                           AND move.company_id = %(company)s AND move.commercial_partner_id IS NOT NULL
                           AND line.display_type = 'product'
                           %(partners)s
                        %(history)s) lines
              GROUP BY partner_id
                """,
                company=self.company_id.id,
                partners=self._partner_filter(SQL("move.commercial_partner_id"), partner_ids),
                history=self._history_margin_lines(partner_ids),
            )
        )
        return pd.DataFrame(rows, columns=["partner_id", "margin"])

    def _read_clv_inputs(self):
        """Per customer with a purchase: the inputs of ``engine.clv.purchase_inputs`` and the net
        margin; on an incremental run read again only for the customers with new invoices, the
        others' from what the previous runs stored. Also the rows read."""
        changed = self._changed_partner_ids()
        days = self._read_purchase_days(changed)
        margins = self._read_margins(changed)
        inputs = purchase_inputs(days).merge(margins, on="partner_id", how="left")
        rows_read = len(days) + len(margins)
        if changed is not None:
            stored = self._read_stored_inputs(
                ["clv_first_date", "clv_last_date", "clv_repeat", "clv_repeat_value", "monetary", "margin"],
                SQL("clv_first_date IS NOT NULL"),
            ).rename(
                columns={
                    "clv_first_date": "first_date",
                    "clv_last_date": "last_date",
                    "clv_repeat": "repeat",
                    "clv_repeat_value": "repeat_value",
                    "monetary": "total",
                }
            )
            stored = stored[~stored["partner_id"].isin(changed)]
            rows_read += len(stored)
            if len(stored):
                inputs = pd.concat([inputs, stored], ignore_index=True) if len(inputs) else stored
        inputs["margin"] = inputs["margin"].astype("float64").fillna(0.0)
        return inputs, rows_read

    def _stage_clv(self):
        as_of = fields.Date.context_today(self)
        inputs, rows_read = self._read_clv_inputs()
        summary = summary_from_inputs(inputs, as_of)
        values, info = customer_lifetime_value(summary, horizon_weeks=52)
        if values.empty:
            self._customer_stage_done("clv")
            return {"rows": rows_read, "log": _("Lifetime value: no customer with a purchase.")}
        values = values.merge(inputs, on="partner_id", how="left")
        # deciles 1-10 of predicted value, ties by order: one vectorised step
        values["decile"] = (
            np.ceil(values["clv"].rank(method="first", pct=True) * 10).clip(1, 10).astype("int64")
        )
        self._write_clv_results(values)
        self._customer_stage_done("clv")
        method = {
            "bgnbd": _("Lifetime value (BG/NBD + Gamma-Gamma): %(message)s", message=info["message"]),
            "historical": _("Lifetime value, fallback: %(message)s", message=info["message"]),
        }.get(info["method"], info["message"])
        return {"rows": rows_read, "log": method}

    def _update_from_rows(self, table, key, columns, rows, assignments, reset=None):
        """Writes ``rows`` (a DataFrame: ``key``, an integer column, then ``columns``, a dict name
        -> SQL type) onto the company's rows of ``table`` with the same ``key``: a temporary table
        filled with COPY, then one UPDATE setting ``assignments`` (SQL, reading ``src``), and with
        ``reset`` (SQL assignments) one UPDATE of the company's rows not in ``rows``. The same
        statements for any number of rows."""
        cr = self.env.cr
        definition = SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(sql_type))
            for name, sql_type in {key: "int", **columns}.items()
        )
        cr.execute(SQL("CREATE TEMPORARY TABLE crm_ext_analytics_src (%s) ON COMMIT DROP", definition))
        self._copy_rows("crm_ext_analytics_src", rows[[key, *columns]])
        if len(rows) >= ANALYZE_ROWS:
            cr.execute(SQL("ANALYZE crm_ext_analytics_src"))
        matches = SQL("current.%s = src.%s", SQL.identifier(key), SQL.identifier(key))
        cr.execute(
            SQL(
                """
                UPDATE %s current SET %s
                  FROM crm_ext_analytics_src src
                 WHERE current.company_id = %s AND %s
                """,
                SQL.identifier(table),
                assignments,
                self.company_id.id,
                matches,
            )
        )
        if reset:
            cr.execute(
                SQL(
                    """
                    UPDATE %s current SET %s
                     WHERE current.company_id = %s
                       AND NOT EXISTS (SELECT 1 FROM crm_ext_analytics_src src WHERE %s)
                    """,
                    SQL.identifier(table),
                    reset,
                    self.company_id.id,
                    matches,
                )
            )
        cr.execute(SQL("DROP TABLE crm_ext_analytics_src"))

    def _write_clv_results(self, values):
        """The lifetime-value stage's part of the customers' rows (``_put_customer_results``): the
        predictions, the margin and the inputs of the next incremental run of every customer with a
        purchase; the customers without one (no longer) get none."""
        rows = pd.DataFrame(
            {
                "partner_id": values["partner_id"].astype("int64"),
                "margin": values["margin"].astype("float64").round(2),
                "clv_predicted": values["clv"].astype("float64").round(2),
                "clv_p_alive": values["p_alive"].astype("float64").round(4),
                "clv_expected_purchases": values["expected_purchases"].astype("float64").round(3),
                "clv_decile": values["decile"].astype("int64"),
                "clv_first_date": pd.to_datetime(values["first_date"]),
                "clv_last_date": pd.to_datetime(values["last_date"]),
                "clv_repeat": values["repeat"].astype("int64"),
                "clv_repeat_value": values["repeat_value"].astype("float64").round(2),
            }
        )
        self._put_customer_results("clv", rows)

    # ------------------------------------------------------------------ churn risk

    def _read_dated(self, query):
        rows = self._read_rows(query)
        return pd.DataFrame(rows, columns=["partner_id", "date"])

    def _read_churn_events(self):
        """Dated events per customer, one query each: tickets (complaints), returns, SLA breaches,
        interactions and campaign engagement (e-mails opened or clicked)."""
        for model in ("crm_ext.ticket", "crm_ext.ticket.sla", "crm_ext.return.line", "crm_ext.interaction",
                      "mailing.trace", "mailing.mailing", "utm.campaign", "res.users"):  # fmt: skip
            self.env[model].flush_model()
        company = self.company_id.id
        return {
            "complaints": self._read_dated(
                SQL(
                    """SELECT commercial_partner_id, create_date::date FROM crm_ext_ticket
                        WHERE company_id = %s AND commercial_partner_id IS NOT NULL
                          AND merged_into_id IS NULL""",
                    company,
                )
            ),
            "returns": self._read_dated(
                SQL(
                    """SELECT partner_id, processed_date::date FROM crm_ext_return_line
                        WHERE company_id = %s AND state = 'done'""",
                    company,
                )
            ),
            "sla_breaches": self._read_dated(
                SQL(
                    """SELECT ticket.commercial_partner_id, sla.deadline::date
                         FROM crm_ext_ticket_sla sla JOIN crm_ext_ticket ticket ON ticket.id = sla.ticket_id
                        WHERE sla.company_id = %s AND sla.status = 'failed'
                          AND ticket.commercial_partner_id IS NOT NULL""",
                    company,
                )
            ),
            "interactions": self._read_dated(
                SQL(
                    """SELECT commercial_partner_id, date::date FROM crm_ext_interaction
                        WHERE company_id = %s AND commercial_partner_id IS NOT NULL""",
                    company,
                )
            ),
            # the company's own mailings: a mailing is its campaign's company's, else its
            # responsible user's company's (the company Odoo sends it for)
            "engagement": self._read_dated(
                SQL(
                    """SELECT partner.commercial_partner_id,
                              COALESCE(trace.links_click_datetime, trace.open_datetime)::date
                         FROM mailing_trace trace
                         JOIN res_partner partner ON partner.id = trace.res_id
                         JOIN mailing_mailing mailing ON mailing.id = trace.mass_mailing_id
                    LEFT JOIN utm_campaign campaign ON campaign.id = mailing.campaign_id
                    LEFT JOIN res_users sender ON sender.id = mailing.user_id
                        WHERE trace.model = 'res.partner'
                          AND COALESCE(campaign.company_id, sender.company_id) = %s
                          AND (trace.open_datetime IS NOT NULL OR trace.links_click_datetime IS NOT NULL)""",
                    company,
                )
            ),
        }

    def _read_overdue(self):
        """The company's customer invoices still unpaid, with their due dates (company currency)."""
        self.env["account.move"].flush_model()
        rows = self._read_rows(
            SQL(
                """
                SELECT commercial_partner_id, invoice_date_due, amount_residual_signed
                  FROM account_move
                 WHERE state = 'posted' AND move_type = 'out_invoice' AND company_id = %s
                   AND payment_state IN ('not_paid', 'partial') AND commercial_partner_id IS NOT NULL
                   AND invoice_date_due IS NOT NULL
                """,
                self.company_id.id,
            )
        )
        return pd.DataFrame(rows, columns=["partner_id", "due_date", "amount"])

    def _churn_reason_templates(self):
        """The reasons' sentences, translated once per run (``_`` called here, in the method)."""
        return {
            "recency_days": _("no purchase for %(days)s days"),
            "frequency": _("only %(count)s purchases"),
            "spend_last_6m": _("low spending over the last 6 months"),
            "spend_prev_6m": _("spent more in the 6 months before"),
            "spend_trend": _("spending down over the last 6 months"),
            "overdue_amount": _("%(amount)s overdue"),
            "overdue_days": _("an invoice overdue for %(days)s days"),
            "complaints": _("%(count)s complaints this year"),
            "returns": _("%(count)s returns this year"),
            "sla_breaches": _("%(count)s service deadlines missed"),
            "days_since_interaction": _("no contact for %(days)s days"),
            "engagement": _("engaged with our campaigns"),
        }

    def _churn_reason_texts(self, frame, templates):
        """Each customer's reasons, in words, with their own figures: per reason slot and kind of
        reason one formatting pass over the customers concerned (no Python work per customer and
        reason beyond the sentence itself)."""
        figures = {
            "recency_days": ("days", "recency_days"),
            "frequency": ("count", "frequency"),
            "overdue_days": ("days", "overdue_days"),
            "complaints": ("count", "complaints"),
            "returns": ("count", "returns"),
            "sla_breaches": ("count", "sla_breaches"),
            "days_since_interaction": ("days", "days_since_interaction"),
        }
        currency = self.company_id.currency_id
        slots = []
        for slot in ("reason_1", "reason_2", "reason_3"):
            texts = np.full(len(frame), "", dtype=object)
            reasons = frame[slot].to_numpy()
            for reason, template in templates.items():
                mask = reasons == reason
                if not mask.any():
                    continue
                if reason == "overdue_amount":
                    amounts = frame["overdue_amount"].to_numpy()[mask]
                    texts[mask] = [
                        template % {"amount": format_amount(self.env, v, currency)} for v in amounts
                    ]
                elif reason in figures:
                    name, column = figures[reason]
                    values = frame[column].to_numpy()[mask].astype("int64")
                    texts[mask] = [template % {name: value} for value in values.tolist()]
                else:
                    texts[mask] = template
            slots.append(texts)
        return ["; ".join(text for text in trio if text) for trio in zip(*slots, strict=True)]

    def _stage_churn(self):
        as_of = fields.Date.context_today(self)
        purchases = self._read_purchase_days()
        events = self._read_churn_events()
        overdue = self._read_overdue()
        rows_read = len(purchases) + len(overdue) + sum(len(frame) for frame in events.values())
        frame, info = churn_risk(purchases, as_of, horizon_days=90, events=events, overdue=overdue)
        if frame.empty:
            self._customer_stage_done("churn")
            return {"rows": rows_read, "churn_auc": 0.0, "log": _("Churn risk: no customer with a purchase.")}
        frame["risk"] = pd.cut(
            frame["probability"], [-1, 0.3, 0.6, 2], right=False, labels=["low", "medium", "high"]
        )
        templates = self._churn_reason_templates()
        frame["reasons"] = self._churn_reason_texts(frame, templates)
        self._write_churn_results(frame)
        self._customer_stage_done("churn")
        if info["method"] == "model":
            log = _("Churn risk (model): %(message)s", message=info["message"])
        else:
            log = _("Churn risk, fallback: %(message)s", message=info["message"])
        return {"rows": rows_read, "churn_auc": info["auc"] or 0.0, "log": log}

    def _write_churn_results(self, frame):
        """The churn stage's part of the customers' rows (``_put_customer_results``)."""
        rows = pd.DataFrame(
            {
                "partner_id": frame["partner_id"].astype("int64"),
                "churn_probability": frame["probability"].astype("float64").round(4),
                "churn_risk": frame["risk"].astype(str),
                # the reasons are our own words and numbers; tabs, newlines and backslashes cannot occur
                "churn_reasons": frame["reasons"].str.replace(r"[\t\n\\]", " ", regex=True),
            }
        )
        self._put_customer_results("churn", rows)

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
        that ended (a run's own transaction does not see the lines committed after it began)."""
        self.env.cr.execute(
            SQL(
                """DELETE FROM crm_ext_analytics_run_progress progress USING crm_ext_analytics_run run
                    WHERE run.id = progress.run_ref AND run.state IN ('done', 'failed')"""
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

    # ------------------------------------------------------------------ market basket

    def _read_order_lines(self):
        """Products of the company's confirmed orders, one row per order and product."""
        self.env["sale.order.line"].flush_model(["order_id", "product_id", "display_type"])
        self.env["sale.order"].flush_model(["state", "company_id", "partner_id"])
        lines = self._read_large(
            SQL(
                """
                SELECT sol.order_id, sol.product_id, partner.commercial_partner_id
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state = 'sale' AND so.company_id = %s
                   AND sol.product_id IS NOT NULL AND sol.display_type IS NULL
                %s
                """,
                self.company_id.id,
                self._history_baskets(),
            ),
            {"basket_id": "int64", "product_id": "int64", "partner_id": "int64"},
        )
        # a product on several lines of an order is in the basket once (faster here than DISTINCT)
        return lines.drop_duplicates(["basket_id", "product_id"], ignore_index=True)

    def _read_large(self, query, columns):
        """The rows of ``query`` (integer, number and date columns, named and typed by
        ``columns``) as a DataFrame, streamed with COPY: for millions of rows about twice as fast
        as fetching tuples. The query's parameters are bound by psycopg2 (``mogrify``)."""
        buffer = io.StringIO()
        statement = self.env.cr.mogrify(query.code, query.params).decode()

        def read(cr):
            buffer.seek(0)
            buffer.truncate()  # what a failed replica streamed before failing
            cr.copy_expert(f"COPY ({statement}) TO STDOUT", buffer)

        self._read_with(read)
        if not buffer.tell():  # no row: nothing for read_csv to parse
            return pd.DataFrame(columns=list(columns)).astype(columns)
        buffer.seek(0)
        frame = pd.read_csv(buffer, sep="\t", header=None, names=list(columns), na_values=["\\N"])
        return frame.astype(columns)

    def _basket_rules_and_offers(self, lines):
        """The engine's rules and next best offers for ``lines`` (``_read_order_lines``), with the
        company's thresholds."""
        company = self.company_id
        rules = association_rules(
            lines[["basket_id", "product_id"]],
            min_support=company.crm_ext_basket_min_support,
            min_confidence=company.crm_ext_basket_min_confidence,
            min_lift=company.crm_ext_basket_min_lift,
            max_len=company.crm_ext_basket_max_len,
        )
        purchases = lines[["partner_id", "product_id"]].drop_duplicates()
        return rules, next_best_offers(purchases, rules, top=company.crm_ext_offer_count)

    def _stage_basket(self):
        """Association rules and next best offers of the company, replaced in bulk; kept as they
        are while fewer orders than the company's setting were confirmed since they were
        computed."""
        self.ensure_one()
        company = self.company_id
        kept = self._basket_kept(company)
        if kept:
            return kept
        # the orders confirmed after the run's start are for the next computation
        computed_at = self.date_start or fields.Datetime.now()
        lines = self._read_order_lines()
        rules, offers = self._basket_rules_and_offers(lines)
        self._write_basket_results(rules, offers)
        # the run's bookkeeping on its company: whoever may run the analytics (checked when the
        # run was created and started) records when its rules were computed
        company.sudo().crm_ext_basket_computed_at = computed_at
        orders = lines["basket_id"].nunique()
        return {
            "rows": len(lines),
            "order_count": orders,
            "rule_count": len(rules),
            "offer_count": len(offers),
            "log": _(
                "Market basket: %(orders)s confirmed orders, %(rules)s rules, "
                "%(offers)s offers to %(customers)s customers.",
                orders=orders,
                rules=len(rules),
                offers=len(offers),
                customers=offers["partner_id"].nunique() if len(offers) else 0,
            ),
        }

    def _basket_kept(self, company):
        """The basket stage's result when the company's rules and offers are kept (too few orders
        confirmed since they were computed, by the company's setting), else None."""
        threshold = company.crm_ext_basket_min_new_orders
        since = company.crm_ext_basket_computed_at
        if not threshold or not since:
            return None
        self.env["sale.order"].flush_model(["state", "company_id", "date_order"])
        new = self._read_rows(
            SQL(
                """SELECT COUNT(*) FROM sale_order
                    WHERE state = 'sale' AND company_id = %s AND date_order >= %s""",
                company.id,
                since,
            )
        )[0][0]
        if new >= threshold:
            return None
        domain = [("company_id", "=", company.id)]
        return {
            "rows": 0,
            "order_count": 0,
            "rule_count": self.env["crm_ext.product.rule"].search_count(domain),
            "offer_count": self.env["crm_ext.customer.offer"].search_count(domain),
            "log": _(
                "Market basket: rules and offers kept, %(new)s orders confirmed since they were "
                "computed (%(threshold)s needed).",
                new=new,
                threshold=threshold,
            ),
        }

    def _write_basket_results(self, rules, offers):
        """Replaces the company's rules (and their products): one statement per table; brings
        the offers to ``offers`` (``_write_offers``)."""
        Rule = self.env["crm_ext.product.rule"]
        Offer = self.env["crm_ext.customer.offer"]
        Rule.flush_model()
        Offer.flush_model()
        cr, company_id = self.env.cr, self.company_id.id
        cr.execute(SQL("DELETE FROM crm_ext_product_rule WHERE company_id = %s", company_id))
        now = SQL("NOW() AT TIME ZONE 'UTC'")
        if len(rules):
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_ext_product_rule (
                        company_id, run_id, item_count, basket_count, support, confidence, lift,
                        create_uid, create_date, write_uid, write_date)
                    SELECT %(company)s, %(run)s, src.items, src.baskets, src.support, src.confidence,
                           src.lift, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM unnest(%(items)s::int[], %(baskets)s::int[], %(support)s::float8[],
                                  %(confidence)s::float8[], %(lift)s::float8[]) WITH ORDINALITY
                        AS src(items, baskets, support, confidence, lift, position)
                  ORDER BY src.position
                 RETURNING id
                    """,
                    company=company_id,
                    run=self.id,
                    uid=self.env.uid,
                    now=now,
                    items=(rules["antecedents"].map(len) + rules["consequents"].map(len)).tolist(),
                    baskets=rules["count"].astype("int64").tolist(),
                    support=rules["support"].astype("float64").tolist(),
                    confidence=rules["confidence"].astype("float64").tolist(),
                    lift=rules["lift"].astype("float64").tolist(),
                )
            )
            # ids come back in insertion order, which is the rules' order
            rule_ids = sorted(row[0] for row in cr.fetchall())
            for column, table in (
                ("antecedents", "crm_ext_product_rule_antecedent_rel"),
                ("consequents", "crm_ext_product_rule_consequent_rel"),
            ):
                sizes = rules[column].map(len)
                cr.execute(
                    SQL(
                        "INSERT INTO %s (rule_id, product_id) SELECT * FROM unnest(%s::int[], %s::int[])",
                        SQL.identifier(table),
                        [
                            rule_id
                            for rule_id, size in zip(rule_ids, sizes, strict=True)
                            for _i in range(size)
                        ],
                        [int(product) for products in rules[column] for product in products],
                    )
                )
        self._write_offers(offers)
        Rule.invalidate_model()
        Offer.invalidate_model()

    def _write_offers(self, offers):
        """Brings the company's next best offers to ``offers`` (``partner_id``, ``product_id``,
        ``rank``, ``score``), writing only what changed, whatever the number of customers: the
        company's offers read in one query and compared in pandas, then one DELETE of the offers
        gone, COPY of the new ones and, for those whose rank or score changed, COPY into a
        temporary table and one UPDATE. ``run_id`` is the run that last changed an offer."""
        cr, company_id = self.env.cr, self.company_id.id
        self.env["crm_ext.customer.offer"].flush_model()
        cr.execute(
            SQL(
                """SELECT id, partner_id, product_id, rank, score FROM crm_ext_customer_offer
                    WHERE company_id = %s""",
                company_id,
            )
        )
        current = pd.DataFrame(cr.fetchall(), columns=["id", "partner_id", "product_id", "rank", "score"])
        new = offers[["partner_id", "product_id", "rank", "score"]].astype(
            {"partner_id": "int64", "product_id": "int64", "rank": "int64", "score": "float64"}
        )
        new["score"] = new["score"].round(6)
        merged = new.merge(
            current, on=["partner_id", "product_id"], how="outer", suffixes=("", "_old"), indicator=True
        )
        gone = merged.loc[merged["_merge"] == "right_only", "id"]
        if len(gone):
            cr.execute(
                SQL("DELETE FROM crm_ext_customer_offer WHERE id = ANY(%s)", gone.astype(int).tolist())
            )
        added = merged[merged["_merge"] == "left_only"]
        columns = ["partner_id", "company_id", "product_id", "run_id", "rank", "score"]
        if len(added):
            self._copy_rows(
                "crm_ext_customer_offer",
                added.assign(company_id=company_id, run_id=self.id)[columns].astype(
                    {"partner_id": "int64", "product_id": "int64", "rank": "int64"}
                ),
            )
        both = merged[merged["_merge"] == "both"]
        changed = both[
            (both["rank"] != both["rank_old"])
            | ((both["score"] - both["score_old"].astype("float64")).abs() > 1e-6)
        ]
        if len(changed):
            self._update_from_rows(
                "crm_ext_customer_offer",
                "id",
                {"rank": "int", "score": "double precision"},
                changed.astype({"id": "int64", "rank": "int64"}),
                SQL("rank = src.rank, score = src.score, run_id = %s", self.id),
            )

    # ------------------------------------------------------------------ forecast

    def _forecast_month_sql(self, day):
        """SQL: the month of ``day`` that the forecast counts in: its Gregorian month, or for a
        company with *Jalali Months in Analytics* the proxy of its Jalali month (crm_ext_sales's
        ``crm_ext.jalali.month``), turned back into the Jalali month when written."""
        if self.company_id.date_analytics_jalali:
            return self.env["crm_ext.jalali.month"]._gregorian_proxy_sql(day)
        return SQL("date_trunc('month', %s)::date", day)

    def _read_monthly_revenue(self):
        """Posted invoices net of credit notes of the company, per month and sales team."""
        self.env["account.move"].flush_model(
            ["state", "move_type", "company_id", "invoice_date", "team_id", "amount_untaxed_signed"]
        )
        rows = self._read_rows(
            SQL(
                """
                SELECT team_id, %s AS month, SUM(amount_untaxed_signed) AS amount
                  FROM (SELECT team_id, invoice_date, amount_untaxed_signed
                          FROM account_move
                         WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                           AND company_id = %s AND invoice_date IS NOT NULL
                        %s) documents
              GROUP BY team_id, month
                """,
                self._forecast_month_sql(SQL.identifier("invoice_date")),
                self.company_id.id,
                self._history_team_amounts(),
            )
        )
        return pd.DataFrame(rows, columns=["team_id", "date", "amount"])

    def _read_weighted_pipeline(self):
        """Open opportunities' expected revenue times probability, per closing month, for the
        company (key 0) and each team (key = team id)."""
        self.env["crm.lead"].flush_model(
            ["type", "active", "company_id", "forecast_month", "team_id", "prorated_revenue"]
        )
        rows = self._read_rows(
            SQL(
                """
                SELECT team_id, %s AS month, SUM(prorated_revenue)
                  FROM crm_lead
                 WHERE type = 'opportunity' AND active AND company_id = %s
                   AND forecast_month IS NOT NULL AND COALESCE(probability, 0) < 100
              GROUP BY team_id, month
                """,
                # an open opportunity's forecast month is the month of its expected closing
                self._forecast_month_sql(SQL("COALESCE(date_deadline, forecast_month)"))
                if self.company_id.date_analytics_jalali
                else SQL.identifier("forecast_month"),
                self.company_id.id,
            )
        )
        pipeline = {}
        for team_id, month, amount in rows:
            # key 0 is the whole company, other keys are teams
            for key in {0, team_id or 0}:
                pipeline[(key, month)] = pipeline.get((key, month), 0.0) + amount
        return pipeline

    def _stage_forecast(self):
        """Monthly revenue forecast of the company and of each sales team, replaced in bulk."""
        self.ensure_one()
        monthly = self._read_monthly_revenue()
        company_rows = monthly.assign(key=0)
        team_rows = monthly[monthly["team_id"].notna()].assign(
            key=lambda frame: frame["team_id"].astype("int64")
        )
        revenue = pd.concat([company_rows, team_rows], ignore_index=True)[["key", "date", "amount"]]
        frame, backtest = revenue_forecast(revenue, horizon=self.company_id.crm_ext_forecast_horizon)
        pipeline = self._read_weighted_pipeline()
        self._write_forecast(frame, pipeline)
        teams = self.env["crm.team"].browse([key for key in backtest if key]).exists()
        names = {team.id: team.name for team in teams}
        lines = []
        for key, (method, mape) in backtest.items():
            label = names.get(key, str(key)) if key else _("Company")
            error = _("backtest MAPE %(mape).1f%%", mape=mape) if mape is not None else _("no backtest")
            lines.append(f"  {label}: {method}, {error}")
        return {
            "rows": len(monthly),
            "forecast_count": len(backtest),
            "log": "\n".join([_("Revenue forecast:"), *lines])
            if lines
            else _("Revenue forecast: no posted invoices."),
        }

    def _write_forecast(self, frame, pipeline):
        Forecast = self.env["crm_ext.revenue.forecast"]
        Forecast.flush_model()
        cr, company_id = self.env.cr, self.company_id.id
        cr.execute(SQL("DELETE FROM crm_ext_revenue_forecast WHERE company_id = %s", company_id))
        if not frame.empty:
            months = pd.to_datetime(frame["month"]).dt.date
            keys = frame["key"].tolist()
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_ext_revenue_forecast (
                        company_id, team_id, run_id, month, is_forecast, method, actual, forecast,
                        lower_80, upper_80, lower_95, upper_95, weighted_pipeline,
                        create_uid, create_date, write_uid, write_date)
                    SELECT %(company)s, NULLIF(src.team_id, 0), %(run)s, src.month, src.is_forecast,
                           src.method, src.actual, src.forecast, src.lower_80, src.upper_80,
                           src.lower_95, src.upper_95, src.pipeline,
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM unnest(%(teams)s::int[], %(months)s::date[], %(is_forecast)s::bool[],
                                  %(methods)s::varchar[], %(actual)s::float8[], %(forecast)s::float8[],
                                  %(lower_80)s::float8[], %(upper_80)s::float8[], %(lower_95)s::float8[],
                                  %(upper_95)s::float8[], %(pipeline)s::float8[])
                        AS src(team_id, month, is_forecast, method, actual, forecast, lower_80,
                               upper_80, lower_95, upper_95, pipeline)
                    """,
                    company=company_id,
                    run=self.id,
                    uid=self.env.uid,
                    teams=[int(key) for key in keys],
                    months=[self.env["crm_ext.jalali.month"]._from_gregorian_proxy(month) for month in months]
                    if self.company_id.date_analytics_jalali
                    else months.tolist(),
                    is_forecast=frame["actual"].isna().tolist(),
                    methods=frame["method"].tolist(),
                    **{
                        column: [None if pd.isna(value) else float(value) for value in frame[column]]
                        for column in ("actual", "forecast", "lower_80", "upper_80", "lower_95", "upper_95")
                    },
                    pipeline=[
                        pipeline.get((key, month), 0.0) for key, month in zip(keys, months, strict=True)
                    ],
                )
            )
        Forecast.invalidate_model()
