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

    interaction_count = fields.Integer(
        compute="_compute_interaction_count", groups="crm_ext_sales.group_sales_user"
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
            record.interaction_count = counts.get(owner, 0)

    def action_view_interactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_sales.crm_ext_interaction_action")
        action["domain"] = [(self._interaction_field, "=", self._interaction_owner().id)]
        action["context"] = {"default_%s" % self._interaction_field: self.id}
        return action
