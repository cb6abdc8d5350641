from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestSalesFlow(CrmExtSalesCase):
    """Lead → opportunity → quotation → order → delivery → invoice → payment → credit note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {
                "name": "Ergo chair (test)",
                "type": "consu",
                "is_storable": True,
                "list_price": 100.0,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.product, warehouse.lot_stock_id, 10)
        cls.today = fields.Date.context_today(cls.env.user)
        # a customer of its own, with no history
        cls.customer = cls.env["res.partner"].create({"name": "Flow Co", "is_company": True})
        cls.contact = cls.env["res.partner"].create({"name": "Flo Contact", "parent_id": cls.customer.id})

    def assert360(self, **expected):
        for partner in (self.customer, self.contact):
            partner.invalidate_recordset()
            for field, value in expected.items():
                self.assertAlmostEqual(partner[field], value, 2, msg=f"{partner.name}: {field}")

    def test_whole_flow_links_and_figures(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Chairs for Azure",
                "type": "lead",
                "partner_id": self.contact.id,
                "expected_revenue": 500,
            }
        )
        self.assert360(crm_ext_open_opportunity_count=0)
        lead.convert_opportunity(self.contact)
        self.assert360(crm_ext_open_opportunity_count=1, crm_ext_open_pipeline_amount=500)

        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "opportunity_id": lead.id,
                "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 2})],
            }
        )
        self.assert360(crm_ext_customer_quotation_count=1, crm_ext_customer_order_count=0)
        order.action_confirm()
        self.assert360(
            crm_ext_customer_quotation_count=0,
            crm_ext_customer_order_count=1,
            crm_ext_pending_delivery_count=1,
        )
        picking = order.picking_ids
        self.assertEqual(picking.crm_ext_opportunity_id, lead)
        lead.invalidate_recordset()
        self.assertEqual(lead.crm_ext_delivery_count, 1)
        self.assertEqual(
            lead._origin.action_view_deliveries()["domain"][0], ("crm_ext_opportunity_id", "=", lead.id)
        )
        self.assertEqual(picking.action_view_opportunity()["res_id"], lead.id)

        picking.scheduled_date = fields.Datetime.now() - timedelta(days=2)
        self.assert360(crm_ext_late_delivery_count=1)
        picking.move_ids.quantity = 2
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assert360(crm_ext_pending_delivery_count=0, crm_ext_late_delivery_count=0)

        invoice = order._create_invoices()
        self.assertEqual(invoice.crm_ext_opportunity_id, lead, "the link propagates from the order")
        self.assertTrue(invoice.crm_ext_opportunity_from_orders)
        invoice.write({"invoice_date": self.today - timedelta(days=40), "invoice_payment_term_id": False})
        invoice.invoice_date_due = self.today - timedelta(days=40)
        invoice.action_post()
        lead.invalidate_recordset()
        self.assertEqual((lead.crm_ext_invoice_count, lead.crm_ext_credit_note_count), (1, 0))
        self.assertAlmostEqual(lead.crm_ext_invoiced_amount, 200.0)
        self.assert360(
            crm_ext_open_invoice_count=1,
            crm_ext_overdue_invoice_count=1,
            crm_ext_amount_due=200,
            crm_ext_amount_overdue=200,
        )

        report = self.env["account.invoice.report"]._read_group(
            [("crm_ext_opportunity_id", "=", lead.id)], ["crm_ext_opportunity_id"], ["price_subtotal:sum"]
        )
        self.assertEqual(report, [(lead, 200.0)])

        payments = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": self.today - timedelta(days=10)})
            ._create_payments()
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        lead.invalidate_recordset()
        self.assertEqual(lead.crm_ext_payment_count, 1)
        self.assertEqual(lead.action_view_payments()["domain"], [("id", "in", payments.ids)])
        self.assert360(
            crm_ext_open_invoice_count=0,
            crm_ext_amount_due=0,
            crm_ext_customer_payment_count=1,
            crm_ext_average_days_to_pay=30.0,
        )

        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "damaged chair"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.crm_ext_opportunity_id, lead, "a credit note keeps the link")
        credit_note.action_post()
        lead.invalidate_recordset()
        self.assertEqual((lead.crm_ext_invoice_count, lead.crm_ext_credit_note_count), (1, 1))
        self.assertAlmostEqual(lead.crm_ext_invoiced_amount, 0.0)
        action = lead.action_view_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), invoice | credit_note)
        self.assertEqual(invoice.action_view_opportunity()["res_id"], lead.id)


@tagged("post_install", "-at_install")
class TestInvoiceLink(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create({"name": "Service hour (test)", "list_price": 50})

    def _invoice(self, move_type="out_invoice", company=None, **vals):
        company = company or self.company
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": self.customer.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [Command.create({"product_id": self.product.id, "price_unit": 50})],
                    **vals,
                }
            )
        )

    def test_accountant_links_an_invoice_by_hand(self):
        invoice = self._invoice()
        self.assertFalse(invoice.crm_ext_opportunity_id)
        self.assertFalse(invoice.crm_ext_opportunity_from_orders)
        invoice.crm_ext_opportunity_id = self.opportunity
        invoice.action_post()
        self.assertEqual(invoice.crm_ext_opportunity_id, self.opportunity)
        groups = self.env["account.move"]._read_group(
            [("crm_ext_opportunity_id", "!=", False), ("id", "=", invoice.id)],
            ["crm_ext_opportunity_id"],
            ["__count"],
        )
        self.assertEqual(groups, [(self.opportunity, 1)])

    def test_opportunity_of_another_company_refused(self):
        foreign = self.env["crm.lead"].create(
            {"name": "Foreign deal", "type": "opportunity", "company_id": self.other_company.id}
        )
        with self.assertRaisesRegex(ValidationError, "belongs to"):
            self._invoice(crm_ext_opportunity_id=foreign.id)

    def test_vendor_bill_cannot_be_linked(self):
        with self.assertRaisesRegex(ValidationError, "Only customer invoices"):
            self._invoice(move_type="in_invoice", crm_ext_opportunity_id=self.opportunity.id)
