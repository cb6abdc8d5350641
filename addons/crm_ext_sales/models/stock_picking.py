from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column


class StockPicking(models.Model):
    _inherit = "stock.picking"

    crm_ext_opportunity_id = fields.Many2one(
        "crm.lead",
        related="sale_id.opportunity_id",
        store=True,
        groups="base.group_user",
        index="btree_not_null",
    )

    def _auto_init(self):
        """On a database that already has transfers, ``crm_ext_opportunity_id`` is created and filled here
        in one UPDATE instead of transfer by transfer."""
        if not column_exists(self.env.cr, "stock_picking", "crm_ext_opportunity_id"):
            create_column(self.env.cr, "stock_picking", "crm_ext_opportunity_id", "int4")
            self._init_opportunity_column()
        return super()._auto_init()

    def _init_opportunity_column(self):
        """Every transfer's opportunity: its sales order's; one UPDATE."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE stock_picking picking SET crm_ext_opportunity_id = so.opportunity_id
                  FROM sale_order so
                 WHERE so.id = picking.sale_id AND so.opportunity_id IS NOT NULL
                """
            )
        )

    def action_view_opportunity(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "view_mode": "form",
            "res_id": self.crm_ext_opportunity_id.id,
        }
