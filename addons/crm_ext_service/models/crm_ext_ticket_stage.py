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
    rating_template_id = fields.Many2one(
        "mail.template",
        string="Rating Request",
        domain="[('model', '=', 'crm_ext.ticket')]",
        help="Tickets reaching this stage send this satisfaction survey to their customer.",
    )
    team_ids = fields.Many2many(
        "crm_ext.service.team",
        "crm_ext_ticket_stage_team_rel",
        "stage_id",
        "team_id",
        string="Teams",
        help="Teams using this stage; a stage without any team is shared by every team.",
    )
