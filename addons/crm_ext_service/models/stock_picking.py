from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    crm_ext_ticket_id = fields.Many2one(
        "crm_ext.ticket",
        string="Service Ticket",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="The ticket whose return, replacement or field order made this transfer.",
    )
