/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openCustomerRelationsMenu } from "@crm_ext_sales/../tests/tours/crm_ext_sales_tour_utils";

registry.category("web_tour.tours").add("crm_ext_sales_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomerRelationsMenu("crm_ext_interaction_menu", "Open the interaction log"),
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
