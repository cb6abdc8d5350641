from odoo import models
from odoo.tools import SQL

from ..tools import bulk


class CrmExtAnalyticsRun(models.Model):
    """The sales history imported from a former system (``crm_ext.sales.history``) as read by
    the run's stages: each method returns the ``UNION ALL`` branch that a stage's read query
    (``crm_ext_analytics_run_<stage>.py``) appends to its posted invoices (same columns, company
    currency), or an empty SQL when the company's setting "Analyse the sales history" is off."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _history_on(self):
        if not self.company_id.sudo().crm_ext_analytics_sales_history:
            return False
        self.env["crm_ext.sales.history"].flush_model()
        return True

    def _history_documents(self, partner_ids=None):
        """One row per former document: company, customer, date, net amount."""
        if not self._history_on():
            return SQL()
        return SQL(
            """
            UNION ALL
               SELECT company_id, partner_id, date, SUM(amount_company)
                 FROM crm_ext_sales_history
                WHERE company_id = %s %s
             GROUP BY company_id, partner_id, document_number, date
            """,
            self.company_id.id,
            bulk.partner_filter(SQL.identifier("partner_id"), partner_ids),
        )

    def _history_changed_partners(self):
        """The customers whose history was imported or changed since ``since``."""
        if not self._history_on():
            return SQL()
        return SQL(
            "UNION SELECT partner_id FROM crm_ext_sales_history WHERE company_id = %s AND write_date >= %s",
            self.company_id.id,
            self.since,
        )

    def _history_margin_lines(self, partner_ids=None):
        """Per former line: customer, amount, and cost at the product's cost price (0 without
        a product), as the invoice lines are read."""
        if not self._history_on():
            return SQL()
        return SQL(
            """
            UNION ALL
               SELECT history.partner_id, history.amount_company,
                      history.quantity::numeric
                      * COALESCE((product.standard_price ->> %(company)s::text)::numeric, 0)
                      * SIGN(history.amount_company)
                 FROM crm_ext_sales_history history
            LEFT JOIN product_product product ON product.id = history.product_id
                WHERE history.company_id = %(company)s %(partners)s
            """,
            company=self.company_id.id,
            partners=bulk.partner_filter(SQL("history.partner_id"), partner_ids),
        )

    def _history_team_amounts(self):
        """Per former line: no sales team (the former system's teams are not Odoo's: the history
        counts in the company's forecast only), date and amount (monthly revenue)."""
        if not self._history_on():
            return SQL()
        return SQL(
            """
            UNION ALL
               SELECT NULL::int, date, amount_company
                 FROM crm_ext_sales_history
                WHERE company_id = %s
            """,
            self.company_id.id,
        )

    def _history_baskets(self, partner_ids=None):
        """Per former line with a product: a basket (a former document, numbered below zero so as
        not to meet an order's id), the product and the customer (of ``partner_ids`` only, when
        given)."""
        if not self._history_on():
            return SQL()
        return SQL(
            """
            UNION ALL
               SELECT basket, product_id, partner_id
                 FROM (SELECT -MIN(id) OVER (PARTITION BY document_number) AS basket, product_id, partner_id
                         FROM crm_ext_sales_history WHERE company_id = %s) history
                WHERE product_id IS NOT NULL %s
            """,
            self.company_id.id,
            bulk.partner_filter(SQL("partner_id"), partner_ids),
        )
