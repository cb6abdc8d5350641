/**
 * The calendar view for Jalali users: its title names the Jalali days and months of the
 * page (a month page, which stays a Gregorian month of FullCalendar's grid, is titled by the
 * Jalali months it spans, "Azar - Dey 1405"), the day and week pages' column headers and the
 * month page's cells give Jalali day numbers (the first of a Jalali month with its name).
 */
import { CalendarController } from "@web/views/calendar/calendar_controller";
import { CalendarCommonRenderer } from "@web/views/calendar/calendar_common/calendar_common_renderer";
import { patch } from "@web/core/utils/patch";
import { formatJalaliNumber, isJalali, jalaliMonthNames, toJalali } from "@crm_ext_sales/jalali/jalali_dates";

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
        return jalaliSpanTitle(this.date.startOf("month"), this.date.endOf("month"));
    },
    get currentYear() {
        if (!isJalali()) {
            return super.currentYear;
        }
        const first = toJalali(this.date.startOf("year")).jy;
        const last = toJalali(this.date.endOf("year")).jy;
        return `${formatJalaliNumber(first)} - ${formatJalaliNumber(last)}`;
    },
});

patch(CalendarCommonRenderer.prototype, {
    get options() {
        const options = super.options;
        if (!isJalali() || this.props.model.scale !== "month") {
            return options;
        }
        return {
            ...options,
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
