from odoo.tests import tagged, users, warmup

from .common import CrmExtSalesCase

FIGURES = [
    "crm_ext_open_opportunity_count",
    "crm_ext_open_pipeline_amount",
    "crm_ext_customer_quotation_count",
    "crm_ext_customer_order_count",
    "crm_ext_pending_delivery_count",
    "crm_ext_late_delivery_count",
    "crm_ext_open_invoice_count",
    "crm_ext_overdue_invoice_count",
    "crm_ext_amount_due",
    "crm_ext_amount_overdue",
    "crm_ext_customer_payment_count",
    "crm_ext_average_days_to_pay",
    "crm_ext_last_interaction_date",
]


@tagged("post_install", "-at_install")
class TestCustomer360(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Customer {i}", "is_company": True} for i in range(80)]
        )
        cls.env["crm.lead"].create(
            [
                {
                    "name": f"Deal {i}",
                    "type": "opportunity",
                    "partner_id": p.id,
                    "expected_revenue": 10 * i,
                    "user_id": cls.sales_user.id,
                }
                for i, p in enumerate(cls.partners[:40])
            ]
        )
        cls.env["crm_ext.interaction"].create(
            [{"summary": "Call", "partner_id": p.id, "user_id": cls.sales_user.id} for p in cls.partners[::2]]
        )

    @users("crm_ext_sales_user")
    @warmup
    def test_figures_for_a_list_cost_a_fixed_number_of_queries(self):
        # the same number of queries for 20 partners as for 80: one per source, not per partner
        # (14: the sales history before Odoo is one more source)
        self.env.invalidate_all()
        with self.assertQueryCount(crm_ext_sales_user=14):
            self.partners[:20].with_env(self.env).read(FIGURES)
        self.env.invalidate_all()
        with self.assertQueryCount(crm_ext_sales_user=14):
            rows = self.partners.with_env(self.env).read(FIGURES)
        self.assertEqual([row["crm_ext_open_opportunity_count"] for row in rows], [1] * 40 + [0] * 40)
        self.assertEqual(rows[3]["crm_ext_open_pipeline_amount"], 30.0)
        self.assertTrue(rows[0]["crm_ext_last_interaction_date"])
        self.assertFalse(rows[1]["crm_ext_last_interaction_date"])

    def test_extension_point_adds_figures(self):
        with_deal, without_deal = self.partners[39:41]
        values = (with_deal | without_deal)._customer_360_values()
        self.assertEqual(values[with_deal.id]["crm_ext_open_opportunity_count"], 1)
        self.assertEqual(values[without_deal.id].get("crm_ext_open_opportunity_count", 0), 0)
        action = self.partners[1].with_context(customer_360="opportunities").action_view_customer_360()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]).partner_id, self.partners[1])
        self.assertFalse(self.partners[1].with_context(customer_360="nonsense").action_view_customer_360())

    def test_plain_employee_sees_no_figures(self):
        fields_seen = self.env["res.partner"].with_user(self.plain_user).fields_get()
        self.assertNotIn("crm_ext_amount_due", fields_seen)
