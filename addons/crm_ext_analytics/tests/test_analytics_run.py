from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged, users

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestAnalyticsRun(CrmExtAnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.customers = env["res.partner"].create([{"name": "Good"}, {"name": "Refunded"}])
        product = env["product.product"].create({"name": "Widget", "list_price": 100})

        def move(move_type, partner, price):
            return {
                "move_type": move_type,
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": price, "tax_ids": []}
                    )
                ],
            }

        good, refunded = cls.customers
        moves = env["account.move"].create(
            [
                move("out_invoice", good, 300),
                move("out_invoice", good, 200),
                move("out_invoice", refunded, 100),
                move("out_refund", refunded, 100),
            ]
        )
        moves.action_post()
        # a draft invoice is not revenue
        env["account.move"].create([move("out_invoice", refunded, 999)])

    @users("crm_ext_analytics_manager")
    def test_run_reads_posted_invoices_net_of_refunds(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual(run.invoice_count, 4)
        self.assertEqual(run.customer_count, 2)
        self.assertTrue(run.date_end >= run.date_start)
        # by hand: Good 300 + 200 in two invoices; Refunded 100 invoiced, 100 credited; the
        # draft 999 is not revenue. A credit note is no purchase but lowers the net revenue.
        rows = self.env["crm_ext.customer.rfm"].search([("company_id", "=", self.company.id)])
        figures = {
            row.partner_id.name: (row.frequency, row.monetary, str(row.last_purchase_date)) for row in rows
        }
        self.assertEqual(figures, {"Good": (2, 500.0, "2026-01-15"), "Refunded": (1, 0.0, "2026-01-15")})
        # the segment sizes, "Champions: 1", before the basket and forecast lines
        segment_lines = [line for line in run.log.splitlines() if line.rsplit(": ", 1)[-1].isdigit()]
        sizes = [int(line.rsplit(": ", 1)[1]) for line in segment_lines]
        self.assertEqual(sum(sizes), 2)

    @users("crm_ext_analytics_manager")
    def test_company_without_invoices(self):
        empty = self.env["res.company"].sudo().create({"name": "Empty (test)"})
        self.env.user.sudo().company_ids = [Command.link(empty.id)]
        run = self.env["crm_ext.analytics.run"].create({"company_id": empty.id})
        run._execute()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.customer_count, 0)
        self.assertIn("nothing to score", run.log)
        # every stage says why it has nothing, none raises
        self.assertIn("Lifetime value: no customer with a purchase.", run.log)
        self.assertIn("Churn risk: no customer with a purchase.", run.log)
        self.assertEqual(run.stage_ids.mapped("key"), ["rfm", "basket", "forecast", "clv", "churn"])

    def test_degenerate_data_every_stage_says_why(self):
        """Only credit notes; one archived customer: the run finishes, each stage with its message."""
        for case in ("refunds only", "one archived customer"):
            with self.subTest(case=case):
                company = self.env["res.company"].create({"name": f"Degenerate {case} (test)"})
                self.env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
                env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
                partner = env["res.partner"].create({"name": f"Customer {case} (test)"})
                product = env["product.product"].create({"name": f"Item {case} (test)"})
                move_type = "out_refund" if case == "refunds only" else "out_invoice"
                self._post_customer_moves(company, product, [(partner, "2026-01-15", 80.0, move_type)])
                if case == "one archived customer":
                    partner.active = False
                run = env["crm_ext.analytics.run"].create({"company_id": company.id})
                run._execute()
                self.assertEqual(run.state, "done", run.log)
                if case == "refunds only":
                    self.assertIn("Lifetime value: no customer with a purchase.", run.log)
                    self.assertIn("Churn risk: no customer with a purchase.", run.log)
                else:
                    self.assertIn("Lifetime value, fallback", run.log)
                    self.assertIn("Churn risk, fallback", run.log)
                    row = self.env["crm_ext.customer.rfm"].search([("company_id", "=", company.id)])
                    self.assertEqual(row.partner_id, partner)
                    self.assertTrue(row.clv_predicted > 0 and 0 <= row.churn_probability <= 1)

    def test_failure_is_logged_not_raised(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        self.patch(type(run), "_read_rfm_summary", lambda self, partner_ids=None: 1 / 0)
        with self.assertLogs("odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run", "ERROR"):
            run._execute()
        self.assertEqual(run.state, "failed")
        self.assertIn("division by zero", run.log)

    @users("crm_ext_analytics_viewer")
    def test_viewer_cannot_start_a_run(self):
        with self.assertRaises(AccessError):
            self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})

    def test_runs_are_company_bound(self):
        other_run = self.env["crm_ext.analytics.run"].create(
            {"company_id": self.env.ref("base.main_company").id}
        )
        visible = self.env["crm_ext.analytics.run"].with_user(self.viewer).search([])
        self.assertNotIn(other_run, visible)


