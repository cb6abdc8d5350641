from ast import literal_eval

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression


class CrmExtSegment(models.Model):
    """A named set of customers defined by rules on the partner."""

    _name = "crm_ext.segment"
    _description = "Customer Segment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text()
    partner_domain = fields.Char(
        string="Customer Rules",
        default="[]",
        required=True,
        tracking=True,
        help="Conditions on the customer's fields and tags.",
    )
    member_count = fields.Integer(compute="_compute_member_count", string="Members")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )

    def _parsed_domain(self):
        self.ensure_one()
        try:
            domain = literal_eval(self.partner_domain or "[]")
            expression.expression(domain, self.env["res.partner"])
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise ValidationError(
                _(
                    "The rules of segment “%(name)s” are not a valid domain: %(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        return domain

    def _members_domain(self):
        self.ensure_one()
        company_domain = ["|", ("company_id", "=", False), ("company_id", "=", self.company_id.id)]
        return expression.AND([self._parsed_domain(), company_domain])

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for segment in self:
            segment._parsed_domain()

    @api.depends("partner_domain", "company_id")
    def _compute_member_count(self):
        Partner = self.env["res.partner"]
        for segment in self:
            segment.member_count = Partner.search_count(segment._members_domain())

    def action_view_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Members of %(segment)s", segment=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": self._members_domain(),
        }
