import csv
import io
import json

import openpyxl

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import CrmExtAnalyticsCase

# every result users read in CRM Analytics, with the columns checked in the exports
EXPORTED = {
    "crm_ext.customer.rfm": ["partner_id", "segment", "recency_days", "frequency", "monetary", "rfm_cell"],
    "crm_ext.customer.rfm.history": ["partner_id", "date", "segment", "rfm_cell"],
    "crm_ext.cohort.report": ["cohort_month", "months_since", "cohort_size", "customer_count", "retention"],
}


@tagged("post_install", "-at_install")
class TestExports(CrmExtAnalyticsCase, HttpCase):
    """Every analytics result downloads as CSV and XLSX through Odoo's export, for an analytics user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        partners = env["res.partner"].create([{"name": f"Export customer {i}"} for i in range(6)])
        product = env["product.product"].create({"name": "Export widget"})
        cls._post_customer_moves(
            cls.company,
            product,
            [
                (partner, f"2026-0{1 + i % 3}-1{i}", 100 * (i + 1), "out_invoice")
                for i, partner in enumerate(partners)
            ]
            + [(partners[0], "2026-05-02", 40, "out_invoice"), (partners[1], "2026-05-03", 50, "out_refund")],
        )
        cls.env["crm_ext.analytics.run"].create({"company_id": cls.company.id})._execute()

    def _export(self, fmt, model, fields):
        Model = self.env[model]
        response = self.url_open(
            f"/web/export/{fmt}",
            data={
                "data": json.dumps(
                    {
                        "model": model,
                        "fields": [
                            {
                                "name": name,
                                "label": Model._fields[name].string,
                                "type": Model._fields[name].type,
                            }
                            for name in fields
                        ],
                        "ids": False,
                        "domain": [],
                        "groupby": [],
                        "import_compat": False,
                    }
                ),
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        if fmt == "csv":
            return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
        return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]

    def test_every_result_exports_as_csv_and_xlsx(self):
        self.authenticate(self.viewer.login, self.viewer.login)
        viewer_env = self.env(user=self.viewer)
        for model, fields in EXPORTED.items():
            expected = viewer_env[model].search([])
            self.assertTrue(expected, f"{model} has rows to export")
            self.assertEqual(expected.company_id, self.company, "the viewer exports the company's rows only")
            for fmt in ("csv", "xlsx"):
                with self.subTest(model=model, format=fmt):
                    rows = self._export(fmt, model, fields)
                    header, body = rows[0], rows[1:]
                    self.assertEqual(header, [viewer_env[model]._fields[name].string for name in fields])
                    self.assertEqual(len(body), len(expected))
                    # the first column names the customer or the cohort of each row
                    first = fields[0]
                    exported = sorted(str(row[0])[:10] for row in body)
                    wanted = sorted(
                        (
                            record[first].display_name
                            if record._fields[first].type == "many2one"
                            else str(record[first])
                        )[:10]
                        for record in expected
                    )
                    self.assertEqual(exported, wanted)

    def test_export_right_covers_the_analytics_results_only(self):
        """Issue 13: the analytics group grants export of its results, not Odoo's export right on
        every model; and a result exports its own columns, not its customers' other data."""
        self.assertFalse(self.viewer.has_group("base.group_allow_export"))
        viewer_env = self.env(user=self.viewer)
        partners = viewer_env["res.partner"].search([("id", "in", self.viewer.partner_id.ids)])
        with self.assertRaises(UserError):
            partners.export_data(["name", "email"])
        for model, fields in EXPORTED.items():
            with self.subTest(model=model):
                rows = viewer_env[model].search([])
                self.assertEqual(len(rows.export_data(fields)["datas"]), len(rows))
        rows = viewer_env["crm_ext.customer.rfm"].search([])
        self.assertEqual(len(rows.export_data(["partner_id/id", "segment"])["datas"]), len(rows))
        with self.assertRaises(UserError):
            rows.export_data(["segment", "partner_id/email"])
        # the export dialog's templates: those of the results only
        Exports = viewer_env["ir.exports"]
        mine = Exports.create({"name": "Segments (test)", "resource": "crm_ext.customer.rfm"})
        self.assertEqual(Exports.search([("name", "=", "Segments (test)")]), mine)
        with self.assertRaises(AccessError):
            Exports.create({"name": "Contacts (test)", "resource": "res.partner"})

    def test_viewer_sees_export_in_the_result_lists(self):
        """Without Odoo's export right, the analytics lists still offer Action > Export."""
        self.start_tour(
            "/odoo/action-crm_ext_analytics.crm_ext_customer_rfm_history_action",
            "crm_ext_analytics_export_tour",
            login=self.viewer.login,
        )
