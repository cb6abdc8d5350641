from odoo.tests import HttpCase, tagged

from odoo.addons.crm_ext_analytics.models.crm_ext_customer_rfm import SEGMENT_SELECTION

from .common import forget_progress_after


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestDemoHistory(HttpCase):
    """The demo history (off in the test database, on with ``make run``): the demo profile,
    generated in the test's transaction, gives every analysis something to show."""

    @classmethod
    def setUpClass(cls):
        # registered first, so run last: after the rollback of the class's transaction
        cls.addClassCleanup(lambda: forget_progress_after(cls.registry, cls._last_progress_id))
        super().setUpClass()
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_ext_analytics_run_progress")
        cls._last_progress_id = cls.env.cr.fetchone()[0]
        Run = cls.env["crm_ext.analytics.run"]
        cls.main = cls.env.company
        cls.summary = Run._generate_demo_history(force=True)
        cls.demo_run = Run.create({"company_id": cls.main.id})
        cls.demo_run._execute()

    def test_demo_history_fills_every_analysis(self):
        Run, main, summary, run = self.env["crm_ext.analytics.run"], self.main, self.summary, self.demo_run
        self.assertGreaterEqual(len(summary["customer_ids"]), 300)
        for key in ("refund_ids", "payment_ids", "ticket_ids", "trace_ids"):
            self.assertTrue(len(summary[key]), key)
        second = self.env["res.company"].browse(summary["company_ids"]) - main
        self.assertEqual(second.name, "YourCompany Europe")
        # the second company's run was made by the demo history itself
        self.assertEqual(Run.search([("company_id", "=", second.id)], order="id desc", limit=1).state, "done")

        self.assertEqual(run.state, "done", run.log)
        rfm = self.env["crm_ext.customer.rfm"].search([("company_id", "=", main.id)])
        self.assertEqual(set(rfm.mapped("segment")), {key for key, _label in SEGMENT_SELECTION})
        self.assertGreater(len(rfm.filtered(lambda row: row.clv_predicted > 0)), 100)
        self.assertTrue(rfm.filtered(lambda row: row.churn_risk == "high" and row.churn_reasons))

        forecast = self.env["crm_ext.revenue.forecast"].search(
            [("company_id", "=", main.id), ("team_id", "=", False), ("is_forecast", "=", True)]
        )
        self.assertGreaterEqual(len(forecast), 12)
        self.assertTrue(all(row.lower_80 <= row.forecast <= row.upper_80 for row in forecast))
        self.assertIn("backtest MAPE", run.log)

        cohorts = self.env["crm_ext.cohort.report"].search([("company_id", "=", main.id)])
        self.assertGreaterEqual(len(set(cohorts.mapped("cohort_month"))), 12)

        self.assertTrue(self.env["crm_ext.product.rule"].search_count([("company_id", "=", main.id)]))
        # next best offers for customers with an open quotation
        quoted = (
            self.env["sale.order"]
            .search([("company_id", "=", main.id), ("state", "in", ("draft", "sent"))])
            .partner_id.commercial_partner_id
        )
        offers = self.env["crm_ext.customer.offer"].search([("company_id", "=", main.id)])
        self.assertTrue(offers.partner_id & quoted)

    def test_every_analytics_screen_has_content(self):
        self.start_tour("/odoo", "crm_ext_analytics_screens_tour", login="admin")
