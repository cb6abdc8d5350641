"""Issue 18: the fields crm_ext_analytics adds to Odoo's models take the ``crm_ext_`` prefix
(CONTRIBUTING.md, "Fields on Odoo's models"); their labels, XML ids and saved filters are kept
(they are computed: there is no column)."""

from odoo.addons.crm_ext_sales.tools.migration import add_prefix

RES_PARTNER = [
    "rfm_segment", "rfm_cell", "rfm_r_score", "rfm_f_score", "rfm_m_score", "rfm_clv_predicted",
    "rfm_clv_p_alive", "rfm_churn_probability", "rfm_churn_reasons",
]  # fmt: skip


def migrate(cr, version):
    if version:
        add_prefix(cr, {"res.partner": RES_PARTNER}, module="crm_ext_analytics")
