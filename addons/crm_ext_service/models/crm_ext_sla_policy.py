from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_ext_ticket import TICKET_PRIORITIES


class CrmExtSlaPolicy(models.Model):
    """A service-level target: reach a stage (or answer the customer) within working hours."""

    _name = "crm_ext.sla.policy"
    _description = "SLA Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    sla_type = fields.Selection(
        [("resolution", "Reach a stage"), ("first_response", "First response")],
        string="Target",
        required=True,
        default="resolution",
        help="First response: met by the first public reply of an employee to the customer.",
    )
    # matching: an empty criterion matches every ticket
    team_id = fields.Many2one(
        "crm_ext.service.team",
        domain="[('company_id', '=', company_id)]",
        help="Leave empty for tickets of every team.",
    )
    priority = fields.Selection(
        TICKET_PRIORITIES,
        string="Minimum Priority",
        help="Applies to tickets of this priority or higher; empty means any priority.",
    )
    category_ids = fields.Many2many("crm_ext.ticket.category", string="Categories")
    tag_ids = fields.Many2many(
        "crm_ext.ticket.tag", string="Tags", help="The ticket needs one of these tags."
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tiers",
        help="The customer (or its company) needs one of these partner tags.",
    )
    # target
    stage_id = fields.Many2one(
        "crm_ext.ticket.stage",
        string="Target Stage",
        help="The SLA is met when the ticket reaches this stage or a later one.",
    )
    time_hours = fields.Float(
        string="Working Hours Allowed",
        required=True,
        default=8.0,
        help="Counted in the team's working hours.",
    )
    exclude_stage_ids = fields.Many2many(
        "crm_ext.ticket.stage",
        "crm_ext_sla_policy_exclude_stage_rel",
        "policy_id",
        "stage_id",
        string="Excluded Stages",
        help="Time spent in these stages (e.g. waiting for the customer) does not count.",
    )
    # escalation
    warn_hours = fields.Float(
        string="Warn Before (hours)",
        help="Schedules a warning activity this many hours before the deadline; 0 for none.",
    )
    escalate_notify = fields.Boolean(string="Notify Team Leader", default=True)
    escalate_reassign = fields.Boolean(string="Reassign to Team Leader")
    escalate_priority = fields.Boolean(string="Raise Priority")
    sla_line_ids = fields.One2many("crm_ext.ticket.sla", "policy_id", string="Ticket SLAs")

    @api.constrains("sla_type", "stage_id", "time_hours", "warn_hours", "exclude_stage_ids")
    def _check_target(self):
        for policy in self:
            if policy.time_hours <= 0:
                raise ValidationError(
                    _("SLA policy %(policy)s needs a positive number of hours.", policy=policy.name)
                )
            if policy.warn_hours < 0:
                raise ValidationError(
                    _(
                        "SLA policy %(policy)s cannot warn a negative number of hours ahead.",
                        policy=policy.name,
                    )
                )
            if policy.sla_type == "resolution" and not policy.stage_id:
                raise ValidationError(_("SLA policy %(policy)s needs a target stage.", policy=policy.name))
            if policy.stage_id and policy.stage_id in policy.exclude_stage_ids:
                raise ValidationError(
                    _(
                        "SLA policy %(policy)s cannot exclude its own target stage %(stage)s.",
                        policy=policy.name,
                        stage=policy.stage_id.name,
                    )
                )

    def _matches(self, ticket):
        """Whether this policy applies to the ticket (one policy, one ticket, no query)."""
        self.ensure_one()
        if self.company_id != ticket.company_id:
            return False
        if self.team_id and self.team_id != ticket.team_id:
            return False
        if self.priority and ticket.priority < self.priority:
            return False
        if self.category_ids and ticket.category_id not in self.category_ids:
            return False
        if self.tag_ids and not (self.tag_ids & ticket.tag_ids):
            return False
        if self.partner_category_ids:
            tiers = ticket.partner_id.category_id | ticket.partner_id.commercial_partner_id.category_id
            if not (self.partner_category_ids & tiers):
                return False
        return True
