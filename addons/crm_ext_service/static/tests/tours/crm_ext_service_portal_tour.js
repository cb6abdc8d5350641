/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_ext_service_portal_tour", {
    url: "/my/tickets",
    steps: () => [
        {
            content: "Open a new ticket",
            trigger: "a.o_crm_ext_new_ticket",
            run: "click",
        },
        {
            content: "Say what the problem is",
            trigger: "input[name=name]",
            run: "edit The printer jams on every page",
        },
        {
            content: "Describe it",
            trigger: "textarea[name=description]",
            run: "edit It started after the last delivery of paper.",
        },
        {
            content: "Pick a category",
            trigger: "select[name=category_id]",
            run: "selectByLabel How-to question",
        },
        {
            content: "Submit",
            trigger: ".o_crm_ext_submit_ticket",
            run: "click",
        },
        {
            content: "The ticket page shows the new ticket",
            trigger: ".o_crm_ext_portal_ticket:contains('The printer jams on every page')",
        },
        {
            content: "Its messages can be followed here",
            trigger: "#ticket_chat .o_portal_chatter, #ticket_chat #discussion",
        },
    ],
});
