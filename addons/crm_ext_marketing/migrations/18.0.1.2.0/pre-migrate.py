"""Issue 18: the fields crm_ext_marketing adds to Odoo's models take the ``crm_ext_`` prefix
(CONTRIBUTING.md, "Fields on Odoo's models"); their data, labels and XML ids are kept."""

from odoo.addons.crm_ext_sales.tools.migration import rename_fields

UTM_CAMPAIGN = [
    "segment_id", "date_start", "date_end", "step_ids", "budget", "analytic_account_id", "cost",
    "revenue", "roi", "budget_used", "over_budget", "lead_total", "won_total", "cost_per_lead",
    "cost_per_won", "channel_results_html", "step_count", "target_count",
]  # fmt: skip
RENAMES = [("utm.campaign", "campaign_state", "crm_ext_state")] + [
    ("utm.campaign", name, f"crm_ext_{name}") for name in UTM_CAMPAIGN
]


def migrate(cr, version):
    if version:
        rename_fields(cr, RENAMES)
