from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

# who may confirm an order the credit policy blocks
CREDIT_OVERRIDE_GROUP = "sales_team.group_sale_manager"
SALESMAN = "sales_team.group_sale_salesman"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # credit control is for the sales team: portal customers never read it over RPC
    crm_ext_credit_limit_exceeded = fields.Boolean(
        string="Credit Limit Exceeded",
        compute="_compute_credit_control",
        groups=SALESMAN,
        help="Confirming this order would take the customer over its credit limit.",
    )
    crm_ext_customer_credit_used = fields.Monetary(
        string="Customer Credit Used",
        compute="_compute_credit_control",
        currency_field="crm_ext_company_currency_id",
        groups=SALESMAN,
        help="Open receivables, plus orders not yet invoiced, plus this order, in company currency.",
    )
    crm_ext_customer_credit_limit = fields.Monetary(
        string="Customer Credit Limit",
        compute="_compute_credit_control",
        currency_field="crm_ext_company_currency_id",
        groups=SALESMAN,
    )
    crm_ext_customer_amount_overdue = fields.Monetary(
        string="Customer Amount Overdue",
        compute="_compute_credit_control",
        currency_field="crm_ext_company_currency_id",
        groups=SALESMAN,
    )
    crm_ext_company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")

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
            order.crm_ext_customer_credit_used = used
            order.crm_ext_customer_credit_limit = limit
            order.crm_ext_customer_amount_overdue = customer.crm_ext_amount_overdue if customer.id else 0.0
            order.crm_ext_credit_limit_exceeded = bool(limit) and used > limit

    def _credit_blocked(self):
        # read as superuser: whoever confirms (a portal customer signing, an accountant) is
        # held to the credit policy, whether or not they may see the figures; the policy
        # first: under "warn" the figures are not even computed
        blocked = self.sudo().filtered(
            lambda o: (
                o.company_id.crm_ext_credit_control_policy == "block" and o.crm_ext_credit_limit_exceeded
            )
        )
        return self.browse(blocked.ids)

    def action_confirm(self):
        blocked = self._credit_blocked()
        if blocked and self.env.context.get("crm_ext_credit_override"):
            # the context only asks for the override: the user's group grants it
            if not self.env.user.has_group(CREDIT_OVERRIDE_GROUP):
                raise AccessError(
                    _("Only a Sales Manager can confirm an order over the customer's credit limit.")
                )
            blocked._log_credit_override()
        elif blocked:
            order = blocked[0]
            currency = order.crm_ext_company_currency_id
            raise UserError(
                _(
                    "%(order)s cannot be confirmed: %(customer)s would owe %(used)s, over its credit "
                    "limit of %(limit)s (%(overdue)s overdue). A Sales Manager can confirm it anyway.",
                    order=order.name,
                    customer=order.partner_id.commercial_partner_id.name,
                    used=format_amount(self.env, order.crm_ext_customer_credit_used, currency),
                    limit=format_amount(self.env, order.crm_ext_customer_credit_limit, currency),
                    overdue=format_amount(self.env, order.crm_ext_customer_amount_overdue, currency),
                )
            )
        return super().action_confirm()

    def _log_credit_override(self):
        """The chatter trace of a confirmation over the credit limit: who, what is owed, the limit."""
        for order in self:
            currency = order.crm_ext_company_currency_id
            order.message_post(
                body=_(
                    "Confirmed over the credit limit by %(user)s: %(used)s owed for a limit of %(limit)s.",
                    user=self.env.user.name,
                    used=format_amount(self.env, order.crm_ext_customer_credit_used, currency),
                    limit=format_amount(self.env, order.crm_ext_customer_credit_limit, currency),
                )
            )

    def action_confirm_over_credit_limit(self):
        """Sales Managers confirm despite the credit limit; ``action_confirm`` checks the group and
        logs the override in the chatter."""
        if not self.env.user.has_group(CREDIT_OVERRIDE_GROUP):
            raise UserError(_("Only a Sales Manager can confirm an order over the customer's credit limit."))
        return self.with_context(crm_ext_credit_override=True).action_confirm()
