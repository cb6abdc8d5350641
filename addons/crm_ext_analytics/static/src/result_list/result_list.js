/** @odoo-module **/

import { onWillStart } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { exportAllItem } from "@web/views/list/export_all/export_all";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

const ANALYTICS_USER = "crm_ext_analytics.group_analytics_user";

/**
 * The lists of analytics results (js_class="crm_ext_analytics_result_list"): the analytics
 * users export them (Action > Export, Export All) without Odoo's export right on every model;
 * the server allows it for these models only (crm_ext.analytics.export.mixin).
 */
export class AnalyticsResultListController extends ListController {
    setup() {
        super.setup();
        onWillStart(async () => {
            this.analyticsExport = await user.hasGroup(ANALYTICS_USER);
        });
    }

    // the list sets it from Odoo's export right; the analytics group adds its own
    get isExportEnable() {
        return Boolean(this.odooExportEnable || this.analyticsExport);
    }

    set isExportEnable(value) {
        this.odooExportEnable = value;
    }
}

registry.category("views").add("crm_ext_analytics_result_list", {
    ...listView,
    Controller: AnalyticsResultListController,
});

// Odoo's "Export All" shows for its export right only: the same item for the analytics group
registry.category("cogMenu").add(
    "crm-ext-analytics-export-all",
    {
        ...exportAllItem,
        isDisplayed: async (env) =>
            env.config.viewType === "list" &&
            env.config.viewArch?.getAttribute("js_class") === "crm_ext_analytics_result_list" &&
            !env.model.root.selection.length &&
            !(await user.hasGroup("base.group_allow_export")) &&
            (await user.hasGroup(ANALYTICS_USER)),
    },
    { sequence: 10 }
);
