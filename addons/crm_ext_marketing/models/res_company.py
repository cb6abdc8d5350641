from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_ext_qualification_threshold = fields.Integer(
        string="Lead Qualification Threshold",
        default=0,
        help="Leads whose score reaches this value are converted to opportunities and "
        "assigned. 0 disables the automatic qualification.",
        groups="base.group_user",
    )
