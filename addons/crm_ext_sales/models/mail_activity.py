from odoo import fields, models

CATEGORY_CHANNEL = {"phonecall": "phone", "meeting": "meeting"}


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        self._log_done_interactions(feedback)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _log_done_interactions(self, feedback):
        """A call or meeting marked done on a contact or an opportunity is an interaction."""
        vals_list = []
        for activity in self:
            channel = CATEGORY_CHANNEL.get(activity.activity_type_id.category)
            if not channel or activity.res_model not in ("crm.lead", "res.partner"):
                continue
            record = self.env[activity.res_model].browse(activity.res_id).sudo().exists()
            if not record:
                continue
            values = record._interaction_values()
            if not values.get("partner_id") and not values.get("lead_id"):
                continue
            vals_list.append(
                {
                    **values,
                    "summary": activity.summary or activity.activity_type_id.name,
                    "channel": channel,
                    "direction": "outbound",
                    "date": fields.Datetime.now(),
                    "outcome": "done",
                    "note": feedback or activity.note,
                    "user_id": activity.user_id.id or self.env.user.id,
                    "company_id": record._interaction_company().id,
                }
            )
        if vals_list:
            self.env["crm_ext.interaction"].sudo().create(vals_list)
