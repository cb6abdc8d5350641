/**
 * The search's date filters for Jalali users: the options of a date filter (the last months,
 * quarters and years) are Jalali months, quarters (Q1 = Farvardin to Khordad) and years, and
 * so are the domain, the facet's description and the pivot/graph comparison ranges ("previous
 * period", "previous year"). Custom periods (a filter's own domains) are left as they are.
 */
import { SearchModel } from "@web/search/search_model";
import { QUARTERS, toGeneratorId } from "@web/search/utils/dates";
import { Domain } from "@web/core/domain";
import { serializeDate, serializeDateTime } from "@web/core/l10n/dates";
import { localization } from "@web/core/l10n/localization";
import { clamp } from "@web/core/utils/numbers";
import { patch } from "@web/core/utils/patch";
import {
    formatJalaliNumber,
    fromJalali,
    isJalali,
    jalaliMonthNames,
    jalaliMonthStart,
    toJalali,
} from "@crm_ext_sales/jalali/jalali_dates";

const MONTHS_PER = { month: 1, quarter: 3, year: 12 };
const QUARTER_IDS = { first_quarter: 1, second_quarter: 2, third_quarter: 3, fourth_quarter: 4 };

/** ``{unit, offset}`` of a generator id (``month-2``, ``year``), ``{unit: "quarter", quarter}``, or null. */
export function parseGeneratorId(generatorId) {
    if (generatorId in QUARTER_IDS) {
        return { unit: "quarter", quarter: QUARTER_IDS[generatorId] };
    }
    const match = /^(month|year)(?:([+-])(\d+))?$/.exec(generatorId);
    if (!match) {
        return null;
    }
    const offset = match[2] ? Number(match[2] + match[3]) : 0;
    return { unit: match[1], offset };
}

/** Month index (``jy * 12 + jm - 1``) of the Jalali month ``offset`` months from the reference. */
function monthIndex(reference, offset = 0) {
    const { jy, jm } = toJalali(reference);
    return jy * 12 + jm - 1 + offset;
}

/**
 * The Jalali ranges of the selected options, each ``{start, months, granularity}`` with
 * ``start`` a month index; null when an option is not a Jalali period (a custom one).
 */
export function jalaliRanges(reference, generatorIds) {
    const years = [];
    const months = [];
    const quarters = [];
    for (const generatorId of generatorIds) {
        const option = parseGeneratorId(generatorId);
        if (!option) {
            return null;
        }
        if (option.unit === "year") {
            years.push(toJalali(reference).jy + option.offset);
        } else if (option.unit === "month") {
            months.push((((monthIndex(reference, option.offset) % 12) + 12) % 12) + 1);
        } else {
            quarters.push(option.quarter);
        }
    }
    years.sort((a, b) => a - b);
    months.sort((a, b) => a - b);
    quarters.sort((a, b) => a - b);
    const ranges = [];
    for (const jy of years) {
        if (!months.length && !quarters.length) {
            ranges.push({ start: jy * 12, months: 12, granularity: "year" });
        }
        for (const jq of quarters) {
            ranges.push({ start: jy * 12 + (jq - 1) * 3, months: 3, granularity: "quarter" });
        }
        for (const jm of months) {
            ranges.push({ start: jy * 12 + jm - 1, months: 1, granularity: "month" });
        }
    }
    return { ranges, years, months, quarters };
}

/** Months to shift the ranges by for a comparison (as Odoo's getComparisonParams, in Jalali). */
function comparisonShift(selection, comparisonOptionId) {
    if (comparisonOptionId === "previous_year") {
        return -12;
    }
    const { years, months, quarters } = selection;
    let granularity = "year";
    let options = [];
    if (months.length) {
        granularity = "month";
        options = [...months];
        for (const jq of quarters) {
            options.push(jq * 3 - 2, jq * 3 - 1, jq * 3);
        }
    } else if (quarters.length) {
        granularity = "quarter";
        options = quarters;
    }
    const perYear = 12 / MONTHS_PER[granularity];
    const optionSpan = options.length ? Math.min(...options) - Math.max(...options) : 0;
    const units = -1 + perYear * (Math.min(...years) - Math.max(...years)) + optionSpan;
    return units * MONTHS_PER[granularity];
}

