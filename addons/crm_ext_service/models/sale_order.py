from odoo import _, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    crm_ext_service_contract_ids = fields.One2many(
        "crm_ext.service.contract", "sale_order_id", string="Service Contracts"
    )

    crm_ext_service_contract_count = fields.Integer(
        string="Service Contract Count", compute="_compute_service_contract_count"
    )

    def _compute_service_contract_count(self):
        counts = dict(
            self.env["crm_ext.service.contract"]
            .sudo()
            ._read_group([("sale_order_id", "in", self.ids)], ["sale_order_id"], ["__count"])
        )
        for order in self:
            order.crm_ext_service_contract_count = counts.get(order, 0)

    def action_view_service_contracts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Contracts and Warranties"),
            "res_model": "crm_ext.service.contract",
            "view_mode": "list,form",
            "domain": [("sale_order_id", "=", self.id)],
        }

    def _action_confirm(self):
        result = super()._action_confirm()
        self._create_service_contracts()
        return result

    def _create_service_contracts(self):
        """One contract or warranty per confirmed line of a flagged product, never twice."""
        Contract = self.env["crm_ext.service.contract"].sudo()
        lines = self.order_line.filtered(
            lambda line: (
                not line.display_type
                and line.product_uom_qty > 0
                and (line.product_id.crm_ext_service_contract or line.product_id.crm_ext_service_warranty)
            )
        )
        if not lines:
            return Contract
        done = set(
            Contract.with_context(active_test=False)
            .search([("sale_line_id", "in", lines.ids)])
            .sale_line_id.ids
        )
        todo = [Contract._values_from_sale_line(line) for line in lines if line.id not in done]
        return Contract.create(todo) if todo else Contract
