from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists


class CrmExtWinLossReport(models.Model):
    """Closed opportunities, won or lost, with the sales cycle of each."""

    _name = "crm_ext.win.loss.report"
    _description = "Win/Loss Analysis"
    _auto = False
    _order = "date_closed desc"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    outcome = fields.Selection([("won", "Won"), ("lost", "Lost")], readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date_created = fields.Datetime(string="Created on", readonly=True)
    date_closed = fields.Datetime(string="Closed on", readonly=True)
    cycle_days = fields.Float(string="Sales Cycle (days)", readonly=True, aggregator="avg")
    expected_revenue = fields.Monetary(readonly=True)
    won_count = fields.Integer(string="Won", readonly=True)
    lost_count = fields.Integer(string="Lost", readonly=True)
    win_rate = fields.Float(string="Win Rate (%)", readonly=True, aggregator="avg")

    _depends = {
        "crm.lead": ["active", "probability", "stage_id", "lost_reason_id", "team_id", "user_id",
                     "source_id", "campaign_id", "medium_id", "partner_id", "company_id", "date_closed",
                     "expected_revenue", "type"],
        "crm.stage": ["is_won"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            SELECT lead.id, lead.id AS lead_id, closed.outcome, lead.lost_reason_id, lead.team_id,
                   lead.user_id, lead.source_id, lead.campaign_id, lead.medium_id,
                   partner.commercial_partner_id AS partner_id, lead.company_id, company.currency_id,
                   lead.create_date AS date_created, lead.date_closed,
                   GREATEST(EXTRACT(EPOCH FROM (lead.date_closed - lead.create_date)) / 86400.0, 0.0)
                       AS cycle_days,
                   lead.expected_revenue,
                   (closed.outcome = 'won')::int AS won_count,
                   (closed.outcome = 'lost')::int AS lost_count,
                   CASE WHEN closed.outcome = 'won' THEN 100.0 ELSE 0.0 END AS win_rate
              FROM crm_lead lead
              JOIN crm_stage stage ON stage.id = lead.stage_id
         LEFT JOIN res_partner partner ON partner.id = lead.partner_id
         LEFT JOIN res_company company ON company.id = lead.company_id
              JOIN LATERAL (
                    SELECT CASE WHEN lead.active AND stage.is_won THEN 'won'
                                WHEN NOT lead.active AND COALESCE(lead.probability, 0) = 0 THEN 'lost'
                           END AS outcome
                   ) closed ON closed.outcome IS NOT NULL
             WHERE lead.type = 'opportunity'
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
