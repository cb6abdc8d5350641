/** @odoo-module **/

import { registry } from "@web/core/registry";

// Opportunity with products → quotation → confirm → deliver → invoice → pay → credit note.
registry.category("web_tour.tours").add("crm_ext_sales_flow_tour", {
    steps: () => [
        {
            content: "Open the opportunity's products",
            trigger: ".o_notebook_headers a[name=products]",
            run: "click",
        },
        {
            content: "The products are there",
            trigger: ".o_field_widget[name=crm_ext_opportunity_line_ids] .o_data_row:contains('Flow chair')",
        },
        {
            content: "Make the quotation from the products",
            trigger: "button[name=action_create_quotation_from_lines]",
            run: "click",
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]:visible:first",
            run: "click",
        },
        {
            content: "It is a sales order",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
        {
            content: "Open its delivery",
            trigger: "button[name=action_view_delivery]",
            run: "click",
        },
        {
            content: "Validate the delivery",
            trigger: ".o_form_view .o_statusbar_buttons button[name=button_validate]:visible:first",
            run: "click",
        },
        {
            content: "Delivered",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "Back to the order",
            trigger: ".o_breadcrumb a:contains('S0')",
            run: "click",
        },
        {
            content: "Create the invoice",
            trigger: ".o_statusbar_buttons button#create_invoice:visible",
            run: "click",
        },
        {
            content: "Create it as a draft",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            content: "Confirm the invoice",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post]:visible:first",
            run: "click",
        },
        {
            content: "Register the payment",
            trigger: ".o_statusbar_buttons button[name=action_register_payment]:visible:first",
            run: "click",
        },
        {
            content: "Create the payment",
            trigger: ".modal button[name=action_create_payments]:visible",
            run: "click",
        },
        {
            content: "The invoice is paid: nothing left to register",
            trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_register_payment]:visible))",
        },
        {
            content: "Make a credit note",
            trigger: ".o_statusbar_buttons button[name=action_reverse]:visible",
            run: "click",
        },
        {
            content: "Reverse",
            trigger: ".modal button[name=refund_moves]",
            run: "click",
        },
        {
            content: "Confirm the credit note",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post]:visible:first",
            run: "click",
        },
        {
            content: "The credit note is posted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
    ],
});
