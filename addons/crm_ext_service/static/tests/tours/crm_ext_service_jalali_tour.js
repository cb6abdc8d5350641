/** @odoo-module **/

import { registry } from "@web/core/registry";

/** The input's value starts with ``prefix``: the day (its time is in the browser's time zone). */
function checkStart(prefix) {
    return function () {
        if (!this.anchor.value.startsWith(prefix)) {
            throw new Error(`expected "${prefix}…", the field shows "${this.anchor.value}"`);
        }
    };
}

registry.category("web_tour.tours").add("crm_ext_service_jalali_tour", {
    steps: () => [
        {
            content: "A Persian agent opens the ticket's field orders",
            trigger: ".o_form_view button[name=action_view_field_orders]",
            timeout: 60000, // the first right-to-left page compiles its style sheets with rtlcss
            run: "click",
        },
        {
            content: "The list shows the visit in Jalali",
            trigger: ".o_data_row td[name=scheduled_start]:contains(1405/09/20)",
            run: "click",
        },
        {
            content: "So does the form",
            trigger: ".o_form_view .o_field_widget[name=scheduled_start] input",
            run: checkStart("1405/09/20 "),
        },
        {
            content: "Open the date picker",
            trigger: ".o_field_widget[name=scheduled_start] input",
            run: "click",
        },
        {
            content: "The picker shows the Jalali month Azar 1405",
            trigger: ".o_datetime_picker .o_header_part:contains(آذر 1405)",
        },
        {
            content: "Pick the 16th of Azar",
            trigger: ".o_datetime_picker button.o_date_item_cell:not(.o_out_of_range) span:contains(/^16$/)",
            run: "click",
        },
        {
            content: "Close the picker",
            trigger: ".o_form_view .o_form_sheet .oe_title, .o_form_view .o_form_sheet",
            run: "click",
        },
        {
            content: "The field shows the picked day",
            trigger: ".o_field_widget[name=scheduled_start] input",
            run: checkStart("1405/09/16 "),
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb li.o_back_button a",
            run: "click",
        },
        {
            content: "The list shows the picked day in Jalali",
            trigger: ".o_data_row td[name=scheduled_start]:contains(1405/09/16)",
        },
    ],
});
