from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmExtFieldOrderLine(models.Model):
    _name = "crm_ext.field.order.line"
    _description = "Field Service Order Part"
    _order = "order_id, sequence, id"

    order_id = fields.Many2one("crm_ext.field.order", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Part",
        required=True,
        domain="[('type', '=', 'consu'), '|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
    price_unit = fields.Float(
        compute="_compute_price_unit", store=True, readonly=False, precompute=True, digits="Product Price"
    )
    price_subtotal = fields.Monetary(
        compute="_compute_price_subtotal", store=True, currency_field="currency_id"
    )

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            line.product_uom_id = line.product_id.uom_id

    @api.depends("product_id")
    def _compute_price_unit(self):
        for line in self:
            line.price_unit = line.product_id.lst_price

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.quantity * line.price_unit

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if line.quantity <= 0:
                raise ValidationError(
                    _("The quantity of %(part)s must be positive.", part=line.product_id.display_name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._check_parts_editable()
        return lines

    def write(self, vals):
        self.order_id._check_parts_editable()
        return super().write(vals)

    def unlink(self):
        self.order_id._check_parts_editable()
        return super().unlink()
