import jdatetime

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import jalali

#: the Jalali years in the table: 1921-03-21 to 2122-03-20
FIRST_YEAR, LAST_YEAR = 1300, 1500


class JalaliMonth(models.Model):
    """The Gregorian first day of every Jalali month, quarter and year from 1300 to 1500.

    Grouping by Jalali month in SQL (pivot, graph and grouped lists of Jalali users) looks
    the month of a day up here; the rows are written once, from jdatetime, at install.
    """

    _name = "crm_ext.jalali.month"
    _description = "Jalali Month"
    _order = "date_start"
    _log_access = False

    date_start = fields.Date(required=True, index=True, readonly=True)
    quarter_start = fields.Date(required=True, readonly=True)
    year_start = fields.Date(required=True, readonly=True)
    jalali_year = fields.Integer(required=True, readonly=True)
    jalali_month = fields.Integer(required=True, readonly=True)

    _sql_constraints = [("date_start_uniq", "unique(date_start)", "A Jalali month starts on one day only.")]

    @api.model
    def _gregorian_proxy_sql(self, day):
        """SQL: the first day of the Gregorian month in which the Jalali month of the date
        ``day`` (an SQL expression) starts.

        Every Jalali month from 1300 to 1500 starts between the 19th and the 24th of a
        Gregorian month, the next one in the next Gregorian month (tests/pure/test_jalali.py),
        so this is one-to-one and keeps the months' order and succession: code that counts
        Gregorian months (pandas' ``MS`` frequency) counts Jalali months on these proxies, and
        :meth:`_from_gregorian_proxy` gives the Jalali months back.
        """
        return SQL(
            "date_trunc('month', (SELECT date_start FROM %s WHERE date_start <= %s "
            "ORDER BY date_start DESC LIMIT 1))::date",
            SQL.identifier(self._table),
            day,
        )

    @api.model
    def _from_gregorian_proxy(self, month):
        """The Gregorian first day of the Jalali month whose proxy is ``month`` (a date)."""
        return jalali.next_period_start(month.replace(day=1), "month")

    def init(self):
        self.env.cr.execute(SQL("SELECT 1 FROM %s LIMIT 1", SQL.identifier(self._table)))
        if self.env.cr.rowcount:
            return
        rows = []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for month in range(1, 13):
                start = jdatetime.date(year, month, 1).togregorian()
                rows.append(
                    SQL(
                        "(%s, %s, %s, %s, %s)",
                        start,
                        jalali.period_start(start, "quarter"),
                        jalali.period_start(start, "year"),
                        year,
                        month,
                    )
                )
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (date_start, quarter_start, year_start, jalali_year, jalali_month) VALUES %s",
                SQL.identifier(self._table),
                SQL(", ").join(rows),
            )
        )
