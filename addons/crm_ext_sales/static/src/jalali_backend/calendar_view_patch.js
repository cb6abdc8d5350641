/**
 * The calendar view for Jalali users: the month page is a Jalali month (the six weeks from
 * the week of its first day, the days of other months dimmed, "previous" and "next" moving by
 * Jalali months) titled "Azar 1405"; the day and week pages are titled by their Jalali days and
 * months; column headers and the month page's cells give Jalali day numbers (the first of a
 * Jalali month with its name). The year page is a Jalali year: twelve months from Farvardin to
 * Esfand, each a Jalali month's days.
 */
import { CalendarController } from "@web/views/calendar/calendar_controller";
import { CalendarModel } from "@web/views/calendar/calendar_model";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { CalendarYearRenderer } from "@web/views/calendar/calendar_year/calendar_year_renderer";
import { patch } from "@web/core/utils/patch";
import {
    formatJalaliNumber,
    isJalali,
    jalaliMonthNames,
    jalaliMonthStart,
    toJalali,
} from "@crm_ext_sales/jalali/jalali_dates";

const { DateTime } = luxon;

/** "Azar 1405", "Azar - Dey 1405" or "Esfand 1404 - Farvardin 1405" for the days start to end. */
export function jalaliSpanTitle(start, end) {
    const names = jalaliMonthNames("long");
    const first = toJalali(start);
    const last = toJalali(end);
    if (first.jy !== last.jy) {
        return `${names[first.jm - 1]} ${formatJalaliNumber(first.jy)} - ${
            names[last.jm - 1]
        } ${formatJalaliNumber(last.jy)}`;
    }
    if (first.jm !== last.jm) {
        return `${names[first.jm - 1]} - ${names[last.jm - 1]} ${formatJalaliNumber(first.jy)}`;
    }
    return `${names[first.jm - 1]} ${formatJalaliNumber(first.jy)}`;
}

patch(CalendarController.prototype, {
    get dayHeader() {
        if (!isJalali()) {
            return super.dayHeader;
        }
        const { jy, jm, jd } = toJalali(this.date);
        return `${formatJalaliNumber(jd)} ${jalaliMonthNames("long")[jm - 1]} ${formatJalaliNumber(jy)}`;
    },
    get weekHeader() {
        if (!isJalali()) {
            return super.weekHeader;
        }
        return jalaliSpanTitle(this.model.rangeStart, this.model.rangeEnd);
    },
    get currentMonth() {
        if (!isJalali()) {
            return super.currentMonth;
        }
        const { jy, jm } = toJalali(this.date);
        return `${jalaliMonthNames("long")[jm - 1]} ${formatJalaliNumber(jy)}`;
    },
    async setDate(move) {
        const months = { month: 1, year: 12 }[this.model.scale];
        if (!isJalali() || !months || !["next", "previous"].includes(move)) {
            return super.setDate(move);
        }
        await this.model.load({ date: jalaliMonthStart(this.model.date, move === "next" ? months : -months) });
    },
    get currentYear() {
        if (!isJalali()) {
            return super.currentYear;
        }
        return formatJalaliNumber(toJalali(this.date).jy);
    },
});

/** Whether the calendar shows a Jalali month page. */
function isJalaliMonthPage(model) {
    return isJalali() && model.scale === "month";
}

patch(CalendarModel.prototype, {
    /** The month page's range: six weeks from the week of the Jalali month's first day. */
    computeRange() {
        if (isJalali() && this.meta.scale === "year") {
            // Farvardin 1 to the last day of Esfand of the date's Jalali year
            const { jm } = toJalali(this.meta.date);
            const start = jalaliMonthStart(this.meta.date, 1 - jm);
            return { start, end: jalaliMonthStart(this.meta.date, 13 - jm).minus({ days: 1 }).endOf("day") };
        }
        if (!isJalaliMonthPage(this.meta)) {
            return super.computeRange();
        }
        const first = jalaliMonthStart(this.meta.date);
        const start = first.minus({ days: (first.weekday - this.meta.firstDayOfWeek + 7) % 7 }).startOf("day");
        return { start, end: start.plus({ weeks: 6, days: -1 }).endOf("day") };
    },
});

patch(CalendarCommonRenderer.prototype, {
    get options() {
        const options = super.options;
        if (!isJalaliMonthPage(this.props.model)) {
            return options;
        }
        const { jy, jm } = toJalali(this.props.model.date);
        const getDayCellClassNames = options.dayCellClassNames;
        return {
            ...options,
            // FullCalendar's month view over six weeks from the Jalali month's first day (the
            // view keeps its name, so Odoo's styles of the month page apply)
            initialDate: jalaliMonthStart(this.props.model.date).toISODate(),
            views: { dayGridMonth: { duration: { weeks: 6 } } },
            dayCellClassNames: (info) => {
                const classes = [...getDayCellClassNames.call(this, info)];
                const day = toJalali(DateTime.fromJSDate(info.date, { zone: "UTC" }));
                if (day.jy !== jy || day.jm !== jm) {
                    classes.push("fc-day-other");
                }
                return classes;
            },
            // FullCalendar gives the month page's days without a time zone
            dayCellContent: ({ date }) => {
                const { jm, jd } = toJalali(DateTime.fromJSDate(date, { zone: "UTC" }));
                const day = formatJalaliNumber(jd);
                return jd === 1 ? `${day} ${jalaliMonthNames("short")[jm - 1]}` : day;
            },
        };
    },
    headerTemplateProps(date) {
        const props = super.headerTemplateProps(date);
        if (!isJalali()) {
            return props;
        }
        const options = this.props.model.scale === "month" ? { zone: "UTC" } : {};
        return { ...props, day: formatJalaliNumber(toJalali(DateTime.fromJSDate(date, options)).jd) };
    },
});

patch(CalendarYearRenderer.prototype, {
    /** The year page's ``month``-th calendar (in Odoo's order of months) shows the Jalali year's
     * month of that rank, Farvardin first: its days only, numbered in Jalali, under its name. */
    getOptionsForMonth(month) {
        const options = super.getOptionsForMonth(month);
        if (!isJalali()) {
            return options;
        }
        const { jm: dateMonth } = toJalali(this.props.model.date);
        const first = jalaliMonthStart(this.props.model.date, this.months.indexOf(month) + 1 - dateMonth);
        const { jy, jm } = toJalali(first);
        const title = `${jalaliMonthNames("long")[jm - 1]} ${formatJalaliNumber(jy)}`;
        const getDayCellClassNames = options.dayCellClassNames;
        // FullCalendar gives the days of a month grid without a time zone
        const jalaliDay = (date) => toJalali(DateTime.fromJSDate(date, { zone: "UTC" }));
        const isOther = (date) => {
            const day = jalaliDay(date);
            return day.jy !== jy || day.jm !== jm;
        };
        return {
            ...options,
            initialDate: first.toISODate(),
            views: { dayGridMonth: { duration: { weeks: 6 } } },
            titleFormat: () => title,
            dayCellClassNames: (info) => {
                const classes = [...getDayCellClassNames.call(this, info)];
                return isOther(info.date) ? [...classes, "fc-day-other", "o_crm_ext_jalali_other"] : classes;
            },
            dayCellContent: ({ date }) => (isOther(date) ? "" : formatJalaliNumber(jalaliDay(date).jd)),
        };
    },
});
