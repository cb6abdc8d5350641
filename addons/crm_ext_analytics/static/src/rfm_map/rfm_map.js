import { _t } from "@web/core/l10n/translation";
import { formatPercentage } from "@web/views/fields/formatters";
import { formatMonetary } from "@web/views/fields/formatters";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

import { Component, onWillStart, useState } from "@odoo/owl";

const CELL = 100;
// warm colours for customers slipping away, cool ones for the valuable and the new
export const SEGMENT_COLORS = {
    champions: ["#1b7f5e", "#ffffff"],
    loyal: ["#2ea37c", "#ffffff"],
    potential_loyalist: ["#8fd3b6", "#1f2d3d"],
    new_customers: ["#4a9fd8", "#ffffff"],
    promising: ["#a9cce3", "#1f2d3d"],
    need_attention: ["#f7dc6f", "#1f2d3d"],
    about_to_sleep: ["#f5b041", "#1f2d3d"],
    at_risk: ["#e67e22", "#ffffff"],
    cant_lose_them: ["#c0392b", "#ffffff"],
    hibernating: ["#aab2b8", "#1f2d3d"],
    lost: ["#6c7378", "#ffffff"],
};

/**
 * The classic RFM map: recency score (x) against frequency score (y), each cell coloured
 * and named by its segment, with the segment's customers and share of net revenue.
 * A click on a segment opens its customers.
 */
export function mapLayout(cells) {
    const bySegment = {};
    const at = {};
    for (const cell of cells) {
        at[`${cell.r},${cell.f}`] = cell.segment;
        (bySegment[cell.segment] ||= []).push(cell);
    }
    const squares = cells.map((cell) => ({
        key: `${cell.r},${cell.f}`,
        segment: cell.segment,
        x: (cell.r - 1) * CELL,
        y: (5 - cell.f) * CELL,
    }));
    // white borders where two segments meet
    const borders = [];
    for (const cell of cells) {
        const x = (cell.r - 1) * CELL;
        const y = (5 - cell.f) * CELL;
        const right = at[`${cell.r + 1},${cell.f}`];
        const above = at[`${cell.r},${cell.f + 1}`];
        if (right && right !== cell.segment) {
            borders.push({ key: `v${cell.r},${cell.f}`, x1: x + CELL, y1: y, x2: x + CELL, y2: y + CELL });
        }
        if (above && above !== cell.segment) {
            borders.push({ key: `h${cell.r},${cell.f}`, x1: x, y1: y, x2: x + CELL, y2: y });
        }
    }
    // a segment's label sits at the centre of the largest rectangle of its cells
    const centres = {};
    for (const [segment, own] of Object.entries(bySegment)) {
        let best = null;
        for (const low of own) {
            for (const high of own) {
                if (high.r < low.r || high.f < low.f) {
                    continue;
                }
                const area = (high.r - low.r + 1) * (high.f - low.f + 1);
                if (best && area <= best.area) {
                    continue;
                }
                let full = true;
                for (let r = low.r; r <= high.r && full; r++) {
                    for (let f = low.f; f <= high.f && full; f++) {
                        full = at[`${r},${f}`] === segment;
                    }
                }
                if (full) {
                    best = { area, low, high };
                }
            }
        }
        centres[segment] = {
            x: ((best.low.r + best.high.r) / 2 - 0.5) * CELL,
            y: (5.5 - (best.low.f + best.high.f) / 2) * CELL,
            size: best.area,
        };
    }
    return { squares, borders, centres };
}

export class RfmMap extends Component {
    static template = "crm_ext_analytics.RfmMap";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.colors = SEGMENT_COLORS;
        this.ticks = [1, 2, 3, 4, 5];
        this.state = useState({ data: null, hovered: null });
        onWillStart(async () => {
            this.state.data = await this.orm.call("crm_ext.customer.rfm", "get_rfm_map", []);
        });
    }

    get layout() {
        return mapLayout(this.state.data.cells);
    }

    get segments() {
        return Object.fromEntries(this.state.data.segments.map((segment) => [segment.key, segment]));
    }

    money(value) {
        return formatMonetary(value, { currencyId: this.state.data.currency_id, digits: [16, 0] });
    }

    percent(value) {
        return formatPercentage(value, { digits: [16, 1] });
    }

    customersLabel(count) {
        return count === 1 ? _t("1 customer") : _t("%(count)s customers", { count });
    }

    revenueLabel(share) {
        return _t("%(share)s of revenue", { share: this.percent(share) });
    }

    openSegment(key) {
        const segment = this.segments[key];
        this.action.doAction({
            type: "ir.actions.act_window",
            name: segment.label,
            res_model: "crm_ext.customer.rfm",
            views: [
                [false, "list"],
                [false, "pivot"],
            ],
            domain: [
                ["segment", "=", key],
                ["company_id", "=", this.state.data.company_id],
            ],
            context: { create: false },
        });
    }
}

registry.category("actions").add("crm_ext_analytics.rfm_map", RfmMap);
