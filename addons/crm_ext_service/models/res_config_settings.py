from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    service_labour_product_id = fields.Many2one(
        related="company_id.service_labour_product_id", readonly=False
    )
    service_portal_team_id = fields.Many2one(related="company_id.service_portal_team_id", readonly=False)
    service_portal_attachment_mb = fields.Integer(
        related="company_id.service_portal_attachment_mb", readonly=False
    )
