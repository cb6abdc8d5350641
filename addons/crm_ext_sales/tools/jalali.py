"""Jalali (Solar Hijri, Shamsi) dates for display and input, over the ``jdatetime`` library.

Pure Python (no Odoo import), so that it is tested without a database. The calendar
arithmetic is the library's; this module only formats, parses and finds period starts:

- :func:`format_jalali` renders a ``date``/``datetime`` (already in the wanted time zone)
  with an LDML pattern (the patterns babel and Odoo use: ``y/MM/dd``, ``d MMMM y``...),
  Persian month and weekday names for Persian, their transliteration otherwise, and
  optionally Persian digits;
- :func:`parse_jalali` reads ``1405/09/16`` (``-`` or ``.`` also separate; Persian or
  Arabic-Indic digits accepted) into the Gregorian ``date``;
- :func:`period_start` and :func:`next_period_start` give the Gregorian first day of a
  value's Jalali month, quarter or year, and of the next one.
"""

import datetime
import re
import zoneinfo

import jdatetime

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + "٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)

#: the named formats of babel (``format_datetime(..., 'medium')``) as LDML patterns
NAMED_DATE_FORMATS = {
    "short": "y/MM/dd",
    "medium": "d MMMM y",
    "long": "d MMMM y",
    "full": "EEEE d MMMM y",
}
NAMED_TIME_FORMATS = {"short": "HH:mm", "medium": "HH:mm:ss", "long": "HH:mm:ss", "full": "HH:mm:ss"}

_LDML_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*")
_JALALI_INPUT = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:[\sT]+(.*))?$")
_TIME_INPUT = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def is_persian(lang_code):
    """Whether names are written in Persian for this Odoo language code (``fa_IR``, ``fa``)."""
    return bool(lang_code) and lang_code.split("_")[0].lower() == "fa"


def to_persian_digits(text):
    return text.translate(_TO_PERSIAN)


def to_latin_digits(text):
    return text.translate(_TO_LATIN)


