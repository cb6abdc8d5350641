import logging
import time

import pandas as pd

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..engine.rfm import rfm_scores
from .crm_ext_customer_rfm import segment_key

_logger = logging.getLogger(__name__)


class CrmExtAnalyticsRun(models.Model):
    """One run of the customer analytics job, with what it read and found."""

    _name = "crm_ext.analytics.run"
    _description = "Analytics Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    state = fields.Selection(
        [("draft", "Not started"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
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
    log = fields.Text(readonly=True)

    @api.depends("date_start")
    def _compute_name(self):
        for run in self:
            run.name = _("Run %(id)s", id=run.id) if run.id else _("New Run")

    def _read_invoices(self):
        """Posted customer invoices and credit notes, net, in company currency."""
        self.env["account.move"].flush_model(
            [
                "state",
                "move_type",
                "company_id",
                "commercial_partner_id",
                "invoice_date",
                "amount_untaxed_signed",
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT company_id, commercial_partner_id AS partner_id,
                       invoice_date, amount_untaxed_signed AS amount
                  FROM account_move
                 WHERE state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund')
                   AND company_id = %s
                   AND commercial_partner_id IS NOT NULL
                """,
                self.company_id.id,
            )
        )
        return pd.DataFrame(
            self.env.cr.fetchall(), columns=["company_id", "partner_id", "invoice_date", "amount"]
        )

    def _write_rfm_results(self, scores, as_of):
        """Replace the company's current RFM rows and append one history row each.

        Three statements whatever the number of customers: one DELETE of the
        company's current rows, one INSERT of the new ones from arrays (``unnest``)
        and one INSERT of the history copied from them. The caller holds a savepoint.
        """
        self.ensure_one()
        Rfm = self.env["crm_ext.customer.rfm"]
        History = self.env["crm_ext.customer.rfm.history"]
        Rfm.flush_model()
        History.flush_model()
        partners = scores["partner_id"].astype("int64").tolist()
        cells = (
            scores["r_score"].astype(str) + scores["f_score"].astype(str) + scores["m_score"].astype(str)
        ).tolist()
        segments = [segment_key(label) for label in scores["segment"]]
        company_id = self.company_id.id
        self.env.cr.execute(SQL("DELETE FROM crm_ext_customer_rfm WHERE company_id = %s", company_id))
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_ext_customer_rfm (
                    partner_id, company_id, run_id, recency_days, frequency, monetary,
                    r_score, f_score, m_score, rfm_cell, segment,
                    create_uid, create_date, write_uid, write_date)
                SELECT src.partner_id, %(company)s, %(run)s, src.recency_days, src.frequency,
                       src.monetary, src.r_score, src.f_score, src.m_score, src.rfm_cell,
                       src.segment, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(partners)s::int[], %(recency)s::int[], %(frequency)s::int[],
                              %(monetary)s::float8[], %(r)s::int[], %(f)s::int[], %(m)s::int[],
                              %(cells)s::varchar[], %(segments)s::varchar[])
                    AS src(partner_id, recency_days, frequency, monetary,
                           r_score, f_score, m_score, rfm_cell, segment)
                """,
                company=company_id,
                run=self.id,
                uid=self.env.uid,
                partners=partners,
                recency=scores["recency_days"].astype("int64").tolist(),
                frequency=scores["frequency"].astype("int64").tolist(),
                monetary=scores["monetary"].astype("float64").tolist(),
                r=scores["r_score"].astype("int64").tolist(),
                f=scores["f_score"].astype("int64").tolist(),
                m=scores["m_score"].astype("int64").tolist(),
                cells=cells,
                segments=segments,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_ext_customer_rfm_history (
                    partner_id, company_id, run_id, date, segment, rfm_cell,
                    create_uid, create_date, write_uid, write_date)
                SELECT partner_id, company_id, run_id, %(date)s, segment, rfm_cell,
                       create_uid, create_date, write_uid, write_date
                  FROM crm_ext_customer_rfm
                 WHERE company_id = %(company)s
                """,
                company=company_id,
                date=as_of,
            )
        )
        # the rows changed behind the ORM's back, and so did the partners' scores
        Rfm.invalidate_model()
        History.invalidate_model()
        self.env["res.partner"].invalidate_model(
            ["rfm_segment", "rfm_cell", "rfm_r_score", "rfm_f_score", "rfm_m_score"]
        )

    def _execute(self):
        self.ensure_one()
        started = time.perf_counter()
        self.write({"state": "running", "date_start": fields.Datetime.now()})
        try:
            # one savepoint for reading, scoring and writing: a failure anywhere
            # leaves the previous results of the company as they were
            with self.env.cr.savepoint():
                as_of = fields.Date.context_today(self)
                invoices = self._read_invoices()
                scores = rfm_scores(invoices, as_of)
                if not scores.empty:
                    self._write_rfm_results(scores, as_of)
        except Exception as error:
            _logger.exception("Analytics run %s failed", self.id)
            self.write(
                {
                    "state": "failed",
                    "date_end": fields.Datetime.now(),
                    "duration": time.perf_counter() - started,
                    "log": _("The run failed: %(error)s", error=error),
                }
            )
            return
        if scores.empty:
            log = _(
                "No posted customer invoices in %(company)s: nothing to score.", company=self.company_id.name
            )
        else:
            sizes = scores["segment"].value_counts().sort_index()
            log = "\n".join(f"{segment}: {count}" for segment, count in sizes.items())
        self.write(
            {
                "state": "done",
                "date_end": fields.Datetime.now(),
                "duration": time.perf_counter() - started,
                "invoice_count": len(invoices),
                "customer_count": len(scores),
                "log": log,
            }
        )

    def action_run(self):
        for run in self:
            run._execute()
        return True

    @api.model
    def _cron_run(self):
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        runs = self.create([{"company_id": company.id} for company in companies])
        runs.action_run()
