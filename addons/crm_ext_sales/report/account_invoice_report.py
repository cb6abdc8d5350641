from odoo import fields, models
from odoo.tools import SQL


class AccountInvoiceReport(models.Model):
    _inherit = "account.invoice.report"

    crm_ext_opportunity_id = fields.Many2one("crm.lead", readonly=True, string="Opportunity")

    _depends = {"account.move": ["crm_ext_opportunity_id"]}

    def _select(self):
        return SQL("%s, move.crm_ext_opportunity_id", super()._select())
