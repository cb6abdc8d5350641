from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..models.crm_stage import FORECAST_CATEGORIES


class CrmExtForecastReport(models.Model):
    """Weighted pipeline by closing month and forecast category, manager adjustments,
    and the invoiced revenue (posted invoices net of credit notes) of the same months."""

    _name = "crm_ext.forecast.report"
    _description = "Sales Forecast Analysis"
    _auto = False
    _order = "month desc"

    month = fields.Date(readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    territory_id = fields.Many2one("crm_ext.territory", readonly=True)
    category = fields.Selection(
        [*FORECAST_CATEGORIES, ("adjustment", "Manager Adjustment"), ("invoiced", "Invoiced")],
        readonly=True,
    )
    expected_revenue = fields.Monetary(readonly=True)
    weighted_revenue = fields.Monetary(readonly=True, help="Expected revenue times probability.")
    adjustment_amount = fields.Monetary(readonly=True)
    forecast_amount = fields.Monetary(readonly=True, help="Weighted revenue plus manager adjustments.")
    invoiced_amount = fields.Monetary(readonly=True, help="Posted invoices minus credit notes, untaxed.")
    amount = fields.Monetary(
        readonly=True,
        help="The row's own figure, to compare the categories: the forecast of the pipeline and the "
        "adjustments, the invoiced revenue of Invoiced.",
    )

    _depends = {
        "crm.lead": ["crm_ext_forecast_month", "team_id", "user_id", "company_id",
                     "crm_ext_forecast_category", "expected_revenue", "prorated_revenue", "type", "active",
                     "crm_ext_territory_id"],
        "crm_ext.forecast.adjustment": ["period", "team_id", "company_id", "amount"],
        "account.move": ["invoice_date", "team_id", "invoice_user_id", "company_id",
                         "crm_ext_opportunity_id", "amount_untaxed_signed", "state", "move_type"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            SELECT rows.*, company.currency_id
              FROM (
                    -- a row keeps its id from one query to the next: 3 x the source's id, + 1 for
                    -- adjustments, + 2 for invoices (row_number() numbered the rows anew each time)
                    SELECT lead.id * 3 AS id,
                           lead.crm_ext_forecast_month AS month, lead.team_id, lead.user_id,
                           lead.company_id, lead.id AS lead_id, lead.crm_ext_territory_id AS territory_id,
                           lead.crm_ext_forecast_category AS category,
                           lead.expected_revenue, lead.prorated_revenue AS weighted_revenue,
                           0.0 AS adjustment_amount, lead.prorated_revenue AS forecast_amount,
                           0.0 AS invoiced_amount, lead.prorated_revenue AS amount
                      FROM crm_lead lead
                     WHERE lead.type = 'opportunity' AND lead.active
                       AND lead.crm_ext_forecast_month IS NOT NULL
                 UNION ALL
                    SELECT adjustment.id * 3 + 1,
                           adjustment.period, adjustment.team_id, NULL, adjustment.company_id,
                           NULL, NULL, 'adjustment', 0.0, 0.0, adjustment.amount, adjustment.amount, 0.0,
                           adjustment.amount
                      FROM crm_ext_forecast_adjustment adjustment
                 UNION ALL
                    SELECT move.id * 3 + 2,
                           date_trunc('month', move.invoice_date)::date, move.team_id, move.invoice_user_id,
                           move.company_id, move.crm_ext_opportunity_id, opportunity.crm_ext_territory_id,
                           'invoiced',
                           0.0, 0.0, 0.0, 0.0, move.amount_untaxed_signed, move.amount_untaxed_signed
                      FROM account_move move
                 LEFT JOIN crm_lead opportunity ON opportunity.id = move.crm_ext_opportunity_id
                     WHERE move.state = 'posted'
                       AND move.move_type IN ('out_invoice', 'out_refund')
                       AND move.invoice_date IS NOT NULL
                   ) rows
              JOIN res_company company ON company.id = rows.company_id
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
