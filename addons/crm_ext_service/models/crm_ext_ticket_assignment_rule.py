from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmExtTicketAssignmentRule(models.Model):
    """How a team hands its new, unassigned tickets to its agents."""

    _name = "crm_ext.ticket.assignment.rule"
    _description = "Ticket Assignment Rule"
    _order = "team_id, sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    team_id = fields.Many2one("crm_ext.service.team", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    method = fields.Selection(
        [("balanced", "Balanced (fewest open tickets)"), ("round_robin", "Round-robin")],
        required=True,
        default="balanced",
    )
    category_ids = fields.Many2many(
        "crm_ext.ticket.category",
        string="Categories",
        help="The rule only applies to tickets of these categories; empty means every category.",
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Agents",
        domain="[('share', '=', False)]",
        help="Agents who receive the tickets; empty means every member of the team.",
    )
    last_user_id = fields.Many2one(
        "res.users", string="Last Assigned", readonly=True, help="Round-robin resumes after this agent."
    )

    @api.constrains("user_ids", "team_id")
    def _check_agents_in_team(self):
        for rule in self:
            outsiders = rule.user_ids - rule.team_id.member_ids - rule.team_id.user_id
            if outsiders:
                raise ValidationError(
                    _(
                        "Rule %(rule)s assigns to %(users)s, who are not in team %(team)s.",
                        rule=rule.name,
                        users=", ".join(outsiders.mapped("name")),
                        team=rule.team_id.name,
                    )
                )

    def _applies_to(self, ticket):
        self.ensure_one()
        return not self.category_ids or ticket.category_id in self.category_ids

    def _agents(self):
        self.ensure_one()
        return (self.user_ids or self.team_id.member_ids).filtered("active").sorted("id")

    def _pick_agent(self):
        """The agent who gets the next ticket under this rule (an empty recordset if none)."""
        self.ensure_one()
        agents = self._agents()
        if not agents:
            return agents
        if self.method == "round_robin":
            after = agents.filtered(lambda u: u.id > self.last_user_id.id)
            agent = after[:1] or agents[:1]
        else:
            counts = dict(
                self.env["crm_ext.ticket"]
                .sudo()
                ._read_group(
                    [("user_id", "in", agents.ids), ("is_closed", "=", False)], ["user_id"], ["__count"]
                )
            )
            agent = min(agents, key=lambda u: (counts.get(u, 0), u.id))
        self.sudo().last_user_id = agent
        return agent
