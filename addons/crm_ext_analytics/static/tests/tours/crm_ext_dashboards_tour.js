import { registry } from "@web/core/registry";

const DASHBOARDS = ["Sales & Customer 360", "Customer Service", "Marketing Campaigns", "Customer Analytics"];

function openDashboard(name) {
    return [
        {
            content: `Open the ${name} dashboard`,
            trigger: `.o_search_panel_category_value .o_dashboard_name:contains("${name}")`,
            run: "click",
        },
        {
            content: `${name} is the active dashboard`,
            trigger: `.o_search_panel_category_value.active .o_dashboard_name:contains("${name}")`,
        },
        {
            content: `${name}: loaded without error, its scorecards and charts drawn`,
            trigger: ".o_spreadsheet_dashboard_action:not(:has(.dashboard-loading-status)) .o_renderer .o-figure canvas",
        },
    ];
}

registry.category("web_tour.tours").add("crm_ext_dashboards_tour", {
    steps: () => DASHBOARDS.flatMap(openDashboard),
});
