/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_ext_service_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Service app",
            trigger: ".o_app[data-menu-xmlid='crm_ext_service.service_menu_root']",
            run: "click",
        },
        {
            content: "Open a ticket from the kanban",
            trigger: ".o_kanban_record:contains('Desk arrived with a scratched top')",
            run: "click",
        },
        {
            content: "The ticket belongs to the Customer Care team",
            trigger: ".o_field_widget[name=team_id] input:value(Customer Care)",
        },
        {
            content: "Open the SLA tab",
            trigger: ".o_notebook .nav-link:contains('SLA')",
            run: "click",
        },
        {
            content: "The first-response SLA is tracked",
            trigger: ".o_field_widget[name=sla_ids] .o_data_row:contains('Answer within 4 working hours')",
        },
        {
            content: "Change its subject",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Desk arrived scratched, edited by the tour",
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
            content: "Answer the customer",
            trigger: ".o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            content: "Write the answer",
            trigger: ".o-mail-Composer-input",
            run: "edit We are sending a new desk top this week.",
        },
        {
            content: "Send it",
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The answer is in the chatter",
            trigger: ".o-mail-Message:contains('We are sending a new desk top this week.')",
        },
        {
            content: "Open the folded stages",
            trigger: ".o_statusbar_status .o_first.dropdown-toggle",
            run: "click",
        },
        {
            content: "Close the ticket as solved",
            trigger: ".dropdown-item:contains('Solved')",
            run: "click",
        },
        {
            content: "The ticket is solved",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Solved')",
        },
        {
            content: "The stage change is saved",
            trigger: ".o_form_saved",
        },
    ],
});
