from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    crm_ext_service_contract = fields.Boolean(
        string="Is a Service Contract",
        help="Selling this service creates a service contract for the customer.",
    )
    crm_ext_service_warranty = fields.Boolean(
        string="Carries a Warranty",
        help="Selling this product creates a warranty for the customer; delivered serials "
        "get a warranty end date.",
    )
    crm_ext_service_duration_months = fields.Integer(string="Coverage (months)", default=12)
    crm_ext_service_cover_parts = fields.Boolean(string="Covers Parts", default=True)
    crm_ext_service_cover_labour = fields.Boolean(string="Covers Labour", default=True)
    crm_ext_service_cover_onsite = fields.Boolean(string="Covers On-site Visits")

    @api.constrains(
        "crm_ext_service_contract", "crm_ext_service_warranty", "crm_ext_service_duration_months", "type"
    )
    def _check_service_coverage(self):
        for template in self.filtered(lambda t: t.crm_ext_service_contract or t.crm_ext_service_warranty):
            if template.crm_ext_service_duration_months <= 0:
                raise ValidationError(
                    _("%(product)s: the coverage must last at least one month.", product=template.name)
                )
            if template.crm_ext_service_contract and template.type != "service":
                raise ValidationError(
                    _("%(product)s: only a service product can be a service contract.", product=template.name)
                )
