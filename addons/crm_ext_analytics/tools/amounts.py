"""Amounts in words for many customers at once: ``format_amount``'s text without its per-call
lookups (language, its grouping, the currency's symbol), which cost about 0.15 ms a call, seconds
over the reasons of tens of thousands of customers."""

import ast

from odoo.tools.misc import get_lang

from odoo.addons.base.models.res_lang import intersperse


def amount_formatter(env, currency, lang_code=None):
    """A function of an amount giving the text ``odoo.tools.format_amount(env, amount, currency,
    lang_code)`` gives, with the language and currency looked up once."""
    lang = env["res.lang"].browse(get_lang(env, lang_code).id)
    data = lang._get_data(id=lang.id)
    grouping = ast.literal_eval(data.grouping)
    separator, point = data.thousands_sep or "", data.decimal_point
    pattern = f"%.{currency.decimal_places}f"
    if currency.position == "before":
        pre, post = f"{currency.symbol or ''}\N{NO-BREAK SPACE}", ""
    else:
        pre, post = "", f"\N{NO-BREAK SPACE}{currency.symbol or ''}"

    def format_one(amount):
        parts = (pattern % currency.round(amount)).split(".")
        parts[0] = intersperse(parts[0], grouping, separator)[0]
        text = (
            point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        return f"{pre}{text}{post}"

    return format_one
