from odoo import _, api, fields, models

from ..models.crm_ext_interaction import CHANNELS

DIRECTIONS = {"inbound", "outbound"}


class CrmExtInteractionImport(models.TransientModel):
    """Imports interactions from a CSV or Excel file (see ``crm_ext.import.mixin``).

    Columns: date (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]), channel (phone, email, letter,
    fax, meeting, chat, web, sms — or their labels), partner (email, reference or exact
    name of a contact), summary; optional: direction (inbound/outbound), duration
    (hours), outcome, opportunity (exact name). Other columns are ignored.
    """

    _name = "crm_ext.interaction.import"
    _inherit = "crm_ext.import.mixin"
    _description = "Import Interactions"

    _import_model = "crm_ext.interaction"
    _import_required_columns = ("date", "channel", "partner", "summary")
    _import_optional_columns = ("direction", "duration", "outcome", "opportunity")

    @api.model
    def _parse_channel(self, value):
        value = (value or "").strip().lower()
        for key, label in CHANNELS:
            if value in (key, label.lower()):
                return key
        return None

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

    def _import_prepare(self, rows):
        opportunity_names = {row.get("opportunity") for row in rows} - {"", None}
        opportunities = {}
        for lead in self.env["crm.lead"].search([("name", "in", list(opportunity_names))]):
            opportunities[lead.name] = None if lead.name in opportunities else lead
        outcomes = self.env["crm_ext.interaction"]._fields["outcome"].get_values(self.env)
        return {"partners": self._partners_by_key(rows), "opportunities": opportunities, "outcomes": outcomes}

    def _import_parse_row(self, row, lookups):
        problems = []
        partner = lookups["partners"].get(row.get("partner", ""))
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
            lead = lookups["opportunities"].get(row["opportunity"])
            if not lead:
                problems.append(_("unknown or ambiguous opportunity “%(o)s”", o=row["opportunity"]))
        if problems:
            return None, problems
        outcome = row.get("outcome") or False
        return {
            "date": date,
            "channel": channel,
            "direction": direction,
            "partner_id": partner.id,
            "lead_id": lead.id if lead else False,
            "summary": row["summary"],
            "duration": duration,
            "outcome": outcome if outcome in lookups["outcomes"] else False,
        }, []

    def _import_done_message(self, count):
        return _("%(count)s interaction(s) imported.", count=count)
