"""crm_ext_sales/tools/jalali.py: Jalali dates against the jdatetime library, without Odoo."""

import datetime
import importlib.util
from pathlib import Path

import jdatetime
import pytest

_PATH = Path(__file__).resolve().parents[2] / "addons" / "crm_ext_sales" / "tools" / "jalali.py"
_SPEC = importlib.util.spec_from_file_location("crm_ext_jalali", _PATH)
jalali = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(jalali)

ONE_DAY = datetime.timedelta(days=1)


def _every_day(first_year=1300, last_year=1500):
    """(jdatetime.date, Gregorian date) for every day of the Jalali years given, in order."""
    day = jdatetime.date(first_year, 1, 1).togregorian()
    stop = jdatetime.date(last_year + 1, 1, 1).togregorian()
    while day < stop:
        yield jdatetime.date.fromgregorian(date=day), day
        day += ONE_DAY


def test_every_day_1300_to_1500_round_trips():
    previous = None
    days = 0
    for jday, day in _every_day():
        text = f"{jday.year:04d}/{jday.month:02d}/{jday.day:02d}"
        assert jalali.format_jalali(day, "y/MM/dd") == text
        assert jalali.parse_jalali(text) == day
        assert jalali.to_gregorian(jday.year, jday.month, jday.day) == day
        if previous is not None:
            # consecutive Gregorian days are consecutive Jalali days
            if jday.day == 1:
                assert (jday.month, previous.month) in {(m + 1, m) for m in range(1, 12)} | {(1, 12)}
                assert previous.day == jalali_month_length(previous.year, previous.month)
            else:
                assert (jday.year, jday.month, jday.day - 1) == (previous.year, previous.month, previous.day)
        previous = jday
        days += 1
    assert jalali.format_jalali(day, "y/MM/dd") == "1500/12/29"  # 1500 is not leap
    assert days == (datetime.date(2122, 3, 21) - datetime.date(1921, 3, 21)).days == 73_414  # 201 years


def jalali_month_length(year, month):
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


@pytest.mark.parametrize(
    ("text", "gregorian"),
    [
        ("1405/09/16", datetime.date(2026, 12, 7)),  # the SLA deadline
        ("1403/01/01", datetime.date(2024, 3, 20)),  # Nowruz after a leap Esfand
        ("1403/12/30", datetime.date(2025, 3, 20)),  # 1403 is leap: Esfand has 30 days
        ("1404/01/01", datetime.date(2025, 3, 21)),
        ("1399/12/30", datetime.date(2021, 3, 20)),  # 1399 is leap
        ("1405/06/31", datetime.date(2026, 9, 22)),  # last 31-day month ends
        ("1405/07/01", datetime.date(2026, 9, 23)),
        ("1300/01/01", datetime.date(1921, 3, 21)),
        ("1500/12/29", datetime.date(2122, 3, 20)),
    ],
)
def test_known_days(text, gregorian):
    assert jalali.parse_jalali(text) == gregorian
    assert jalali.format_jalali(gregorian, "y/MM/dd") == text


def test_leap_years():
    assert jdatetime.date(1403, 1, 1).isleap()
    assert not jdatetime.date(1404, 1, 1).isleap()
    with pytest.raises(ValueError):
        jalali.parse_jalali("1404/12/30")
    assert jalali.next_period_start(datetime.date(2025, 3, 20), "month") == datetime.date(2025, 3, 21)
    assert jalali.period_start(datetime.date(2025, 3, 20), "month") == datetime.date(2025, 2, 19)


@pytest.mark.parametrize(
    "text", ["1405/13/01", "1405/00/10", "1405/07/31", "05/09/16", "abc", "", "1405/09/16 25:00"]
)
def test_parse_refuses(text):
    with pytest.raises(ValueError):
        jalali.parse_jalali(text)


def test_parse_digits_separators_and_time():
    assert jalali.parse_jalali("۱۴۰۵/۰۹/۱۶") == datetime.date(2026, 12, 7)
    assert jalali.parse_jalali("١٤٠٥-٩-١٦") == datetime.date(2026, 12, 7)
    assert jalali.parse_jalali(" 1405.9.16 ") == datetime.date(2026, 12, 7)
    assert jalali.parse_jalali("1405/09/16 14:05") == datetime.datetime(2026, 12, 7, 14, 5)
    assert jalali.parse_jalali("1405/09/16 14:05:09") == datetime.datetime(2026, 12, 7, 14, 5, 9)


