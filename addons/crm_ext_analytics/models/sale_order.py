from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    crm_ext_suggested_product_ids = fields.Many2many(
        "product.product",
        string="Suggested Products",
        compute="_compute_crm_ext_suggested_product_ids",
        # the customer's next best offers: for the sales team, not for the customer on the portal
        groups="sales_team.group_sale_salesman",
        help="Bought together with the products of the quotation, and the customer's next best offers.",
    )

    @api.depends("order_line.product_id", "partner_id", "company_id")
    def _compute_crm_ext_suggested_product_ids(self):
        Suggest = self.env["crm_ext.product.rule"]
        for order in self:
            order.crm_ext_suggested_product_ids = Suggest._suggest_products(
                order.order_line.product_id, order.partner_id, order.company_id
            )

    def action_crm_ext_add_product(self, product_id):
        """Adds a suggested product as a new line of the quotation."""
        self.ensure_one()
        if self.state not in ("draft", "sent"):
            raise UserError(_("Products can only be added to a quotation, not to a confirmed order."))
        product = self.env["product.product"].browse(product_id).exists()
        if not product or not product.sale_ok:
            raise UserError(_("This product cannot be sold."))
        self.env["sale.order.line"].create({"order_id": self.id, "product_id": product.id})
        return True
