from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    crm_ext_date_calendar = fields.Selection(
        [("gregorian", "Gregorian"), ("jalali", "Jalali (Shamsi)")],
        string="Calendar",
        help="The calendar in which you see dates, in the web client, the portal and the "
        "documents you print in your language. Empty: your company's default (Jalali for "
        "Persian). Stored dates never change.",
    )
    crm_ext_date_persian_digits = fields.Boolean(
        string="Persian Digits",
        help="Jalali dates are written with Persian digits (۱۴۰۵/۰۹/۱۶).",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + ["crm_ext_date_calendar", "crm_ext_date_persian_digits"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["crm_ext_date_calendar", "crm_ext_date_persian_digits"]

    def _date_style(self, lang_code=None):
        """``(calendar, persian_digits)`` for dates this user reads in the language ``lang_code``.

        In the user's own language (or none given) the user's choice applies, else the
        company's default for their language; documents in another language (an invoice in
        the customer's Persian printed by an English-speaking user, an e-mail sent by a cron)
        follow the company's default for that language.
        """
        self.ensure_one()
        company = self.env.company
        if not lang_code or lang_code == self.lang:
            calendar = self.crm_ext_date_calendar or company._date_calendar_for(self.lang)
            return calendar, calendar == "jalali" and self.crm_ext_date_persian_digits
        calendar = company._date_calendar_for(lang_code)
        return calendar, calendar == "jalali" and company.crm_ext_date_persian_digits

    def _date_session_info(self):
        """The calendar settings the web client needs (``session_info``)."""
        calendar, persian_digits = self._date_style()
        return {"calendar": calendar, "persian_digits": persian_digits}
