"""Dates rendered on the server (QWeb reports, portal pages, e-mails) in the reader's calendar.

``format_date`` and ``format_datetime`` take the arguments of ``odoo.tools.format_date`` and
``odoo.tools.format_datetime`` and return the Jalali text when the reader's calendar is
Jalali (``res.users._date_style``), ``None`` otherwise, so that callers fall back to Odoo's
own Gregorian rendering unchanged.
"""

import datetime

from odoo import fields
from odoo.tools.misc import DATE_LENGTH, babel_locale_parse, get_lang, posix_to_ldml

from . import jalali


def _jalali_reader(env, value, lang_code):
    """``(lang, persian_digits)`` when ``value`` is shown in Jalali to this reader, else ``None``."""
    if not value:
        return None
    lang = get_lang(env, lang_code)
    calendar, persian_digits = env.user._date_style(lang.code)
    return (lang, persian_digits) if calendar == "jalali" else None


def format_date(env, value, lang_code=None, date_format=False):
    """Jalali text of a date (a datetime is shown in the context's time zone), or ``None``."""
    reader = _jalali_reader(env, value, lang_code)
    if reader is None:
        return None
    lang, persian_digits = reader
    if isinstance(value, str):
        if len(value) < DATE_LENGTH:
            return ""
        is_datetime = len(value) > DATE_LENGTH
        value = fields.Datetime.from_string(value)
        if is_datetime:
            value = fields.Datetime.context_timestamp(env["res.lang"], value)
    elif isinstance(value, datetime.datetime) and not value.tzinfo:
        value = fields.Datetime.context_timestamp(env["res.lang"], value)
    if not date_format:
        date_format = posix_to_ldml(lang.date_format, locale=babel_locale_parse(lang.code))
    pattern = jalali.NAMED_DATE_FORMATS.get(date_format, date_format)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return jalali.format_jalali(value, pattern, lang.code, persian_digits)


def format_datetime(env, value, tz=False, dt_format="medium", lang_code=None, pattern=None):
    """Jalali text of a naive UTC datetime in the time zone ``tz`` (else the user's), or ``None``.

    ``dt_format`` is a babel name (short, medium, long, full) or an LDML pattern, empty for
    the language's date and time formats; ``pattern`` (an LDML pattern) wins over it.
    """
    reader = _jalali_reader(env, value, lang_code)
    if reader is None:
        return None
    lang, persian_digits = reader
    if isinstance(value, str):
        value = fields.Datetime.from_string(value)
    if value.tzinfo:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    local = jalali.to_local(value, tz or env.user.tz or "UTC")
    if not pattern:
        if not dt_format:
            locale = babel_locale_parse(lang.code)
            pattern = "%s %s" % (
                posix_to_ldml(lang.date_format, locale=locale),
                posix_to_ldml(lang.time_format, locale=locale),
            )
        elif dt_format in jalali.NAMED_DATE_FORMATS:
            pattern = f"{jalali.NAMED_DATE_FORMATS[dt_format]} {jalali.NAMED_TIME_FORMATS[dt_format]}"
        else:
            pattern = dt_format
    return jalali.format_jalali(local, pattern, lang.code, persian_digits)
