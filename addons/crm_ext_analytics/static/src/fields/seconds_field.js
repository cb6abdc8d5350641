import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

import { Component } from "@odoo/owl";

/**
 * A duration stored as a number of seconds, shown as seconds ("0.21 s", "42.5 s"),
 * minutes and seconds ("3 min 07 s") or hours and minutes ("1 h 05 min").
 */
export function formatSeconds(value) {
    if (value === false || value === null || value === undefined) {
        return "";
    }
    const seconds = Math.max(0, value);
    if (seconds < 60) {
        const digits = seconds < 10 ? 2 : 1;
        return _t("%(seconds)s s", { seconds: formatFloat(seconds, { digits: [16, digits] }) });
    }
    const whole = Math.round(seconds);
    if (whole < 3600) {
        return _t("%(minutes)s min %(seconds)s s", {
            minutes: Math.floor(whole / 60),
            seconds: String(whole % 60).padStart(2, "0"),
        });
    }
    const minutes = Math.round(whole / 60);
    return _t("%(hours)s h %(minutes)s min", {
        hours: Math.floor(minutes / 60),
        minutes: String(minutes % 60).padStart(2, "0"),
    });
}

export class SecondsField extends Component {
    static template = "crm_ext_analytics.SecondsField";
    static props = { ...standardFieldProps };

    get formattedValue() {
        return formatSeconds(this.props.record.data[this.props.name]);
    }
}

export const secondsField = {
    component: SecondsField,
    displayName: _t("Seconds"),
    supportedTypes: ["float"],
};

registry.category("fields").add("crm_ext_seconds", secondsField);
registry.category("formatters").add("crm_ext_seconds", formatSeconds);
