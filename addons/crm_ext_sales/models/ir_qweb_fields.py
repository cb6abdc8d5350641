from odoo import api, fields, models
from odoo.tools.misc import babel_locale_parse, posix_to_ldml

from ..tools import date_format


class DateConverter(models.AbstractModel):
    _inherit = "ir.qweb.field.date"

    @api.model
    def value_to_html(self, value, options):
        text = date_format.format_date(self.env, value, self.user_lang().code, options.get("format"))
        return super().value_to_html(value, options) if text is None else text


class DateTimeConverter(models.AbstractModel):
    _inherit = "ir.qweb.field.datetime"

    @api.model
    def value_to_html(self, value, options):
        if not value or options.get("time_only"):
            return super().value_to_html(value, options)
        lang = self.user_lang()
        if isinstance(value, str):
            value = fields.Datetime.from_string(value)
        pattern = options.get("format")
        if not pattern:
            date_pattern, time_pattern = lang.date_format, lang.time_format
            posix = date_pattern if options.get("date_only") else f"{date_pattern} {time_pattern}"
            pattern = posix_to_ldml(posix, locale=babel_locale_parse(lang.code))
        if options.get("hide_seconds"):
            pattern = pattern.replace(":ss", "").replace(":s", "")
        tz = options.get("tz_name") or self.env.context.get("tz")
        text = date_format.format_datetime(self.env, value, tz=tz, lang_code=lang.code, pattern=pattern)
        return super().value_to_html(value, options) if text is None else text