def to_local(value, tz_name):
    """A naive UTC ``datetime`` (as Odoo stores it) in the time zone ``tz_name`` (UTC if unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = datetime.UTC  # as Odoo does with an unknown time zone
    return value.replace(tzinfo=datetime.UTC).astimezone(zone)


def to_jalali(value):
    """The ``jdatetime.date`` of a Gregorian ``date`` (or of a ``datetime``'s date)."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return jdatetime.date.fromgregorian(date=value)


def to_gregorian(year, month, day):
    """The Gregorian ``date`` of a Jalali day; ``ValueError`` when that day does not exist."""
    return jdatetime.date(year, month, day).togregorian()


def month_names(lang_code, short=False):
    """The twelve Jalali month names, Farvardin first."""
    if is_persian(lang_code):
        return list(jdatetime.date.j_months_fa)
    return list(jdatetime.date.j_months_short_en if short else jdatetime.date.j_months_en)


def weekday_names(lang_code, short=False):
    """Weekday names indexed by ``jdatetime.date.weekday()`` (Saturday is 0)."""
    if is_persian(lang_code):
        return list(jdatetime.date.j_weekdays_fa)
    return list(jdatetime.date.j_weekdays_short_en if short else jdatetime.date.j_weekdays_en)


def _ampm(value, lang_code):
    names = jdatetime.date.j_ampm_fa if is_persian(lang_code) else jdatetime.date.j_ampm_en
    return names["AM" if value.hour < 12 else "PM"]


def _token(letter, width, value, jvalue, lang_code):
    """The text of one LDML field; ``None`` for a field this module does not render."""
    has_time = isinstance(value, datetime.datetime)
    if letter in "yYu":
        return f"{jvalue.year % 100:02d}" if width == 2 else f"{jvalue.year:0{width}d}"
    if letter in "ML":
        if width <= 2:
            return f"{jvalue.month:0{width}d}"
        names = month_names(lang_code, short=width == 3)
        name = names[jvalue.month - 1]
        return name[0] if width == 5 else name
    if letter == "d":
        return f"{jvalue.day:0{width}d}"
    if letter == "D":
        return f"{jvalue.yday():0{width}d}"
    if letter == "Q" or letter == "q":
        return str((jvalue.month - 1) // 3 + 1)
    if letter in "Eec":
        if letter != "E" and width <= 2:
            return str(jvalue.weekday() + 1)
        return weekday_names(lang_code, short=width <= 3)[jvalue.weekday()]
    if letter == "G":
        return "ه‍.ش." if is_persian(lang_code) else "AP"
    if not has_time:
        return None
    if letter == "H":
        return f"{value.hour:0{width}d}"
    if letter == "k":
        return f"{value.hour or 24:0{width}d}"
    if letter == "h":
        return f"{value.hour % 12 or 12:0{width}d}"
    if letter == "K":
        return f"{value.hour % 12:0{width}d}"
    if letter == "m":
        return f"{value.minute:0{width}d}"
    if letter == "s":
        return f"{value.second:0{width}d}"
    if letter == "a":
        return _ampm(value, lang_code)
    if letter in "zZvVOxX":
        return value.strftime("%Z") if value.tzinfo else ""
    return None


def format_jalali(value, pattern="y/MM/dd", lang_code="en_US", persian_digits=False):
    """Renders a Gregorian ``date``/``datetime`` in the Jalali calendar with an LDML pattern.

    A ``datetime`` is rendered as it is (convert it to the reader's time zone first). Fields
    outside dates and times (week numbers) are left to babel's meaning of the pattern: they
    are rendered from the Gregorian value by ``strftime``.
    """
    if not value:
        return ""
    jvalue = to_jalali(value)
    parts = []
    for match in _LDML_TOKEN.finditer(pattern):
        text = match.group(0)
        start, end = match.span()
        if text.startswith("'"):
            literal = text[1:-1].replace("''", "'")
            parts.append((start, end, literal if text != "''" else "'"))
            continue
        rendered = _token(text[0], len(text), value, jvalue, lang_code)
        if rendered is None:
            rendered = value.strftime("%V") if text[0] == "w" else text
        parts.append((start, end, rendered))
    out, position = [], 0
    for start, end, rendered in parts:
        out.append(pattern[position:start])
        out.append(rendered)
        position = end
    out.append(pattern[position:])
    result = "".join(out)
    return to_persian_digits(result) if persian_digits else result


def format_jalali_named(value, date_style="medium", time_style=None, lang_code="en_US", persian_digits=False):
    """``format_jalali`` with babel's named formats (``short``, ``medium``, ``long``, ``full``)."""
    pattern = NAMED_DATE_FORMATS[date_style]
    if time_style:
        pattern = f"{pattern} {NAMED_TIME_FORMATS[time_style]}"
    return format_jalali(value, pattern, lang_code, persian_digits)


def parse_jalali(text):
    """The Gregorian ``date`` (or naive ``datetime`` when a time follows) of ``1405/09/16``.

    Years have four digits; the separators are ``/``, ``-`` or ``.``; a time ``HH:MM[:SS]``
    may follow. Raises ``ValueError`` on anything else, or on a day the calendar does not have
    (``1404/12/30``: 1404 is not leap).
    """
    match = _JALALI_INPUT.match(to_latin_digits(text or ""))
    if not match:
        raise ValueError(f"{text!r} is not a Jalali date (year/month/day)")
    year, month, day = (int(group) for group in match.groups()[:3])
    day_value = to_gregorian(year, month, day)
    time_text = match.group(4)
    if not time_text:
        return day_value
    time_match = _TIME_INPUT.match(time_text)
    if not time_match:
        raise ValueError(f"{text!r}: {time_text!r} is not a time (HH:MM or HH:MM:SS)")
    hour, minute, second = (int(group or 0) for group in time_match.groups())
    return datetime.datetime.combine(day_value, datetime.time(hour, minute, second))


_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_start(value, granularity):
    """The Gregorian first day of the Jalali month, quarter or year that holds ``value``."""
    months = _PERIOD_MONTHS[granularity]
    jvalue = to_jalali(value)
    first_month = (jvalue.month - 1) // months * months + 1
    return to_gregorian(jvalue.year, first_month, 1)


def next_period_start(value, granularity):
    """The Gregorian first day of the Jalali period after the one that holds ``value``."""
    months = _PERIOD_MONTHS[granularity]
    jvalue = to_jalali(period_start(value, granularity))
    month_index = jvalue.year * 12 + jvalue.month - 1 + months
    return to_gregorian(month_index // 12, month_index % 12 + 1, 1)


def add_months(value, months):
    """The Gregorian date ``months`` Jalali months after ``value`` (the same Jalali day, or the
    last day of a shorter month: Shahrivar 31 plus one month is Mehr 30)."""
    jvalue = to_jalali(value)
    year, month = divmod(jvalue.year * 12 + jvalue.month - 1 + months, 12)
    month += 1
    length = jdatetime.j_days_in_month[month - 1]
    if month == 12 and jdatetime.date(year, 1, 1).isleap():
        length = 30
    return to_gregorian(year, month, min(jvalue.day, length))


def period_label(value, granularity, lang_code="en_US", persian_digits=False):
    """``Azar 1405``, ``Q3 1405`` or ``1405`` for the Jalali period that holds ``value``."""
    jvalue = to_jalali(value)
    if granularity == "month":
        label = f"{month_names(lang_code)[jvalue.month - 1]} {jvalue.year}"
    elif granularity == "quarter":
        label = f"Q{(jvalue.month - 1) // 3 + 1} {jvalue.year}"
    else:
        label = str(jvalue.year)
    return to_persian_digits(label) if persian_digits else label
