from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A campaign call marked done: its target is reached (unless the caller said otherwise)."""
        targets = (
            self.env["crm_ext.campaign.target"].sudo().search([("activity_id", "in", self.ids)])
            if self.ids
            else self.env["crm_ext.campaign.target"]
        )
        if targets:
            now = fields.Datetime.now()
            targets.filtered(lambda t: not t.call_outcome).call_outcome = "done"
            targets.call_date = now
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
