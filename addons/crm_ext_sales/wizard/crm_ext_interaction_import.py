import base64
import csv
import io

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.crm_ext_interaction import CHANNELS

REQUIRED_COLUMNS = ("date", "channel", "partner", "summary")
OPTIONAL_COLUMNS = ("direction", "duration", "outcome", "opportunity")
DIRECTIONS = {"inbound", "outbound"}
MAX_ROWS = 50000


class CrmExtInteractionImport(models.TransientModel):
    """Imports interactions from a CSV file, all or nothing unless bad rows are skipped.

    Columns: date (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]), channel (phone, email, letter,
    fax, meeting, chat, web, sms — or their labels), partner (email, reference or exact
    name of a contact), summary; optional: direction (inbound/outbound), duration
    (hours), outcome, opportunity (exact name).
    """

    _name = "crm_ext.interaction.import"
    _description = "Import Interactions"

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()
    skip_invalid = fields.Boolean(
        string="Skip bad rows", help="Import the valid rows even if some rows are rejected."
    )
    state = fields.Selection(
        [("draft", "Draft"), ("rejected", "Rejected"), ("done", "Done")], default="draft"
    )
    report = fields.Text(readonly=True)
    imported_count = fields.Integer(readonly=True)
    rejected_count = fields.Integer(readonly=True)

    @api.model
    def _parse_channel(self, value):
        value = (value or "").strip().lower()
        for key, label in CHANNELS:
            if value in (key, label.lower()):
                return key
        return None

    def _read_rows(self):
        try:
            text = base64.b64decode(self.file).decode("utf-8-sig")
        except (ValueError, UnicodeDecodeError) as error:
            raise UserError(_("The file is not a UTF-8 CSV file: %(error)s", error=error)) from error
        reader = csv.DictReader(io.StringIO(text))
        columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise UserError(_("The file lacks the column(s) %(columns)s.", columns=", ".join(missing)))
        rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
        if len(rows) > MAX_ROWS:
            raise UserError(_("At most %(count)s rows can be imported at once.", count=MAX_ROWS))
        return rows

    def _partners_by_key(self, rows):
        """Contacts matched by email, reference or exact name; ambiguous keys map to None."""
        keys = {row.get("partner", "") for row in rows} - {""}
        partners = self.env["res.partner"].search(
            ["|", "|", ("email", "in", list(keys)), ("ref", "in", list(keys)), ("name", "in", list(keys))]
        )
        found = {}
        for partner in partners:
            for key in {partner.email, partner.ref, partner.name} & keys:
                found[key] = None if key in found and found[key] != partner else partner
        return found

    def _validate(self, rows):
        partners = self._partners_by_key(rows)
        opportunity_names = {row.get("opportunity") for row in rows} - {"", None}
        opportunities = {}
        for lead in self.env["crm.lead"].search([("name", "in", list(opportunity_names))]):
            opportunities[lead.name] = None if lead.name in opportunities else lead
        valid, errors = [], []
        for number, row in enumerate(rows, start=2):  # line 1 is the header
            problems = []
            partner = partners.get(row.get("partner", ""))
            if not row.get("partner"):
                problems.append(_("no partner"))
            elif partner is None:
                problems.append(_("unknown or ambiguous partner “%(p)s”", p=row["partner"]))
            channel = self._parse_channel(row.get("channel"))
            if not channel:
                problems.append(_("bad channel “%(c)s”", c=row.get("channel", "")))
            try:
                date = fields.Datetime.to_datetime(row.get("date")) if row.get("date") else None
            except ValueError:
                date = None
            if not date:
                problems.append(_("bad date “%(d)s”", d=row.get("date", "")))
            if not row.get("summary"):
                problems.append(_("no summary"))
            direction = (row.get("direction") or "outbound").lower()
            if direction not in DIRECTIONS:
                problems.append(_("bad direction “%(d)s”", d=row.get("direction")))
            try:
                duration = float(row.get("duration") or 0)
                if duration < 0:
                    raise ValueError
            except ValueError:
                problems.append(_("bad duration “%(d)s”", d=row.get("duration")))
                duration = 0.0
            lead = False
            if row.get("opportunity"):
                lead = opportunities.get(row["opportunity"])
                if not lead:
                    problems.append(_("unknown or ambiguous opportunity “%(o)s”", o=row["opportunity"]))
            if problems:
                errors.append(_("Line %(line)s: %(problems)s", line=number, problems="; ".join(problems)))
                continue
            valid.append(
                {
                    "date": date,
                    "channel": channel,
                    "direction": direction,
                    "partner_id": partner.id,
                    "lead_id": lead.id if lead else False,
                    "summary": row["summary"],
                    "duration": duration,
                    "outcome": row.get("outcome") or False,
                }
            )
        return valid, errors

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_import(self):
        self.ensure_one()
        rows = self._read_rows()
        valid, errors = self._validate(rows)
        outcomes = {key for key, _label in self.env["crm_ext.interaction"]._fields["outcome"].selection}
        for vals in valid:
            if vals["outcome"] and vals["outcome"] not in outcomes:
                vals["outcome"] = False
        if errors and not self.skip_invalid:
            self.write(
                {
                    "state": "rejected",
                    "rejected_count": len(errors),
                    "imported_count": 0,
                    "report": _(
                        "Nothing was imported: %(count)s of %(total)s rows are rejected. Correct them, "
                        "or tick “Skip bad rows”.\n\n%(errors)s",
                        count=len(errors),
                        total=len(rows),
                        errors="\n".join(errors),
                    ),
                }
            )
            return self._reopen()
        created = self.env["crm_ext.interaction"].create(valid)
        self.write(
            {
                "state": "done",
                "imported_count": len(created),
                "rejected_count": len(errors),
                "report": _(
                    "%(count)s interactions imported, %(skipped)s rows skipped.\n\n%(errors)s",
                    count=len(created),
                    skipped=len(errors),
                    errors="\n".join(errors),
                ),
            }
        )
        return self._reopen()
