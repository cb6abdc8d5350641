from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestCreditControl(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.account_use_credit_limit = True
        cls.customer.credit_limit = 100.0
        cls.product = cls.env["product.product"].create(
            {"name": "Desk (test)", "list_price": 150.0, "taxes_id": [Command.clear()]}
        )

    def _order(self, user=None):
        return (
            self.env["sale.order"]
            .with_user(user or self.env.user)
            .create(
                {
                    "partner_id": self.contact.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        )

    def test_block_policy_refuses_with_the_amounts(self):
        self.company.crm_ext_credit_control_policy = "block"
        order = self._order(self.sales_user)
        self.assertTrue(order.crm_ext_credit_limit_exceeded)
        self.assertEqual(order.crm_ext_customer_credit_used, 150.0)
        self.assertEqual(order.crm_ext_customer_credit_limit, 100.0)
        with self.assertRaisesRegex(
            UserError, r"would owe \$\s?150\.00, over its credit limit of \$\s?100\.00"
        ):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        with self.assertRaisesRegex(UserError, "Only a Sales Manager"):
            order.action_confirm_over_credit_limit()
        self.assertEqual(order.state, "draft")

    def test_manager_override_is_logged(self):
        self.company.crm_ext_credit_control_policy = "block"
        order = self._order(self.sales_manager)
        order.action_confirm_over_credit_limit()
        self.assertEqual(order.state, "sale")
        bodies = "".join(order.message_ids.mapped("body"))
        self.assertIn(f"Confirmed over the credit limit by {self.sales_manager.name}", bodies)

    def test_warn_policy_confirms(self):
        self.company.crm_ext_credit_control_policy = "warn"
        order = self._order(self.sales_user)
        self.assertTrue(order.crm_ext_credit_limit_exceeded)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_odoo_credit_figures_stay_odoo_s(self):
        """Our credit control reads Odoo's credit figures of the customer before confirming;
        Odoo's own figures read afterwards are Odoo's, not a value cached before the
        confirmation (issue 14: Odoo's test_commercial_partner_credit)."""
        self.customer.credit_limit = 10000.0
        for policy in ("warn", "block"):
            self.company.crm_ext_credit_control_policy = policy
            order = self._order(self.sales_user)
            order.action_confirm()
            self.assertEqual(self.customer.credit_to_invoice, 150.0, policy)
            order._action_cancel()
            # Odoo's figure has no dependencies: a test reading it again must invalidate it
            self.customer.invalidate_recordset(["credit_to_invoice"])

    def test_within_limit_or_without_limit(self):
        self.company.crm_ext_credit_control_policy = "block"
        self.customer.credit_limit = 1000.0
        order = self._order(self.sales_user)
        self.assertFalse(order.crm_ext_credit_limit_exceeded)
        order.action_confirm()
        self.company.account_use_credit_limit = False
        self.customer.credit_limit = 1.0
        self.assertFalse(self._order(self.sales_user).crm_ext_credit_limit_exceeded)
