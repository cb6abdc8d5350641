from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.crm_ext_sales.models.crm_ext_interaction import CHANNELS

TICKET_CHANNELS = [c for c in CHANNELS if c[0] in ("phone", "email", "chat", "web")] + [
    ("portal", "Portal"),
    ("opportunity", "From opportunity"),
]


class CrmExtTicket(models.Model):
    """A customer's service request."""

    _name = "crm_ext.ticket"
    _description = "Service Ticket"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority desc, id desc"
    _rec_names_search = ["number", "name"]

    number = fields.Char(string="Ticket Number", readonly=True, copy=False, default=lambda self: _("New"))
    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Html(sanitize=True)
    partner_id = fields.Many2one("res.partner", string="Customer", tracking=True, index=True)
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        tracking=True,
        index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    stage_id = fields.Many2one(
        "crm_ext.ticket.stage",
        tracking=True,
        index=True,
        group_expand="_read_group_expand_stage",
        default=lambda self: self.env["crm_ext.ticket.stage"].search([], limit=1),
        copy=False,
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    priority = fields.Selection(
        [("0", "Low"), ("1", "Normal"), ("2", "High"), ("3", "Urgent")],
        default="1",
        tracking=True,
    )
    channel = fields.Selection(TICKET_CHANNELS, default="phone", required=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    color = fields.Integer()

    @api.model
    def _read_group_expand_stage(self, stages, domain):
        # all stages show as kanban columns; there are only a handful
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("number", _("New")) == _("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["number"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "crm_ext.ticket"
                ) or _("New")
        return super().create(vals_list)

    @api.depends("number", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"{ticket.number} {ticket.name}" if ticket.number else ticket.name

    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for ticket in self:
            partner_company = ticket.partner_id.company_id
            if partner_company and partner_company != ticket.company_id:
                raise ValidationError(
                    _(
                        "Ticket %(ticket)s belongs to %(company)s but its customer belongs to %(other)s.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        other=partner_company.name,
                    )
                )
