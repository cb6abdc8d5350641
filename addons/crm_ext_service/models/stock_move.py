from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _done_tracked_moves(self, from_usage, to_usage):
        return self.filtered(
            lambda m: (
                m.state == "done"
                and m.location_id.usage == from_usage
                and m.location_dest_id.usage == to_usage
                and m.has_tracking != "none"
            )
        )

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        Equipment = self.env["crm_ext.equipment"]
        # serials delivered to a customer join their installed base; serials coming back leave it
        if delivered := moves._done_tracked_moves("internal", "customer"):
            Equipment._register_deliveries(delivered)
        if returned := moves._done_tracked_moves("customer", "internal"):
            Equipment._register_returns(returned)
        return moves
