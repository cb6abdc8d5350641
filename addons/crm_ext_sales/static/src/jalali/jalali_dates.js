/**
 * Jalali (Shamsi) dates in the web client, for the users whose calendar is Jalali
 * (``session.crm_ext_dates``, from ``res.users._date_style``); nothing changes for others.
 *
 * Odoo's ``formatDate``/``formatDateTime``/``parseDate``/``parseDateTime`` are module
 * functions that every view imports by value, so they cannot be replaced afterwards; they all
 * go through luxon, which is patched instead:
 * - display: luxon's default output calendar becomes ``persian`` (``Intl.DateTimeFormat`` with
 *   ``-u-ca-persian``), so every date written by luxon's ``toFormat``/``toLocaleString``
 *   (fields in lists, forms and kanban cards, search facets, chatter) is Jalali. Technical
 *   strings stay Gregorian: the server format (``serializeDate``/``serializeDateTime`` ask
 *   for Latin digits), ISO-like ``yyyy-MM-dd`` formats, and a lone month name or year
 *   (``MMMM``, ``yyyy``), which Odoo uses to name Gregorian periods (search filter options,
 *   the calendar view's titles): in the backend those are named, and the periods made,
 *   Jalali by ``jalali_backend/search_model_patch.js`` and ``calendar_view_patch.js``;
 * - input: ``DateTime.fromFormat`` (the first parser of ``parseDateTime``) reads a typed year
 *   below 1700 as a Jalali year: ``1405/09/16`` is 7 December 2026; ``2026/12/07`` stays
 *   Gregorian.
 * The date picker is patched in ``datetime_picker_patch.js``.
 */
import { session } from "@web/session";
import { patch } from "@web/core/utils/patch";
import { registry } from "@web/core/registry";
import * as jalaali from "@crm_ext_sales/lib/jalaali";

const { DateTime, Settings } = luxon;

/** Years below this are Jalali when a Jalali user types them (Jalali 1700 is 2321 CE). */
export const LAST_JALALI_YEAR = 1699;

const LATIN_DIGITS = { "۰": 0, "۱": 1, "۲": 2, "۳": 3, "۴": 4, "۵": 5, "۶": 6, "۷": 7, "۸": 8, "۹": 9 };
for (const [index, digit] of [..."٠١٢٣٤٥٦٧٨٩"].entries()) {
    LATIN_DIGITS[digit] = index;
}

export function jalaliSettings() {
    return session.crm_ext_dates || { calendar: "gregorian", persian_digits: false };
}

export function isJalali() {
    return jalaliSettings().calendar === "jalali";
}

export function toLatinDigits(text) {
    return text.replace(/[۰-۹٠-٩]/g, (digit) => String(LATIN_DIGITS[digit]));
}

/**
 * @param {luxon.DateTime} date
 * @returns {{jy: number, jm: number, jd: number}} the Jalali day of the date's calendar day
 */
export function toJalali(date) {
    return jalaali.toJalaali(date.year, date.month, date.day);
}

/**
 * The start of the Jalali day (jy, jm, jd) in the zone of ``like`` (default: the user's).
 * @returns {luxon.DateTime}
 */
export function fromJalali(jy, jm, jd, like = DateTime.local()) {
    const { gy, gm, gd } = jalaali.toGregorian(jy, jm, jd);
    return like.set({ year: gy, month: gm, day: gd }).startOf("day");
}

/** The first day of the Jalali month ``months`` months after the one of ``date``. */
export function jalaliMonthStart(date, months = 0) {
    const { jy, jm } = toJalali(date);
    const index = jy * 12 + jm - 1 + months;
    return fromJalali(Math.floor(index / 12), (index % 12) + 1, 1, date);
}

export function isValidJalali(jy, jm, jd) {
    return jalaali.isValidJalaaliDate(jy, jm, jd);
}

export function jalaliMonthLength(jy, jm) {
    return jalaali.jalaaliMonthLength(jy, jm);
}

export function jalaliDayOfYear(date) {
    const { jy, jm, jd } = toJalali(date);
    return jalaali.j2d(jy, jm, jd) - jalaali.j2d(jy, 1, 1) + 1;
}

const namesCache = new Map();
/**
 * Jalali month names (Farvardin first) in the user's language, from ``Intl.DateTimeFormat``.
 * @param {"long" | "short"} length
 */
export function jalaliMonthNames(length = "long") {
    const locale = Settings.defaultLocale || "en-US";
    const key = `${locale}/${length}`;
    if (!namesCache.has(key)) {
        const formatter = new Intl.DateTimeFormat(`${locale}-u-ca-persian`, {
            month: length,
            timeZone: "UTC",
        });
        const names = [];
        for (let jm = 1; jm <= 12; jm++) {
            const { gy, gm, gd } = jalaali.toGregorian(1400, jm, 15);
            names.push(formatter.format(new Date(Date.UTC(gy, gm - 1, gd))));
        }
        namesCache.set(key, names);
    }
    return namesCache.get(key);
}

/** A number written with the user's digits (Persian when chosen). */
export function formatJalaliNumber(number) {
    const numberingSystem = jalaliSettings().persian_digits ? "arabext" : "latn";
    return new Intl.NumberFormat(`en-US-u-nu-${numberingSystem}`, { useGrouping: false }).format(number);
}

