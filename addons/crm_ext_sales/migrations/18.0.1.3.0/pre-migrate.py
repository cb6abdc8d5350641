"""Issue 18: the last fields crm_ext_sales adds to Odoo's models take the ``crm_ext_`` prefix
(CONTRIBUTING.md, "Fields on Odoo's models"): the opportunity of invoices and transfers, the
territory, forecast, product lines and back-office counters of opportunities, the forecast
category of stages and the customer 360 figures of partners. The stored ones keep their column
(and index), all keep their labels, XML ids (selection values included), saved filters and the
module's views. The interaction counter is a field of the interaction mixin: crm_ext_service's
tickets, which inherit it, have it renamed too. The SQL views that read the columns
(account.invoice.report, crm_ext.forecast.report) are created again by the upgrade."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix

FIELDS = {
    "account.move": ["opportunity_id", "opportunity_from_orders"],
    "account.invoice.report": ["opportunity_id"],
    "stock.picking": ["opportunity_id"],
    "crm.stage": ["forecast_category"],
    "crm.lead": [
        "territory_id", "forecast_category", "forecast_month", "revenue_from_lines", "interaction_ids",
        "interaction_count", "opportunity_line_ids", "lines_amount_untaxed", "lines_margin", "invoice_ids",
        "invoice_count", "credit_note_count", "invoiced_amount", "delivery_count", "payment_count",
        "customer_amount_due", "customer_amount_overdue", "customer_average_days_to_pay",
        "customer_open_opportunity_count", "customer_last_interaction_date", "customer_credit_limit",
        "customer_360_currency_id",
    ],
    # res.users' rows of them (delegation) too: add_prefix renames them
    "res.partner": [
        "interaction_ids", "interaction_count", "open_opportunity_count", "open_pipeline_amount",
        "customer_quotation_count", "customer_order_count", "pending_delivery_count", "late_delivery_count",
        "open_invoice_count", "overdue_invoice_count", "amount_due", "amount_overdue",
        "customer_payment_count", "average_days_to_pay", "last_interaction_date", "sales_history_amount",
        "sales_history_count", "sales_history_last_date", "customer_360_currency_id",
    ],
    # the interaction mixin's counter on crm_ext_service's tickets (no row without crm_ext_service)
    "crm_ext.ticket": ["interaction_count"],
}  # fmt: skip


def migrate(cr, version):
    if version:
        add_prefix(cr, FIELDS, module="crm_ext_sales")
