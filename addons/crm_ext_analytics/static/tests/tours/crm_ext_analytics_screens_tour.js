/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { waitUntil } from "@odoo/hoot-dom";

// Every CRM Analytics screen and every crm_ext dashboard, on a database with the demo history
// (as `make run` builds it): each must show real content, not an empty state or zeros.
const ROOT = "crm_ext_analytics";
const NOT_EMPTY = ":not(:has(.o_view_nocontent))";
const DASHBOARDS = ["Sales & Customer 360", "Customer Service", "Marketing Campaigns", "Customer Analytics"];
// data loads after the view or dashboard is drawn: a check waits up to WAIT for it (its step
// up to STEP_TIMEOUT, so that the check reports what is missing rather than a step timeout)
const WAIT = { timeout: 20000 };
const STEP_TIMEOUT = 30000;

function openMenu(menu, parent) {
    const steps = [];
    if (parent) {
        steps.push({
            content: `Open the ${parent} menu`,
            trigger: `.o_menu_sections [data-menu-xmlid='${ROOT}.${parent}']`,
            run: "click",
        });
    }
    steps.push({
        content: `Open ${menu}`,
        trigger: `[data-menu-xmlid='${ROOT}.${menu}']`,
        run: "click",
    });
    return steps;
}

function screen(menu, parent, content, trigger) {
    return [...openMenu(menu, parent), { content, trigger }];
}

/** The values of a Chart.js chart drawn in `canvas` (graph views, dashboards' charts). */
function chartValues(canvas) {
    const chart = window.Chart?.getChart(canvas);
    return (chart?.data.datasets || []).flatMap((dataset) => dataset.data).map(Number);
}

/** A graph view whose chart has at least `count` non-zero values. */
function graphScreen(menu, parent, content, count) {
    return [
        ...openMenu(menu, parent),
        {
            content,
            trigger: `.o_graph_view${NOT_EMPTY} .o_graph_renderer canvas`,
            timeout: STEP_TIMEOUT,
            async run() {
                const canvas = document.querySelector(".o_graph_view .o_graph_renderer canvas");
                const nonZero = () => chartValues(canvas).filter(Boolean).length;
                await waitUntil(() => nonZero() >= count, WAIT).catch(() => {
                    throw new Error(`${content}: ${nonZero()} non-zero values, ${count} expected`);
                });
            },
        },
    ];
}

/** The spreadsheet model of the dashboard the Dashboards app shows. */
function activeDashboard() {
    const stack = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (stack.length) {
        const node = stack.pop();
        const dashboard = node.component?.state?.activeDashboard;
        if (dashboard?.model) {
            return dashboard;
        }
        stack.push(...Object.values(node.children || {}));
    }
    return undefined;
}

/**
 * What a dashboard (scripts/build_dashboards.py) shows empty: a scorecard whose figure is not
 * a non-zero number, a chart without a non-zero value, a top-10 table without a first row.
 */
function dashboardGaps(name) {
    const dashboard = activeDashboard();
    if (!dashboard || dashboard.displayName !== name) {
        return [`${name} is not the dashboard shown`];
    }
    const getters = dashboard.model.getters;
    const gaps = [];
    const sheetId = getters.getSheetIdByName("Dashboard");
    const dataSheetId = getters.getSheetIdByName("Data");
    const cellsOf = (id) =>
        getters.getEvaluatedCellsPositions(id).map((position) => ({
            content: getters.getCell(position)?.content || "",
            evaluated: getters.getEvaluatedCell(position),
            position,
        }));
    // the scorecards' figures: column B of the Data sheet, labelled in column A
    for (const { content, evaluated, position } of cellsOf(dataSheetId)) {
        if (content.startsWith("=PIVOT.VALUE") && !(evaluated.type === "number" && evaluated.value)) {
            const label = getters.getEvaluatedCell({ ...position, col: 0 }).value;
            gaps.push(`scorecard "${label}": ${evaluated.value}`);
        }
    }
    // the charts read by Odoo's read_group
    for (const figure of getters.getFigures(sheetId)) {
        const definition = getters.getChartDefinition(figure.id);
        if (!definition.type.startsWith("odoo_")) {
            continue;
        }
        const runtime = getters.getChartRuntime(figure.id);
        const values = (runtime.chartJsConfig?.data.datasets || []).flatMap((dataset) => dataset.data);
        if (!values.some((value) => Number(value))) {
            const { resModel, groupBy, measure } = definition.metaData;
            gaps.push(`chart ${resModel} ${measure} by ${groupBy.join(", ")}: no data`);
        }
    }
    // the first row of each top-10 table
    for (const { content, evaluated } of cellsOf(sheetId)) {
        if (/^=PIVOT\.HEADER\(\d+,"#\w+",1\)$/.test(content)) {
            if (evaluated.type === "error" || evaluated.type === "empty" || evaluated.value === "") {
                gaps.push(`table ${content}: ${evaluated.value}`);
            }
        }
    }
    return gaps;
}

