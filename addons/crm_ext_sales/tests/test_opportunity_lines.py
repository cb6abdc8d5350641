from psycopg2.errors import CheckViolation

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestOpportunityLines(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 10 (test)", "amount": 10, "type_tax_use": "sale"}
        )
        cls.chair = cls.env["product.product"].create(
            {
                "name": "Chair (test)",
                "type": "consu",
                "is_storable": True,
                "list_price": 100.0,
                "standard_price": 60.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.chair, cls.warehouse.lot_stock_id, 5)
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Azure prices (test)",
                "item_ids": [
                    Command.create(
                        {"applied_on": "0_product_variant", "product_id": cls.chair.id, "fixed_price": 80.0}
                    )
                ],
            }
        )
        cls.customer.property_product_pricelist = cls.pricelist

    def test_lines_prices_margin_stock_and_revenue(self):
        lead = self.opportunity
        with Form(lead) as form:
            with form.crm_ext_opportunity_line_ids.new() as line:
                line.product_id = self.chair
                line.product_uom_qty = 3
                line.discount = 10
        line = lead.crm_ext_opportunity_line_ids
        self.assertEqual(line.price_unit, 80.0, "the customer's pricelist")
        self.assertEqual(line.tax_ids, self.tax)
        self.assertAlmostEqual(line.price_subtotal, 216.0)
        self.assertAlmostEqual(line.price_total, 237.6)
        self.assertAlmostEqual(line.margin, 216.0 - 3 * 60.0)
        self.assertEqual((line.qty_on_hand, line.qty_forecast), (5.0, 5.0))
        self.assertFalse(line.availability_warning)
        self.assertEqual(lead.expected_revenue, 216.0, "expected revenue follows the lines")

        line.product_uom_qty = 8
        self.assertIn("Only 5.0 forecast", line.availability_warning)
        self.assertAlmostEqual(lead.expected_revenue, 576.0)

        lead.expected_revenue = 1000.0
        self.assertFalse(lead.crm_ext_revenue_from_lines, "a revenue typed by hand wins")
        line.product_uom_qty = 1
        self.assertEqual(lead.expected_revenue, 1000.0)
        lead.crm_ext_revenue_from_lines = True
        self.assertAlmostEqual(lead.expected_revenue, 72.0)

    def test_quotation_from_lines(self):
        lead = self.opportunity
        self.env["crm_ext.opportunity.line"].create(
            {"lead_id": lead.id, "product_id": self.chair.id, "product_uom_qty": 2, "discount": 5}
        )
        action = lead.action_create_quotation_from_lines()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.opportunity_id, lead)
        self.assertEqual(order.partner_id, self.contact)
        self.assertEqual(order.pricelist_id, self.pricelist)
        self.assertEqual(
            [
                (ol.product_id, ol.product_uom_qty, ol.discount, ol.price_unit, ol.tax_id)
                for ol in order.order_line
            ],
            [(self.chair, 2.0, 5.0, 80.0, self.tax)],
        )
        self.assertEqual(lead.quotation_count, 1)

    def test_bad_input(self):
        lead = self.opportunity
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation), self.env.cr.savepoint():
            self.env["crm_ext.opportunity.line"].create(
                {"lead_id": lead.id, "product_id": self.chair.id, "product_uom_qty": -1}
            )
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation), self.env.cr.savepoint():
            self.env["crm_ext.opportunity.line"].create(
                {"lead_id": lead.id, "product_id": self.chair.id, "discount": 150}
            )
        with self.assertRaisesRegex(UserError, "no product lines"):
            lead.action_create_quotation_from_lines()
        lead.crm_ext_opportunity_line_ids = [Command.create({"product_id": self.chair.id})]
        lead.partner_id = False
        with self.assertRaisesRegex(UserError, "Set the customer"):
            lead.action_create_quotation_from_lines()
