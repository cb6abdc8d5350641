from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_control_policy = fields.Selection(
        [("warn", "Warn"), ("block", "Block confirmation")],
        default="warn",
        required=True,
        help="What happens when a quotation is confirmed for a customer over its credit limit: "
        "a warning only, or a refusal that only a Sales Manager may override.",
    )
