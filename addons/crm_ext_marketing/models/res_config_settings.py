from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_ext_qualification_threshold = fields.Integer(
        related="company_id.crm_ext_qualification_threshold", readonly=False
    )

    @api.constrains("crm_ext_qualification_threshold")
    def _check_crm_ext_qualification_threshold(self):
        for settings in self:
            if settings.crm_ext_qualification_threshold < 0:
                raise ValidationError(_("The lead qualification threshold cannot be negative."))
