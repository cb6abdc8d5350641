"""Issue 18: the fields crm_ext_service adds to Odoo's models take the ``crm_ext_`` prefix
(CONTRIBUTING.md, "Fields on Odoo's models"); their data, labels and XML ids are kept."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix

COMPANY = ["service_labour_product_id", "service_portal_team_id", "service_portal_attachment_mb"]
FIELDS = {
    # product.product's rows of them (delegation) too: add_prefix renames them
    "product.template": [
        "service_contract", "service_warranty", "service_duration_months", "service_cover_parts",
        "service_cover_labour", "service_cover_onsite",
    ],
    "res.company": COMPANY,
    "res.config.settings": COMPANY,
    "sale.order": ["service_contract_ids", "service_contract_count"],
    "res.partner": ["service_contract_count"],
}  # fmt: skip


def migrate(cr, version):
    if version:
        add_prefix(cr, FIELDS, module="crm_ext_service")
