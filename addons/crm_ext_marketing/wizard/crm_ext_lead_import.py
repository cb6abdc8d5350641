from odoo import _, api, fields, models, tools

COLUMNS = {
    "name": "name",
    "contact_name": "contact_name",
    "company": "partner_name",
    "partner_name": "partner_name",
    "email": "email_from",
    "email_from": "email_from",
    "phone": "phone",
    "country": "country",
    "description": "description",
}


class CrmExtLeadImport(models.TransientModel):
    """Imports leads from a CSV or Excel file and reports the rows it rejects
    (see ``crm_ext.import.mixin``). A column it does not know refuses the file."""

    _name = "crm_ext.lead.import"
    _inherit = "crm_ext.import.mixin"
    _description = "Import Leads"

    _import_model = "crm.lead"
    _import_required_columns = ("name",)
    _import_optional_columns = tuple(name for name in COLUMNS if name != "name")
    _import_strict_columns = True

    lead_ids = fields.Many2many("crm.lead", string="Imported Leads", readonly=True)

    @api.model
    def _country_index(self):
        index = {}
        for country in self.env["res.country"].search([("code", "!=", False)]):
            index[country.code.lower()] = country.id
            index[country.name.lower()] = country.id
        return index

    def _import_prepare(self, rows):
        return {"countries": self._country_index()}

    def _import_parse_row(self, row, lookups):
        raw = {COLUMNS[name]: value for name, value in row.items()}
        values = {key: value for key, value in raw.items() if key != "country" and value}
        problems = []
        if not raw.get("name"):
            problems.append(_("missing name"))
        email = raw.get("email_from")
        if email and not tools.email_normalize(email):
            problems.append(_("bad email “%(email)s”", email=email))
        country = raw.get("country")
        if country:
            if country.lower() in lookups["countries"]:
                values["country_id"] = lookups["countries"][country.lower()]
            else:
                problems.append(_("unknown country “%(country)s”", country=country))
        values["type"] = "lead"
        if values.get("description"):
            values["description"] = tools.plaintext2html(values["description"])
        return values, problems

    def _import_done(self, records):
        self.lead_ids = [fields.Command.set(records.ids)]

    def _import_done_message(self, count):
        return _("%(count)s lead(s) imported.", count=count)

    def action_view_leads(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Imported Leads"),
            "res_model": "crm.lead",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.lead_ids.ids)],
        }
