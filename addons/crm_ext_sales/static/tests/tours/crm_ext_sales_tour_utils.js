/** @odoo-module **/

import { stepUtils } from "@web_tour/tour_service/tour_utils";

/**
 * The steps from the home menu to an entry of CRM > Customer Relations.
 * @param {string} menu the entry's menu id in crm_ext_sales (e.g. "crm_ext_interaction_menu")
 * @param {string} content what opening it means to the user
 */
export function openCustomerRelationsMenu(menu, content) {
    return [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the CRM app",
            trigger: ".o_app[data-menu-xmlid='crm.crm_menu_root']",
            run: "click",
        },
        {
            content: "Open the Customer Relations menu",
            trigger: "button[data-menu-xmlid='crm_ext_sales.customer_relations_menu']",
            run: "click",
        },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid='crm_ext_sales.${menu}']`,
            run: "click",
        },
    ];
}
