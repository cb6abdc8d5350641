from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        delivered = moves.filtered(
            lambda m: (
                m.state == "done"
                and m.location_dest_id.usage == "customer"
                and m.location_id.usage == "internal"
                and m.has_tracking != "none"
            )
        )
        if delivered:
            self.env["crm_ext.equipment"]._register_deliveries(delivered)
        return moves
