from datetime import timedelta
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.crm_ext_analytics.models import crm_ext_analytics_run_forecast

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestBasketForecast(CrmExtAnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.company.write(
            {
                "crm_ext_basket_min_support": 0.4,
                "crm_ext_basket_min_confidence": 0.5,
                "crm_ext_basket_min_lift": 0.0,
                "crm_ext_forecast_horizon": 3,
                # the tests below change orders between runs and expect new rules from each run
                "crm_ext_basket_min_new_orders": 0,
            }
        )
        cls.cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        Product = cls.cenv["product.product"]
        cls.a, cls.b, cls.c, cls.d = Product.create(
            [{"name": f"Basket {name}", "list_price": 10, "sale_ok": True} for name in "ABCD"]
        )
        cls.customers = cls.cenv["res.partner"].create([{"name": f"Basket buyer {i}"} for i in range(1, 6)])
        baskets = [(cls.a, cls.b), (cls.a, cls.b), (cls.a, cls.b, cls.c), (cls.a, cls.c), (cls.d,)]
        orders = cls.cenv["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": cls.company.id,
                    "order_line": [
                        Command.create({"product_id": p.id, "product_uom_qty": 1}) for p in basket
                    ],
                }
                for customer, basket in zip(cls.customers, baskets, strict=True)
            ]
        )
        orders.action_confirm()
        cls.team = cls.cenv["crm.team"].create({"name": "Forecast team (test)", "company_id": cls.company.id})
        moves = cls._post_customer_moves(
            cls.company,
            cls.a,
            [
                (cls.customers[0], "2026-07-10", 100, "out_invoice"),
                (cls.customers[1], "2026-08-10", 200, "out_invoice"),
                (cls.customers[1], "2026-08-20", 50, "out_refund"),
                (cls.customers[2], "2026-09-10", 300, "out_invoice"),
                (cls.customers[3], "2026-10-10", 150, "out_invoice"),
            ],
        )
        moves.filtered(lambda m: m.invoice_date.month == 9).team_id = cls.team
        cls.cenv["crm.lead"].create(
            {
                "name": "Pipeline deal",
                "type": "opportunity",
                "company_id": cls.company.id,
                "team_id": cls.team.id,
                "expected_revenue": 1000,
                "probability": 50,
                "date_deadline": "2026-12-15",
            }
        )
        cls.basket_run = cls.env["crm_ext.analytics.run"].create({"company_id": cls.company.id})
        cls.basket_run._execute()

    def test_rules_and_measures(self):
        self.assertEqual(self.basket_run.state, "done", self.basket_run.log)
        rules = self.env["crm_ext.product.rule"].search([("company_id", "=", self.company.id)])
        found = {
            (rule.antecedent_ids, rule.consequent_ids): (
                rule.basket_count,
                rule.support,
                rule.confidence,
                rule.lift,
            )
            for rule in rules
        }
        a, b, c = self.a, self.b, self.c
        self.assertEqual(set(found), {(a, b), (b, a), (a, c), (c, a)}, "{B, C} is in one order of five only")
        self.assertEqual(found[(a, b)][:2], (3, 0.6))
        self.assertAlmostEqual(found[(a, b)][2], 0.75)
        self.assertAlmostEqual(found[(a, b)][3], 0.75 / 0.6)
        self.assertAlmostEqual(found[(c, a)][2], 1.0)
        self.assertEqual((self.basket_run.order_count, self.basket_run.rule_count), (5, 4))
        self.assertIn("5 confirmed orders, 4 rules", self.basket_run.log)
        # one line per stage: rows read, seconds, memory
        stages = self.basket_run.stage_ids
        self.assertEqual(stages.mapped("key"), ["rfm", "basket", "forecast", "clv", "churn"])
        self.assertEqual(
            stages.mapped("rows")[:3], [5, 10, 4], "5 invoices, 10 order lines, 4 (team, month) sums"
        )
        run = self.basket_run
        days, margins = run._read_purchase_days(), run._read_margins()
        self.assertEqual(stages[3].rows, len(days) + len(margins), "purchase days and margins")
        self.assertGreaterEqual(stages[4].rows, len(days))
        self.assertTrue(all(stage.seconds >= 0 and stage.memory_mb > 0 for stage in stages))
        # the product's smart button lists the rules where it is bought
        action = self.a.product_tmpl_id.action_crm_ext_bought_together()
        self.assertEqual(
            self.env["crm_ext.product.rule"].search(action["domain"]).mapped("antecedent_ids"), a
        )

    def test_offers_and_recommendation_hook(self):
        offers = self.env["crm_ext.customer.offer"].search([("company_id", "=", self.company.id)])
        got = {(offer.partner_id, offer.product_id): (offer.rank, round(offer.score, 4)) for offer in offers}
        first, second, _third, fourth, _fifth = self.customers
        # the first two bought A and B: A -> C (confidence 0.5, lift 1.25); the fourth bought A
        # and C: A -> B (0.75, 1.25); the third has everything, the fifth only D (no rule)
        self.assertEqual(
            got, {(first, self.c): (1, 0.625), (second, self.c): (1, 0.625), (fourth, self.b): (1, 0.9375)}
        )
        recommended = first.with_company(self.company)._crm_ext_recommended_products()
        self.assertEqual(recommended, self.c)
        # what crm_ext_marketing's personalised e-mails read
        self.assertEqual(first.with_company(self.company).crm_ext_recommended_product_ids, self.c)
        self.assertFalse(self.customers[4].with_company(self.company)._crm_ext_recommended_products())

    def test_quotation_and_opportunity_suggestions_add_lines(self):
        fourth = self.customers[3]
        order = self.cenv["sale.order"].create(
            {"partner_id": fourth.id, "order_line": [Command.create({"product_id": self.a.id})]}
        )
        self.assertEqual(order.crm_ext_suggested_product_ids, self.b | self.c)
        self.b.with_context(
            crm_ext_document_model="sale.order", crm_ext_document_id=order.id
        ).action_crm_ext_add_to_document()
        self.assertEqual(order.order_line.product_id, self.a | self.b)
        self.assertEqual(
            order.crm_ext_suggested_product_ids, self.c, "what is on the quotation is not suggested"
        )
        order.action_confirm()
        with self.assertRaises(UserError):
            order.action_crm_ext_add_product(self.c.id)
        lead = self.cenv["crm.lead"].create(
            {
                "name": "Suggest to me",
                "type": "opportunity",
                "partner_id": self.customers[4].id,
                "crm_ext_opportunity_line_ids": [Command.create({"product_id": self.b.id})],
            }
        )
        self.assertEqual(lead.crm_ext_suggested_product_ids, self.a, "B -> A")
        self.a.with_context(
            crm_ext_document_model="crm.lead", crm_ext_document_id=lead.id
        ).action_crm_ext_add_to_document()
        self.assertEqual(lead.crm_ext_opportunity_line_ids.product_id, self.a | self.b)
        with self.assertRaises(UserError):
            self.a.action_crm_ext_add_to_document()

    def test_forecast_rows_with_pipeline(self):
        rows = self.env["crm_ext.revenue.forecast"].search([("company_id", "=", self.company.id)])
        company_rows = rows.filtered(lambda r: not r.team_id)
        actual = {str(r.month): r.actual for r in company_rows if not r.is_forecast}
        self.assertEqual(actual, {"2026-07-01": 100, "2026-08-01": 150, "2026-09-01": 300, "2026-10-01": 150})
        future = company_rows.filtered("is_forecast").sorted("month")
        self.assertEqual([str(m) for m in future.mapped("month")], ["2026-11-01", "2026-12-01", "2027-01-01"])
        self.assertEqual(set(future.mapped("method")), {"mean"}, "four months are too few for seasons")
        self.assertAlmostEqual(future[0].forecast, 175.0)
        self.assertTrue(
            all(r.lower_95 <= r.lower_80 <= r.forecast <= r.upper_80 <= r.upper_95 for r in future)
        )
        self.assertEqual(future.filtered(lambda r: str(r.month) == "2026-12-01").weighted_pipeline, 500)
        team_rows = rows.filtered(lambda r: r.team_id == self.team)
        self.assertEqual(
            {str(r.month): r.actual for r in team_rows if not r.is_forecast},
            {"2026-09-01": 300, "2026-10-01": 0},
        )
        self.assertIn(self.team.name, self.basket_run.log)

    def test_backtest_fits_reused_by_the_next_run(self):
        """A run reuses the previous run's backtest of the same earlier months (the log says how
        many); a new invoice in the held-out months changes the error, not the fit; a back-dated
        invoice before them makes the run fit again."""

        def run():
            done = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
            done._execute()
            self.assertEqual(done.state, "done", done.log)
            company_line = next(line for line in done.log.splitlines() if line.startswith("  Company:"))
            return done, company_line

        self._post_customer_moves(
            self.company,
            self.a,
            [
                (self.customers[4], f"2026-0{month}-05", 100 + 10 * month, "out_invoice")
                for month in range(1, 7)
            ],
        )
        first, first_line = run()
        self.assertIn("backtest MAPE", first_line)
        self.assertNotIn("backtests reused", first.log)
        self.assertEqual(
            len(first.sudo().forecast_backtests), 1, "the company's series (the team's is too short)"
        )
        second, second_line = run()
        self.assertIn("backtests reused from the previous run: 1", second.log)
        self.assertEqual(second_line, first_line)
        self.assertEqual(second.sudo().forecast_backtests, first.sudo().forecast_backtests)
        # a new invoice in the last month: the same fit, another error
        self._post_customer_moves(
            self.company, self.a, [(self.customers[0], "2026-10-20", 500, "out_invoice")]
        )
        third, third_line = run()
        self.assertIn("backtests reused from the previous run: 1", third.log)
        self.assertNotEqual(third_line, first_line)
        # a back-dated invoice in the first month: fitted again
        self._post_customer_moves(
            self.company, self.a, [(self.customers[0], "2026-01-20", 500, "out_invoice")]
        )
        fourth, _line = run()
        self.assertNotIn("backtests reused", fourth.log)
        self.assertNotEqual(fourth.sudo().forecast_backtests, third.sudo().forecast_backtests)

    def test_forecast_graph_draws_one_measure(self):
        """The Revenue Forecast action's graph opens on one line, the revenue (invoiced months,
        then forecast months); the other figures stay in its Measures menu."""
        action = self.env.ref("crm_ext_analytics.crm_ext_revenue_forecast_action")
        Forecast = self.env["crm_ext.revenue.forecast"].with_user(self.viewer)
        # as the web client loads the action: its graph and search views
        views = Forecast.get_views([(False, "graph"), (False, "search")], {"action_id": action.id})
        arch = etree.fromstring(views["views"]["graph"]["arch"])
        self.assertEqual(arch.xpath("//field[@type='measure']/@name"), ["amount"])
        fields = views["models"]["crm_ext.revenue.forecast"]["fields"]
        for name in ("actual", "forecast", "weighted_pipeline", "lower_80", "upper_80"):
            self.assertTrue(fields[name].get("aggregator"), f"{name} can still be chosen")
        groups = Forecast.with_company(self.company).read_group(
            [("company_id", "=", self.company.id), ("team_id", "=", False)], ["amount:sum"], ["month:month"]
        )
        by_month = {group["month:month"]: group["amount"] for group in groups}
        self.assertEqual(
            [by_month[month] for month in ("July 2026", "August 2026", "September 2026", "October 2026")],
            [100, 150, 300, 150],
        )
        self.assertAlmostEqual(by_month["November 2026"], 175.0)  # the first forecast month
        self.assertEqual(len(by_month), 7)

    def test_forecast_in_jalali_months(self):
        # Tir 1405 starts on 2026-06-22, Mordad on 07-23, Shahrivar on 08-23, Mehr on 09-23,
        # Aban on 10-23, Azar on 11-22 and Dey on 12-22 (jdatetime)
        self.company.crm_ext_date_analytics_jalali = True
        self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})._execute()
        rows = self.env["crm_ext.revenue.forecast"].search([("company_id", "=", self.company.id)])
        company_rows = rows.filtered(lambda r: not r.team_id)
        self.assertEqual(
            {str(r.month): r.actual for r in company_rows if not r.is_forecast},
            {"2026-06-22": 100, "2026-07-23": 150, "2026-08-23": 300, "2026-09-23": 150},
        )
        future = company_rows.filtered("is_forecast").sorted("month")
        self.assertEqual([str(m) for m in future.mapped("month")], ["2026-10-23", "2026-11-22", "2026-12-22"])
        self.assertAlmostEqual(future[0].forecast, 175.0)
        # the deal expected on 15 December (24 Azar) is in Azar's pipeline
        self.assertEqual(future.filtered(lambda r: str(r.month) == "2026-11-22").weighted_pipeline, 500)
        self.assertEqual(future.filtered(lambda r: str(r.month) == "2026-12-22").weighted_pipeline, 0)
        team_rows = rows.filtered(lambda r: r.team_id == self.team)
        self.assertEqual(
            {str(r.month): r.actual for r in team_rows if not r.is_forecast},
            {"2026-08-23": 300, "2026-09-23": 0},
        )

    def test_settings_are_checked_and_a_failed_run_keeps_results(self):
        with self.assertRaises(ValidationError):
            self.company.crm_ext_basket_min_support = 0
        with self.assertRaises(ValidationError):
            self.company.crm_ext_basket_max_len = 4
        before = self.env["crm_ext.product.rule"].search([("company_id", "=", self.company.id)])

        def broken(*args, **kwargs):
            raise ValueError("engine down")

        with (
            patch.object(crm_ext_analytics_run_forecast, "revenue_forecast", broken),
            self.assertLogs("odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run", "ERROR"),
        ):
            failed = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
            failed._execute()
        self.assertEqual(failed.state, "failed")
        self.assertEqual(
            failed.stage_ids.mapped("key"), ["rfm", "basket"], "the stages done before the failure"
        )
        after = self.env["crm_ext.product.rule"].search([("company_id", "=", self.company.id)])
        self.assertEqual(after, before, "the rules of the last good run stay")
        self.assertEqual(after.run_id, self.basket_run)

    def test_companies_are_apart(self):
        rules = self.env["crm_ext.product.rule"].with_user(self.viewer).search([])
        self.assertTrue(rules)
        self.assertEqual(rules.company_id, self.company)
        self.assertEqual(
            self.env["crm_ext.revenue.forecast"].with_user(self.viewer).search([]).company_id, self.company
        )

    def _offers(self):
        offers = self.env["crm_ext.customer.offer"].search([("company_id", "=", self.company.id)])
        return {
            (o.partner_id.id, o.product_id.id): (o.id, o.rank, round(o.score, 4), o.run_id) for o in offers
        }

    def test_rerun_writes_only_the_offers_that_changed(self):
        before = self._offers()
        second = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        second._execute()
        # nothing changed: the same rows, still from the first run (not deleted and inserted again)
        self.assertEqual(self._offers(), before)
        # the fifth customer now buys A: the rules change (A -> C drops under the minimum support,
        # so do the first two customers' offers of C; A -> B is weaker, so is the fourth's offer of
        # B) and the fifth is offered B
        order = self.cenv["sale.order"].create(
            {"partner_id": self.customers[4].id, "order_line": [Command.create({"product_id": self.a.id})]}
        )
        order.action_confirm()
        third = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        third._execute()
        self.assertEqual(third.state, "done", third.log)
        __, expected = third._basket_rules_and_offers(third._read_order_lines())
        after = self._offers()
        self.assertEqual(
            {key: (rank, score) for key, (_id, rank, score, _run) in after.items()},
            {
                (int(row.partner_id), int(row.product_id)): (int(row.rank), round(row.score, 4))
                for row in expected.itertuples()
            },
        )
        # every kind of change happened: offers gone, new ones, one with another score
        self.assertTrue(set(before) - set(after) and set(after) - set(before))
        self.assertTrue(any(before[key][1:3] != after[key][1:3] for key in set(before) & set(after)))
        for key, (offer_id, rank, score, run) in after.items():
            if key in before and before[key][1:3] == (rank, score):
                self.assertEqual((offer_id, run), (before[key][0], self.basket_run), "unchanged offer kept")
            else:
                self.assertEqual(run, third, "a new or changed offer is the third run's")

    def test_rules_kept_until_enough_new_orders(self):
        """With "New Orders Before New Rules" set, a run keeps the rules and offers while fewer
        orders were confirmed since they were computed, and computes them again once enough were."""
        self.assertEqual(self.company.crm_ext_basket_computed_at, self.basket_run.date_start)
        Rule = self.env["crm_ext.product.rule"]
        rules = Rule.search([("company_id", "=", self.company.id)])
        offers = self._offers()
        self.assertTrue(rules and offers)
        self.company.crm_ext_basket_min_new_orders = 2
        # the class's orders were confirmed before its run, but maybe within the same second: an
        # hour earlier, so that only the orders below count as new (the count includes the second
        # of the computation, on the safe side)
        self.env["sale.order"].search([("company_id", "=", self.company.id)]).date_order = (
            self.basket_run.date_start - timedelta(hours=1)
        )
        order = self.cenv["sale.order"].create(
            {"partner_id": self.customers[4].id, "order_line": [Command.create({"product_id": self.a.id})]}
        )
        order.action_confirm()
        kept = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        kept._execute()
        self.assertEqual(kept.state, "done", kept.log)
        self.assertIn("rules kept, 1 orders confirmed", kept.log)
        self.assertIn("offers of the 1 customers with those orders computed again", kept.log)
        self.assertEqual(kept.rule_count, len(rules))
        self.assertEqual(Rule.search([("company_id", "=", self.company.id)]), rules)
        fifth = self.customers[4]
        after = self._offers()
        self.assertEqual(
            {key: value for key, value in after.items() if key[0] != fifth.id},
            offers,
            "the other customers' offers are the first run's, untouched",
        )
        # the fifth had only D (no rule); with A, the kept rules A -> B and A -> C offer B and C
        self.assertEqual(
            {key[1]: value[1:] for key, value in after.items() if key[0] == fifth.id},
            {self.b.id: (1, 0.9375, kept), self.c.id: (2, 0.625, kept)},
        )
        # a second new order reaches the setting: the next run computes them again
        order = self.cenv["sale.order"].create(
            {"partner_id": self.customers[3].id, "order_line": [Command.create({"product_id": self.b.id})]}
        )
        order.action_confirm()
        again = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        again._execute()
        self.assertNotIn("kept", again.log)
        self.assertEqual(self.company.crm_ext_basket_computed_at, again.date_start)
        __, expected = again._basket_rules_and_offers(again._read_order_lines())
        self.assertEqual(
            {key: (rank, score) for key, (_id, rank, score, _run) in self._offers().items()},
            {
                (int(row.partner_id), int(row.product_id)): (int(row.rank), round(row.score, 4))
                for row in expected.itertuples()
            },
        )
        with self.assertRaises(ValidationError):
            self.company.crm_ext_basket_min_new_orders = -1

    def test_kept_rules_offers_drop_what_was_just_bought(self):
        """Kept rules: a customer who confirms an order of a product offered to them loses that
        offer at the next run; "Recompute Everything" computes the rules again all the same."""
        self.company.crm_ext_basket_min_new_orders = 100
        self.env["sale.order"].search([("company_id", "=", self.company.id)]).date_order = (
            self.basket_run.date_start - timedelta(hours=1)
        )
        first = self.customers[0]
        self.assertIn((first.id, self.c.id), self._offers())
        order = self.cenv["sale.order"].create(
            {"partner_id": first.id, "order_line": [Command.create({"product_id": self.c.id})]}
        )
        order.action_confirm()
        kept = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        kept._execute()
        self.assertIn("rules kept", kept.log)
        self.assertNotIn((first.id, self.c.id), self._offers(), "C was just bought")
        self.assertNotIn(first.id, {key[0] for key in self._offers()}, "A, B and C bought: nothing left")
        full = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id, "full_run": True})
        full._execute()
        self.assertEqual(full.state, "done", full.log)
        self.assertNotIn("kept", full.log)
        self.assertEqual(self.company.crm_ext_basket_computed_at, full.date_start)
