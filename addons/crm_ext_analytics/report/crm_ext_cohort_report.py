from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists


class CrmExtCohortReport(models.Model):
    """Cohort retention: customers grouped by the month of their first posted invoice in a
    company, and the share of each cohort that bought again N months later.

    The months are Jalali (Farvardin to Esfand, from crm_ext_sales's table of Jalali months) for
    the companies that choose *Jalali Months in Analytics*, Gregorian otherwise."""

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
        "res.company": ["crm_ext_date_analytics_jalali", "crm_ext_analytics_sales_history"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            WITH documents AS (
                SELECT company_id, commercial_partner_id AS partner_id, invoice_date AS day,
                       move_type = 'out_invoice' AS is_invoice, amount_untaxed_signed AS amount
                  FROM account_move
                 WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                   AND commercial_partner_id IS NOT NULL AND invoice_date IS NOT NULL
             UNION ALL  -- the sales history before Odoo, unless the company's setting is off
                SELECT history.company_id, history.partner_id, history.date,
                       history.amount_company > 0, history.amount_company
                  FROM crm_ext_sales_history history
                  JOIN res_company company ON company.id = history.company_id
                 WHERE company.crm_ext_analytics_sales_history
            ), moves AS (
                SELECT document.company_id, document.partner_id,
                       CASE WHEN document_company.crm_ext_date_analytics_jalali THEN jalali.date_start
                            ELSE date_trunc('month', document.day)::date END AS month,
                       CASE WHEN document_company.crm_ext_date_analytics_jalali
                            THEN jalali.jalali_year * 12 + jalali.jalali_month
                            ELSE EXTRACT(YEAR FROM document.day)::int * 12
                                 + EXTRACT(MONTH FROM document.day)::int END AS month_index,
                       document.is_invoice, document.amount
                  FROM documents document
                  JOIN res_company document_company ON document_company.id = document.company_id
                  -- the Jalali month of the document (crm_ext_sales's table), for the companies
                  -- that count Jalali months in analytics
             LEFT JOIN LATERAL (
                           SELECT date_start, jalali_year, jalali_month
                             FROM crm_ext_jalali_month
                            WHERE document_company.crm_ext_date_analytics_jalali
                              AND date_start <= document.day
                         ORDER BY date_start DESC
                            LIMIT 1
                       ) jalali ON TRUE
            ), activity AS (
                SELECT company_id, partner_id, month, month_index,
                       SUM(amount) AS revenue, BOOL_OR(is_invoice) AS bought
                  FROM moves
              GROUP BY company_id, partner_id, month, month_index
            ), firsts AS (
                SELECT company_id, partner_id, MIN(month) AS cohort, MIN(month_index) AS cohort_index
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
                   activity.month_index - firsts.cohort_index AS months_since,
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
          GROUP BY firsts.company_id, company.currency_id, firsts.cohort, firsts.cohort_index,
                   activity.month, activity.month_index, sizes.size
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
