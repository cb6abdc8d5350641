from odoo import models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm_ext.interaction.count.mixin"]
    _interaction_field = "commercial_partner_id"

    def _interaction_owner(self):
        # contacts roll up to their company
        return self.commercial_partner_id

    def action_view_interactions(self):
        action = super().action_view_interactions()
        action["context"] = {"default_partner_id": self.id}
        return action
