#!/usr/bin/env python3
"""Builds the crm_ext dashboards of Odoo's Dashboards app (spreadsheet_dashboard,
o-spreadsheet JSON) from the short descriptions below, one file per dashboard in the
add-on that owns its data (``addons/<module>/data/files/<name>.json``).

    python3 scripts/build_dashboards.py           # write the files
    python3 scripts/build_dashboards.py --check   # exit 1 when a file is not what this script writes

The files are generated: change this script, never the JSON. Every dashboard is one visible
sheet (scorecards, charts, top-10 tables, each section title a link to the Odoo view behind
it) and a "Data" sheet holding the scorecards' formulas. Charts and tables read live data
through Odoo's read_group (``odoo_bar``/``odoo_line``/``odoo_pie`` charts, ``ODOO`` pivots),
so they follow the viewer's access rights and companies. The tests
(``crm_ext_analytics/tests/test_dashboards.py``) check that every model, field, measure and
group-by named here exists and can be grouped; a tour (``test_demo_history.py``) opens each
dashboard on the demo history and checks that no scorecard, chart or table is empty.
"""

import argparse
import json
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = 23  # o-spreadsheet's default row height, px
COLS = [250, 125, 125, 30, 250, 125, 125]  # a left and a right table, a gap between
WIDTH = sum(COLS)
HALF = (WIDTH - 20) // 2

STYLES = {
    "1": {"textColor": "#01666b", "bold": True, "fontSize": 16},  # section title (a link)
    "2": {"bold": True, "fontSize": 11, "textColor": "#434343"},  # table header
    "3": {"textColor": "#434343", "verticalAlign": "middle"},  # table body
    "4": {"bold": True, "fontSize": 11, "textColor": "#434343", "align": "right"},
}
KPI_COLOR = "#EFF6FF"


def _domain(domain):
    """A list of leaves, or a string the web client evaluates (relative dates)."""
    return domain if isinstance(domain, str) else list(domain)


