from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_control_policy = fields.Selection(related="company_id.credit_control_policy", readonly=False)
