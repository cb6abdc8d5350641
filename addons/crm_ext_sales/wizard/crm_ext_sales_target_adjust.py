from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class CrmExtSalesTargetAdjust(models.TransientModel):
    _name = "crm_ext.sales.target.adjust"
    _description = "Adjust a Sales Target"

    target_id = fields.Many2one("crm_ext.sales.target", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="target_id.currency_id")
    amount = fields.Monetary(string="New Target", required=True)
    reason = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("crm_ext_sales.group_sales_manager"):
            raise UserError(_("Only a Sales Manager can adjust a target."))
        if self.amount < 0:
            raise UserError(_("A sales target cannot be negative."))
        if not (self.reason or "").strip():
            raise UserError(_("Give the reason for the adjustment."))
        target = self.target_id
        old = target.amount
        target.amount = self.amount
        target.message_post(
            body=_(
                "Target adjusted from %(old)s to %(new)s by %(user)s: %(reason)s",
                old=format_amount(self.env, old, target.currency_id),
                new=format_amount(self.env, self.amount, target.currency_id),
                user=self.env.user.name,
                reason=self.reason,
            )
        )
        return {"type": "ir.actions.act_window_close"}