def test_format_names_digits_and_literals():
    day = datetime.date(2026, 12, 7)  # a Monday
    assert jalali.format_jalali(day, "EEEE d MMMM y", "fa_IR") == "دوشنبه 16 آذر 1405"
    assert jalali.format_jalali(day, "EEEE d MMMM y", "fa_IR", persian_digits=True) == "دوشنبه ۱۶ آذر ۱۴۰۵"
    assert jalali.format_jalali(day, "EEEE d MMMM y", "en_US") == "Monday 16 Azar 1405"
    assert jalali.format_jalali(day, "MMM d, yy", "en_US") == "Aza 16, 05"
    assert jalali.format_jalali(day, "'day' d 'of' MMMM", "en_US") == "day 16 of Azar"
    moment = datetime.datetime(2026, 12, 7, 21, 4, 5)
    assert jalali.format_jalali(moment, "y/MM/dd HH:mm:ss") == "1405/09/16 21:04:05"
    assert jalali.format_jalali(moment, "y/MM/dd hh:mm a") == "1405/09/16 09:04 PM"
    assert jalali.format_jalali_named(moment, "medium", "short", "en_US") == "16 Azar 1405 21:04"
    assert jalali.format_jalali(False) == ""


def test_tehran_midnight():
    # Tehran is UTC+3:30 all year since 1402 (Iran dropped daylight saving in 2022)
    for utc in (datetime.datetime(2024, 1, 15, 12), datetime.datetime(2024, 7, 15, 12)):
        assert jalali.to_local(utc, "Asia/Tehran").utcoffset() == datetime.timedelta(hours=3, minutes=30)
    before = jalali.to_local(datetime.datetime(2026, 12, 6, 20, 29, 59), "Asia/Tehran")
    after = jalali.to_local(datetime.datetime(2026, 12, 6, 20, 30), "Asia/Tehran")
    assert jalali.format_jalali(before, "y/MM/dd HH:mm:ss") == "1405/09/15 23:59:59"
    assert jalali.format_jalali(after, "y/MM/dd HH:mm:ss") == "1405/09/16 00:00:00"
    # Nowruz at midnight in Tehran is still 20 March in UTC
    nowruz = jalali.to_local(datetime.datetime(2025, 3, 20, 20, 30), "Asia/Tehran")
    assert jalali.format_jalali(nowruz, "y/MM/dd") == "1404/01/01"
    assert (
        jalali.format_jalali(jalali.to_local(datetime.datetime(2025, 3, 20, 20, 29), "UTC"), "y/MM/dd")
        == "1403/12/30"
    )


@pytest.mark.parametrize(
    ("day", "granularity", "start", "following"),
    [
        (datetime.date(2026, 12, 7), "month", datetime.date(2026, 11, 22), datetime.date(2026, 12, 22)),
        (datetime.date(2026, 12, 7), "quarter", datetime.date(2026, 9, 23), datetime.date(2026, 12, 22)),
        (datetime.date(2026, 12, 7), "year", datetime.date(2026, 3, 21), datetime.date(2027, 3, 21)),
        (datetime.date(2025, 3, 20), "quarter", datetime.date(2024, 12, 21), datetime.date(2025, 3, 21)),
        (datetime.date(2025, 3, 21), "year", datetime.date(2025, 3, 21), datetime.date(2026, 3, 21)),
    ],
)
def test_periods(day, granularity, start, following):
    assert jalali.period_start(day, granularity) == start
    assert jalali.next_period_start(day, granularity) == following
    assert jalali.period_start(following - ONE_DAY, granularity) == start


def test_period_labels():
    day = datetime.date(2026, 12, 7)
    assert jalali.period_label(day, "month", "en_US") == "Azar 1405"
    assert jalali.period_label(day, "month", "fa_IR", persian_digits=True) == "آذر ۱۴۰۵"
    assert jalali.period_label(day, "quarter") == "Q3 1405"
    assert jalali.period_label(day, "year") == "1405"


def test_jalali_months_start_in_successive_gregorian_months():
    """The forecast counts Jalali months on Gregorian proxies (crm_ext.jalali.month): every
    Jalali month from 1300 to 1500 starts between the 19th and the 24th of a Gregorian month,
    the next Jalali month in the next Gregorian month, and the proxy gives the month back."""
    previous = None
    for year in range(1300, 1501):
        for month in range(1, 13):
            start = jdatetime.date(year, month, 1).togregorian()
            assert 19 <= start.day <= 24
            proxy = start.replace(day=1)
            assert jalali.next_period_start(proxy, "month") == start
            if previous is not None:
                assert (proxy.year * 12 + proxy.month) - (previous.year * 12 + previous.month) == 1
            previous = proxy


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 11, 22), 1, datetime.date(2026, 12, 22)),  # Azar 1 -> Dey 1
        (datetime.date(2026, 9, 22), 1, datetime.date(2026, 10, 22)),  # Shahrivar 31 -> Mehr 30
        (datetime.date(2025, 2, 19), 1, datetime.date(2025, 3, 21)),  # Esfand 1 1403 -> Farvardin 1 1404
        (datetime.date(2024, 2, 20), 12, datetime.date(2025, 2, 19)),  # Esfand 1 1402 -> Esfand 1 1403
        (
            datetime.date(2025, 3, 20),
            12,
            datetime.date(2026, 3, 20),
        ),  # Esfand 30 1403 (leap) -> Esfand 29 1404
        (datetime.date(2026, 12, 7), -3, datetime.date(2026, 9, 7)),  # 1405/09/16 -> 1405/06/16
    ],
)
def test_add_months(day, months, expected):
    assert jalali.add_months(day, months) == expected
