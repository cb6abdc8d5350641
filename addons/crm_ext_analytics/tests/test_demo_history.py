import json
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.crm_ext_analytics.models.crm_ext_customer_rfm import SEGMENT_SELECTION

from .common import ForgetRunProgress
from .test_dashboards import chart_domain


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestDemoHistory(ForgetRunProgress, HttpCase):
    """The demo history (off in the test database, on with ``make run``): the demo profile,
    generated in the test's transaction, gives every analysis something to show."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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

    def test_long_standing_customers_have_sales_before_odoo(self):
        """Some of the main company's customers of before the three years have a few documents
        of the former system, older than their first invoice: Customer 360's "Before Odoo"
        figures and the analytics show them."""
        main = self.main
        history = self.env["crm_ext.sales.history"].browse(self.summary["sales_history_ids"].tolist())
        self.assertEqual(len(history.exists()), len(history))
        customers = history.partner_id
        self.assertGreaterEqual(len(customers), 10)
        self.assertLess(len(customers), len(self.summary["customer_ids"]) / 2, "some customers, not all")
        self.assertEqual(history.company_id, main)
        self.assertTrue(history.filtered(lambda row: row.amount < 0), "credit notes too")
        self.assertTrue(history.filtered(lambda row: not row.product_id and row.product_label))
        first_invoice = dict(
            self.env["account.move"]._read_group(
                [
                    ("partner_id", "in", customers.ids),
                    ("company_id", "=", main.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                ],
                ["partner_id"],
                ["invoice_date:min"],
            )
        )
        self.assertTrue(first_invoice)
        for customer, first in first_invoice.items():
            rows = history.filtered(lambda row, customer=customer: row.partner_id == customer)
            self.assertLess(max(rows.mapped("date")), first, customer.name)

        customer = next(iter(first_invoice))
        rows = history.filtered(lambda row: row.partner_id == customer)
        self.assertEqual(customer.crm_ext_sales_history_count, len(set(rows.mapped("document_number"))))
        self.assertAlmostEqual(
            customer.crm_ext_sales_history_amount, sum(rows.mapped("amount_company")), places=2
        )
        self.assertEqual(customer.crm_ext_sales_history_last_date, max(rows.mapped("date")))
        rfm = self.env["crm_ext.customer.rfm"].search(
            [("company_id", "=", main.id), ("partner_id", "=", customer.id)]
        )
        self.assertEqual(rfm.clv_first_date, min(rows.mapped("date")), "the analytics read them")

    def test_service_dashboard_figures(self):
        """The service dashboard's CSAT, first response and cost to serve read ratings, the
        tickets' working hours and completed field orders: the demo history writes them."""
        tickets = self.env["crm_ext.ticket"].browse(self.summary["ticket_ids"].tolist())
        self.assertTrue(self.summary["ticket_rating_ids"].size)
        self.assertTrue(self.summary["field_order_ids"].size)
        report = self.env["crm_ext.service.report"]
        domain = [("ticket_id", "in", tickets.ids)]
        [(csat, first_response, resolution, cost)] = report._read_group(
            domain, [], ["csat:avg", "first_response_hours:avg", "resolution_hours:avg", "cost_to_serve:sum"]
        )
        self.assertGreater(csat, 50)
        self.assertLess(csat, 100)
        self.assertGreater(first_response, 0)
        self.assertGreater(resolution, first_response)
        self.assertGreater(cost, 0)
        # the stored hours are the ones the ticket computes from its team's calendar
        answered = tickets.filtered("first_response_date")[:5]
        for ticket in answered:
            self.assertAlmostEqual(
                ticket.first_response_hours,
                ticket._working_hours_since_creation(ticket.first_response_date),
                places=4,
            )
        rated = tickets.filtered("rating_last_value")
        self.assertTrue(rated)
        self.assertTrue(all(ticket.is_closed for ticket in rated))
        self.assertEqual(rated[:1].rating_count, 1)
        orders = self.env["crm_ext.field.order"].browse(self.summary["field_order_ids"].tolist())
        self.assertEqual(set(orders.mapped("state")), {"done"})
        self.assertTrue(all(order.labour_amount > 0 and order.hours_worked > 0 for order in orders))

    def test_sales_dashboard_figures(self):
        """The sales dashboard's days in stage read the opportunities' tracked stage changes, its
        forecast by month and category the invoiced revenue: the demo history gives both."""
        self.assertGreater(self.summary["lead_stage_messages"], 0)
        leads = self.env["crm.lead"].browse(self.summary["lead_ids"].tolist())
        moves = self.env["crm_ext.stage.conversion.report"].search([("lead_id", "in", leads.ids)])
        self.assertGreater(len(moves.lead_id), len(leads) / 4)
        self.assertTrue(all(move.days_in_stage >= 0 for move in moves))
        by_stage = dict(
            self.env["crm_ext.stage.conversion.report"]._read_group(
                [("lead_id", "in", leads.ids)], ["from_stage_id"], ["days_in_stage:avg"]
            )
        )
        self.assertGreaterEqual(len(by_stage), 2)
        self.assertTrue(all(days > 0 for days in by_stage.values()), by_stage)
        won = self.env.ref("crm.mt_lead_won")
        won_moves = moves.filtered(lambda move: move.to_stage_id.is_won)
        self.assertTrue(won_moves)
        # a won opportunity's last move is at its closing, by a message of Odoo's "won" subtype
        move = won_moves[0]
        self.assertEqual(move.date, move.lead_id.date_closed)
        message = self.env["mail.message"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", move.lead_id.id), ("subtype_id", "=", won.id)]
        )
        self.assertEqual(message.tracking_value_ids.new_value_integer, move.to_stage_id.id)
        invoiced = self.env["crm_ext.forecast.report"]._read_group(
            [("company_id", "=", self.main.id), ("category", "=", "invoiced")],
            ["month:month"],
            ["amount:sum"],
        )
        self.assertGreaterEqual(len(invoiced), 24)
        self.assertTrue(all(amount for _month, amount in invoiced))

    def test_forecast_categories_over_months(self):
        """The Sales dashboard's forecast by month and category: the won opportunities over the
        past months, the open ones' categories over the coming months; the generated leads'
        category and month are the ones crm_ext_sales computes."""
        Lead = self.env["crm.lead"].with_context(active_test=False)
        leads = Lead.browse(self.summary["lead_ids"].tolist())
        this_month = fields.Date.context_today(Lead).replace(day=1)
        months = defaultdict(set)
        for category, month, amount in self.env["crm_ext.forecast.report"]._read_group(
            [("lead_id", "in", leads.ids), ("company_id", "=", self.main.id)],
            ["category", "month:month"],
            ["amount:sum"],
        ):
            if amount:
                months[category].add(month)
        self.assertGreaterEqual(len(months["won"]), 24)
        self.assertLessEqual(max(months["won"]), this_month)
        for category in ("pipeline", "best_case", "commit"):
            with self.subTest(category=category):
                self.assertGreaterEqual(len(months[category]), 4, months[category])
                self.assertGreaterEqual(min(months[category]), this_month)
        self.assertNotIn("omitted", months, "lost opportunities are not in the report")

        categories = ("pipeline", "best_case", "commit", "won", "omitted")
        sample = Lead
        for category in categories:
            sample |= leads.filtered(
                lambda lead, category=category: lead.crm_ext_forecast_category == category
            )[:20]
        stored = {lead.id: (lead.crm_ext_forecast_category, lead.crm_ext_forecast_month) for lead in sample}
        self.assertEqual({category for category, _month in stored.values()}, set(categories))
        for name in ("crm_ext_forecast_category", "crm_ext_forecast_month"):
            self.env.add_to_compute(Lead._fields[name], sample)
        self.assertEqual(
            {lead.id: (lead.crm_ext_forecast_category, lead.crm_ext_forecast_month) for lead in sample},
            stored,
        )

    def test_revenue_chart_last_24_and_next_12_months(self):
        """Customer Analytics' revenue by month: one line of the last 24 months invoiced (this
        one included) and the 12 forecast ones, none of them zero."""
        snapshot = json.loads(
            self.env.ref("crm_ext_analytics.spreadsheet_dashboard_analytics").spreadsheet_data
        )
        [chart] = [
            figure["data"]
            for figure in snapshot["sheets"][0]["figures"]
            if figure["data"]["type"] == "odoo_line"
            and figure["data"]["metaData"]["resModel"] == "crm_ext.revenue.forecast"
        ]
        self.assertEqual(chart["metaData"]["measure"], "amount")
        self.assertEqual(chart["metaData"]["groupBy"], ["month:month"])
        domain = chart_domain(self.env, chart["searchParams"]["domain"])
        rows = self.env["crm_ext.revenue.forecast"]._read_group(
            [*domain, ("company_id", "=", self.main.id)], ["month:month", "is_forecast"], ["amount:sum"]
        )
        this_month = fields.Date.context_today(self.env.user).replace(day=1)
        actual = sorted(month for month, is_forecast, _amount in rows if not is_forecast)
        forecast = sorted(month for month, is_forecast, _amount in rows if is_forecast)
        self.assertEqual(actual[0], this_month - relativedelta(months=23))
        self.assertEqual(actual, [actual[0] + relativedelta(months=k) for k in range(len(actual))])
        self.assertIn(actual[-1], (this_month, this_month - relativedelta(months=1)), "the last invoiced")
        self.assertEqual(forecast, [actual[-1] + relativedelta(months=k) for k in range(1, 13)])
        self.assertTrue(all(amount for _month, _is_forecast, amount in rows), "no zero month")
        # the forecast chart beside it: the forecast months only
        [bar] = [
            figure["data"]
            for figure in snapshot["sheets"][0]["figures"]
            if figure["data"]["type"] == "odoo_bar"
            and figure["data"]["metaData"]["resModel"] == "crm_ext.revenue.forecast"
        ]
        months = self.env["crm_ext.revenue.forecast"]._read_group(
            [*chart_domain(self.env, bar["searchParams"]["domain"]), ("company_id", "=", self.main.id)],
            ["month:month"],
            ["forecast:sum"],
        )
        self.assertEqual([month for month, _forecast in months], forecast)
        # the Forecast scorecard: the same months' total, the teams' rows not added again
        [pivot] = [p for p in snapshot["pivots"].values() if p["name"] == "Forecast"]
        [(total,)] = self.env["crm_ext.revenue.forecast"]._read_group(
            [*pivot["domain"], ("company_id", "=", self.main.id)], [], ["forecast:sum"]
        )
        self.assertAlmostEqual(total, sum(amount for _month, amount in months), places=2)

    def test_marketing_dashboard_figures(self):
        """The marketing dashboard's funnel reads campaign targets: the demo history's mailings
        are the e-mail steps of their campaigns, their recipients the steps' targets."""
        targets = self.env["crm_ext.campaign.target"].browse(self.summary["campaign_target_ids"].tolist())
        self.assertGreater(len(targets), 100)
        self.assertEqual(set(targets.mapped("state")), {"processed"})
        self.assertEqual(targets.step_id.mailing_id.ids, sorted(self.summary["mailing_ids"].tolist()))
        [(reached, responded, leads, won, revenue)] = self.env["crm_ext.campaign.funnel.report"]._read_group(
            [("step_id", "in", targets.step_id.ids)],
            [],
            ["target_count:sum", "responded:sum", "lead_count:sum", "won_count:sum", "revenue:sum"],
        )
        self.assertEqual(reached, len(targets))
        self.assertGreater(responded, 0)
        self.assertGreater(leads, 0)
        self.assertGreater(won, 0)
        self.assertGreater(revenue, 0)

    def test_every_analytics_screen_and_dashboard_has_content(self):
        """The tour opens each screen of the CRM Analytics menu and each crm_ext dashboard of the
        Dashboards app, and checks it shows real content (rows, values, non-zero figures)."""
        self.start_tour("/odoo", "crm_ext_analytics_screens_tour", login="admin")
