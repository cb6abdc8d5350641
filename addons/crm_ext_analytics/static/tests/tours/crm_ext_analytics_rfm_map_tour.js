import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("crm_ext_analytics_rfm_map_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM Analytics app",
            trigger: ".o_app[data-menu-xmlid='crm_ext_analytics.analytics_menu_root']",
            run: "click",
        },
        {
            content: "The app opens on the RFM map, every segment named on it",
            trigger: ".o_crm_ext_rfm_map .o_crm_ext_rfm_label_champions text:contains('Champions')",
        },
        {
            content: "Each of the 25 cells of the grid is drawn",
            trigger: ".o_crm_ext_rfm_map_svg:has(rect.o_crm_ext_rfm_cell:nth-of-type(25))",
        },
        {
            content: "Open the customers of a segment that has some",
            trigger: ".o_crm_ext_rfm_row:not([data-count='0'])",
            run: "click",
        },
        {
            content: "Its customers are listed",
            trigger: ".o_list_view .o_data_row td[name=segment]",
        },
    ],
});
