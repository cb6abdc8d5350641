from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    opportunity_id = fields.Many2one(
        "crm.lead",
        related="sale_id.opportunity_id",
        store=True,
        index="btree_not_null",
    )

    def action_view_opportunity(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "view_mode": "form",
            "res_id": self.opportunity_id.id,
        }
