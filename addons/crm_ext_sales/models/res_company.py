from odoo import fields, models

from ..tools import jalali


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_ext_credit_control_policy = fields.Selection(
        [("warn", "Warn"), ("block", "Block confirmation")],
        string="Credit Control Policy",
        default="warn",
        required=True,
        help="What happens when a quotation is confirmed for a customer over its credit limit: "
        "a warning only, or a refusal that only a Sales Manager may override.",
        groups="base.group_user",
    )

    crm_ext_date_calendar = fields.Selection(
        [
            ("language", "Jalali for Persian, Gregorian otherwise"),
            ("gregorian", "Gregorian"),
            ("jalali", "Jalali (Shamsi)"),
        ],
        string="Calendar",
        default="language",
        required=True,
        help="The calendar in which dates are shown to users who did not choose one in their "
        "preferences, and in the documents (reports, e-mails) sent in another language than "
        "the sender's. Stored dates never change: only how they are shown.",
    )
    crm_ext_date_persian_digits = fields.Boolean(
        string="Persian Digits in Jalali Documents",
        help="Reports and e-mails dated in the Jalali calendar write their dates with Persian "
        "digits (۱۴۰۵/۰۹/۱۶) when the reader has no preference of their own.",
    )

    crm_ext_date_analytics_jalali = fields.Boolean(
        string="Jalali Months in Analytics",
        help="The figures computed per month and kept (sales targets, and the customer cohorts "
        "and the revenue forecast of Customer Analytics) count Jalali months (Farvardin to "
        "Esfand) instead of Gregorian ones, so that Persian users see their fiscal months.",
        groups="base.group_user",
    )

    def _date_calendar_for(self, lang_code):
        """The company's default calendar for a reader of the language ``lang_code``."""
        self.ensure_one()
        if self.crm_ext_date_calendar == "language":
            return "jalali" if jalali.is_persian(lang_code) else "gregorian"
        return self.crm_ext_date_calendar
