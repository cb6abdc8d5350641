from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists


class CrmExtCohortReport(models.Model):
    """Cohort retention: customers grouped by the month of their first posted invoice in a
    company, and the share of each cohort that bought again N months later."""

    _name = "crm_ext.cohort.report"
    _inherit = ["crm_ext.analytics.export.mixin"]
    _description = "Customer Cohort Retention"
    _auto = False
    _order = "cohort_month desc, months_since"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    cohort_month = fields.Date(
        string="Cohort", readonly=True, help="Month of the customers' first posted invoice."
    )
    months_since = fields.Integer(string="Months Since First Purchase", readonly=True, aggregator=None)
    customer_count = fields.Integer(
        string="Active Customers", readonly=True, help="Customers of the cohort invoiced in that month."
    )
    cohort_size = fields.Integer(readonly=True, aggregator="max")
    retention = fields.Float(
        string="Retention (%)",
        readonly=True,
        aggregator="avg",
        help="Active customers as a share of the cohort. Averaged without weights over several cohorts.",
    )
    revenue = fields.Monetary(
        string="Net Revenue",
        readonly=True,
        help="The cohort's invoices minus credit notes that month, untaxed.",
    )

    _depends = {
        "account.move": [
            "state", "move_type", "company_id", "commercial_partner_id", "invoice_date",
            "amount_untaxed_signed",
        ],
        "crm_ext.sales.history": ["company_id", "partner_id", "date", "amount_company"],
        "res.company": ["crm_ext_analytics_sales_history"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            WITH moves AS (
                SELECT company_id, commercial_partner_id AS partner_id,
                       date_trunc('month', invoice_date)::date AS month,
                       move_type = 'out_invoice' AS is_invoice, amount_untaxed_signed AS amount
                  FROM account_move
                 WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                   AND commercial_partner_id IS NOT NULL AND invoice_date IS NOT NULL
             UNION ALL  -- the sales history before Odoo, unless the company's setting is off
                SELECT history.company_id, history.partner_id, date_trunc('month', history.date)::date,
                       history.amount_company > 0, history.amount_company
                  FROM crm_ext_sales_history history
                  JOIN res_company company ON company.id = history.company_id
                 WHERE company.crm_ext_analytics_sales_history
            ), activity AS (
                SELECT company_id, partner_id, month, SUM(amount) AS revenue, BOOL_OR(is_invoice) AS bought
                  FROM moves
              GROUP BY company_id, partner_id, month
            ), firsts AS (
                SELECT company_id, partner_id, MIN(month) AS cohort
                  FROM activity
                 WHERE bought
              GROUP BY company_id, partner_id
            ), sizes AS (
                SELECT company_id, cohort, COUNT(*) AS size
                  FROM firsts
              GROUP BY company_id, cohort
            )
            SELECT row_number() OVER (ORDER BY firsts.company_id, firsts.cohort, activity.month) AS id,
                   firsts.company_id, company.currency_id, firsts.cohort AS cohort_month,
                   ((EXTRACT(YEAR FROM activity.month) - EXTRACT(YEAR FROM firsts.cohort)) * 12
                    + EXTRACT(MONTH FROM activity.month) - EXTRACT(MONTH FROM firsts.cohort))::int
                       AS months_since,
                   COUNT(*) FILTER (WHERE activity.bought) AS customer_count,
                   sizes.size AS cohort_size,
                   100.0 * COUNT(*) FILTER (WHERE activity.bought) / sizes.size AS retention,
                   SUM(activity.revenue) AS revenue
              FROM activity
              JOIN firsts ON firsts.company_id = activity.company_id
                         AND firsts.partner_id = activity.partner_id
                         AND activity.month >= firsts.cohort
              JOIN sizes ON sizes.company_id = firsts.company_id AND sizes.cohort = firsts.cohort
              JOIN res_company company ON company.id = firsts.company_id
          GROUP BY firsts.company_id, company.currency_id, firsts.cohort, activity.month, sizes.size
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
