from odoo import api, fields, models
from odoo.tools.sql import create_unique_index

FORECAST_METHODS = [
    ("ets", "Exponential smoothing (trend and season)"),
    ("mean", "Mean of the last 12 months"),
    ("none", "Too little history"),
]


class CrmExtRevenueForecast(models.Model):
    """Monthly invoiced revenue of a company or a sales team: the actual months, then the
    forecast with its 80 % and 95 % intervals, and the weighted pipeline of the month.
    Written in bulk by the analytics run (a company's rows are replaced at each run)."""

    _name = "crm_ext.revenue.forecast"
    _inherit = ["crm_ext.analytics.export.mixin"]
    _description = "Revenue Forecast"
    _order = "company_id, team_id, month"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        readonly=True,
        index=True,
        ondelete="cascade",
        help="Empty: the whole company.",
    )
    run_id = fields.Many2one("crm_ext.analytics.run", readonly=True, ondelete="set null")
    month = fields.Date(required=True, readonly=True)
    is_forecast = fields.Boolean(string="Forecast Month", readonly=True)
    method = fields.Selection(FORECAST_METHODS, readonly=True)
    actual = fields.Monetary(
        string="Invoiced", readonly=True, help="Posted invoices minus credit notes, untaxed."
    )
    forecast = fields.Monetary(readonly=True)
    lower_80 = fields.Monetary(string="Low (80%)", readonly=True, aggregator="sum")
    upper_80 = fields.Monetary(string="High (80%)", readonly=True, aggregator="sum")
    lower_95 = fields.Monetary(string="Low (95%)", readonly=True, aggregator="sum")
    upper_95 = fields.Monetary(string="High (95%)", readonly=True, aggregator="sum")
    weighted_pipeline = fields.Monetary(
        readonly=True, help="Open opportunities expected to close in the month, times their probability."
    )
    # the graph's one line: the months invoiced, then the months forecast (written by the run
    # with the other columns; computed here for rows written before the column existed)
    amount = fields.Monetary(
        string="Revenue",
        compute="_compute_amount",
        store=True,
        readonly=True,
        help="Invoiced revenue of a past month, forecast revenue of a coming month.",
    )

    @api.depends("is_forecast", "actual", "forecast")
    def _compute_amount(self):
        for row in self:
            row.amount = row.forecast if row.is_forecast else row.actual

    def init(self):
        # one row per company, team (none: the whole company) and month
        create_unique_index(
            self.env.cr,
            "crm_ext_revenue_forecast_month_unique",
            self._table,
            ["company_id", "COALESCE(team_id, 0)", "month"],
        )
