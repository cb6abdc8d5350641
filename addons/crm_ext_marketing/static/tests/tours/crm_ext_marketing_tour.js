/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_ext_marketing_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketing app",
            trigger: ".o_app[data-menu-xmlid='crm_ext_marketing.marketing_menu_root']",
            run: "click",
        },
        {
            content: "Open a segment",
            trigger: ".o_data_row td:contains('Business customers')",
            run: "click",
        },
        {
            content: "Rename it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Business customers, edited by the tour",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Refresh its members",
            trigger: ".o_form_view button[name=action_refresh_members]",
            run: "click",
        },
        {
            content: "Open the history of its sizes",
            trigger: ".o_form_view button[name=action_view_history]",
            run: "click",
        },
        {
            content: "Sizes over time are shown as a graph",
            trigger: ".o_graph_view .o_graph_renderer",
        },
    ],
});
