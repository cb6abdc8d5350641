from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

# the keys two leads are compared on to find duplicates, as SQL over crm_lead's columns; each
# has an index of the same expression (CrmLead.init), which the lookups use
COMPANY_KEY = "regexp_replace(lower(COALESCE({partner_name}, '')), '[[:space:][:punct:]]+', '', 'g')"
PHONE_KEY = "regexp_replace(COALESCE({phone_sanitized}, {phone}, ''), '[^0-9]+', '', 'g')"
DUPLICATE_INDEXES = {
    # Odoo's own index on email_normalized is a trigram (GIN) index: an equality lookup through
    # it reads some 1,500 pages at 170,000 leads (25 ms); a B-tree reads a few
    "crm_lead_crm_ext_email_normalized_index": "email_normalized",
    "crm_lead_crm_ext_phone_key_index": PHONE_KEY.format(phone_sanitized="phone_sanitized", phone="phone"),
    "crm_lead_crm_ext_company_key_index": COMPANY_KEY.format(partner_name="partner_name"),
}


def _key(template, alias, *columns):
    """``template`` (COMPANY_KEY, PHONE_KEY) over the columns of the table aliased ``alias``."""
    return SQL(template.format(**dict.fromkeys(columns, "%s")), *(SQL.identifier(alias, c) for c in columns))


def _normalised_company(alias):
    """A company name compared without case, spaces or punctuation."""
    return _key(COMPANY_KEY, alias, "partner_name")


def _normalised_phone(alias):
    """The digits of the phone number, sanitised by phone_validation when it can."""
    return _key(PHONE_KEY, alias, "phone_sanitized", "phone")


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_ext_lead_score = fields.Integer(
        string="Score",
        default=0,
        readonly=True,
        copy=False,
        index=True,
        aggregator="avg",
        help="Points from the lead scoring rules (conditions and engagement), "
        "next to Odoo's predictive probability.",
    )
    crm_ext_web_form_ip = fields.Char(
        string="Web Form Address",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="sales_team.group_sale_manager",
        help="Network address the lead was sent from through the public web form.",
    )
    duplicate_lead_count = fields.Integer(
        string="Duplicates", compute="_compute_duplicate_lead_count", compute_sudo=True
    )

    def init(self):
        result = super().init()
        for name, expression in DUPLICATE_INDEXES.items():
            create_index(self.env.cr, name, self._table, [expression])
        return result

    # ------------------------------------------------------------------
    # duplicates
    # ------------------------------------------------------------------

    def _crm_ext_duplicate_map(self):
        """``{lead id: set of duplicate lead ids}`` on normalised email, phone and company name.

        One query for the whole recordset; only active, not won leads of the same
        company (or without company) count.
        """
        result = {lead_id: set() for lead_id in self.ids}
        if not self.ids:
            return result
        self.flush_model(
            ["email_normalized", "phone_sanitized", "phone", "partner_name", "active", "company_id"]
        )
        # one lookup per key, each through its index (an OR of the three in one join reads
        # every lead: 200 ms at 170,000 leads)
        lookups = [
            (SQL.identifier("l", "email_normalized"), SQL.identifier("o", "email_normalized")),
            (_normalised_phone("l"), _normalised_phone("o")),
            (_normalised_company("l"), _normalised_company("o")),
        ]
        self.env.cr.execute(
            SQL(" UNION ").join(
                SQL(
                    """
                    SELECT l.id, o.id
                      FROM crm_lead l
                      JOIN crm_lead o ON %(other)s = %(lead)s
                     WHERE l.id = ANY(%(ids)s) AND %(lead)s != ''
                       AND o.id != l.id AND o.active AND COALESCE(o.probability, 0) < 100
                       AND (o.company_id IS NULL OR l.company_id IS NULL OR o.company_id = l.company_id)
                    """,
                    lead=lead,
                    other=other,
                    ids=self.ids,
                )
                for lead, other in lookups
            )
        )
        for lead_id, other_id in self.env.cr.fetchall():
            result[lead_id].add(other_id)
        return result

    @api.depends("email_normalized", "phone_sanitized", "phone", "partner_name")
    def _compute_duplicate_lead_count(self):
        duplicates = self.filtered("id")._crm_ext_duplicate_map()
        for lead in self:
            lead.duplicate_lead_count = len(duplicates.get(lead.id, ()))

    def action_view_duplicate_leads(self):
        self.ensure_one()
        ids = [self.id, *self.sudo()._crm_ext_duplicate_map()[self.id]]
        return {
            "type": "ir.actions.act_window",
            "name": _("Possible duplicates of %(lead)s", lead=self.name),
            "res_model": "crm.lead",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
            "context": {"active_test": False},
        }

    def action_merge_duplicate_leads(self):
        """Opens Odoo's own merge wizard on this lead and its duplicates."""
        self.ensure_one()
        ids = [self.id, *sorted(self.sudo()._crm_ext_duplicate_map()[self.id])]
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.action_merge_opportunities")
        action["context"] = {"active_ids": ids, "active_model": "crm.lead", "active_id": self.id}
        return action

    # ------------------------------------------------------------------
    # scoring and qualification
    # ------------------------------------------------------------------

    def action_recompute_lead_score(self):
        self.env["crm_ext.lead.scoring.rule"]._recompute_lead_scores(self)
        return True

    @api.model
    def _crm_ext_qualify_leads(self):
        """Converts the leads reaching their company's threshold and assigns them.

        Conversion is Odoo's ``convert_opportunity``; salespeople are assigned with
        Odoo's round robin ``_handle_salesmen_assignment`` over the members of the
        lead's sales team (or the default team). Returns the converted leads.
        """
        converted = self.env["crm.lead"]
        Lead = self.sudo()
        for company in self.env["res.company"].sudo().search([("crm_ext_qualification_threshold", ">", 0)]):
            leads = Lead.search(
                [
                    ("type", "=", "lead"),
                    ("company_id", "in", [company.id, False]),
                    ("crm_ext_lead_score", ">=", company.crm_ext_qualification_threshold),
                    ("probability", "<", 100),
                ]
            )
            for partner, partner_leads in leads.grouped("partner_id").items():
                partner_leads.convert_opportunity(partner)
            unassigned = leads.filtered(lambda lead: not lead.user_id)
            default_team = self.env["crm.team"].sudo().with_company(company)._get_default_team_id()
            by_team = unassigned.grouped(lambda lead, team=default_team: lead.team_id or team)
            for team, team_leads in by_team.items():
                users = team.member_ids.filtered("active")
                team_leads._handle_salesmen_assignment(user_ids=users.ids, team_id=team.id)
            converted |= leads
        # recompute what the conversion triggers as superuser, not as the button's user
        Lead.env.flush_all()
        return converted
