from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_limit_exceeded = fields.Boolean(
        compute="_compute_credit_control",
        help="Confirming this order would take the customer over its credit limit.",
    )
    customer_credit_used = fields.Monetary(
        compute="_compute_credit_control",
        currency_field="company_currency_id",
        help="Open receivables, plus orders not yet invoiced, plus this order, in company currency.",
    )
    customer_credit_limit = fields.Monetary(
        compute="_compute_credit_control", currency_field="company_currency_id"
    )
    customer_amount_overdue = fields.Monetary(
        compute="_compute_credit_control", currency_field="company_currency_id"
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")

    @api.depends("company_id", "partner_id", "amount_total", "state")
    def _compute_credit_control(self):
        for order in self:
            customer = order.partner_id.commercial_partner_id.with_company(order.company_id).sudo()
            limit = customer.credit_limit if order.company_id.account_use_credit_limit else 0.0
            used = customer.credit + customer.credit_to_invoice
            # Odoo's credit figures have no dependencies: a value cached here (before the order
            # is confirmed, say) would be what Odoo reads for the rest of the transaction
            customer.invalidate_model(["credit", "credit_to_invoice"], flush=False)
            if order.state in ("draft", "sent"):
                used += order.amount_total / (order.currency_rate or 1.0)
            order.customer_credit_used = used
            order.customer_credit_limit = limit
            order.customer_amount_overdue = customer.amount_overdue if customer.id else 0.0
            order.credit_limit_exceeded = bool(limit) and used > limit

    def _credit_blocked(self):
        # the policy first: under "warn" the figures are not even computed
        return self.filtered(
            lambda o: o.company_id.credit_control_policy == "block" and o.credit_limit_exceeded
        )

    def action_confirm(self):
        blocked = self._credit_blocked()
        if blocked and not self.env.context.get("crm_ext_credit_override"):
            order = blocked[0]
            currency = order.company_currency_id
            raise UserError(
                _(
                    "%(order)s cannot be confirmed: %(customer)s would owe %(used)s, over its credit "
                    "limit of %(limit)s (%(overdue)s overdue). A Sales Manager can confirm it anyway.",
                    order=order.name,
                    customer=order.partner_id.commercial_partner_id.name,
                    used=format_amount(self.env, order.customer_credit_used, currency),
                    limit=format_amount(self.env, order.customer_credit_limit, currency),
                    overdue=format_amount(self.env, order.customer_amount_overdue, currency),
                )
            )
        return super().action_confirm()

    def action_confirm_over_credit_limit(self):
        """Sales Managers confirm despite the credit limit; the chatter keeps the trace."""
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise UserError(_("Only a Sales Manager can confirm an order over the customer's credit limit."))
        for order in self._credit_blocked():
            currency = order.company_currency_id
            order.message_post(
                body=_(
                    "Confirmed over the credit limit by %(user)s: %(used)s owed for a limit of %(limit)s.",
                    user=self.env.user.name,
                    used=format_amount(self.env, order.customer_credit_used, currency),
                    limit=format_amount(self.env, order.customer_credit_limit, currency),
                )
            )
        return self.with_context(crm_ext_credit_override=True).action_confirm()
