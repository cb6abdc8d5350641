import functools
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import format_amount

from odoo.addons.crm_ext_analytics.engine import churn
from odoo.addons.crm_ext_analytics.models import crm_ext_analytics_run_churn

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestCustomerChurn(CrmExtAnalyticsCase):
    """The churn stage reads the company's history, writes probabilities and reasons in words."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.product = cls.cenv["product.product"].create({"name": "Refill (test)", "list_price": 40})
        cls.today = fields.Date.context_today(cls.cenv["crm_ext.analytics.run"])
        Partner = cls.cenv["res.partner"]
        cls.loyal = Partner.create([{"name": f"Loyal {i} (test)"} for i in range(10)])
        cls.leaving = Partner.create([{"name": f"Leaving {i} (test)"} for i in range(10)])
        moves = []
        for i, partner in enumerate(cls.loyal):
            moves += [
                (partner, cls.today - timedelta(days=d), 40.0, "out_invoice") for d in range(2 + i, 400, 30)
            ]
        for i, partner in enumerate(cls.leaving):
            stop = 110 + 14 * i  # stopped buying 110 to 236 days ago
            moves += [
                (partner, cls.today - timedelta(days=d), 40.0, "out_invoice") for d in range(stop, 400, 30)
            ]
        cls._post_customer_moves(cls.company, cls.product, moves)
        cls.Rfm = cls.env["crm_ext.customer.rfm"]

    def _run(self, company=None):
        run = self.env["crm_ext.analytics.run"].create({"company_id": (company or self.company).id})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        return run

    def _rows(self, partners):
        return {row.partner_id: row for row in self.Rfm.search([("partner_id", "in", partners.ids)])}

    def test_model_trained_on_history_with_auc_in_the_log(self):
        small_thresholds = functools.partial(churn.churn_risk, min_customers=10, min_per_class=3)
        with patch.object(crm_ext_analytics_run_churn, "churn_risk", small_thresholds):
            run = self._run()
        self.assertIn("Churn risk (model)", run.log)
        self.assertIn("AUC", run.log)
        self.assertGreater(run.churn_auc, 0.8, run.log)
        rows = self._rows(self.loyal | self.leaving)
        loyal = [rows[p].churn_probability for p in self.loyal]
        leaving = [rows[p].churn_probability for p in self.leaving]
        self.assertGreater(min(leaving), max(loyal))
        gone = rows[self.leaving[-1]]
        self.assertEqual(gone.churn_risk, "high")
        self.assertIn("no purchase for", gone.churn_reasons)
        self.assertEqual(rows[self.loyal[0]].churn_risk, "low")
        # on the customer's form
        partner = self.leaving[-1].with_user(self.viewer).with_company(self.company)
        self.assertAlmostEqual(partner.crm_ext_rfm_churn_probability, gone.churn_probability)
        self.assertEqual(partner.crm_ext_rfm_churn_reasons, gone.churn_reasons)

    def test_too_little_history_uses_the_rules_with_reasons_in_words(self):
        small = self.env["res.company"].create({"name": "Corner shop (test)"})
        self.env["account.chart.template"].try_loading("generic_coa", small, install_demo=False)
        env = self.env(context=dict(self.env.context, allowed_company_ids=small.ids))
        buyer = env["res.partner"].create({"name": "Unhappy buyer (test)"})
        happy = env["res.partner"].create({"name": "Happy buyer (test)"})
        product = env["product.product"].create({"name": "Bolt (test)"})
        # an old purchase left unpaid (due long ago), a complaint, and a happy regular customer
        self._post_customer_moves(
            small,
            product,
            [
                (happy, self.today - timedelta(days=40), 50.0, "out_invoice"),
                (happy, self.today - timedelta(days=10), 50.0, "out_invoice"),
            ],
        )
        unpaid = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": buyer.id,
                "company_id": small.id,
                "invoice_date": self.today - timedelta(days=200),
                "invoice_date_due": self.today - timedelta(days=170),
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "price_unit": 300.0, "tax_ids": []})
                ],
            }
        )
        unpaid.action_post()
        env["crm_ext.ticket"].create(
            {"name": "Broken bolt (test)", "partner_id": buyer.id, "company_id": small.id}
        )
        run = self._run(small)
        self.assertIn("Churn risk, fallback", run.log)
        self.assertIn("too little history", run.log)
        self.assertFalse(run.churn_auc)
        rows = self._rows(buyer | happy)
        unhappy = rows[buyer]
        self.assertEqual(unhappy.churn_risk, "high")
        self.assertIn("no purchase for 200 days", unhappy.churn_reasons)
        self.assertIn("an invoice overdue for 170 days", unhappy.churn_reasons)
        self.assertIn("1 complaints this year", unhappy.churn_reasons)
        self.assertLess(rows[happy].churn_probability, unhappy.churn_probability)

    def test_reason_sentences_in_words_with_each_customer_figures(self):
        """The sentences of every kind of reason, joined with "; " over the slots that have one
        (as a join of the non-empty ones), each with its own customer's figure."""
        import pandas as pd

        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        frame = pd.DataFrame(
            {
                "reason_1": ["recency_days", "overdue_amount", None, "engagement", "complaints"],
                "reason_2": ["frequency", None, "returns", None, "days_since_interaction"],
                "reason_3": ["overdue_days", None, "sla_breaches", "spend_trend", None],
                "recency_days": [200.0, 5.0, 1.0, 3.0, 4.0],
                "frequency": [2.0, 1.0, 1.0, 1.0, 1.0],
                "overdue_days": [31.0, 0.0, 0.0, 0.0, 0.0],
                "overdue_amount": [0.0, 1234.5, 0.0, 0.0, 0.0],
                "complaints": [0.0, 0.0, 0.0, 0.0, 7.0],
                "returns": [0.0, 0.0, 3.0, 0.0, 0.0],
                "sla_breaches": [0.0, 0.0, 12.0, 0.0, 0.0],
                "days_since_interaction": [0.0, 0.0, 0.0, 0.0, 999.0],
            }
        )
        templates = run._churn_reason_templates()
        amount = format_amount(self.env, 1234.5, run.company_id.currency_id)
        self.assertEqual(
            run._churn_reason_texts(frame, templates),
            [
                "no purchase for 200 days; only 2 purchases; an invoice overdue for 31 days",
                f"{amount} overdue",
                "3 returns this year; 12 service deadlines missed",
                "engaged with our campaigns; spending down over the last 6 months",
                "7 complaints this year; no contact for 999 days",
            ],
        )
        # a translation that leaves the number out is used as it is
        templates["recency_days"] = "no purchase for a long time"
        self.assertEqual(
            run._churn_reason_texts(frame.head(1), templates)[0],
            "no purchase for a long time; only 2 purchases; an invoice overdue for 31 days",
        )

    def test_incremental_runs_apply_the_kept_model_until_enough_new_purchases(self):
        """A run keeps its churn model (internal to the run); an incremental run applies it to
        today's figures while few purchases were made since it was trained, and trains again past
        the company's share, on a full run, or with the share at 0."""
        models = []

        def recorded(*args, **kwargs):
            models.append(kwargs.get("model"))
            return churn.churn_risk(*args, **kwargs, min_customers=10, min_per_class=3)

        rows = [("company_id", "=", self.company.id)]
        with patch.object(crm_ext_analytics_run_churn, "churn_risk", recorded):
            first = self._run()
            kept = first.sudo().churn_model
            self.assertEqual(first.mode, "full")
            self.assertEqual(kept["trained_on"], self.today.isoformat())
            self.assertAlmostEqual(kept["auc"], first.churn_auc, places=3)
            self.assertNotIn("churn_model", first.with_user(self.viewer).fields_get())
            before = {row.partner_id.id: row.churn_probability for row in self.Rfm.search(rows)}

            second = self._run()
            self.assertEqual(second.mode, "incremental", second.log)
            self.assertEqual(models[-1], kept)
            self.assertIn(f"{self.today.isoformat()} kept", second.log)
            self.assertIn("0 purchases since it was trained", second.log)
            self.assertEqual(second.sudo().churn_model, kept)
            self.assertAlmostEqual(second.churn_auc, first.churn_auc, places=3)
            after = {row.partner_id.id: row.churn_probability for row in self.Rfm.search(rows)}
            self.assertEqual(after, before)

            # a purchase today; the model learned from the 20 customers: 10 % of them is 2
            # purchases (kept), 5 % is 1 (trained again)
            self._post_customer_moves(
                self.company, self.product, [(self.loyal[0], self.today, 40.0, "out_invoice")]
            )
            self.company.crm_ext_churn_retrain_percent = 10.0  # 2 purchases needed
            third = self._run()
            self.assertEqual(models[-1], kept)
            self.assertIn("1 purchases since it was trained, 2 retrain it", third.log)
            self.company.crm_ext_churn_retrain_percent = 5.0  # 1 purchase needed
            fourth = self._run()
            self.assertEqual(fourth.mode, "incremental")
            self.assertIsNone(models[-1])
            self.assertNotIn(" kept", fourth.log.split("Churn risk")[1])
            self.assertTrue(fourth.sudo().churn_model)

            self.company.crm_ext_churn_retrain_percent = 100.0
            self.assertEqual(self._run().mode, "incremental")
            self.assertIsNotNone(models[-1])
            full = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id, "full_run": True})
            full._execute()
            self.assertEqual(full.mode, "full")
            self.assertIsNone(models[-1])
            self.company.crm_ext_churn_retrain_percent = 0.0
            self._run()
            self.assertIsNone(models[-1])
        with self.assertRaises(ValidationError):
            self.company.crm_ext_churn_retrain_percent = 101.0

    def test_a_model_older_than_the_full_run_period_is_trained_again(self):
        """The last model kept can be older than the last full run (which fell back to the rules
        and kept none): past the company's full-run period it is not applied."""
        models = []

        def recorded(*args, **kwargs):
            models.append(kwargs.get("model"))
            return churn.churn_risk(*args, **kwargs, min_customers=10, min_per_class=3)

        self.company.crm_ext_churn_retrain_percent = 100.0
        with patch.object(crm_ext_analytics_run_churn, "churn_risk", recorded):
            first = self._run()
            kept = dict(first.sudo().churn_model)
            days = self.company.crm_ext_analytics_full_days
            for age, applied in ((days, True), (days + 1, False)):
                kept["trained_on"] = (self.today - timedelta(days=age)).isoformat()
                first._keep("churn_model", kept)
                first.flush_recordset()
                self.env["crm_ext.analytics.run"].search(
                    [("company_id", "=", self.company.id), ("id", "!=", first.id)]
                ).sudo().write({"churn_model": False})
                run = self._run()
                self.assertEqual(run.mode, "incremental", run.log)
                self.assertEqual(models[-1] == kept, applied, f"a model {age} days old")

    def test_churn_segment_rule(self):
        small_thresholds = functools.partial(churn.churn_risk, min_customers=10, min_per_class=3)
        with patch.object(crm_ext_analytics_run_churn, "churn_risk", small_thresholds):
            self._run()
        segment = self.cenv["crm_ext.segment"].create(
            {
                "name": "About to leave (test)",
                "company_id": self.company.id,
                "partner_domain": "[]",
                "rule_ids": [Command.create({"rule_type": "churn_risk", "churn_risk": "high"})],
            }
        )
        self.assertEqual(segment.rule_ids.name, "Churn risk is “High”")
        segment.action_refresh_members()
        high = self.Rfm.search([("company_id", "=", self.company.id), ("churn_risk", "=", "high")])
        self.assertTrue(high)
        self.assertEqual(segment.member_ids, high.partner_id)

    def test_engagement_counts_the_company_mailings_only(self):
        """Campaign engagement is read from the mailings of the company being computed: a mailing
        belongs to its campaign's company, else to its responsible user's company (as Odoo sends it)."""
        other = self.env["res.company"].create({"name": "Other mailer (test)"})
        other_user = self.env["res.users"].create(
            {"name": "Other marketer (test)", "login": "crm_ext_other_marketer",
             "company_id": other.id, "company_ids": [Command.set(other.ids)]}
        )  # fmt: skip
        Campaign = self.env["utm.campaign"]
        ours = Campaign.create({"title": "Ours (test)", "company_id": self.company.id})
        theirs = Campaign.create({"title": "Theirs (test)", "company_id": other.id})
        partner_model = self.env.ref("base.model_res_partner")

        def mailing(**values):
            return self.env["mailing.mailing"].create(
                {"subject": "News (test)", "body_html": "<p>News</p>", "mailing_model_id": partner_model.id,
                 **values}
            )  # fmt: skip

        customer = self.loyal[0]
        now = fields.Datetime.now()
        opened = {
            mailing(campaign_id=ours.id): now - timedelta(days=20),
            mailing(campaign_id=theirs.id): now - timedelta(days=10),
            mailing(user_id=other_user.id): now - timedelta(days=5),  # no campaign: its user's company
        }
        self.env["mailing.trace"].create(
            [
                {"mass_mailing_id": sent.id, "model": "res.partner", "res_id": customer.id,
                 "email": "loyal@example.com", "open_datetime": date}
                for sent, date in opened.items()
            ]
        )  # fmt: skip

        def engagement(company):
            run = self.env["crm_ext.analytics.run"].create({"company_id": company.id})
            frame = run._read_churn_events()["engagement"]
            return sorted((int(p), d) for p, d in zip(frame["partner_id"], frame["date"], strict=True))

        self.assertEqual(engagement(self.company), [(customer.id, (now - timedelta(days=20)).date())])
        self.assertEqual(
            engagement(other),
            sorted(
                [
                    (customer.id, (now - timedelta(days=10)).date()),
                    (customer.id, (now - timedelta(days=5)).date()),
                ]
            ),
        )
