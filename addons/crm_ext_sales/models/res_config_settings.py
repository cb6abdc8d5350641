from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_control_policy = fields.Selection(related="company_id.credit_control_policy", readonly=False)
    date_calendar = fields.Selection(related="company_id.date_calendar", readonly=False)
    date_persian_digits = fields.Boolean(related="company_id.date_persian_digits", readonly=False)
