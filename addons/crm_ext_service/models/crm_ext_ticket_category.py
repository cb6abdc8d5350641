from odoo import fields, models


class CrmExtTicketCategory(models.Model):
    _name = "crm_ext.ticket.category"
    _description = "Ticket Category"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to share with every company.")
