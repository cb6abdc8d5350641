from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_ext_service_labour_product_id = fields.Many2one(
        related="company_id.crm_ext_service_labour_product_id", readonly=False
    )
    crm_ext_service_portal_team_id = fields.Many2one(
        related="company_id.crm_ext_service_portal_team_id", readonly=False
    )
    crm_ext_service_portal_attachment_mb = fields.Integer(
        related="company_id.crm_ext_service_portal_attachment_mb", readonly=False
    )
