from odoo import fields, models


class CrmExtTicketTag(models.Model):
    _name = "crm_ext.ticket.tag"
    _description = "Ticket Tag"
    _order = "name, id"

    name = fields.Char(required=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [("name_uniq", "unique (name)", "A ticket tag with this name already exists.")]