def _uid(*parts):
    """A stable id, so that rebuilding writes the same file."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "crm_ext/" + "/".join(map(str, parts))))


class Dashboard:
    def __init__(self, key, title):
        self.key = key
        self.title = title
        self.cells = {}
        self.styles = {}
        self.figures = []
        self.data_cells = {"A1": {"content": '=_t("KPI")'}, "B1": {"content": '=_t("Value")'}}
        self.data_row = 1
        self.pivots = {}
        self.row = 0  # next free row of the visible sheet

    # -------------------------------------------------------------- building blocks
    def _pivot(self, name, model, measures, rows=(), domain=(), sort=None):
        pid = str(len(self.pivots) + 1)
        self.pivots[pid] = {
            "type": "ODOO",
            "fieldMatching": {},
            "context": {},
            "domain": list(domain),
            "id": pid,
            "measures": [{"id": m, "fieldName": m} for m in measures],
            "model": model,
            "name": name,
            "formulaId": pid,
            "columns": [],
            "rows": [{"fieldName": r} for r in rows],
            "sortedColumn": ({"groupId": [[], []], "measure": sort, "order": "desc"} if sort else None),
        }
        if not sort:
            del self.pivots[pid]["sortedColumn"]
        return pid

    @staticmethod
    def _link(text, model, view, domain=(), group_by=(), measure=None):
        context = {"group_by": list(group_by)}
        if view == "graph" and measure:
            context.update(graph_measure=measure, graph_groupbys=list(group_by))
        if view == "pivot":
            context.update(
                pivot_measures=[measure or "__count"],
                pivot_row_groupby=list(group_by),
                pivot_column_groupby=[],
            )
        action = {
            "viewType": view,
            "action": {
                "domain": _domain(domain),
                "context": context,
                "modelName": model,
                "views": [[False, "graph"], [False, "pivot"], [False, "list"], [False, "search"]],
            },
            "threshold": 0,
            "name": text,
        }
        return f"[{text}](odoo://view/{json.dumps(action, separators=(',', ':'))})"

    def scorecards(self, cards):
        """cards: (label, model, measure, domain, display) with display one of
        "number", "percent" (a 0-100 figure), "days", "hours"."""
        width = (WIDTH - 10 * (len(cards) - 1)) // len(cards)
        for index, (label, model, measure, domain, display) in enumerate(cards):
            pid = self._pivot(label, model, [measure], domain=domain)
            self.data_row += 1
            r = self.data_row
            self.data_cells[f"A{r}"] = {"content": f'=_t("{label}")'}
            self.data_cells[f"B{r}"] = {"content": f'=PIVOT.VALUE({pid},"{measure}")'}
            shown = {
                "number": f"=FORMAT.LARGE.NUMBER(B{r})",
                "percent": f'=ROUND(B{r},1)&" %"',
                "days": f'=ROUND(B{r},1)&" d"',
                "hours": f'=ROUND(B{r},1)&" h"',
            }[display]
            self.data_cells[f"C{r}"] = {"content": shown}
            self.figures.append(
                {
                    "id": _uid(self.key, "kpi", index),
                    "x": index * (width + 10),
                    "y": self.row * ROW + 8,
                    "width": width,
                    "height": 100,
                    "tag": "chart",
                    "data": {
                        "type": "scorecard",
                        "title": {"text": label, "bold": True, "color": "#434343"},
                        "background": KPI_COLOR,
                        "keyValue": f"Data!C{r}",
                        "baselineMode": "text",
                        "baselineDescr": "",
                        "baselineColorDown": "#DC6965",
                        "baselineColorUp": "#00A04A",
                        "humanize": False,
                    },
                }
            )
        self.row += 6

    def charts(self, charts):
        """One row of one or two charts: (title, model, chart type, group_by, measure, domain);
        the domain a list, or a string with ``context_today()`` and ``relativedelta``."""
        height = 14
        for index, (title, model, kind, group_by, measure, domain) in enumerate(charts):
            x = index * (HALF + 20)
            col = "A" if index == 0 else "E"
            self.cells[f"{col}{self.row + 1}"] = {
                "content": self._link(title, model, "graph", domain, group_by, measure)
            }
            self.styles[f"{col}{self.row + 1}"] = 1
            data = {
                "title": {"text": ""},
                "background": "#FFFFFF",
                "legendPosition": "top" if kind == "pie" or len(group_by) > 1 else "none",
                "metaData": {
                    "groupBy": list(group_by),
                    "measure": measure,
                    "order": None,
                    "resModel": model,
                    "mode": kind,
                },
                "searchParams": {
                    "comparison": None,
                    "context": {"group_by": []},
                    "domain": _domain(domain),
                    "groupBy": list(group_by),
                    "orderBy": [],
                },
                "type": f"odoo_{kind}",
                "fieldMatching": {},
            }
            if kind in ("bar", "line"):
                data.update(verticalAxisPosition="left", stacked=len(group_by) > 1)
            if kind == "line":
                data.update(fillArea=True, stacked=False)
            self.figures.append(
                {
                    "id": _uid(self.key, "chart", title),
                    "x": x,
                    "y": (self.row + 1) * ROW + 6,
                    "width": WIDTH if len(charts) == 1 else HALF,
                    "height": height * ROW - 12,
                    "tag": "chart",
                    "data": data,
                }
            )
        self.row += height + 2

    def tables(self, tables):
        """One row of one or two top-10 tables: (title, model, group_by field, header,
        [(measure, header)], domain). Rows sorted by the first measure, descending."""
        for index, (title, model, group_by, header, measures, domain) in enumerate(tables):
            first_col = 0 if index == 0 else 4
            letters = "ABCDEFG"
            pid = self._pivot(
                title, model, [m for m, _h in measures], rows=[group_by], domain=domain, sort=measures[0][0]
            )
            top = self.row + 1
            title_cell = f"{letters[first_col]}{top}"
            self.cells[title_cell] = {
                "content": self._link(title, model, "pivot", domain, [group_by], measures[0][0])
            }
            self.styles[title_cell] = 1
            self.cells[f"{letters[first_col]}{top + 1}"] = {"content": f'=_t("{header}")'}
            self.styles[f"{letters[first_col]}{top + 1}"] = 2
            for offset, (_measure, label) in enumerate(measures[:2], start=1):
                cell = f"{letters[first_col + offset]}{top + 1}"
                self.cells[cell] = {"content": f'=_t("{label}")'}
                self.styles[cell] = 4
            for position in range(1, 11):
                row = top + 1 + position
                self.cells[f"{letters[first_col]}{row}"] = {
                    "content": f'=PIVOT.HEADER({pid},"#{group_by}",{position})'
                }
                self.styles[f"{letters[first_col]}{row}"] = 3
                for offset, (measure, _label) in enumerate(measures[:2], start=1):
                    cell = f"{letters[first_col + offset]}{row}"
                    self.cells[cell] = {
                        "content": f'=PIVOT.VALUE({pid},"{measure}","#{group_by}",{position})'
                    }
                    self.styles[cell] = 3
        self.row += 14

    # -------------------------------------------------------------- output
    def snapshot(self):
        rows = max(self.row + 5, 60)
        visible = {
            "id": _uid(self.key, "sheet"),
            "name": "Dashboard",
            "colNumber": len(COLS),
            "rowNumber": rows,
            "rows": {},
            "cols": {str(i): {"size": size} for i, size in enumerate(COLS)},
            "merges": [],
            "cells": self.cells,
            "styles": self.styles,
            "formats": {},
            "borders": {},
            "conditionalFormats": [],
            "figures": self.figures,
            "tables": [],
            "areGridLinesVisible": False,
            "isVisible": True,
            "headerGroups": {"ROW": [], "COL": []},
            "dataValidationRules": [],
            "comments": {},
        }
        data = dict(
            visible,
            id=_uid(self.key, "data"),
            name="Data",
            colNumber=3,
            rowNumber=max(self.data_row + 5, 20),
            cols={"0": {"size": 250}},
            cells=self.data_cells,
            styles={},
            figures=[],
            areGridLinesVisible=True,
        )
        return {
            "version": 21,
            "sheets": [visible, data],
            "styles": STYLES,
            "formats": {},
            "borders": {},
            "revisionId": "START_REVISION",
            "uniqueFigureIds": True,
            "settings": {},
            "pivots": self.pivots,
            "pivotNextId": len(self.pivots) + 1,
            "customTableStyles": {},
            "odooVersion": 12,
            "globalFilters": [],
            "lists": {},
            "listNextId": 1,
            "chartOdooMenusReferences": {},
        }


# ------------------------------------------------------------------ the four dashboards
OPEN_TICKET = [("open_count", ">", 0)]
WON = [("outcome", "=", "won")]
# the whole company's months (not its teams') of the last 24 months (this one included, the
# last invoiced) and the next 12 (the forecast ones): a domain the web client evaluates when the
# dashboard opens, so that the window follows today
REVENUE_WINDOW = (
    "[('team_id', '=', False),"
    " ('month', '>=', (context_today() - relativedelta(months=23)).strftime('%Y-%m-01')),"
    " ('month', '<', (context_today() + relativedelta(months=13)).strftime('%Y-%m-01'))]"
)
FORECAST_MONTHS = REVENUE_WINDOW[:-1] + ", ('is_forecast', '=', True)]"


def sales_dashboard():
    d = Dashboard("sales", "Sales & Customer 360")
    d.scorecards(
        [
            ("Weighted pipeline", "crm_ext.forecast.report", "weighted_revenue", [], "number"),
            ("Forecast", "crm_ext.forecast.report", "forecast_amount", [], "number"),
            ("Invoiced", "crm_ext.sales.target.report", "achieved_amount", [], "number"),
            ("Target", "crm_ext.sales.target.report", "target_amount", [], "number"),
            ("Win rate", "crm_ext.win.loss.report", "win_rate", [], "percent"),
            ("Sales cycle", "crm_ext.win.loss.report", "cycle_days", WON, "days"),
        ]
    )
    d.charts(
        [
            (
                "Forecast by month and category",
                "crm_ext.forecast.report",
                "bar",
                ["month:month", "category"],
                "amount",
                [],
            ),
        ]
    )
    d.charts(
        [
            ("Won and lost by team", "crm_ext.win.loss.report", "bar", ["team_id", "outcome"], "__count", []),
            (
                "Lost reasons",
                "crm_ext.win.loss.report",
                "pie",
                ["lost_reason_id"],
                "__count",
                [("outcome", "=", "lost")],
            ),
        ]
    )
    d.tables(
        [
            (
                "Targets by salesperson",
                "crm_ext.sales.target.report",
                "user_id",
                "Salesperson",
                [("target_amount", "Target"), ("achieved_amount", "Invoiced")],
                [],
            ),
            (
                "Win rate by source",
                "crm_ext.win.loss.report",
                "source_id",
                "Source",
                [("__count", "Closed"), ("win_rate", "Win rate (%)")],
                [],
            ),
        ]
    )
    d.charts(
        [
            (
                "Days in stage",
                "crm_ext.stage.conversion.report",
                "bar",
                ["from_stage_id"],
                "days_in_stage",
                [],
            ),
        ]
    )
    return d


def service_dashboard():
    d = Dashboard("service", "Customer Service")
    d.scorecards(
        [
            ("Open tickets", "crm_ext.service.report", "open_count", [], "number"),
            ("SLA attainment", "crm_ext.service.report", "sla_compliance", [], "percent"),
            ("First response", "crm_ext.service.report", "first_response_hours", [], "hours"),
            ("CSAT", "crm_ext.service.report", "csat", [], "percent"),
            ("Cost to serve", "crm_ext.service.report", "cost_to_serve", [], "number"),
            ("Credited returns", "crm_ext.return.report", "credit_amount", [], "number"),
        ]
    )
    d.charts(
        [
            (
                "Backlog by age",
                "crm_ext.service.report",
                "bar",
                ["age_bucket", "priority"],
                "open_count",
                OPEN_TICKET,
            ),
            ("Tickets by channel", "crm_ext.service.report", "pie", ["channel"], "ticket_count", []),
        ]
    )
    d.charts(
        [
            (
                "Tickets opened by month",
                "crm_ext.service.report",
                "line",
                ["create_date:month"],
                "ticket_count",
                [],
            ),
        ]
    )
    d.tables(
        [
            (
                "SLA attainment by team",
                "crm_ext.service.report",
                "team_id",
                "Team",
                [("ticket_count", "Tickets"), ("sla_compliance", "SLA met (%)")],
                [],
            ),
            (
                "Returns by reason",
                "crm_ext.return.report",
                "reason_id",
                "Reason",
                [("quantity", "Quantity"), ("credit_amount", "Credited")],
                [],
            ),
        ]
    )
    d.tables(
        [
            (
                "Cost to serve by customer",
                "crm_ext.service.report",
                "partner_id",
                "Customer",
                [("cost_to_serve", "Cost to serve"), ("ticket_count", "Tickets")],
                [],
            ),
            (
                "Satisfaction by category",
                "crm_ext.service.report",
                "category_id",
                "Category",
                [("ticket_count", "Tickets"), ("csat", "CSAT (%)")],
                [],
            ),
        ]
    )
    return d


def marketing_dashboard():
    d = Dashboard("marketing", "Marketing")
    funnel = "crm_ext.campaign.funnel.report"
    d.scorecards(
        [
            ("Customers reached", funnel, "target_count", [], "number"),
            ("Responded", funnel, "responded", [], "number"),
            ("Leads", funnel, "lead_count", [], "number"),
            ("Won deals", funnel, "won_count", [], "number"),
            ("Campaign revenue", funnel, "revenue", [], "number"),
        ]
    )
    d.charts(
        [
            ("Revenue by channel", funnel, "bar", ["channel"], "revenue", []),
            ("Leads by channel", funnel, "pie", ["channel"], "lead_count", []),
        ]
    )
    d.tables(
        [
            (
                "Funnel by campaign",
                funnel,
                "campaign_id",
                "Campaign",
                [("target_count", "Reached"), ("lead_count", "Leads")],
                [],
            ),
            (
                "Revenue by campaign",
                funnel,
                "campaign_id",
                "Campaign",
                [("revenue", "Revenue"), ("won_count", "Won")],
                [],
            ),
        ]
    )
    d.charts(
        [
            (
                "Won and lost by campaign",
                "crm_ext.win.loss.report",
                "bar",
                ["campaign_id", "outcome"],
                "__count",
                [("campaign_id", "!=", False)],
            ),
        ]
    )
    return d


def analytics_dashboard():
    d = Dashboard("analytics", "Customer Analytics")
    rfm = "crm_ext.customer.rfm"
    d.scorecards(
        [
            ("Customers scored", rfm, "__count", [], "number"),
            ("Net revenue", rfm, "monetary", [], "number"),
            ("Predicted lifetime value", rfm, "clv_predicted", [], "number"),
            ("High churn risk", rfm, "__count", [("churn_risk", "=", "high")], "number"),
            # the company's forecast months (its teams' rows are part of it)
            (
                "Forecast",
                "crm_ext.revenue.forecast",
                "forecast",
                [("team_id", "=", False), ("is_forecast", "=", True)],
                "number",
            ),
        ]
    )
    d.charts(
        [
            ("Customers by segment", rfm, "bar", ["segment"], "__count", []),
            ("Revenue by segment", rfm, "pie", ["segment"], "monetary", []),
        ]
    )
    d.charts(
        [
            # one line: the invoiced months, then the forecast ones (no zero actuals ahead)
            (
                "Revenue by month: invoiced, then forecast",
                "crm_ext.revenue.forecast",
                "line",
                ["month:month"],
                "amount",
                REVENUE_WINDOW,
            ),
            (
                "Revenue: forecast by month",
                "crm_ext.revenue.forecast",
                "bar",
                ["month:month"],
                "forecast",
                FORECAST_MONTHS,
            ),
        ]
    )
    d.charts(
        [
            ("Lifetime value by decile", rfm, "bar", ["clv_decile"], "clv_predicted", []),
            ("Churn risk", rfm, "pie", ["churn_risk"], "__count", []),
        ]
    )
    d.charts(
        [
            (
                "Segment movement (history)",
                "crm_ext.customer.rfm.history",
                "bar",
                ["date:month", "segment"],
                "__count",
                [],
            ),
            (
                "Cohort sizes by first-purchase month",
                "crm_ext.cohort.report",
                "bar",
                ["cohort_month:month"],
                "cohort_size",
                [("months_since", "=", 0)],
            ),
        ]
    )
    d.tables(
        [
            (
                "Top customers by lifetime value",
                rfm,
                "partner_id",
                "Customer",
                [("clv_predicted", "Predicted CLV"), ("monetary", "Net revenue")],
                [],
            ),
            (
                "Customers most likely to churn",
                rfm,
                "partner_id",
                "Customer",
                [("churn_probability", "Churn probability"), ("monetary", "Net revenue")],
                [("churn_risk", "=", "high")],
            ),
        ]
    )
    return d


DASHBOARDS = {
    "crm_ext_sales/data/files/crm_ext_sales_dashboard.json": sales_dashboard,
    "crm_ext_service/data/files/crm_ext_service_dashboard.json": service_dashboard,
    "crm_ext_marketing/data/files/crm_ext_marketing_dashboard.json": marketing_dashboard,
    "crm_ext_analytics/data/files/crm_ext_analytics_dashboard.json": analytics_dashboard,
}


def render(builder):
    return json.dumps(builder().snapshot(), indent=1, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file differs from what is built")
    args = parser.parse_args(argv)
    stale = []
    for relative, builder in DASHBOARDS.items():
        path = ROOT / "addons" / relative
        text = render(builder)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(relative)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote addons/{relative}")
    if stale:
        print("dashboards not rebuilt (run python3 scripts/build_dashboards.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
