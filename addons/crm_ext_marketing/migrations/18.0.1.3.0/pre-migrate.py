"""Issue 18: the lead score on crm.lead takes the ``crm_ext_`` prefix (CONTRIBUTING.md,
"Fields on Odoo's models"); its column, index, label, XML id, saved filters and the module's
views of crm.lead are renamed."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix


def migrate(cr, version):
    if version:
        add_prefix(cr, {"crm.lead": ["lead_score"]}, module="crm_ext_marketing")