/** ``{domain, description}`` of Jalali ranges on a date(time) field, as Odoo's constructDateDomain. */
function rangesDomain(ranges, searchItem, reference, shift = 0) {
    const { fieldName, fieldType } = searchItem;
    const names = jalaliMonthNames("long");
    const domains = [];
    const descriptions = [];
    for (const range of ranges) {
        const index = range.start + shift;
        const jy = Math.floor(index / 12);
        const jm = (index % 12) + 1;
        const start = fromJalali(jy, jm, 1, reference);
        const end = jalaliMonthStart(start, range.months).minus({ days: 1 }).endOf("day");
        const serialize = fieldType === "date" ? serializeDate : serializeDateTime;
        domains.push(
            new Domain(["&", [fieldName, ">=", serialize(start)], [fieldName, "<=", serialize(end)]])
        );
        const parts = [formatJalaliNumber(jy)];
        const method = localization.direction === "rtl" ? "push" : "unshift";
        if (range.granularity === "month") {
            parts[method](names[jm - 1]);
        } else if (range.granularity === "quarter") {
            parts[method](QUARTERS[Math.floor((jm - 1) / 3) + 1].description.toString());
        }
        descriptions.push(parts.join(" "));
    }
    return {
        domain: Domain.and([Domain.combine(domains, "OR"), searchItem.domain]),
        description: descriptions.join("/"),
    };
}

patch(SearchModel.prototype, {
    _getDateFilterDomain(dateFilter, generatorIds, key = "domain") {
        const selection = isJalali() && jalaliRanges(this.referenceMoment, generatorIds);
        if (!selection) {
            return super._getDateFilterDomain(...arguments);
        }
        return rangesDomain(selection.ranges, dateFilter, this.referenceMoment)[key];
    },

    getFullComparison() {
        const comparison = super.getFullComparison(...arguments);
        if (!comparison || !isJalali() || !comparison.comparisonId) {
            return comparison;
        }
        const comparisonItem = Object.values(this.searchItems).find(
            (item) => item.type === "comparison" && item.comparisonOptionId === comparison.comparisonId
        );
        if (!comparisonItem || !this.query.some((q) => q.searchItemId === comparisonItem.id)) {
            return comparison; // a favorite's stored comparison
        }
        const dateFilter = this.searchItems[comparisonItem.dateFilterId];
        const selection = jalaliRanges(
            this.referenceMoment,
            this._getSelectedGeneratorIds(comparisonItem.dateFilterId)
        );
        if (!selection) {
            return comparison;
        }
        const shift = comparisonShift(selection, comparison.comparisonId);
        const range = rangesDomain(selection.ranges, dateFilter, this.referenceMoment);
        const previous = rangesDomain(selection.ranges, dateFilter, this.referenceMoment, shift);
        return {
            ...comparison,
            range: range.domain.toList(),
            rangeDescription: range.description,
            comparisonRange: previous.domain.toList(),
            comparisonRangeDescription: previous.description,
        };
    },

    _enrichItem(searchItem) {
        const enriched = super._enrichItem(...arguments);
        if (!enriched || searchItem.type !== "dateFilter" || !isJalali()) {
            return enriched;
        }
        const names = jalaliMonthNames("long");
        const { jy } = toJalali(this.referenceMoment);
        enriched.options = enriched.options.map((option) => {
            const parsed = parseGeneratorId(option.id);
            if (parsed?.unit === "month") {
                const index = monthIndex(this.referenceMoment, parsed.offset);
                return { ...option, description: names[((index % 12) + 12) % 12] };
            }
            if (parsed?.unit === "year") {
                return { ...option, description: formatJalaliNumber(jy + parsed.offset) };
            }
            return option;
        });
        return enriched;
    },

    toggleDateFilter(searchItemId, generatorId) {
        const parsed = generatorId && parseGeneratorId(generatorId);
        if (!isJalali() || parsed?.unit !== "month") {
            return super.toggleDateFilter(...arguments);
        }
        // Odoo adds the Gregorian year of the month when no year is selected: the Jalali one instead
        const selected = this._getSelectedGeneratorIds(searchItemId);
        const addsDefaultYear = !selected.includes(generatorId) && !selected.some((id) => id.startsWith("year"));
        const blocked = this.blockNotification;
        this.blockNotification = true;
        super.toggleDateFilter(...arguments);
        this.blockNotification = blocked;
        if (addsDefaultYear) {
            const searchItem = this.searchItems[searchItemId];
            const { startYear, endYear } = searchItem.optionsParams;
            const year = Math.floor(monthIndex(this.referenceMoment, parsed.offset) / 12);
            const offset = clamp(year - toJalali(this.referenceMoment).jy, startYear, endYear);
            this.query[this.query.length - 1] = { searchItemId, generatorId: toGeneratorId("year", offset) };
        }
        this._notify();
    },
});
