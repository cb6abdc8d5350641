from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists


class CrmExtSalesTargetReport(models.Model):
    """Each target beside the invoiced revenue of its salesperson or team in its period."""

    _name = "crm_ext.sales.target.report"
    _description = "Sales Target Analysis"
    _auto = False
    _order = "date_from desc"

    target_id = fields.Many2one("crm_ext.sales.target", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    territory_id = fields.Many2one("crm_ext.territory", readonly=True)
    date_from = fields.Date(string="From", readonly=True)
    date_to = fields.Date(string="To", readonly=True)
    period_type = fields.Selection([("month", "Month"), ("quarter", "Quarter")], readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    target_amount = fields.Monetary(readonly=True)
    achieved_amount = fields.Monetary(readonly=True, string="Invoiced")
    gap_amount = fields.Monetary(readonly=True, string="Gap", help="Target minus invoiced.")

    _depends = {
        "crm_ext.sales.target": ["user_id", "team_id", "date_from", "date_to", "amount", "company_id",
                                 "period_type", "territory_id"],
        "account.move": ["invoice_user_id", "team_id", "invoice_date", "amount_untaxed_signed", "state",
                         "move_type", "company_id"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            SELECT target.id, target.id AS target_id, target.user_id, target.team_id, target.territory_id,
                   target.date_from, target.date_to, target.period_type, target.company_id,
                   company.currency_id, target.amount AS target_amount,
                   COALESCE(achieved.amount, 0.0) AS achieved_amount,
                   target.amount - COALESCE(achieved.amount, 0.0) AS gap_amount
              FROM crm_ext_sales_target target
              JOIN res_company company ON company.id = target.company_id
         LEFT JOIN LATERAL (
                    SELECT SUM(move.amount_untaxed_signed) AS amount
                      FROM account_move move
                     WHERE move.company_id = target.company_id
                       AND move.state = 'posted'
                       AND move.move_type IN ('out_invoice', 'out_refund')
                       AND move.invoice_date BETWEEN target.date_from AND target.date_to
                       AND (move.invoice_user_id = target.user_id OR move.team_id = target.team_id)
                   ) achieved ON TRUE
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
