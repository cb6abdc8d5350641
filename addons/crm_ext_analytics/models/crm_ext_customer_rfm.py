from odoo import api, fields, models
from odoo.tools import SQL, sql

from ..engine.rfm import SEGMENT_GRID, SEGMENTS


def segment_key(label):
    """Selection key of an engine segment label: "Can't lose them" -> "cant_lose_them"."""
    return label.lower().replace("'", "").replace(" ", "_")


# the run rewrites most rows every night (predictions move with each customer's age), all of a
# row's columns in one UPDATE: half of each page is left free so that the new versions fit beside
# the old ones and PostgreSQL updates in place (HOT), without touching the indexes
FILLFACTOR = 50
# a column that changes every run and whose index no screen needs (tests/benchmarks/README.md:
# a third of the rows per value, the index saved nothing); ``segment`` keeps its index (filters of
# the screens and segment rules twice as fast, and a row whose segment is unchanged is still
# updated in place)
UNINDEXED = ("churn_risk",)

SEGMENT_SELECTION = [(segment_key(label), label) for label in SEGMENTS]
CHURN_RISK_SELECTION = [("low", "Low"), ("medium", "Medium"), ("high", "High")]


class CrmExtCustomerRfm(models.Model):
    """The current RFM scores of a customer in a company, from the latest successful run.

    Rows are written in bulk by ``crm_ext.analytics.run`` (one statement per table),
    never one by one through the ORM. Money is the net untaxed invoiced amount in the
    company's currency (``account.move.amount_untaxed_signed``: credit notes negative).
    """

    _name = "crm_ext.customer.rfm"
    _inherit = ["crm_ext.analytics.export.mixin"]
    _description = "Customer RFM Score"
    _order = "company_id, r_score desc, f_score desc, m_score desc, partner_id"
    _rec_name = "partner_id"
    # written in bulk by the analytics run: no ORM log columns (and their foreign keys) to fill
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    run_id = fields.Many2one("crm_ext.analytics.run", readonly=True, ondelete="set null")
    last_purchase_date = fields.Date(string="Last Purchase", readonly=True)
    # from the date, not stored: a nightly run then rewrites only the customers whose figures change
    recency_days = fields.Integer(string="Days Since Last Purchase", compute="_compute_recency_days")
    frequency = fields.Integer(string="Purchases", readonly=True, aggregator="avg")
    monetary = fields.Monetary(string="Net Revenue", readonly=True, currency_field="currency_id")
    r_score = fields.Integer(string="Recency Score", readonly=True, aggregator="avg")
    f_score = fields.Integer(string="Frequency Score", readonly=True, aggregator="avg")
    m_score = fields.Integer(string="Monetary Score", readonly=True, aggregator="avg")
    rfm_cell = fields.Char(
        string="RFM Cell", readonly=True, help="Recency, frequency and monetary scores, e.g. 545"
    )
    segment = fields.Selection(SEGMENT_SELECTION, required=True, readonly=True, index=True)
    # lifetime value, written by the run's CLV stage
    margin = fields.Monetary(
        string="Net Margin",
        readonly=True,
        currency_field="currency_id",
        help="Net revenue minus the cost of the products invoiced (their cost price), credit notes deducted.",
    )
    clv_predicted = fields.Monetary(
        string="Predicted 12-Month Value",
        readonly=True,
        currency_field="currency_id",
        help="Expected net revenue of the next 12 months: BG/NBD purchases times Gamma-Gamma value per "
        "purchase, or the average so far when the history is too short (see the run's log).",
    )
    clv_p_alive = fields.Float(
        string="Probability Active", readonly=True, aggregator="avg", digits=(16, 3),
        help="BG/NBD probability that the customer still buys from us.",
    )  # fmt: skip
    clv_expected_purchases = fields.Float(
        string="Expected Purchases (12 months)", readonly=True, aggregator="avg", digits=(16, 2)
    )
    # churn risk, written by the run's churn stage
    churn_probability = fields.Float(
        string="Churn Risk", readonly=True, aggregator="avg", digits=(16, 3),
        help="Probability of no purchase in the next 90 days (see the run's log for the method).",
    )  # fmt: skip
    churn_risk = fields.Selection(
        CHURN_RISK_SELECTION,
        string="Churn Risk Level",
        readonly=True,
        help="Low under 30 %, high from 60 %.",
    )
    churn_reasons = fields.Char(string="Why at Risk", readonly=True)
    # what a lifetime-value run read for the customer, kept for the next incremental run
    clv_first_date = fields.Date(string="First Purchase", readonly=True)
    clv_last_date = fields.Date(string="Last Purchase Day", readonly=True)
    clv_repeat = fields.Integer(string="Repeat Purchase Days", readonly=True, aggregator="avg")
    clv_repeat_value = fields.Monetary(
        string="Value of Repeat Purchases", readonly=True, currency_field="currency_id"
    )
    clv_decile = fields.Integer(
        string="Value Decile", readonly=True, aggregator="avg", help="10: the top tenth of predicted value."
    )

    def init(self):
        # an index of earlier versions on a column every run rewrites: a changed value in an indexed
        # column makes the update of a row a new row version in every index
        for column in UNINDEXED:
            sql.drop_index(self.env.cr, sql.make_index_name(self._table, column), self._table)
        self.env.cr.execute(
            SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(self._table), FILLFACTOR)
        )

    @api.depends("last_purchase_date")
    @api.depends_context("date")
    def _compute_recency_days(self):
        today = fields.Date.context_today(self)
        for row in self:
            row.recency_days = (today - row.last_purchase_date).days if row.last_purchase_date else 0

    @api.model
    @api.readonly
    def get_rfm_map(self):
        """The RFM map of the current company: per (recency score, frequency score) cell its
        segment, customers and net revenue, and per segment the totals and revenue share.
        Read with the user's rights (record rules apply)."""
        company = self.env.company
        groups = self._read_group(
            [("company_id", "=", company.id)], ["r_score", "f_score"], ["__count", "monetary:sum"]
        )
        figures = {(r, f): (count, revenue or 0.0) for r, f, count, revenue in groups}
        keys = {label: key for key, label in SEGMENT_SELECTION}
        labels = dict(self._fields["segment"]._description_selection(self.env))
        cells = []
        segments = {
            key: {"key": key, "label": labels[key], "count": 0, "revenue": 0.0} for key in keys.values()
        }
        for (r_score, f_score), label in sorted(SEGMENT_GRID.items()):
            count, revenue = figures.get((r_score, f_score), (0, 0.0))
            key = keys[label]
            cells.append({"r": r_score, "f": f_score, "segment": key, "count": count, "revenue": revenue})
            segments[key]["count"] += count
            segments[key]["revenue"] += revenue
        total_count = sum(segment["count"] for segment in segments.values())
        total_revenue = sum(segment["revenue"] for segment in segments.values())
        for segment in segments.values():
            segment["revenue_share"] = segment["revenue"] / total_revenue if total_revenue else 0.0
            segment["count_share"] = segment["count"] / total_count if total_count else 0.0
        return {
            "company": company.name,
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "customer_count": total_count,
            "revenue": total_revenue,
            "cells": cells,
            "segments": [segments[keys[label]] for label in SEGMENTS],
        }

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE(partner_id, company_id)",
            "A customer has one current RFM score per company.",
        ),
    ]
