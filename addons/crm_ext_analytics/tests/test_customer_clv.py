from datetime import timedelta
from unittest.mock import patch

import numpy as np

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.crm_ext_analytics.engine.clv import customer_lifetime_value, summary_from_transactions
from odoo.addons.crm_ext_analytics.models import crm_ext_analytics_run_clv as clv_stage

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestCustomerClv(CrmExtAnalyticsCase):
    """The lifetime-value stage writes the engine's predictions and the margins onto the customers' rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.product = env["product.product"].create({"name": "Gadget (test)", "list_price": 100})
        cls.product.with_company(cls.company).standard_price = 60.0
        cls.today = fields.Date.context_today(env["crm_ext.analytics.run"])
        rng = np.random.default_rng(11)
        partners = env["res.partner"].create([{"name": f"CLV customer {i} (test)"} for i in range(40)])
        moves = []
        for i, partner in enumerate(partners):
            # a year of history: every customer buys first 30-360 days ago, some come back
            first = cls.today - timedelta(days=int(rng.integers(30, 360)))
            dates = [first]
            for _k in range(int(rng.poisson(2.0 if i % 3 else 0.3))):
                nxt = dates[-1] + timedelta(days=int(rng.integers(5, 60)))
                if nxt <= cls.today:
                    dates.append(nxt)
            moves += [(partner, day, float(rng.integers(50, 400)), "out_invoice") for day in dates]
        cls.partners = partners
        cls.moves = cls._post_customer_moves(cls.company, cls.product, moves)
        cls.Rfm = cls.env["crm_ext.customer.rfm"]

    def _run(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        return run

    def test_run_writes_the_engine_predictions(self):
        run = self._run()
        self.assertIn("BG/NBD", run.log)
        self.assertIn("clv", run.stage_ids.mapped("key"))
        days = run._read_purchase_days()
        expected, info = customer_lifetime_value(
            summary_from_transactions(days, self.today), horizon_weeks=52
        )
        self.assertEqual(info["method"], "bgnbd")
        expected = expected.set_index("partner_id")
        rows = self.Rfm.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(rows), 40)
        for row in rows:
            engine = expected.loc[row.partner_id.id]
            self.assertAlmostEqual(row.clv_predicted, round(engine["clv"], 2), places=2)
            self.assertAlmostEqual(row.clv_p_alive, round(engine["p_alive"], 4), places=4)
            self.assertAlmostEqual(
                row.clv_expected_purchases, round(engine["expected_purchases"], 3), places=3
            )
            self.assertTrue(1 <= row.clv_decile <= 10)
            # margin: invoiced minus 60 per unit sold
            invoiced = self.moves.filtered(lambda m, p=row.partner_id: m.partner_id == p)
            self.assertAlmostEqual(row.margin, sum(invoiced.mapped("amount_untaxed")) - 60.0 * len(invoiced))
        top = rows.sorted("clv_predicted")[-1]
        self.assertEqual(top.clv_decile, 10)
        # shown on the customer
        partner = top.partner_id.with_company(self.company).with_user(self.viewer)
        self.assertAlmostEqual(partner.crm_ext_rfm_clv_predicted, top.clv_predicted)

    def test_next_run_starts_from_the_fitted_parameters(self):
        """A run keeps the parameters it fitted (internal to the run); the company's next run
        fits from them and finds the same predictions as a fit from the fixed starting points."""
        first = self._run()
        params = first.sudo().clv_params
        self.assertEqual(set(params), {"r", "alpha", "a", "b", "p", "q", "v"})
        self.assertIn("r=%.3f" % params["r"], first.log)
        # not for a user without the settings right (the field is internal)
        self.assertNotIn("clv_params", first.with_user(self.viewer).fields_get())
        starts = []
        original = customer_lifetime_value

        def recorded(summary, *args, **kwargs):
            starts.append(kwargs.get("start"))
            return original(summary, *args, **kwargs)

        rows = [("company_id", "=", self.company.id)]
        before = {row.partner_id.id: row.clv_predicted for row in self.Rfm.search(rows)}
        with patch.object(clv_stage, "customer_lifetime_value", recorded):
            second = self._run()
        self.assertEqual(starts, [params])
        self.assertEqual(set(second.sudo().clv_params), set(params))
        after = {row.partner_id.id: row.clv_predicted for row in self.Rfm.search(rows)}
        self.assertEqual(set(after), set(before))
        for partner_id, value in before.items():
            self.assertAlmostEqual(after[partner_id], value, delta=max(0.01, abs(value) * 1e-3))
        # another company's run does not start from this company's parameters
        other = self.env["res.company"].create({"name": "Other analytics co (test)"})
        self.assertIsNone(
            self.env["crm_ext.analytics.run"].create({"company_id": other.id})._previous_kept("clv_params")
        )

    def test_credit_notes_lower_margin_and_value(self):
        partner = self.partners[1]
        self._run()
        before = self.Rfm.search([("partner_id", "=", partner.id)])
        margin, value = before.margin, before.clv_predicted
        self._post_customer_moves(self.company, self.product, [(partner, self.today, 100.0, "out_refund")])
        self._run()
        after = self.Rfm.search([("partner_id", "=", partner.id)])
        self.assertAlmostEqual(after.margin, margin - 100.0 + 60.0, msg="the refunded unit's cost comes back")
        self.assertLessEqual(after.clv_predicted, value)

    def test_too_little_history_falls_back_and_says_so(self):
        small = self.env["res.company"].create({"name": "Small shop (test)"})
        self.env["account.chart.template"].try_loading("generic_coa", small, install_demo=False)
        env = self.env(context=dict(self.env.context, allowed_company_ids=small.ids))
        buyer = env["res.partner"].create({"name": "Only buyer (test)"})
        product = env["product.product"].create({"name": "Thing (test)"})
        self._post_customer_moves(
            small, product, [(buyer, self.today - timedelta(days=70), 700.0, "out_invoice")]
        )
        run = env["crm_ext.analytics.run"].create({"company_id": small.id})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        self.assertIn("fallback", run.log)
        self.assertIn("too little history", run.log)
        row = self.Rfm.search([("company_id", "=", small.id)])
        self.assertAlmostEqual(row.clv_predicted, round(700.0 / 10 * 52, 2), places=2)

    def test_clv_segment_rule(self):
        self._run()
        rows = self.Rfm.search([("company_id", "=", self.company.id)])
        threshold = sorted(rows.mapped("clv_predicted"))[30]
        env = self.env(context=dict(self.env.context, allowed_company_ids=self.company.ids))
        segment = env["crm_ext.segment"].create(
            {
                "name": "Valuable (test)",
                "company_id": self.company.id,
                "partner_domain": "[]",
                "rule_ids": [
                    Command.create({"rule_type": "clv", "operator": "at_least", "amount": threshold})
                ],
            }
        )
        self.assertIn("Predicted 12-month value at least", segment.rule_ids.name)
        segment.action_refresh_members()
        expected = rows.filtered(lambda r: r.clv_predicted >= threshold).partner_id
        self.assertEqual(segment.member_ids & self.partners, expected)
        self.assertEqual(len(expected), 10)
