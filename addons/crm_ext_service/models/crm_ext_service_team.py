from ast import literal_eval

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmExtServiceTeam(models.Model):
    """A group of agents sharing tickets, working hours and an email alias."""

    _name = "crm_ext.service.team"
    _description = "Service Team"
    _inherit = ["mail.alias.mixin", "mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        tracking=True,
        help="Receives escalations of breached SLAs.",
    )
    member_ids = fields.Many2many(
        "res.users",
        "crm_ext_service_team_member_rel",
        "team_id",
        "user_id",
        string="Members",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="SLA deadlines are counted in these working hours (public holidays included). "
        "Without a calendar, deadlines run around the clock.",
    )
    stage_ids = fields.Many2many(
        "crm_ext.ticket.stage",
        "crm_ext_ticket_stage_team_rel",
        "team_id",
        "stage_id",
        string="Stages",
        help="Stages specific to this team; stages without any team are shared by every team.",
    )
    assignment_rule_ids = fields.One2many(
        "crm_ext.ticket.assignment.rule", "team_id", string="Assignment Rules"
    )
    ticket_ids = fields.One2many("crm_ext.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(compute="_compute_open_ticket_count", string="Open Tickets")

    def _compute_open_ticket_count(self):
        counts = dict(
            self.env["crm_ext.ticket"]._read_group(
                [("team_id", "in", self.ids), ("is_closed", "=", False)], ["team_id"], ["__count"]
            )
        )
        for team in self:
            team.open_ticket_count = counts.get(team, 0)

    @api.constrains("user_id", "member_ids", "company_id")
    def _check_member_companies(self):
        for team in self:
            for user in team.user_id | team.member_ids:
                if team.company_id not in user.company_ids:
                    raise ValidationError(
                        _(
                            "%(user)s cannot work in team %(team)s: they have no access to %(company)s.",
                            user=user.name,
                            team=team.name,
                            company=team.company_id.name,
                        )
                    )

    @api.constrains("company_id")
    def _check_ticket_companies(self):
        Ticket = self.env["crm_ext.ticket"].sudo()
        for team in self:
            if Ticket.search_count(
                [("team_id", "=", team.id), ("company_id", "!=", team.company_id.id)], limit=1
            ):
                raise ValidationError(
                    _(
                        "Team %(team)s has tickets of another company: it cannot move to %(company)s.",
                        team=team.name,
                        company=team.company_id.name,
                    )
                )

    def write(self, vals):
        result = super().write(vals)
        if "company_id" in vals:
            # tickets created by the alias belong to the team's company
            for team in self:
                team.alias_id.sudo().alias_defaults = repr(
                    team._alias_get_creation_values()["alias_defaults"]
                )
        return result

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get("crm_ext.ticket").id
        if self.id:
            values["alias_defaults"] = defaults = literal_eval(self.alias_defaults or "{}")
            defaults["team_id"] = self.id
            defaults["company_id"] = self.company_id.id
        return values

    def _working_calendar(self):
        self.ensure_one()
        return self.resource_calendar_id or self.company_id.resource_calendar_id

    def _stage_domain(self):
        """Stages a ticket of this team (or of no team) can be in."""
        if not self:
            return [("team_ids", "=", False)]
        return ["|", ("team_ids", "=", False), ("team_ids", "in", self.ids)]

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_ticket_action")
        action["domain"] = [("team_id", "=", self.id)]
        action["context"] = {"default_team_id": self.id, "search_default_open": 1}
        return action
