/** @odoo-module **/

import { registry } from "@web/core/registry";
import * as jalaali from "@crm_ext_sales/lib/jalaali";

const { DateTime } = luxon;

const PERSIAN_MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];
const JALALI_MONTH = new RegExp(PERSIAN_MONTHS.join("|"));

/** "Dey 1405" (in Persian) when today is in Azar 1405: the title of the next month page. */
function nextJalaliMonthTitle() {
    const today = DateTime.local();
    const { jy, jm } = jalaali.toJalaali(today.year, today.month, today.day);
    return `${PERSIAN_MONTHS[jm % 12]} ${jm === 12 ? jy + 1 : jy}`;
}
const GREGORIAN_MONTH = /ژانویه|فوریه|مارس|آوریل|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر/;

function checkValue(expected) {
    return function () {
        if (this.anchor.value !== expected) {
            throw new Error(`expected "${expected}", the field shows "${this.anchor.value}"`);
        }
    };
}

/**
 * The browser's persian calendar (what luxon shows the user) against jalaali-js (what the
 * picker and the parser use): every day of 1390 to 1420, and the first and last day of
 * every month from 1300 to 1500 (the Python tests check every day of 1300-1500 against
 * jdatetime).
 */
function checkCalendarsAgree() {
    const check = (jy, jm, jd) => {
        const { gy, gm, gd } = jalaali.toGregorian(jy, jm, jd);
        const shown = DateTime.fromObject({ year: gy, month: gm, day: gd }).toFormat("yyyy/MM/dd");
        const expected = `${jy}/${String(jm).padStart(2, "0")}/${String(jd).padStart(2, "0")}`;
        if (shown !== expected) {
            throw new Error(`${gy}-${gm}-${gd}: the browser shows ${shown}, jalaali-js says ${expected}`);
        }
    };
    for (let jy = 1300; jy <= 1500; jy++) {
        for (let jm = 1; jm <= 12; jm++) {
            const length = jalaali.jalaaliMonthLength(jy, jm);
            const days = jy >= 1390 && jy <= 1420 ? [...Array(length).keys()].map((i) => i + 1) : [1, length];
            days.forEach((jd) => check(jy, jm, jd));
        }
    }
}