@tagged("post_install", "-at_install")
class TestRunProgress(CrmExtAnalyticsCase):
    def _committed_progress(self, run):
        """The progress line as another session sees it (a cursor of its own)."""
        with self.env.registry.cursor() as cr:
            cr.execute(
                "SELECT step, total, stage, company_ref FROM crm_ext_analytics_run_progress"
                " WHERE run_ref = %s",
                [run.id],
            )
            return cr.fetchone()

    def _forget_progress(self, run_id):
        with self.env.registry.cursor() as cr:
            cr.execute("DELETE FROM crm_ext_analytics_run_progress WHERE run_ref = %s", [run_id])

    def test_progress_is_committed_apart_while_running(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        self.addCleanup(self._forget_progress, run.id)  # committed outside the test's transaction
        seen = []
        original = type(run)._stage_forecast

        def watch(this):
            seen.append(self._committed_progress(this))
            return original(this)

        with patch.object(type(run), "_stage_forecast", watch):
            run._execute()
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual(
            seen, [(3, 5, "Revenue forecast", self.company.id)], "other sessions see the stage under way"
        )
        self.assertEqual(self._committed_progress(run), (5, 5, "Churn risk", self.company.id))
        # the run's own transaction deletes the line: gone for everyone once the run commits
        self.env.cr.execute(
            "SELECT COUNT(*) FROM crm_ext_analytics_run_progress WHERE run_ref = %s", [run.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        run.invalidate_recordset(["progress", "progress_percent"])
        self.assertEqual(
            (run.progress, run.progress_percent), (False, 100.0), "a finished run shows no stage"
        )

    def test_progress_shown_on_a_running_run(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        self.env["crm_ext.analytics.run.progress"].create(
            {
                "run_ref": run.id,
                "company_ref": self.company.id,
                "step": 2,
                "total": 5,
                "stage": "Market basket",
            }
        )
        run.write({"state": "running"})
        run.invalidate_recordset(["progress", "progress_percent"])
        self.assertEqual(run.progress, "Stage 2 of 5: Market basket")
        self.assertEqual(run.progress_percent, 20.0)

    def test_progress_lines_are_company_bound(self):
        """A progress line belongs to the run's company: analytics users of other companies do not see it."""
        other = self.env.ref("base.main_company")
        Progress = self.env["crm_ext.analytics.run.progress"]
        mine, theirs = Progress.create(
            [
                {"run_ref": 990001, "company_ref": self.company.id, "step": 1, "total": 5, "stage": "RFM"},
                {"run_ref": 990002, "company_ref": other.id, "step": 1, "total": 5, "stage": "RFM"},
            ]
        )
        self.assertEqual((mine.company_id, theirs.company_id), (self.company, other))
        seen = Progress.with_user(self.viewer).search([("run_ref", "in", [990001, 990002])])
        self.assertEqual(seen, mine)
        self.assertEqual(Progress.search([("run_ref", ">", 990000), ("company_id", "=", other.id)]), theirs)
        self.assertEqual(Progress.search([("run_ref", ">", 990000), ("company_id", "!=", other.id)]), mine)
