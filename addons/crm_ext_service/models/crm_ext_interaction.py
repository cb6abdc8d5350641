from odoo import api, fields, models

from .crm_ext_ticket import TICKET_CHANNELS


class CrmExtInteraction(models.Model):
    _inherit = "crm_ext.interaction"

    ticket_id = fields.Many2one(
        "crm_ext.ticket",
        index="btree_not_null",
        ondelete="set null",
        groups="crm_ext_service.group_service_user",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # an interaction shows its ticket's name to whoever reads the interaction: link only
        # tickets the current user may read (as field orders and return lines do)
        self.env["crm_ext.ticket"].browse(
            vals["ticket_id"] for vals in vals_list if vals.get("ticket_id")
        )._check_link_access()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("ticket_id"):
            self.env["crm_ext.ticket"].browse(vals["ticket_id"])._check_link_access()
        return super().write(vals)

    def action_open_ticket(self):
        """Opens the interaction's ticket, creating it from the interaction if needed."""
        self.ensure_one()
        if not self.ticket_id:
            channels = dict(TICKET_CHANNELS)
            self.ticket_id = self.env["crm_ext.ticket"].create(
                {
                    "name": self.summary,
                    "partner_id": (self.partner_id or self.lead_id.partner_id).id,
                    "channel": self.channel if self.channel in channels else "phone",
                    "description": self.note,
                    "lead_id": self.lead_id.id,
                    "company_id": self.company_id.id,
                }
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm_ext.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
