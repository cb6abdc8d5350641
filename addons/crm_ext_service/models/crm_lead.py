from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_ext_ticket_ids = fields.One2many(
        "crm_ext.ticket", "lead_id", string="Tickets", groups="crm_ext_service.group_service_user"
    )
    crm_ext_ticket_count = fields.Integer(
        string="Ticket Count", compute="_compute_ticket_count", groups="crm_ext_service.group_service_user"
    )

    def _compute_ticket_count(self):
        counts = dict(
            self.env["crm_ext.ticket"]._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["__count"])
        )
        for lead in self:
            lead.crm_ext_ticket_count = counts.get(lead, 0)

    def _ticket_defaults(self):
        self.ensure_one()
        return {
            "default_lead_id": self.id,
            "default_partner_id": self.partner_id.id,
            "default_channel": "opportunity",
            "default_name": self.name,
        }

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_ticket_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = self._ticket_defaults()
        return action

    def action_new_ticket(self):
        """Opens a new ticket form for this opportunity's customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm_ext.ticket",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": self._ticket_defaults(),
        }
