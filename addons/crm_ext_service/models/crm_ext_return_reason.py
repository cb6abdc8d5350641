from odoo import fields, models


class CrmExtReturnReason(models.Model):
    """Why a customer sends goods back or asks for a credit: the axis of the returns analysis."""

    _name = "crm_ext.return.reason"
    _description = "Return Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "UNIQUE (name)", "A return reason with this name already exists.")]
