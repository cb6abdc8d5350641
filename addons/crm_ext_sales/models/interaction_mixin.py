from odoo import fields, models


class CrmExtInteractionCountMixin(models.AbstractModel):
    """Interaction count and smart button for a model linked to interactions.

    The inheriting model names, in ``_interaction_field``, the field of
    ``crm_ext.interaction`` that points back to it. Counts are read with one
    grouped query for the whole recordset.
    """

    _name = "crm_ext.interaction.count.mixin"
    _description = "Interaction Count Mixin"
    _interaction_field = None

    crm_ext_interaction_count = fields.Integer(
        compute="_compute_interaction_count",
        groups="crm_ext_sales.group_sales_user",
        string="Interaction Count",
    )

    def _interaction_owner(self):
        """The record the interactions are filed under (self by default)."""
        return self

    def _compute_interaction_count(self):
        field = self._interaction_field
        owners = {record: record._interaction_owner() for record in self}
        counts = dict(
            self.env["crm_ext.interaction"]._read_group(
                [(field, "in", [owner.id for owner in owners.values()])],
                [field],
                ["__count"],
            )
        )
        for record, owner in owners.items():
            record.crm_ext_interaction_count = counts.get(owner, 0)

    def _interaction_values(self):
        """Partner and opportunity an interaction about this record is filed under."""
        self.ensure_one()
        return {"partner_id": self.id}

    def _interaction_company(self):
        self.ensure_one()
        company = self["company_id"] if "company_id" in self._fields else False
        return company or self.env.company

    def _log_message_interaction(self, message):
        """Logs an email or a message sent to the customer as an email interaction.

        Internal notes are not interactions. Runs as superuser: whoever posts (the
        mail gateway, a user without the sales groups) leaves a trace in the log.
        """
        self.ensure_one()
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        if message.message_type not in ("email", "comment") or message.subtype_id.id != comment:
            return self.env["crm_ext.interaction"]
        author = message.author_id.with_context(active_test=False)
        author_users = author.user_ids.filtered(lambda user: not user.share)
        values = self._interaction_values()
        if not values.get("partner_id") and not values.get("lead_id"):
            return self.env["crm_ext.interaction"]
        return (
            self.env["crm_ext.interaction"]
            .sudo()
            .create(
                {
                    **values,
                    "summary": message.subject or self.display_name,
                    "channel": "email",
                    "direction": "outbound" if author_users else "inbound",
                    "date": message.date or fields.Datetime.now(),
                    "note": message.body,
                    "message_id": message.id,
                    "user_id": (author_users[:1] or self.env.user).id,
                    "company_id": self._interaction_company().id,
                }
            )
        )

    def action_view_interactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_sales.crm_ext_interaction_action")
        action["domain"] = [(self._interaction_field, "=", self._interaction_owner().id)]
        action["context"] = {"default_%s" % self._interaction_field: self.id}
        return action