/** Formats that name things other than a Jalali day: they keep Gregorian numbers. */
export function isGregorianFormat(format, options) {
    if (options && options.numberingSystem === "latn") {
        return true; // Odoo's serializeDate/serializeDateTime: the value sent to the server
    }
    if (typeof format !== "string") {
        return false;
    }
    return /^y+-[ML]+-d+/.test(format) || /^(M{3,4}|L{3,4}|y+)$/.test(format);
}

/**
 * The date tokens (year, month, day) of a luxon format, in their order.
 * @returns {{letter: string, length: number, end: number}[] | null}
 */
function dateTokens(format) {
    const tokens = [];
    const regex = /'[^']*'|([yMLd])\1*|[a-zA-Z]+/g;
    let match;
    while ((match = regex.exec(format))) {
        if (match[1]) {
            tokens.push({
                letter: match[1] === "L" ? "M" : match[1],
                length: match[0].length,
                end: match.index + match[0].length,
            });
        }
    }
    const letters = tokens.map((token) => token.letter).sort().join("");
    if (letters !== "Mdy" || tokens.some((token) => token.letter === "M" && token.length > 2)) {
        return null; // month names are not typed in Jalali
    }
    return tokens;
}

/**
 * Rewrites a typed Jalali date (year below 1700) into the same text with the Gregorian day,
 * so that luxon parses it with the user's format; ``null`` when the text is not Jalali.
 * ``1405/09/16`` (any digits, any separators) is read year first whatever the format;
 * ``14050916`` is cut by the format's token lengths.
 * @returns {{text: string, format: string} | null | false} false: a Jalali day that does not exist
 */
export function jalaliToGregorianText(text, format) {
    if (typeof text !== "string" || typeof format !== "string") {
        return null;
    }
    const tokens = dateTokens(format);
    if (!tokens) {
        return null;
    }
    const latin = toLatinDigits(text);
    const groups = [...latin.matchAll(/\d+/g)];
    let values;
    let rest;
    if (groups.length >= 3) {
        const [first, second, third] = groups;
        const yearFirst = first[0].length >= 3;
        const order = yearFirst ? ["y", "M", "d"] : tokens.map((token) => token.letter);
        values = Object.fromEntries(order.map((letter, i) => [letter, Number(groups[i][0])]));
        rest = latin.slice(third.index + third[0].length);
        if (latin.slice(0, first.index).trim() || !second) {
            return null;
        }
    } else if (groups.length === 1 && groups[0].index === 0 && tokens.every((t) => t.length > 1)) {
        const digits = groups[0][0];
        values = {};
        let position = 0;
        for (const token of tokens) {
            values[token.letter] = Number(digits.slice(position, position + token.length));
            position += token.length;
        }
        if (position !== digits.length) {
            return null;
        }
        rest = latin.slice(digits.length);
    } else {
        return null;
    }
    if (!(values.y >= 1000 && values.y <= LAST_JALALI_YEAR)) {
        return null;
    }
    if (!isValidJalali(values.y, values.M, values.d)) {
        return false;
    }
    const { gy, gm, gd } = jalaali.toGregorian(values.y, values.M, values.d);
    const datePart = format.slice(0, tokens.at(-1).end);
    const gregorian = DateTime.fromObject({ year: gy, month: gm, day: gd }, { numberingSystem: "latn" });
    return {
        text: gregorian.toFormat(datePart, { numberingSystem: "latn", outputCalendar: "gregory" }) + rest,
        format,
    };
}

let patched = false;

/** Turns Jalali on for this page (once): luxon's output calendar, formatting and parsing. */
export function enableJalali() {
    if (patched) {
        return;
    }
    patched = true;
    Settings.defaultOutputCalendar = "persian";

    patch(DateTime.prototype, {
        toFormat(format, options = {}) {
            if (isGregorianFormat(format, options)) {
                options = { ...options, outputCalendar: "gregory" };
            }
            return super.toFormat(format, options);
        },
        get monthLong() {
            return this.isValid ? jalaliMonthNames("long")[toJalali(this).jm - 1] : null;
        },
        get monthShort() {
            return this.isValid ? jalaliMonthNames("short")[toJalali(this).jm - 1] : null;
        },
    });
    patch(DateTime, {
        fromFormat(text, format, options = {}) {
            const jalali = jalaliToGregorianText(text, format);
            if (jalali === false) {
                return DateTime.invalid("not a Jalali day");
            }
            if (!jalali) {
                return super.fromFormat(text, format, options);
            }
            const result = super.fromFormat(jalali.text, format, { ...options, numberingSystem: "latn" });
            return result.isValid
                ? result.reconfigure({ numberingSystem: Settings.defaultNumberingSystem })
                : result;
        },
    });
}

if (isJalali()) {
    enableJalali();
}

/**
 * Persian digits are set after the localization service, which sets luxon's numbering
 * system from the language (Latin for Persian).
 */
export const jalaliDatesService = {
    dependencies: ["localization"],
    start() {
        if (isJalali() && jalaliSettings().persian_digits) {
            Settings.defaultNumberingSystem = "arabext";
        }
        return { isJalali };
    },
};

registry.category("services").add("crm_ext_jalali_dates", jalaliDatesService);
