"""Issue 18: the fields crm_ext_sales adds to Odoo's models take the ``crm_ext_`` prefix
(CONTRIBUTING.md, "Fields on Odoo's models"); their data, labels and XML ids are kept. The
territory routing setting keeps its system parameter (``crm_ext_sales.territory_routing``)."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix

FIELDS = {
    "res.company": ["credit_control_policy", "date_calendar", "date_persian_digits", "date_analytics_jalali"],
    "res.config.settings": [
        "credit_control_policy", "date_calendar", "date_persian_digits", "date_analytics_jalali",
        "territory_routing",
    ],
    "res.users": ["date_calendar", "date_persian_digits"],
}  # fmt: skip


def migrate(cr, version):
    if version:
        add_prefix(cr, FIELDS, module="crm_ext_sales")
