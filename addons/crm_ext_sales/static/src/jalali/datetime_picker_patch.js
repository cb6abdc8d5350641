/**
 * The date picker in Jalali months for Jalali users: Farvardin to Esfand, weeks from
 * Saturday, Jalali years and decades; the values it gives are the same luxon DateTimes
 * (Gregorian underneath) as Odoo's picker gives.
 */
import { _t } from "@web/core/l10n/translation";
import { isInRange, today } from "@web/core/l10n/dates";
import { DateTimePicker } from "@web/core/datetime/datetime_picker";
import { patch } from "@web/core/utils/patch";
import {
    formatJalaliNumber,
    fromJalali,
    isJalali,
    jalaliDayOfYear,
    jalaliMonthNames,
    jalaliMonthStart,
    toJalali,
} from "./jalali_dates";

const { Info } = luxon;

const SATURDAY = 6; // luxon weekday numbers: Monday is 1
const DAYS_PER_WEEK = 7;
const WEEKS_PER_MONTH = 6;
const GRID_COUNT = 10;

function dateItem({ range, label, isOutOfRange = false, isValid = true, extraClass = "" }) {
    return {
        id: range[0].toISODate(),
        includesToday: isInRange(today(), range),
        isOutOfRange,
        isValid,
        label,
        range,
        extraClass,
    };
}

function yearStart(jy, like) {
    return fromJalali(jy, 1, 1, like);
}

function monthItems(monthStart, index, { maxDate, minDate, showWeekNumbers, isDateValid, dayCellClass }) {
    const monthRange = [monthStart, jalaliMonthStart(monthStart, 1).minus({ millisecond: 1 })];
    let day = monthStart.minus({ days: (monthStart.weekday - SATURDAY + DAYS_PER_WEEK) % DAYS_PER_WEEK });
    const weeks = [];
    for (let w = 0; w < WEEKS_PER_MONTH; w++) {
        const days = [];
        for (let d = 0; d < DAYS_PER_WEEK; d++) {
            const range = [day, day.endOf("day")];
            days.push(
                dateItem({
                    range,
                    label: formatJalaliNumber(toJalali(day).jd),
                    isOutOfRange: !isInRange(day, monthRange),
                    isValid: isInRange(range, [minDate, maxDate]) && (isDateValid ? isDateValid(day) : true),
                    extraClass: dayCellClass?.(day) || "",
                })
            );
            day = day.plus({ day: 1 });
        }
        const lastDay = days.at(-1).range[0];
        weeks.push({ number: Math.ceil(jalaliDayOfYear(lastDay) / DAYS_PER_WEEK), days });
    }
    const daysOfWeek = weeks[0].days.map(({ range: [date] }) => [
        date.weekdayShort,
        date.weekdayLong,
        Info.weekdays("narrow", { locale: date.locale })[date.weekday - 1],
    ]);
    if (showWeekNumbers) {
        daysOfWeek.unshift(["#", _t("Week numbers"), "#"]);
    }
    return { id: `__month__${index}`, number: toJalali(monthStart).jm, daysOfWeek, weeks };
}

/**
 * The precision level of a grid of twelve spans of ``years`` Jalali years each (years: one
 * year per cell, decades: ten), the first and last cells out of range as in Odoo's picker.
 */
function yearGrid(years) {
    const span = years * GRID_COUNT;
    const firstOf = (date) => Math.floor(toJalali(date).jy / span) * span;
    return {
        jalaliStep: 12 * span,
        getTitle: (date) => {
            const first = firstOf(date);
            return `${formatJalaliNumber(first - years)} - ${formatJalaliNumber(first + span)}`;
        },
        getItems: (date, { maxDate, minDate }) => {
            const first = firstOf(date);
            const items = [];
            for (let i = -1; i <= GRID_COUNT; i++) {
                const jy = first + i * years;
                const start = yearStart(jy, date);
                const range = [start, yearStart(jy + years, date).minus({ millisecond: 1 })];
                items.push(
                    dateItem({
                        range,
                        label: formatJalaliNumber(jy),
                        isOutOfRange: i < 0 || i >= GRID_COUNT,
                        isValid: isInRange(range, [minDate, maxDate]),
                    })
                );
            }
            return items;
        },
    };
}

/** Odoo's precision levels (days, months, years, decades) in the Jalali calendar. */
const JALALI_PRECISION_LEVELS = {
    days: {
        jalaliStep: 1,
        getTitle: (date, { additionalMonth }) => {
            date = jalaliMonthStart(date);
            const starts = additionalMonth ? [date, jalaliMonthStart(date, 1)] : [date];
            return starts.map((start) => {
                const { jy, jm } = toJalali(start);
                return `${jalaliMonthNames("long")[jm - 1]} ${formatJalaliNumber(jy)}`;
            });
        },
        getItems: (date, params) => {
            date = jalaliMonthStart(date);
            const starts = params.additionalMonth ? [date, jalaliMonthStart(date, 1)] : [date];
            const months = starts.map((start, index) => monthItems(start, index, params));
            // a sixth week only when one of the months reaches it
            const needsSixth = months.some((month) => month.weeks[5].days.some((day) => !day.isOutOfRange));
            if (!needsSixth) {
                months.forEach((month) => month.weeks.pop());
            }
            return months;
        },
    },
    months: {
        jalaliStep: 12,
        getTitle: (date) => formatJalaliNumber(toJalali(date).jy),
        getItems: (date, { maxDate, minDate }) => {
            const { jy } = toJalali(date);
            return jalaliMonthNames("long").map((name, index) => {
                const start = fromJalali(jy, index + 1, 1, date);
                const range = [start, jalaliMonthStart(start, 1).minus({ millisecond: 1 })];
                return dateItem({ range, label: name, isValid: isInRange(range, [minDate, maxDate]) });
            });
        },
    },
    years: yearGrid(1),
    decades: yearGrid(10),
};

patch(DateTimePicker.prototype, {
    get activePrecisionLevel() {
        const level = super.activePrecisionLevel;
        if (!isJalali()) {
            return level;
        }
        return { ...level, ...JALALI_PRECISION_LEVELS[this.state.precision] };
    },

    adjustFocus(values, focusedDateIndex) {
        const focusWasSet = this.state.focusDate;
        const shouldAdjust = this.shouldAdjustFocusDate;
        super.adjustFocus(values, focusedDateIndex);
        if (!isJalali() || (!shouldAdjust && focusWasSet)) {
            return;
        }
        let focus = values[focusedDateIndex] || values[focusedDateIndex === 1 ? 0 : 1] || today();
        if (this.additionalMonth && focusedDateIndex === 1 && values[0] && values[1]) {
            const [start, end] = values.map(toJalali);
            if (start.jy !== end.jy || start.jm !== end.jm) {
                focus = jalaliMonthStart(focus, -1);
            }
        }
        this.state.focusDate = this.clamp(jalaliMonthStart(focus));
    },

    next(ev) {
        if (!isJalali()) {
            return super.next(ev);
        }
        ev.preventDefault();
        const months = this.activePrecisionLevel.jalaliStep;
        this.state.focusDate = this.clamp(jalaliMonthStart(this.state.focusDate, months));
    },

    previous(ev) {
        if (!isJalali()) {
            return super.previous(ev);
        }
        ev.preventDefault();
        const months = this.activePrecisionLevel.jalaliStep;
        this.state.focusDate = this.clamp(jalaliMonthStart(this.state.focusDate, -months));
    },
});
