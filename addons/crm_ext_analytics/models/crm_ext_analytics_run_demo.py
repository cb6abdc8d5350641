"""Demo data: a history of a few hundred customers, so that the analytics have something to show.

The demo data (``demo/crm_ext_analytics_run_demo.xml``) calls ``_generate_demo_history``
before its analytics run: the data generator (``tools/generator``, the same one the
benchmarks use) writes three years of customers, orders, deliveries, posted invoices,
credit notes, payments, mailings and tickets in bulk, in the main company and a second one
in EUR, and the sales history before Odoo (crm_ext_sales) of some of the main company's
customers of before those three years. Only with demo data: the generator is never run
otherwise. The test harness turns it off (``CRM_EXT_DEMO_HISTORY=0`` in the environment or
``crm_ext_demo_history = False`` in the server configuration), as the modules' tests count
the demo records.
"""

import logging
import os

from odoo import api, models
from odoo.tools import config, str2bool

_logger = logging.getLogger(__name__)

# a few hundred customers over three years, with a yearly cycle and growth; fixed seed
DEMO_HISTORY_PROFILE = {
    "customers": 300,
    "products": 60,
    "orders_per_customer": 4.0,
    "lines_per_order": 10.0,
    "contacts_per_customer": 1.0,
    "years": 3,
    "categories": 8,
    "salespeople": 3,
    "campaigns": 4,
    "mailings": 12,
    "seasonality": 0.35,
    "growth": 0.25,
    # a few documents of the former system for some of the main company's oldest customers, so
    # that Customer 360's "Before Odoo" has something to show
    "sales_history_share": 0.3,
    # the service dashboard's CSAT, first response and cost to serve
    "ticket_rating_share": 0.6,
    "ticket_working_hours": True,
    "field_order_share": 0.15,
    # the Marketing dashboard's funnel
    "campaign_targets": True,
    # the Sales dashboard's days in stage
    "lead_stage_history": True,
    # the Sales dashboard's forecast by month and category: open opportunities expected to close
    # over the next six months
    "open_deadline_days_ahead": 180,
    "second_company_name": "YourCompany Europe",
    "seed": 2026,
}


def demo_history_enabled():
    """Whether the demo data adds the history: on unless the environment variable
    ``CRM_EXT_DEMO_HISTORY`` or the server option ``crm_ext_demo_history`` says no."""
    value = os.environ.get("CRM_EXT_DEMO_HISTORY")
    if value is None:
        value = config.get("crm_ext_demo_history", True)
    return str2bool(str(value), default=True)


class CrmExtAnalyticsRun(models.Model):
    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _demo_history_profile(self, **overrides):
        from ..tools.generator import Profile

        return Profile.with_overrides(**{**DEMO_HISTORY_PROFILE, **overrides})

    @api.model
    def _generate_demo_history(self, force=False, **overrides):
        """Writes the demo history and runs the analytics of the companies it adds (the demo
        data's own run does the main company next). Returns the generator's summary, or None
        when turned off (``force`` ignores the switch: the test of the demo profile)."""
        if not (force or demo_history_enabled()):
            _logger.info("crm_ext demo history turned off (CRM_EXT_DEMO_HISTORY / crm_ext_demo_history)")
            return None
        from ..tools.generator import generate

        profile = self._demo_history_profile(**overrides)
        summary = generate(self.env, profile)
        _logger.info(
            "crm_ext demo history: %s customers, %s orders, %s invoices, %s credit notes, %s payments, "
            "%s tickets in %.1f s",
            len(summary["customer_ids"]),
            len(summary["order_ids"]),
            len(summary["invoice_ids"]),
            len(summary["refund_ids"]),
            len(summary["payment_ids"]),
            len(summary["ticket_ids"]),
            summary["seconds"] or 0.0,
        )
        others = self.env["res.company"].browse(summary["company_ids"]) - self.env.company
        for company in others:
            self.sudo().create({"company_id": company.id})._execute()
        return summary
