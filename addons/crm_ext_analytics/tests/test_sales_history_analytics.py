"""The analytics read the sales history before Odoo together with the posted invoices."""

import base64
import csv
from collections import defaultdict

from odoo.tests import HttpCase, tagged
from odoo.tools import file_open

from .common import CrmExtAnalyticsCase, ForgetRunProgress


@tagged("post_install", "-at_install")
class TestSalesHistoryAnalytics(CrmExtAnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.env.user.company_ids |= cls.company
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.product = env["product.product"].create({"name": "History Gadget (test)", "default_code": "HG-1"})
        cls.loyal, cls.newcomer, cls.other = env["res.partner"].create(
            [
                {"name": "Loyal since 2019 (test)", "ref": "LOYAL-1", "is_company": True},
                {"name": "Newcomer (test)", "is_company": True},
                {"name": "Other buyer (test)", "is_company": True},
            ]
        )
        cls._post_customer_moves(
            cls.company,
            cls.product,
            [
                (cls.loyal, "2026-01-10", 100.0, "out_invoice"),
                (cls.newcomer, "2026-01-12", 100.0, "out_invoice"),
                (cls.newcomer, "2026-02-12", 300.0, "out_invoice"),
                (cls.other, "2026-02-20", 50.0, "out_invoice"),
            ],
        )

    def _run(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id, "full_run": True})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        return run

    def _rfm(self, partner):
        return self.env["crm_ext.customer.rfm"].search(
            [("company_id", "=", self.company.id), ("partner_id", "=", partner.id)]
        )

    def _import_history(self):
        lines = ["date,document,customer,customer_ref,product,quantity,amount,company"]
        for year in range(2019, 2026):
            for month in (3, 9):
                lines.append(
                    f"{year}-{month:02d}-15,OLD-{year}-{month},Loyal,LOYAL-1,HG-1,2,500,{self.company.name}"
                )
        wizard = self.env["crm_ext.sales.history.import"].create(
            {"file": base64.b64encode("\n".join(lines).encode()), "filename": "history.csv"}
        )
        wizard.action_import()
        self.assertEqual(wizard.state, "done", wizard.report)
        self.assertEqual(wizard.imported_count, 14)
        return wizard

    def test_history_changes_rfm_and_clv_and_the_setting_turns_it_off(self):
        self._run()
        before = self._rfm(self.loyal)
        self.assertEqual((before.frequency, before.monetary), (1, 100.0))
        clv_before = before.clv_predicted

        self._import_history()
        run = self._run()
        after = self._rfm(self.loyal)
        self.assertEqual(after.frequency, 15)  # one invoice and 14 former documents
        self.assertAlmostEqual(after.monetary, 100.0 + 14 * 500.0)
        self.assertGreater(after.clv_predicted, clv_before)
        self.assertEqual(after.clv_first_date.isoformat(), "2019-03-15")
        self.assertAlmostEqual(after.margin, 100.0 + 14 * 500.0)  # no cost price: all margin
        # the other stages read it too: monthly revenue back to 2019 and baskets of former documents
        months = run._read_monthly_revenue()
        self.assertEqual(str(months["date"].min()), "2019-03-01")
        baskets = run._read_order_lines()
        self.assertEqual(len(baskets[baskets["basket_id"] < 0]), 14)  # one per former document
        days = run._read_purchase_days()
        self.assertEqual(len(days[days["partner_id"] == self.loyal.id]), 15)

        # the company's setting off: invoices only again
        self.company.crm_ext_analytics_sales_history = False
        run = self._run()
        off = self._rfm(self.loyal)
        self.assertEqual((off.frequency, off.monetary), (1, 100.0))
        self.assertFalse((run._read_order_lines()["basket_id"] < 0).any())
        self.assertEqual(str(run._read_monthly_revenue()["date"].min()), "2026-01-01")

    def test_incremental_run_sees_imported_customers(self):
        self._run()
        self._import_history()
        self.company.crm_ext_analytics_incremental = True
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        if run.mode == "incremental":
            self.assertIn(self.loyal.id, run._changed_partner_ids().tolist())
        self.assertEqual(self._rfm(self.loyal).frequency, 15)


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestSalesHistorySampleTour(ForgetRunProgress, HttpCase):
    """The import tour loads the wizard's sample file as a user would (crm_ext_sales'
    ``crm_ext_sales_history_import_tour``); the company's next analytics run counts the imported
    sales in each customer's RFM and lifetime-value figures."""

    def _run(self, company):
        run = self.env["crm_ext.analytics.run"].create({"company_id": company.id, "full_run": True})
        run._execute()
        self.assertEqual(run.state, "done", run.log)

    def _figures(self, company):
        rows = self.env["crm_ext.customer.rfm"].search([("company_id", "=", company.id)])
        return {
            row.partner_id: (row.frequency, row.monetary, row.margin, row.clv_first_date, row.clv_predicted)
            for row in rows
        }

    def test_sample_import_tour_changes_rfm_and_clv(self):
        company = self.env.ref("base.main_company")
        with file_open("crm_ext_sales/static/samples/sales_history_sample.csv") as sample:
            documents = {row["document"] for row in csv.DictReader(sample)}
        self._run(company)
        before = self._figures(company)

        self.start_tour("/odoo", "crm_ext_sales_history_import_tour", login="admin")
        History = self.env["crm_ext.sales.history"]
        imported = History.search(
            [("document_number", "in", sorted(documents)), ("company_id", "=", company.id)]
        )
        self.assertEqual(len(imported), 9)
        self.assertEqual(set(imported.mapped("document_number")), documents)
        created = imported.partner_id.filtered(lambda partner: partner.ref == "NW-001")
        self.assertEqual(created.name, "Northwind Legacy Traders")
        self.assertNotIn(created, before)

        self._run(company)
        after = self._figures(company)
        self.assertEqual(len(imported.partner_id), 4)
        for partner in imported.partner_id:
            with self.subTest(customer=partner.name):
                self._check_figures(company, imported, partner, before.get(partner), after[partner])

    def _check_figures(self, company, imported, partner, before, after):
        """``after`` adds the partner's imported documents to ``before`` (None: a new customer)."""
        frequency, monetary, margin, first_date, predicted = before or (0, 0.0, 0.0, None, None)
        rows = imported.filtered(lambda row: row.partner_id == partner)
        totals = defaultdict(float)
        for row in rows:
            totals[row.document_number] += row.amount_company
        net = sum(totals.values())
        # the lines' cost at the product's cost price, negative on a credit note
        cost = sum(
            row.quantity
            * row.product_id.with_company(company).standard_price
            * (-1 if row.amount_company < 0 else 1)
            for row in rows
        )
        self.assertEqual(after[0], frequency + sum(1 for total in totals.values() if total > 0))
        self.assertAlmostEqual(after[1], monetary + net, places=2)
        self.assertAlmostEqual(after[2], margin + net - cost, places=2)
        self.assertEqual(after[3], min(filter(None, [first_date, *rows.mapped("date")])))
        self.assertNotEqual(after[4], predicted)
