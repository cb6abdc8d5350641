/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Every CRM Analytics screen, on a database with the demo history: each must show data.
const ROOT = "crm_ext_analytics";
const NOT_EMPTY = ":not(:has(.o_view_nocontent))";

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
            content: "The RFM map shows every segment with customers",
            trigger: ".o_crm_ext_rfm_map svg",
        },
        ...screen(
            "crm_ext_customer_rfm_menu",
            null,
            "Customers by RFM: the pivot has values",
            `.o_pivot_view${NOT_EMPTY} .o_pivot table td.o_pivot_cell_value:not(:empty)`
        ),
        ...screen(
            "crm_ext_customer_clv_menu",
            "analytics_insights_menu",
            "Lifetime value: a chart",
            `.o_graph_view${NOT_EMPTY} .o_graph_renderer canvas`
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
        ...screen(
            "crm_ext_revenue_forecast_menu",
            "analytics_insights_menu",
            "Revenue forecast: a chart",
            `.o_graph_view${NOT_EMPTY} .o_graph_renderer canvas`
        ),
        ...screen("crm_ext_analytics_run_menu", null, "Runs: the demo runs", ".o_list_view .o_data_row"),
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Dashboards app",
            trigger: ".o_app[data-menu-xmlid='spreadsheet_dashboard.spreadsheet_dashboard_menu_root']",
            run: "click",
        },
        {
            content: "Open the Customer Analytics dashboard",
            trigger: '.o_search_panel_category_value .o_dashboard_name:contains("Customer Analytics")',
            run: "click",
        },
        {
            content: "Customer Analytics: loaded, its charts drawn",
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status)) .o_renderer .o-figure canvas",
        },
    ],
});
