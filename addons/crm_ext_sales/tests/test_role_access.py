"""What each role may do with the data crm_ext_sales adds (issue 13): the credit override
needs a manager, portal users read none of the internal fields, exports never carry formulas."""

import io
import json

import openpyxl

from odoo import http
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestCreditOverrideAccess(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.account_use_credit_limit = True
        cls.company.crm_ext_credit_control_policy = "block"
        cls.customer.credit_limit = 100.0
        cls.product = cls.env["product.product"].create(
            {"name": "Cabinet (test)", "list_price": 150.0, "taxes_id": [Command.clear()]}
        )

    def _order(self, user):
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": self.contact.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
        )

    def _override_messages(self, order):
        return order.sudo().message_ids.filtered(lambda m: "over the credit limit" in (m.body or ""))

    def test_salesman_cannot_override_through_the_context(self):
        order = self._order(self.sales_user)
        with self.assertRaises(AccessError):
            order.with_context(crm_ext_credit_override=True).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._override_messages(order))

    def test_manager_override_through_the_context_is_logged(self):
        order = self._order(self.sales_manager)
        order.with_context(crm_ext_credit_override=True).action_confirm()
        self.assertEqual(order.state, "sale")
        message = self._override_messages(order)
        self.assertEqual(len(message), 1, "one trace per override")
        self.assertIn(self.sales_manager.name, message.body)
        self.assertRegex(message.body, r"\$(\s|&nbsp;)?150\.00")
        self.assertRegex(message.body, r"\$(\s|&nbsp;)?100\.00")

    def test_override_button_logs_once(self):
        order = self._order(self.sales_manager)
        order.action_confirm_over_credit_limit()
        self.assertEqual(order.state, "sale")
        self.assertEqual(len(self._override_messages(order)), 1)

    def test_orders_within_the_limit_log_nothing(self):
        self.customer.credit_limit = 1000.0
        order = self._order(self.sales_manager)
        order.with_context(crm_ext_credit_override=True).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._override_messages(order))


@tagged("post_install", "-at_install")
class TestPortalInternalFields(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="crm_ext_portal_fields", groups="base.group_portal")
        cls.customer = cls.portal.partner_id
        product = cls.env["product.product"].create({"name": "Lamp (test)", "list_price": 20.0})
        cls.opportunity = cls.env["crm.lead"].create(
            {"name": "Secret deal name (test)", "type": "opportunity", "partner_id": cls.customer.id}
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "opportunity_id": cls.opportunity.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        cls.order.action_confirm()
        cls.invoice = cls.order._create_invoices()
        cls.invoice.action_post()
        cls.order.message_subscribe(cls.customer.ids)
        cls.invoice.message_subscribe(cls.customer.ids)

    def test_portal_reads_no_internal_field(self):
        internal = {
            "sale.order": (
                self.order,
                [
                    "crm_ext_credit_limit_exceeded",
                    "crm_ext_customer_credit_used",
                    "crm_ext_customer_credit_limit",
                    "crm_ext_customer_amount_overdue",
                ],
            ),  # fmt: skip
            "account.move": (self.invoice, ["crm_ext_opportunity_id", "crm_ext_opportunity_from_orders"]),
            "res.partner": (
                self.customer,
                ["crm_ext_interaction_ids", "crm_ext_amount_due", "crm_ext_amount_overdue"],
            ),
        }
        for model, (record, field_names) in internal.items():
            mine = record.with_user(self.portal)
            mine.check_access("read")  # the portal user may read the document itself
            for field_name in field_names:
                with self.subTest(model=model, field=field_name), self.assertRaises(AccessError):
                    mine.invalidate_recordset()
                    mine.read([field_name])
        with self.assertRaises(AccessError):  # leads carry no portal access at all
            self.opportunity.with_user(self.portal).read(["name"])
        self.assertNotIn("crm_ext_opportunity_id", self.invoice.with_user(self.portal).fields_get())
        self.assertNotIn("crm_ext_customer_credit_used", self.order.with_user(self.portal).fields_get())

    def test_portal_pages_still_render(self):
        self.authenticate(self.portal.login, self.portal.login)
        for url in (
            f"/my/orders/{self.order.id}",
            f"/my/invoices/{self.invoice.id}",
            "/my/orders",
            "/my/invoices",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("Secret deal name", response.text)


@tagged("post_install", "-at_install")
class TestExportWithoutFormulas(HttpCase):
    def test_xlsx_export_keeps_formula_text_as_text(self):
        formula = '=HYPERLINK("http://evil.example.com","click")'
        partner = self.env["res.partner"].create({"name": formula, "street": "+1+2", "city": "@SUM(1)"})
        interaction = self.env["crm_ext.interaction"].create(
            {"summary": "-2+3", "partner_id": partner.id, "channel": "phone", "direction": "inbound"}
        )
        self.authenticate("admin", "admin")
        for model, record, field_names in (
            ("res.partner", partner, ["name", "street", "city"]),
            ("crm_ext.interaction", interaction, ["summary", "partner_id"]),
        ):
            data = {
                "model": model,
                "fields": [{"name": name, "label": name} for name in field_names],
                "ids": record.ids,
                "domain": [],
                "groupby": [],
                "context": {},
                "import_compat": False,
            }
            response = self.url_open(
                "/web/export/xlsx",
                data={"data": json.dumps(data), "csrf_token": http.Request.csrf_token(self)},
            )
            self.assertEqual(response.status_code, 200, response.text[:500])
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
            self.assertTrue(cells)
            for cell in cells:
                with self.subTest(model=model, value=cell.value):
                    self.assertEqual(cell.data_type, "s", "a string cell, never a formula")
            values = [cell.value for cell in cells]
            expected = [formula, "+1+2", "@SUM(1)"] if model == "res.partner" else ["-2+3", formula]
            self.assertEqual(values, expected, "the text is kept as typed")
