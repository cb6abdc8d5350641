from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_ext_service_labour_product_id = fields.Many2one(
        "product.product",
        string="Field Service Labour Product",
        domain="[('type', '=', 'service')]",
        help="Invoiced per hour worked on field orders not covered by a contract or warranty.",
        groups="base.group_user",
    )
    crm_ext_service_portal_team_id = fields.Many2one(
        "crm_ext.service.team",
        string="Portal Tickets Team",
        domain="[('company_id', '=', id)]",
        help="The team that receives the tickets customers open on the portal; its assignment rules apply.",
        groups="base.group_user",
    )
    crm_ext_service_portal_attachment_mb = fields.Integer(
        string="Portal Attachment Limit (MB)",
        default=10,
        help="Largest file a customer may attach to a ticket on the portal.",
        groups="base.group_user",
    )

    @api.constrains("crm_ext_service_portal_attachment_mb")
    def _check_service_portal_attachment_mb(self):
        for company in self:
            if company.crm_ext_service_portal_attachment_mb < 1:
                raise ValidationError(_("The portal attachment limit must be at least 1 MB."))

    def _service_labour_product(self):
        self.ensure_one()
        return (
            self.crm_ext_service_labour_product_id
            or self.env.ref("crm_ext_service.product_field_service_labour", raise_if_not_found=False)
            or self.env["product.product"]
        )
