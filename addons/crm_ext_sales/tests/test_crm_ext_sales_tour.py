from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestSalesTour(HttpCase):
    def test_interaction_tour(self):
        interaction = self.env.ref("crm_ext_sales.crm_ext_interaction_1_demo")
        self.start_tour("/odoo", "crm_ext_sales_tour", login="admin")
        interaction.invalidate_recordset()
        self.assertEqual(interaction.summary, "Discovery call, edited by the tour")

    def test_sales_flow_tour(self):
        env = self.env
        customer = env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        product = env["product.product"].create(
            {"name": "Flow chair", "type": "consu", "list_price": 120.0, "invoice_policy": "order"}
        )
        lead = env["crm.lead"].create(
            {
                "name": "Tour deal",
                "type": "opportunity",
                "partner_id": customer.id,
                "crm_ext_opportunity_line_ids": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
            }
        )
        self.start_tour(
            f"/odoo/action-crm.crm_lead_action_pipeline/{lead.id}", "crm_ext_sales_flow_tour", login="admin"
        )
        order = lead.order_ids
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.picking_ids.crm_ext_opportunity_id, lead)
        invoices = env["account.move"].search([("crm_ext_opportunity_id", "=", lead.id)])
        self.assertEqual(sorted(invoices.mapped("move_type")), ["out_invoice", "out_refund"])
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        invoice = invoices.filtered(lambda m: m.move_type == "out_invoice")
        self.assertIn(invoice.payment_state, ("paid", "in_payment", "reversed"))
        lead.invalidate_recordset()
        self.assertEqual(
            (lead.crm_ext_invoice_count, lead.crm_ext_credit_note_count, lead.crm_ext_payment_count),
            (1, 1, 1),
        )
