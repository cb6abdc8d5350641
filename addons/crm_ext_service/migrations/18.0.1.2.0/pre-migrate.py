"""Issue 18: crm_ext_service's counters on partners and opportunities take the ``crm_ext_``
prefix (CONTRIBUTING.md, "Fields on Odoo's models"); they are computed (no column): their
labels, XML ids, saved filters and the module's views of the models are renamed."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix

FIELDS = {
    "res.partner": ["ticket_count", "open_ticket_count", "failed_sla_ticket_count", "equipment_count"],
    "crm.lead": ["ticket_ids", "ticket_count"],
}


def migrate(cr, version):
    if version:
        add_prefix(cr, FIELDS, module="crm_ext_service")
