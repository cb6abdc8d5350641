/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_ext_analytics_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM Analytics app",
            trigger: ".o_app[data-menu-xmlid='crm_ext_analytics.analytics_menu_root']",
            run: "click",
        },
        {
            content: "The app opens on the RFM map",
            trigger: ".o_crm_ext_rfm_map",
        },
        {
            content: "Open the customers by RFM",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_ext_analytics.crm_ext_customer_rfm_menu']",
            run: "click",
        },
        {
            content: "The RFM matrix of the demo customers",
            trigger: ".o_pivot_view .o_pivot table .o_pivot_header_cell_closed, .o_pivot_view .o_pivot table th",
        },
        {
            content: "Open the runs",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_ext_analytics.crm_ext_analytics_run_menu']",
            run: "click",
        },
        {
            content: "Durations read as seconds, not as hours and minutes",
            trigger: ".o_data_row td[name=duration]:contains(' s')",
        },
        {
            content: "Open the run of the demo data",
            trigger: ".o_data_row td[name=state]:contains('Done')",
            run: "click",
        },
        {
            content: "The run read the demo invoices",
            trigger: ".o_field_widget[name=customer_count]",
        },
        {
            content: "The run's duration and its stages' read as seconds",
            trigger: ".o_field_widget[name=duration]:contains(' s'), .o_field_widget[name=duration]:contains(' min')",
        },
        {
            content: "Each stage's time reads as seconds",
            trigger: ".o_field_widget[name=stage_ids] .o_data_row td[name=seconds]:contains(' s')",
        },
        {
            content: "Back to the list",
            trigger: ".o_back_button, .breadcrumb-item:first-child a",
            run: "click",
        },
        {
            content: "Start a new run",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Save it and queue it for the analytics job",
            trigger: "button[name=action_run]",
            run: "click",
        },
        {
            content: "The user is told that the run is queued",
            trigger: ".o_notification:contains('queued')",
        },
        {
            content: "The run shows as queued, with what it waits for",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Queued')",
        },
        {
            content: "Nothing ran inside the request: the run has not started",
            trigger: ".o_field_widget[name=progress]:contains('Queued')",
        },
        {
            content: "Open the customers by RFM",
            trigger: ".o_menu_sections [data-menu-xmlid='crm_ext_analytics.crm_ext_customer_rfm_menu']",
            run: "click",
        },
        {
            content: "Switch to the list of scored customers",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The demo customers have a segment",
            trigger: ".o_list_view .o_data_row td[name=segment] .badge",
        },
    ],
});
