from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..models.crm_ext_ticket import TICKET_CHANNELS, TICKET_PRIORITIES

AGE_BUCKETS = [
    ("0_1", "Under 1 day"),
    ("1_3", "1-3 days"),
    ("3_7", "3-7 days"),
    ("7_30", "7-30 days"),
    ("30", "Over 30 days"),
    ("closed", "Closed"),
]


class CrmExtServiceReport(models.Model):
    """One row per ticket with its service figures: volume, backlog age, first-response
    and resolution times in working hours, SLA compliance, customer satisfaction, cost to
    serve from completed field orders."""

    _name = "crm_ext.service.report"
    _description = "Service Analysis"
    _auto = False
    _order = "create_date desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one("crm_ext.ticket", readonly=True)
    create_date = fields.Datetime(string="Opened on", readonly=True)
    closed_date = fields.Datetime(string="Closed on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm_ext.service.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned to", readonly=True)
    category_id = fields.Many2one("crm_ext.ticket.category", readonly=True)
    stage_id = fields.Many2one("crm_ext.ticket.stage", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    channel = fields.Selection(TICKET_CHANNELS, readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    is_closed = fields.Boolean(string="Closed", readonly=True)
    ticket_count = fields.Integer(string="Tickets", readonly=True)
    open_count = fields.Integer(string="Open Tickets", readonly=True)
    age_days = fields.Float(
        string="Age (days)", readonly=True, aggregator="avg", help="Days open, up to now or to the closing."
    )
    age_bucket = fields.Selection(AGE_BUCKETS, string="Backlog Age", readonly=True)
    first_response_hours = fields.Float(
        string="First Response (working hours)",
        readonly=True,
        aggregator="avg",
        help="Average over the tickets answered.",
    )
    resolution_hours = fields.Float(
        string="Resolution (working hours)",
        readonly=True,
        aggregator="avg",
        help="Average over the tickets closed.",
    )
    sla_failed_count = fields.Integer(string="SLAs Failed", readonly=True)
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the tickets whose SLAs are all settled and none failed; tickets with an SLA "
        "still running and tickets without SLA are left out.",
    )

    rating = fields.Float(
        readonly=True,
        aggregator="avg",
        help="The customer's last rating: 5 satisfied, 3 okay, 1 not.",
    )
    csat = fields.Float(
        string="CSAT (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the rated tickets whose customer was satisfied; tickets without rating are left out.",
    )

    currency_id = fields.Many2one("res.currency", readonly=True)
    field_hours = fields.Float(readonly=True, help="Hours worked on the ticket's completed field orders.")
    cost_to_serve = fields.Monetary(
        readonly=True,
        help="Parts and labour of the ticket's completed field orders, at their prices, covered or billed.",
    )

    _depends = {
        "crm_ext.ticket": [
            "create_date", "closed_date", "company_id", "team_id", "user_id", "category_id", "stage_id",
            "commercial_partner_id", "channel", "priority", "is_closed", "first_response_date",
            "first_response_hours", "resolution_hours", "merged_into_id", "rating_last_value",
        ],
        "crm_ext.ticket.sla": ["ticket_id", "status"],
        "crm_ext.field.order": ["ticket_id", "state", "hours_worked", "parts_amount", "labour_amount"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            SELECT ticket.id AS id, ticket.id AS ticket_id, ticket.create_date, ticket.closed_date,
                   ticket.company_id, ticket.team_id, ticket.user_id, ticket.category_id,
                   ticket.stage_id, ticket.commercial_partner_id AS partner_id, ticket.channel,
                   ticket.priority, COALESCE(ticket.is_closed, FALSE) AS is_closed,
                   1 AS ticket_count,
                   CASE WHEN ticket.is_closed THEN 0 ELSE 1 END AS open_count,
                   age.days AS age_days,
                   CASE WHEN ticket.is_closed THEN 'closed'
                        WHEN age.days < 1 THEN '0_1'
                        WHEN age.days < 3 THEN '1_3'
                        WHEN age.days < 7 THEN '3_7'
                        WHEN age.days < 30 THEN '7_30'
                        ELSE '30' END AS age_bucket,
                   CASE WHEN ticket.first_response_date IS NOT NULL
                        THEN ticket.first_response_hours END AS first_response_hours,
                   CASE WHEN ticket.is_closed AND ticket.closed_date IS NOT NULL
                        THEN ticket.resolution_hours END AS resolution_hours,
                   COALESCE(sla.failed, 0) AS sla_failed_count,
                   CASE WHEN sla.failed > 0 THEN 0.0
                        WHEN sla.lines > 0 AND sla.reached = sla.lines THEN 100.0 END AS sla_compliance,
                   NULLIF(ticket.rating_last_value, 0) AS rating,
                   company.currency_id,
                   COALESCE(field.hours, 0) AS field_hours,
                   COALESCE(field.amount, 0) AS cost_to_serve,
                   CASE WHEN ticket.rating_last_value >= 4 THEN 100.0
                        WHEN ticket.rating_last_value > 0 THEN 0.0 END AS csat
              FROM crm_ext_ticket ticket
         LEFT JOIN LATERAL (
                    SELECT EXTRACT(EPOCH FROM (
                               COALESCE(ticket.closed_date, NOW() AT TIME ZONE 'UTC') - ticket.create_date
                           )) / 86400.0 AS days
                   ) age ON TRUE
         LEFT JOIN (
                    SELECT ticket_id, COUNT(*) AS lines,
                           COUNT(*) FILTER (WHERE status = 'reached') AS reached,
                           COUNT(*) FILTER (WHERE status = 'failed') AS failed
                      FROM crm_ext_ticket_sla
                  GROUP BY ticket_id
                   ) sla ON sla.ticket_id = ticket.id
         LEFT JOIN (
                    SELECT ticket_id, SUM(hours_worked) AS hours,
                           SUM(COALESCE(parts_amount, 0) + COALESCE(labour_amount, 0)) AS amount
                      FROM crm_ext_field_order
                     WHERE state = 'done'
                  GROUP BY ticket_id
                   ) field ON field.ticket_id = ticket.id
              JOIN res_company company ON company.id = ticket.company_id
             WHERE ticket.merged_into_id IS NULL
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
