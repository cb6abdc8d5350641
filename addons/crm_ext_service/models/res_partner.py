from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    ticket_count = fields.Integer(
        compute="_compute_ticket_count", groups="crm_ext_service.group_service_user"
    )

    def _compute_ticket_count(self):
        # contacts show the tickets of their whole company
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["crm_ext.ticket"]._read_group(
                [("commercial_partner_id", "in", commercial.ids)], ["commercial_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.ticket_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_ticket_action")
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
