import json
import re

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user
from odoo.tools.safe_eval import safe_eval

DASHBOARDS = {
    "crm_ext_sales.spreadsheet_dashboard_sales": "sales_team.group_sale_salesman",
    "crm_ext_service.spreadsheet_dashboard_service": "crm_ext_service.group_service_user",
    "crm_ext_marketing.spreadsheet_dashboard_marketing": "crm_ext_marketing.group_marketing_user",
    "crm_ext_analytics.spreadsheet_dashboard_analytics": "crm_ext_analytics.group_analytics_user",
}
FORMULA = re.compile(r'(PIVOT\.VALUE|PIVOT\.HEADER)\((\d+),"([^"]+)"')


def chart_domain(env, domain):
    """A chart's domain as the web client evaluates it: a list, or a string with relative dates."""
    if not isinstance(domain, str):
        return domain
    today = fields.Date.context_today(env.user)
    return safe_eval(domain, {"context_today": lambda: today, "relativedelta": relativedelta})


class TestDashboards(TransactionCase):
    """The Dashboards app's crm_ext dashboards (built by scripts/build_dashboards.py) name only
    models, fields and group-bys that exist, every formula points at a pivot that has the
    measure, and each dashboard shows data on the demo database (the tour of
    test_demo_history.py opens each on the demo history)."""

    def _snapshot(self, xmlid):
        return json.loads(self.env.ref(xmlid).spreadsheet_data)

    def _aggregate(self, model, measure):
        if measure == "__count":
            return "__count"
        field = self.env[model]._fields[measure]
        self.assertTrue(field.store and field.aggregator, f"{model}.{measure} cannot be a measure")
        return f"{measure}:{field.aggregator}"

    def _groups(self, model, domain, groupby, measures):
        """The read_group the web client makes for this pivot or chart; its rows."""
        return self.env[model]._read_group(
            chart_domain(self.env, domain), groupby, [self._aggregate(model, m) for m in measures]
        )

    def test_pivots_and_charts_read_real_fields(self):
        for xmlid in DASHBOARDS:
            snapshot = self._snapshot(xmlid)
            with self.subTest(dashboard=xmlid):
                self.assertTrue(snapshot["pivots"], "a dashboard without data sources")
                non_empty = 0
                for pivot in snapshot["pivots"].values():
                    rows = [r["fieldName"] for r in pivot["rows"]]
                    measures = [m["fieldName"] for m in pivot["measures"]]
                    non_empty += bool(self._groups(pivot["model"], pivot["domain"], rows, measures))
                charts = [
                    f["data"]
                    for sheet in snapshot["sheets"]
                    for f in sheet["figures"]
                    if f["data"]["type"].startswith("odoo_")
                ]
                self.assertTrue(charts, "a dashboard without charts")
                for chart in charts:
                    meta = chart["metaData"]
                    self.assertEqual(chart["searchParams"]["groupBy"], meta["groupBy"])
                    non_empty += bool(
                        self._groups(
                            meta["resModel"],
                            chart["searchParams"]["domain"],
                            meta["groupBy"],
                            [meta["measure"]],
                        )
                    )
                self.assertGreater(non_empty, 0, "nothing to show on the demo database")

    def test_formulas_point_at_existing_pivots_and_measures(self):
        for xmlid in DASHBOARDS:
            snapshot = self._snapshot(xmlid)
            pivots = snapshot["pivots"]
            data_sheet = next(s for s in snapshot["sheets"] if s["name"] == "Data")
            for sheet in snapshot["sheets"]:
                for cell, content in sheet["cells"].items():
                    for function, pid, argument in FORMULA.findall(content.get("content", "")):
                        with self.subTest(dashboard=xmlid, cell=cell):
                            self.assertIn(pid, pivots)
                            pivot = pivots[pid]
                            if function == "PIVOT.VALUE":
                                self.assertIn(argument, [m["fieldName"] for m in pivot["measures"]])
                            else:
                                self.assertEqual(argument.lstrip("#"), pivot["rows"][0]["fieldName"])
                for figure in sheet["figures"]:
                    if figure["data"]["type"] == "scorecard":
                        cell = figure["data"]["keyValue"].split("!")[1]
                        self.assertIn(cell, data_sheet["cells"], f"{xmlid}: scorecard on an empty cell")

    def test_each_dashboard_opens_for_its_group_only(self):
        employee = new_test_user(self.env, "crm_ext_dash_employee", groups="base.group_user")
        Dashboard = self.env["spreadsheet.dashboard"]
        for xmlid, group in DASHBOARDS.items():
            dashboard = self.env.ref(xmlid)
            with self.subTest(dashboard=xmlid):
                self.assertTrue(dashboard.is_published)
                self.assertEqual(dashboard.group_ids, self.env.ref(group))
                user = new_test_user(
                    self.env, f"crm_ext_dash_{dashboard.id}", groups=f"base.group_user,{group}"
                )
                data = dashboard.with_user(user).get_readonly_dashboard()
                self.assertEqual(data["snapshot"]["pivots"], self._snapshot(xmlid)["pivots"])
                self.assertNotIn(dashboard, Dashboard.with_user(employee).search([]))
