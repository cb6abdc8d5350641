from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    service_labour_product_id = fields.Many2one(
        "product.product",
        string="Field Service Labour Product",
        domain="[('type', '=', 'service')]",
        help="Invoiced per hour worked on field orders not covered by a contract or warranty.",
    )

    def _service_labour_product(self):
        self.ensure_one()
        return (
            self.service_labour_product_id
            or self.env.ref("crm_ext_service.product_field_service_labour", raise_if_not_found=False)
            or self.env["product.product"]
        )
