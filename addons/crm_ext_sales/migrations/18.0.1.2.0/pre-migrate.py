"""Issue 18: crm_ext_sales's credit control fields on sale.order take the ``crm_ext_`` prefix
(CONTRIBUTING.md, "Fields on Odoo's models"); they are computed or related (no column): their
labels, XML ids, saved filters and the module's views of sale.order are renamed."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix

FIELDS = {
    "sale.order": [
        "credit_limit_exceeded", "customer_credit_used", "customer_credit_limit", "customer_amount_overdue",
        "company_currency_id",
    ],
}  # fmt: skip


def migrate(cr, version):
    if version:
        add_prefix(cr, FIELDS, module="crm_ext_sales")
