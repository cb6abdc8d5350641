/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_ext_marketing_campaign_tour", {
    url: "/odoo/action-crm_ext_marketing.crm_ext_segment_action",
    steps: () => [
        {
            content: "Create a segment",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour segment",
        },
        {
            content: "Save it",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Compute its members",
            trigger: ".o_form_view button[name=action_refresh_members]",
            run: "click",
        },
        {
            content: "It has members",
            trigger: ".o_field_widget[name=member_count]:not(:contains('0'))",
        },
        {
            content: "Go to the campaigns",
            trigger: ".o_main_navbar a[data-menu-xmlid='crm_ext_marketing.crm_ext_campaign_menu']",
            run: "click",
        },
        {
            content: "Create a campaign",
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name the campaign",
            trigger: ".o_field_widget[name=title] input",
            run: "edit Tour campaign",
        },
        {
            content: "Open the full form",
            trigger: ".o_kanban_quick_create .o_kanban_edit",
            run: "click",
        },
        {
            content: "Target the new segment",
            trigger: ".o_field_widget[name=crm_ext_segment_id] input",
            run: "edit Tour segment",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour segment')",
            run: "click",
        },
        {
            content: "Open the steps",
            trigger: ".o_notebook .nav-link:contains('Steps')",
            run: "click",
        },
        {
            content: "Add a step",
            trigger: ".o_field_widget[name=crm_ext_step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name the e-mail step",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Tour e-mail",
        },
        {
            content: "Its subject",
            trigger: ".modal .o_field_widget[name=subject] input",
            run: "edit Hello from the tour",
        },
        {
            content: "Its body",
            trigger: ".modal .o_field_html[name='body_html'] .odoo-editor-editable :is(p, div.o-paragraph)",
            run: "editor Our news for you.",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The step is listed",
            trigger: ".o_field_widget[name=crm_ext_step_ids] .o_data_row:contains('Tour e-mail')",
        },
        {
            content: "Save the campaign",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Launch the e-mail step",
            trigger: ".o_field_widget[name=crm_ext_step_ids] .o_data_row:contains('Tour e-mail') button[name=action_launch]",
            run: "click",
        },
        {
            content: "The step is launched",
            trigger: ".o_field_widget[name=crm_ext_step_ids] .o_data_row:contains('Tour e-mail') .badge:contains('Launched')",
        },
        {
            content: "Open the money page",
            trigger: ".o_notebook .nav-link:contains('Budget and ROI')",
            run: "click",
        },
        {
            content: "Open the funnel",
            trigger: "button[name=action_view_funnel]",
            run: "click",
        },
        {
            content: "The funnel shows the campaign's step",
            trigger: ".o_pivot_view .o_pivot:contains('Tour e-mail')",
        },
    ],
});
