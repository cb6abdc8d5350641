/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_ext_sales_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM app",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
        {
            content: "Open the Customer Relations menu",
            trigger: "button[data-menu-xmlid='crm_ext_sales.customer_relations_menu']",
            run: "click",
        },
        {
            content: "Open the interaction log",
            trigger: ".dropdown-item[data-menu-xmlid='crm_ext_sales.crm_ext_interaction_menu']",
            run: "click",
        },
        {
            content: "Open a logged call",
            trigger: ".o_data_row td:contains('Discovery call about office furniture')",
            run: "click",
        },
        {
            content: "Change its summary",
            trigger: ".o_field_widget[name=summary] input",
            run: "edit Discovery call, edited by the tour",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: nothing left to save",
            trigger: ".o_form_saved",
        },
    ],
});
