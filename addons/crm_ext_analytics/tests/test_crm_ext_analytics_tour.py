from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestAnalyticsTour(HttpCase):
    def test_run_tour(self):
        before = self.env["crm_ext.analytics.run"].search([])
        self.start_tour("/odoo", "crm_ext_analytics_tour", login="admin")
        new_run = self.env["crm_ext.analytics.run"].search([]) - before
        self.assertEqual(len(new_run), 1)
        # the button queued the run; the queue's cron runs it
        self.assertEqual(new_run.state, "queued")
        self.env["crm_ext.analytics.run"]._cron_process_queue()
        self.assertEqual(new_run.state, "done", new_run.log)
        self.assertEqual(new_run.user_id, self.env.ref("base.user_admin"))
        scores = self.env["crm_ext.customer.rfm"].search([("company_id", "=", new_run.company_id.id)])
        self.assertEqual(len(scores), new_run.customer_count)
        # the demo run scored the same invoices: unchanged rows keep the run that wrote them
        self.assertTrue(scores.run_id)
        self.assertLessEqual(scores.run_id, before | new_run)
