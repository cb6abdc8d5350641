from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    service_contract = fields.Boolean(
        string="Is a Service Contract",
        help="Selling this service creates a service contract for the customer.",
    )
    service_warranty = fields.Boolean(
        string="Carries a Warranty",
        help="Selling this product creates a warranty for the customer; delivered serials "
        "get a warranty end date.",
    )
    service_duration_months = fields.Integer(string="Coverage (months)", default=12)
    service_cover_parts = fields.Boolean(string="Covers Parts", default=True)
    service_cover_labour = fields.Boolean(string="Covers Labour", default=True)
    service_cover_onsite = fields.Boolean(string="Covers On-site Visits")

    @api.constrains("service_contract", "service_warranty", "service_duration_months", "type")
    def _check_service_coverage(self):
        for template in self.filtered(lambda t: t.service_contract or t.service_warranty):
            if template.service_duration_months <= 0:
                raise ValidationError(
                    _("%(product)s: the coverage must last at least one month.", product=template.name)
                )
            if template.service_contract and template.type != "service":
                raise ValidationError(
                    _("%(product)s: only a service product can be a service contract.", product=template.name)
                )
