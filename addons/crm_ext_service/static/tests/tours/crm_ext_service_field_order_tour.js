/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_ext_service_field_order_tour", {
    steps: () => [
        {
            content: "Plan a field order from the ticket",
            trigger: ".o_form_view button[name=action_new_field_order]",
            run: "click",
        },
        {
            content: "The field order is for the ticket's customer",
            trigger: ".o_field_widget[name=partner_id] input:value(Gemini Furniture)",
        },
        {
            content: "The technician defaults to the ticket's assignee",
            trigger: ".o_field_widget[name=user_id] input:value(Mitchell Admin)",
        },
        {
            content: "Add a part",
            trigger: ".o_field_widget[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Bring a cabinet hinge",
            trigger: ".o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=product_id] input",
            run: "edit Cabinet Hinge",
        },
        {
            content: "Pick the hinge",
            trigger: ".o-autocomplete--dropdown-item:contains('Cabinet Hinge')",
            run: "click",
        },
        {
            content: "Its price comes from the product",
            trigger: ".o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=price_unit] input:value(12.50)",
        },
        {
            content: "Start the visit",
            trigger: ".o_form_view button[name=action_start]",
            run: "click",
        },
        {
            content: "The order is under way",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "Its parts delivery is shown",
            trigger: ".o_field_widget[name=picking_state]",
        },
    ],
});
