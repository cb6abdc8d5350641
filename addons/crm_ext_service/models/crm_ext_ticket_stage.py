from odoo import fields, models


class CrmExtTicketStage(models.Model):
    _name = "crm_ext.ticket.stage"
    _description = "Ticket Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(string="Folded in Kanban")
    is_closed = fields.Boolean(string="Closing Stage", help="Tickets in this stage are considered solved.")
    description = fields.Text(translate=True)
