import logging
import time

import pandas as pd

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..engine.rfm import rfm_scores

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

    def _execute(self):
        self.ensure_one()
        started = time.perf_counter()
        self.write({"state": "running", "date_start": fields.Datetime.now()})
        try:
            with self.env.cr.savepoint():
                invoices = self._read_invoices()
                scores = rfm_scores(invoices, fields.Date.context_today(self))
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
