from odoo import models
from odoo.tools import format_date, format_datetime

from ..tools import date_format as jalali_dates


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_eval_context(self):
        """``format_date`` and ``format_datetime`` of mail templates in the reader's calendar."""
        render_context = super()._render_eval_context()
        env = self.env

        def jalali_format_date(date, date_format=False, lang_code=False):
            text = jalali_dates.format_date(env, date, lang_code or None, date_format)
            return (
                format_date(env, date, lang_code=lang_code, date_format=date_format) if text is None else text
            )

        def jalali_format_datetime(dt, tz=False, dt_format=False, lang_code=False):
            text = jalali_dates.format_datetime(env, dt, tz, dt_format, lang_code or None)
            return format_datetime(env, dt, tz, dt_format, lang_code) if text is None else text

        render_context["format_date"] = jalali_format_date
        render_context["format_datetime"] = jalali_format_datetime
        return render_context