function openDashboard(name) {
    return [
        {
            content: `Open the ${name} dashboard`,
            trigger: `.o_search_panel_category_value .o_dashboard_name:contains("${name}")`,
            run: "click",
        },
        {
            content: `${name}: loaded, its charts drawn`,
            trigger: `.o_search_panel_category_value.active .o_dashboard_name:contains("${name}")`,
        },
        {
            content: `${name}: every scorecard has a figure, every chart data, every table rows`,
            trigger:
                ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status)) .o_renderer .o-figure canvas",
            timeout: STEP_TIMEOUT,
            async run() {
                await waitUntil(() => !dashboardGaps(name).length, WAIT).catch(() => {
                    throw new Error(`${name} shows empty parts: ${dashboardGaps(name).join("; ")}`);
                });
            },
        },
    ];
}

registry.category("web_tour.tours").add("crm_ext_analytics_screens_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM Analytics app",
            trigger: `.o_app[data-menu-xmlid='${ROOT}.analytics_menu_root']`,
            run: "click",
        },
        {
            content: "The RFM map: each of the 11 segments has customers",
            trigger:
                ".o_crm_ext_rfm_map_legend tbody:has(tr.o_crm_ext_rfm_row:nth-child(11)):not(:has(tr[data-count='0']))",
        },
        {
            content: "The RFM map: its grid drawn",
            trigger: ".o_crm_ext_rfm_map_svg:has(rect.o_crm_ext_rfm_cell:nth-of-type(25))",
        },
        ...screen(
            "crm_ext_customer_rfm_menu",
            null,
            "Customers by RFM: the pivot has values",
            `.o_pivot_view${NOT_EMPTY} .o_pivot table td.o_pivot_cell_value:not(:empty)`
        ),
        ...graphScreen(
            "crm_ext_customer_clv_menu",
            "analytics_insights_menu",
            "Lifetime value: a chart of several values",
            3
        ),
        ...screen(
            "crm_ext_customer_churn_menu",
            "analytics_insights_menu",
            "Churn risk: customers with their reasons",
            ".o_list_view .o_data_row td[name=churn_reasons]:not(:empty)"
        ),
        ...screen(
            "crm_ext_customer_rfm_history_menu",
            "analytics_insights_menu",
            "Segment history: rows",
            ".o_list_view .o_data_row"
        ),
        ...screen(
            "crm_ext_cohort_report_menu",
            "analytics_insights_menu",
            "Cohort retention: the pivot has values",
            `.o_pivot_view${NOT_EMPTY} .o_pivot table td.o_pivot_cell_value:not(:empty)`
        ),
        ...screen(
            "crm_ext_product_rule_menu",
            "analytics_insights_menu",
            "Products bought together: rules",
            ".o_list_view .o_data_row"
        ),
        ...screen(
            "crm_ext_customer_offer_menu",
            "analytics_insights_menu",
            "Next best offers: offers",
            ".o_list_view .o_data_row"
        ),
        ...graphScreen(
            "crm_ext_revenue_forecast_menu",
            "analytics_insights_menu",
            "Revenue forecast: a chart of the months",
            12
        ),
        ...screen("crm_ext_analytics_run_menu", null, "Runs: the demo runs", ".o_list_view .o_data_row"),
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Dashboards app",
            trigger: ".o_app[data-menu-xmlid='spreadsheet_dashboard.spreadsheet_dashboard_menu_root']",
            run: "click",
        },
        ...DASHBOARDS.flatMap(openDashboard),
    ],
});
