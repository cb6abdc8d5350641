import datetime

import pytz

from odoo import api, models
from odoo.tools import DEFAULT_SERVER_DATE_FORMAT, DEFAULT_SERVER_DATETIME_FORMAT, SQL
from odoo.tools.misc import get_lang
from odoo.tools.query import Query

from ..tools import jalali

JALALI_GRANULARITIES = {"month": "date_start", "quarter": "quarter_start", "year": "year_start"}

#: how exported dates are written for Jalali users (Latin digits: spreadsheets read them)
EXPORT_DATE_PATTERN = "y/MM/dd"
EXPORT_DATETIME_PATTERN = "y/MM/dd HH:mm:ss"


def _jalali_export_cell(value):
    """A date (or a datetime, already in the user's time zone) as Jalali text; others as they are."""
    if isinstance(value, datetime.datetime):
        return jalali.format_jalali(value, EXPORT_DATETIME_PATTERN)
    if isinstance(value, datetime.date):
        return jalali.format_jalali(value, EXPORT_DATE_PATTERN)
    return value


def _date_groupby(model, spec):
    """``(field, granularity)`` of a date(time) groupby by month, quarter or year, else ``None``."""
    fname, __, granularity = spec.partition(":")
    field = model._fields.get(fname)
    if not field or field.type not in ("date", "datetime") or "." in fname:
        return None
    granularity = granularity or "month"
    return (field, granularity) if granularity in JALALI_GRANULARITIES else None


class Base(models.AbstractModel):
    """Groups by month, quarter and year follow Jalali periods for Jalali users.

    Only ``read_group`` (what the web client's pivot, graph, grouped lists and kanban use)
    groups in Jalali, with Jalali labels and ranges; ``_read_group`` in Python code keeps
    Gregorian periods, which stored figures (targets, forecasts) are computed on.
    """

    _inherit = "base"

    @api.model
    @api.readonly
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        specs = [groupby] if isinstance(groupby, str) else groupby
        if any(_date_groupby(self, spec) for spec in specs or ()):
            calendar, __ = self.env.user._date_style(self.env.lang)
            if calendar == "jalali":
                # empty periods are filled with Gregorian months: not for Jalali groups
                self = self.with_context(crm_ext_jalali_groups=True, fill_temporal=False)
        return super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        """Exports that are not import-compatible (the list's Export with that box unticked)
        write dates in Jalali for Jalali users; import-compatible exports keep ISO Gregorian
        dates, so that they import back unchanged."""
        rows = super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
        if not _is_toplevel_call or self.env.context.get("import_compat", True):
            return rows
        calendar, __ = self.env.user._date_style(self.env.lang)
        if calendar != "jalali":
            return rows
        return [[_jalali_export_cell(value) for value in row] for row in rows]

    def _read_group_groupby(self, groupby_spec: str, query: Query) -> SQL:
        date_groupby = self.env.context.get("crm_ext_jalali_groups") and _date_groupby(self, groupby_spec)
        if not date_groupby:
            return super()._read_group_groupby(groupby_spec, query)
        field, granularity = date_groupby
        day = super()._read_group_groupby(f"{field.name}:day", query)
        start = SQL(
            "(SELECT %s FROM crm_ext_jalali_month WHERE date_start <= %s ORDER BY date_start DESC LIMIT 1)",
            SQL.identifier(JALALI_GRANULARITIES[granularity]),
            day,
        )
        return SQL("%s::timestamp", start) if field.type == "datetime" else start

    def _read_group_format_result(self, rows_dict, lazy_groupby):
        jalali_groups = {}
        if self.env.context.get("crm_ext_jalali_groups"):
            for group in lazy_groupby:
                date_groupby = _date_groupby(self, group)
                if date_groupby:
                    jalali_groups[group] = (date_groupby, [row.get(group) for row in rows_dict])
        super()._read_group_format_result(rows_dict, lazy_groupby)
        if not jalali_groups:
            return
        lang = get_lang(self.env)
        __, persian_digits = self.env.user._date_style(lang.code)
        tz = self.env.context.get("tz")
        tzinfo = pytz.timezone(tz) if tz in pytz.all_timezones_set else None
        for group, ((field, granularity), values) in jalali_groups.items():
            for row, value in zip(rows_dict, values, strict=True):
                if not isinstance(value, datetime.date):
                    continue
                start = value
                stop = jalali.next_period_start(value, granularity)
                if field.type == "datetime":
                    stop = datetime.datetime.combine(stop, datetime.time.min)
                    if tzinfo:
                        start = tzinfo.localize(start).astimezone(pytz.utc).replace(tzinfo=None)
                        stop = tzinfo.localize(stop).astimezone(pytz.utc).replace(tzinfo=None)
                    fmt = DEFAULT_SERVER_DATETIME_FORMAT
                else:
                    fmt = DEFAULT_SERVER_DATE_FORMAT
                gregorian_range = row["__range"][group]
                row[group] = jalali.period_label(value, granularity, lang.code, persian_digits)
                row["__range"][group] = {"from": start.strftime(fmt), "to": stop.strftime(fmt)}
                # Odoo's range starts on the same day (the group's value): only its end moves
                old_end = (field.name, "<", gregorian_range["to"])
                new_end = (field.name, "<", row["__range"][group]["to"])
                row["__domain"] = [new_end if term == old_end else term for term in row["__domain"]]
