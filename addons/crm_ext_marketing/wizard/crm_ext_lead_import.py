import base64
import binascii
import csv
import io

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

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
    """Imports leads from a CSV file and reports the rows it rejects."""

    _name = "crm_ext.lead.import"
    _description = "Import Leads from CSV"

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()
    skip_bad_rows = fields.Boolean(
        help="Import the good rows of a file that has rejected rows. "
        "Without it, a file with any rejected row imports nothing."
    )
    state = fields.Selection(
        [("draft", "To import"), ("rejected", "Rejected"), ("done", "Imported")],
        default="draft",
        readonly=True,
    )
    report = fields.Text(readonly=True)
    imported_count = fields.Integer(readonly=True)
    rejected_count = fields.Integer(readonly=True)
    lead_ids = fields.Many2many("crm.lead", string="Imported Leads", readonly=True)

    def _read_rows(self):
        self.ensure_one()
        try:
            text = base64.b64decode(self.file or b"").decode("utf-8-sig")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise UserError(_("The file is not a UTF-8 CSV file.")) from error
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text), dialect)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
        if not rows:
            raise UserError(_("The file is empty."))
        header = [cell.strip().lower() for cell in rows[0]]
        unknown = [name for name in header if name not in COLUMNS]
        if unknown:
            raise UserError(
                _(
                    "Unknown column(s): %(columns)s. Known columns: %(known)s.",
                    columns=", ".join(unknown),
                    known=", ".join(sorted(COLUMNS)),
                )
            )
        if "name" not in header:
            raise UserError(_("The file needs a “name” column."))
        return header, rows[1:]

    @api.model
    def _country_index(self):
        index = {}
        for country in self.env["res.country"].search([("code", "!=", False)]):
            index[country.code.lower()] = country.id
            index[country.name.lower()] = country.id
        return index

    def _check_rows(self):
        """``(good values, rejections)``; a rejection is ``(line number, reason)``."""
        header, rows = self._read_rows()
        countries = self._country_index()
        good, rejected = [], []
        for number, row in enumerate(rows, start=2):
            raw = {COLUMNS[name]: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
            values = {key: value for key, value in raw.items() if key != "country" and value}
            reasons = []
            if not raw.get("name"):
                reasons.append(_("missing name"))
            email = raw.get("email_from")
            if email and not tools.email_normalize(email):
                reasons.append(_("bad email “%(email)s”", email=email))
            country = raw.get("country")
            if country:
                if country.lower() in countries:
                    values["country_id"] = countries[country.lower()]
                else:
                    reasons.append(_("unknown country “%(country)s”", country=country))
            if reasons:
                rejected.append((number, "; ".join(reasons)))
            else:
                values["type"] = "lead"
                if values.get("description"):
                    values["description"] = tools.plaintext2html(values["description"])
                good.append(values)
        return good, rejected

    def _report(self, rejected, imported):
        lines = []
        for number, reason in rejected:
            lines.append(_("Row %(row)s: %(reason)s", row=number, reason=reason))
        if imported is None:
            lines.append(_("Nothing was imported. Fix the rows above or tick “Skip bad rows”."))
        else:
            lines.append(_("%(count)s lead(s) imported.", count=imported))
        return "\n".join(lines)

    def action_import(self):
        self.ensure_one()
        good, rejected = self._check_rows()
        if rejected and not self.skip_bad_rows:
            self.write(
                {
                    "state": "rejected",
                    "rejected_count": len(rejected),
                    "imported_count": 0,
                    "report": self._report(rejected, None),
                }
            )
            return self._reopen()
        if not good:
            raise UserError(_("The file has no lead to import."))
        leads = self.env["crm.lead"].create(good)
        self.write(
            {
                "state": "done",
                "rejected_count": len(rejected),
                "imported_count": len(leads),
                "lead_ids": [fields.Command.set(leads.ids)],
                "report": self._report(rejected, len(leads)),
            }
        )
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Import Leads"),
        }

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
