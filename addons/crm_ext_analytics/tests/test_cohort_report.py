from odoo.fields import Command
from odoo.tests import tagged

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestCohortReport(CrmExtAnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.steady, cls.once, cls.late, cls.refunded = env["res.partner"].create(
            [{"name": "Steady"}, {"name": "Once"}, {"name": "Late"}, {"name": "Refund only"}]
        )
        product = env["product.product"].create({"name": "Cohort widget", "list_price": 10})

        cls._post_customer_moves(
            cls.company,
            product,
            [
                (cls.steady, "2026-01-10", 100, "out_invoice"),
                (cls.steady, "2026-01-20", 50, "out_invoice"),
                (cls.steady, "2026-02-05", 100, "out_invoice"),
                (cls.steady, "2026-04-05", 100, "out_invoice"),
                (cls.steady, "2026-04-15", 30, "out_refund"),
                (cls.once, "2026-01-31", 40, "out_invoice"),
                (cls.late, "2026-02-01", 60, "out_invoice"),
                (cls.late, "2026-03-01", 60, "out_invoice"),
                (cls.refunded, "2026-03-01", 25, "out_refund"),
            ],
        )
        # a draft invoice counts for nothing
        env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.once.id,
                "company_id": cls.company.id,
                "invoice_date": "2026-03-03",
                "invoice_line_ids": [
                    Command.create({"product_id": product.id, "price_unit": 999, "tax_ids": []})
                ],
            }
        )

    def _cells(self):
        rows = self.env["crm_ext.cohort.report"].search([("company_id", "=", self.company.id)])
        return {
            (str(row.cohort_month), row.months_since): (
                row.cohort_size,
                row.customer_count,
                row.retention,
                row.revenue,
            )
            for row in rows
        }

    def test_retention_by_cohort_and_month(self):
        self.env.flush_all()
        self.assertEqual(
            self._cells(),
            {
                ("2026-01-01", 0): (2, 2, 100.0, 190.0),  # steady 150 and once 40
                ("2026-01-01", 1): (2, 1, 50.0, 100.0),
                ("2026-01-01", 3): (2, 1, 50.0, 70.0),  # invoiced 100, credited 30 the same month
                ("2026-02-01", 0): (1, 1, 100.0, 60.0),
                ("2026-02-01", 1): (1, 1, 100.0, 60.0),
            },
            "a customer with only a credit note starts no cohort; a month without purchases has no row",
        )

    def test_companies_are_apart(self):
        self.env.flush_all()
        other_rows = self.env["crm_ext.cohort.report"].with_user(self.viewer).search([])
        self.assertEqual(other_rows.company_id, self.company, "the viewer works in the test company only")
        grouped = self.env["crm_ext.cohort.report"]._read_group(
            [("company_id", "=", self.company.id)],
            ["cohort_month:month"],
            ["cohort_size:max", "retention:avg"],
        )
        self.assertEqual(
            {str(month): (size, round(retention, 2)) for month, size, retention in grouped},
            {"2026-01-01": (2, 66.67), "2026-02-01": (1, 100.0)},
        )

    def test_jalali_months_when_the_company_chooses_them(self):
        # Dey 1404 starts on 2025-12-22, Bahman on 2026-01-21, Esfand on 2026-02-20,
        # Farvardin 1405 on 2026-03-21 (jdatetime)
        self.company.crm_ext_date_analytics_jalali = True
        self.env.flush_all()
        self.assertEqual(
            self._cells(),
            {
                ("2025-12-22", 0): (1, 1, 100.0, 150.0),  # steady in Dey (10 and 20 January)
                ("2025-12-22", 1): (1, 1, 100.0, 100.0),  # Bahman (5 February)
                ("2025-12-22", 3): (1, 1, 100.0, 70.0),  # Farvardin 1405 (April, credited 30)
                ("2026-01-21", 0): (2, 2, 100.0, 100.0),  # once (31 January) and late (1 February)
                ("2026-01-21", 1): (2, 1, 50.0, 60.0),  # late in Esfand (1 March)
            },
        )
        self.company.crm_ext_date_analytics_jalali = False
        self.env.flush_all()
        self.env.invalidate_all()  # the view's rows keep their ids: read them again
        self.assertIn(("2026-01-01", 0), self._cells())
