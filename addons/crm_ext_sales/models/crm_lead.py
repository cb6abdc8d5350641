from odoo import models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm_ext.interaction.count.mixin"]
    _interaction_field = "lead_id"

    def action_view_interactions(self):
        action = super().action_view_interactions()
        action["context"]["default_partner_id"] = self.partner_id.id
        return action
