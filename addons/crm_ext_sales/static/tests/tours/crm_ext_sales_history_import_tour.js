/** @odoo-module **/

import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";
import { openCustomerRelationsMenu } from "@crm_ext_sales/../tests/tours/crm_ext_sales_tour_utils";

// The admin (a sales manager) imports the sample file of the sales history before Odoo: the file the
// wizard's "Download the sample file" link gives, uploaded as it is.
const SAMPLE = "a.alert-link[href$='/crm_ext_sales/static/samples/sales_history_sample.csv']";

registry.category("web_tour.tours").add("crm_ext_sales_history_import_tour", {
    url: "/odoo",
    steps: () => [
        ...openCustomerRelationsMenu("crm_ext_sales_history_import_menu", "Open Import Sales History"),
        {
            content: "Download the sample file and upload it",
            trigger: `.modal .o_form_view ${SAMPLE}`,
            async run({ anchor }) {
                const response = await fetch(anchor.href);
                if (!response.ok) {
                    throw new Error(`the sample file does not download: ${response.status}`);
                }
                const sample = new File([await response.blob()], "sales_history_sample.csv", {
                    type: "text/csv",
                });
                await inputFiles(".modal .o_field_widget[name=file] input.o_input_file", [sample]);
            },
        },
        {
            content: "The file is chosen, shown by its name",
            trigger: ".modal .o_field_widget[name=file]:has(.o_clear_file_button) input.o_input",
            run({ anchor }) {
                if (anchor.value !== "sales_history_sample.csv") {
                    throw new Error(`the file shows as "${anchor.value}"`);
                }
            },
        },
        {
            content: "Import it",
            trigger: ".modal .modal-footer button[name=action_import]",
            run: "click",
        },
        {
            content: "Every row of the sample is imported",
            trigger: ".modal .alert-success:has(.o_field_widget[name=imported_count]:contains('9'))",
        },
        {
            content: "View the imported lines",
            trigger: ".modal .modal-footer button[name=action_view_history]",
            run: "click",
        },
        {
            content: "The sample's lines are listed",
            trigger: ".o_list_view .o_data_row td[name=document_number]:contains('INV-2023-0101')",
        },
    ],
});
