from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    crm_ext_ticket_id = fields.Many2one(
        "crm_ext.ticket",
        string="Service Ticket",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The ticket whose field work or return made this invoice or credit note.",
    )
