import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


def _zip_key(value):
    """Zip codes compare by their digits when they have some, else as upper-case text."""
    value = (value or "").strip().upper()
    digits = re.sub(r"\D", "", value)
    return (0, int(digits), "") if digits else (1, 0, value)


class CrmExtTerritory(models.Model):
    """A sales territory: where (countries, states, zip range) and what (industries)
    a team covers. Leads and opportunities take the first matching territory."""

    _name = "crm_ext.territory"
    _description = "Sales Territory"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="The first matching territory wins.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", required=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", help="Given to new leads of the territory that have none."
    )
    country_ids = fields.Many2many("res.country", string="Countries")
    state_ids = fields.Many2many("res.country.state", string="States")
    zip_from = fields.Char()
    zip_to = fields.Char()
    industry_ids = fields.Many2many("res.partner.industry", string="Industries")
    lead_count = fields.Integer(compute="_compute_lead_count")

    @api.constrains("zip_from", "zip_to")
    def _check_zip_range(self):
        for territory in self:
            if (
                territory.zip_from
                and territory.zip_to
                and _zip_key(territory.zip_to) < _zip_key(territory.zip_from)
            ):
                raise ValidationError(
                    _("The zip range of %(territory)s ends before it starts.", territory=territory.name)
                )

    @api.constrains("team_id", "company_id")
    def _check_team_company(self):
        for territory in self:
            if territory.company_id and territory.team_id.company_id not in (
                territory.company_id,
                self.env["res.company"],
            ):
                raise ValidationError(
                    _(
                        "Team %(team)s is not a team of %(company)s.",
                        team=territory.team_id.name,
                        company=territory.company_id.name,
                    )
                )

    def _matches(self, country, state, zip_code, industry):
        self.ensure_one()
        if self.country_ids and country not in self.country_ids:
            return False
        if self.state_ids and state not in self.state_ids:
            return False
        if self.industry_ids and industry not in self.industry_ids:
            return False
        if self.zip_from or self.zip_to:
            if not zip_code:
                return False
            key = _zip_key(zip_code)
            if self.zip_from and key < _zip_key(self.zip_from):
                return False
            if self.zip_to and key > _zip_key(self.zip_to):
                return False
        return True

    def _compute_lead_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group(
                [("crm_ext_territory_id", "in", self.ids)], ["crm_ext_territory_id"], ["__count"]
            )
        )
        for territory in self:
            territory.lead_count = counts.get(territory, 0)

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_all_leads")
        action["domain"] = [("crm_ext_territory_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action
