/** @odoo-module **/

import { registry } from "@web/core/registry";

// An analytics viewer, without Odoo's export right on every model, exports a list of results.
registry.category("web_tour.tours").add("crm_ext_analytics_export_tour", {
    steps: () => [
        {
            content: "Select a row of the segment history",
            trigger: ".o_list_renderer .o_data_row td.o_list_record_selector input[type=checkbox]",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Export is offered",
            trigger: ".o-dropdown--menu span:contains(Export)",
            run: "click",
        },
        {
            content: "The export dialog opens",
            trigger: ".modal .o_export_data_dialog, .modal:contains(Export Data)",
        },
    ],
});
