from odoo import fields, models
from odoo.tools import SQL


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    opportunity_id = fields.Many2one("crm.lead", readonly=True)

    _depends = {"account.move": ["opportunity_id"]}

    def _select(self):
        return SQL("%s, move.opportunity_id", super()._select())