registry.category("web_tour.tours").add("crm_ext_sales_jalali_tour", {
    steps: () => [
        {
            content: "The quotation's dates are Jalali",
            trigger: ".o_form_view .o_field_widget[name=validity_date] input",
            timeout: 60000, // the first right-to-left page compiles its style sheets with rtlcss
            run: checkValue("1405/09/30"),
        },
        {
            content: "The browser's Persian calendar and the picker's conversion agree, 1300 to 1500",
            trigger: ".o_form_view",
            run: checkCalendarsAgree,
        },
        {
            content: "The chatter dates its messages in Jalali",
            trigger: ".o-mail-Message .o-mail-Message-date[title]",
            run() {
                const title = this.anchor.getAttribute("title").replace(/[۰-۹]/g, (d) => "۰۱۲۳۴۵۶۷۸۹".indexOf(d));
                if (!/14\d\d/.test(title) || /20\d\d/.test(title)) {
                    throw new Error(`the message is dated "${title}"`);
                }
            },
        },
        {
            content: "Type a Jalali date",
            trigger: ".o_field_widget[name=validity_date] input",
            run: "edit 1405/09/20 && press Enter",
        },
        {
            content: "It is read as Jalali",
            trigger: ".o_field_widget[name=validity_date] input:value(1405/09/20)",
        },
        {
            content: "Open the date picker",
            trigger: ".o_field_widget[name=validity_date] input",
            run: "click",
        },
        {
            content: "The picker shows the Jalali month Azar 1405",
            trigger: ".o_datetime_picker .o_header_part:contains(آذر 1405)",
        },
        {
            content: "Its weeks start on Saturday",
            trigger: ".o_datetime_picker .o_day_of_week_cell",
            run() {
                const cells = this.anchor.closest(".o_datetime_picker").querySelectorAll(".o_day_of_week_cell");
                const first = [...cells].find((cell) => cell.textContent.trim() !== "#").getAttribute("title");
                if (first !== "شنبه") {
                    throw new Error(`the week starts on ${first}`);
                }
            },
        },
        {
            content: "Go to the next month: Dey",
            trigger: ".o_datetime_picker .o_next",
            run: "click",
        },
        {
            content: "The picker shows Dey 1405",
            trigger: ".o_datetime_picker .o_header_part:contains(دی 1405)",
        },
        {
            content: "Back to Azar",
            trigger: ".o_datetime_picker .o_previous",
            run: "click",
        },
        {
            content: "Pick the 16th of Azar",
            trigger: ".o_datetime_picker .o_header_part:contains(آذر 1405)",
        },
        {
            trigger: ".o_datetime_picker button.o_date_item_cell:not(.o_out_of_range) span:contains(/^16$/)",
            run: "click",
        },
        {
            content: "The field shows the picked day",
            trigger: ".o_field_widget[name=validity_date] input:value(1405/09/16)",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "The list shows the quotation's creation date in Jalali",
            trigger: ".o_data_row td[name=create_date]:contains(/^14\\d\\d\\/\\d\\d\\/\\d\\d /)",
        },
        {
            content: "Show the expiration column",
            trigger: ".o_list_view .o_optional_columns_dropdown_toggle",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu input[name=validity_date]",
            run: "click",
        },
        {
            content: "The list shows the picked day in Jalali",
            trigger: ".o_data_row td[name=validity_date]:contains(1405/09/16)",
        },
        {
            content: "Open the search's filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Open the creation date's periods",
            trigger: ".o_filter_menu .o_accordion_toggle",
            run: "click",
        },
        {
            content: "The periods are Jalali months and years",
            trigger: ".o_filter_menu .o_item_option",
            run() {
                const options = [...document.querySelectorAll(".o_filter_menu .o_item_option")].map((o) =>
                    o.textContent.trim()
                );
                if (!JALALI_MONTH.test(options[0]) || !options.some((o) => /^14\d\d$/.test(o))) {
                    throw new Error(`the periods are ${options.join(", ")}`);
                }
            },
        },
        {
            content: "Filter on this Jalali month",
            trigger: ".o_filter_menu .o_item_option:first",
            run: "click",
        },
        {
            content: "The facet names the Jalali month and year",
            trigger: ".o_searchview_facet .o_facet_value:contains(/14\\d\\d/)",
            run() {
                const text = this.anchor.textContent;
                if (!JALALI_MONTH.test(text) || GREGORIAN_MONTH.test(text) || /20\d\d/.test(text)) {
                    throw new Error(`the facet reads "${text}"`);
                }
            },
        },
        {
            content: "The quotation made this month is found",
            trigger: ".o_data_row:contains(Tabriz Rugs)",
        },
        {
            content: "Switch to the kanban view",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The kanban card shows the quotation's date in Jalali",
            trigger: ".o_kanban_record:contains(Tabriz Rugs):contains(/14\\d\\d\\/\\d\\d\\/\\d\\d/)",
        },
        {
            content: "Switch to the calendar view",
            trigger: ".o_switch_view.o_calendar",
            run: "click",
        },
        {
            content: "The calendar's month page is titled by the Jalali months it spans",
            trigger: ".o_calendar_container h5",
            run() {
                const title = this.anchor.textContent.trim();
                if (!JALALI_MONTH.test(title) || GREGORIAN_MONTH.test(title) || !/14\d\d/.test(title)) {
                    throw new Error(`the calendar's title is "${title}"`);
                }
            },
        },
        {
            content: "Its cells give Jalali days: the first of a Jalali month has its name",
            trigger: ".o_calendar_container .fc-daygrid-day-number",
            run() {
                const cells = [...document.querySelectorAll(".o_calendar_container .fc-daygrid-day-number")];
                const firsts = cells.filter((cell) => JALALI_MONTH.test(cell.textContent));
                if (!firsts.length || !firsts.every((cell) => cell.textContent.replace(/\D/g, "") === "1")) {
                    throw new Error(`no Jalali month starts among ${cells.map((c) => c.textContent).join(",")}`);
                }
            },
        },
        {
            content: "The month page is one Jalali month: its days not dimmed run from the 1st",
            trigger: ".o_calendar_container .fc-daygrid-day:not(.fc-day-other) .fc-daygrid-day-number",
            run: checkJalaliMonthPage,
        },
        {
            content: "Next month",
            trigger: ".o_calendar_button_next",
            run: "click",
        },
        {
            content: "The next page is the next Jalali month, from its 1st",
            trigger: `.o_calendar_container h5:contains(${nextJalaliMonthTitle()})`,
            run: checkJalaliMonthPage,
        },
        {
            content: "Open the scales",
            trigger: ".o_view_scale_selector .scale_button_selection",
            run: "click",
        },
        {
            content: "The year page",
            trigger: ".o_scale_button_year",
            run: "click",
        },
        {
            content: "The year page is a Jalali year: Farvardin to Esfand, each from its 1st",
            trigger: ".o_calendar_container .fc-month .fc-toolbar-title:contains(فروردین)",
            run() {
                const titles = [...document.querySelectorAll(".o_calendar_container .fc-month .fc-toolbar-title")];
                const names = titles.map((title) => title.textContent.trim().split(" ")[0]);
                if (names.join(",") !== PERSIAN_MONTHS.join(",")) {
                    throw new Error(`the year page's months are ${names.join(",")}`);
                }
                const esfand = titles[11].closest(".fc-month");
                const days = [...esfand.querySelectorAll(".fc-daygrid-day-number")]
                    .map((cell) => cell.textContent.replace(/\D/g, ""))
                    .filter(Boolean)
                    .map(Number);
                if (days[0] !== 1 || days.length < 29 || days.length > 30) {
                    throw new Error(`Esfand's days are ${days.join(",")}`);
                }
            },
        },
    ],
});

/** The month page's days of its own month (not dimmed) are 1, 2, ... 29 to 31, in order. */
function checkJalaliMonthPage() {
    const cells = document.querySelectorAll(
        ".o_calendar_container .fc-daygrid-day:not(.fc-day-other) .fc-daygrid-day-number"
    );
    const days = [...cells].map((cell) => Number(cell.textContent.replace(/\D/g, "")));
    const ok = days.length >= 29 && days.length <= 31 && days.every((day, index) => day === index + 1);
    if (!ok) {
        throw new Error(`the month page's own days are ${days.join(",")}`);
    }
}

registry.category("web_tour.tours").add("crm_ext_sales_gregorian_tour", {
    steps: () => [
        {
            content: "An English user sees the same quotation in Gregorian",
            trigger: ".o_form_view .o_field_widget[name=validity_date] input",
            timeout: 60000, // the first right-to-left page compiles its style sheets with rtlcss
            run: checkValue("12/07/2026"),
        },
        {
            content: "Open the date picker",
            trigger: ".o_field_widget[name=validity_date] input",
            run: "click",
        },
        {
            content: "The picker shows December 2026",
            trigger: ".o_datetime_picker .o_header_part:contains(December 2026)",
        },
        {
            trigger: ".o_datetime_picker button.o_date_item_cell:not(.o_out_of_range) span:contains(/^24$/)",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=validity_date] input:value(12/24/2026)",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});
