from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..models.crm_ext_campaign_step import STEP_CHANNELS


class CrmExtCampaignFunnelReport(models.Model):
    """One row per campaign target: the funnel target → responded → lead → opportunity → won →
    ordered → invoiced, per campaign, step and channel.

    Leads, orders and invoices carry Odoo's campaign (utm) field; each is attributed to the last
    step of its campaign that reached the same customer (commercial partner) before it was
    created, so that summing over steps counts every document once. Revenue is the untaxed
    amount of posted customer invoices minus credit notes, in the company's currency.
    """

    _name = "crm_ext.campaign.funnel.report"
    _description = "Campaign Funnel"
    _auto = False
    _order = "date desc"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    step_id = fields.Many2one("crm_ext.campaign.step", readonly=True)
    channel = fields.Selection(STEP_CHANNELS, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    date = fields.Datetime(string="Reached on", readonly=True)
    target_count = fields.Integer(string="Targets", readonly=True)
    opened = fields.Integer(readonly=True)
    clicked = fields.Integer(readonly=True)
    replied = fields.Integer(readonly=True)
    bounced = fields.Integer(readonly=True)
    call_done = fields.Integer(string="Calls Done", readonly=True)
    responded = fields.Integer(
        readonly=True, help="Opened, clicked or replied, had the call, or became a lead or a buyer."
    )
    lead_count = fields.Integer(string="Leads", readonly=True)
    opportunity_count = fields.Integer(string="Opportunities", readonly=True)
    won_count = fields.Integer(string="Won", readonly=True)
    order_count = fields.Integer(string="Orders", readonly=True)
    invoiced = fields.Integer(string="Invoiced Customers", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    revenue = fields.Monetary(string="Net Revenue", readonly=True)

    _depends = {
        "crm_ext.campaign.target": ["step_id", "campaign_id", "channel", "company_id", "partner_id", "state",
                                    "date", "call_outcome"],
        "crm_ext.campaign.step": ["mailing_id"],
        "crm.lead": ["campaign_id", "partner_id", "type", "stage_id", "active", "create_date"],
        "sale.order": ["campaign_id", "partner_id", "state", "date_order"],
        "account.move": ["campaign_id", "commercial_partner_id", "state", "move_type", "invoice_date",
                         "company_id", "amount_untaxed_signed"],
        "mailing.trace": ["mass_mailing_id", "model", "res_id", "trace_status", "open_datetime",
                          "links_click_datetime", "reply_datetime"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            WITH touch AS (
                SELECT target.id, target.campaign_id, target.date,
                       partner.commercial_partner_id AS commercial_id,
                       COALESCE(target.company_id, campaign.company_id) AS company_id
                  FROM crm_ext_campaign_target target
                  JOIN res_partner partner ON partner.id = target.partner_id
                  JOIN utm_campaign campaign ON campaign.id = target.campaign_id
                 WHERE target.state = 'processed' AND target.date IS NOT NULL
            ),
            lead_touch AS (
                SELECT DISTINCT ON (lead.id) touch.id AS target_id, lead.type,
                       (lead.active AND COALESCE(stage.is_won, FALSE)) AS won
                  FROM crm_lead lead
                  JOIN res_partner partner ON partner.id = lead.partner_id
                  JOIN touch ON touch.campaign_id = lead.campaign_id
                            AND touch.commercial_id = partner.commercial_partner_id
                            AND touch.date <= lead.create_date
             LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE lead.campaign_id IS NOT NULL
              ORDER BY lead.id, touch.date DESC, touch.id DESC
            ),
            leads AS (
                SELECT target_id, COUNT(*) AS leads,
                       COUNT(*) FILTER (WHERE type = 'opportunity') AS opportunities,
                       COUNT(*) FILTER (WHERE won) AS won
                  FROM lead_touch GROUP BY target_id
            ),
            order_touch AS (
                SELECT DISTINCT ON (so.id) touch.id AS target_id
                  FROM sale_order so
                  JOIN res_partner partner ON partner.id = so.partner_id
                  JOIN touch ON touch.campaign_id = so.campaign_id
                            AND touch.commercial_id = partner.commercial_partner_id
                            AND touch.date <= so.date_order
                 WHERE so.campaign_id IS NOT NULL AND so.state = 'sale'
              ORDER BY so.id, touch.date DESC, touch.id DESC
            ),
            orders AS (SELECT target_id, COUNT(*) AS orders FROM order_touch GROUP BY target_id),
            invoice_touch AS (
                SELECT DISTINCT ON (move.id) touch.id AS target_id, move.amount_untaxed_signed AS amount
                  FROM account_move move
                  JOIN touch ON touch.campaign_id = move.campaign_id
                            AND touch.commercial_id = move.commercial_partner_id
                            AND touch.date::date <= move.invoice_date
                            -- revenue in the row's company and currency: no other company's
                            AND move.company_id = COALESCE(touch.company_id, move.company_id)
                 WHERE move.campaign_id IS NOT NULL AND move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
              ORDER BY move.id, touch.date DESC, touch.id DESC
            ),
            invoices AS (SELECT target_id, SUM(amount) AS revenue FROM invoice_touch GROUP BY target_id),
            traces AS (
                SELECT step.id AS step_id, trace.res_id AS partner_id,
                       bool_or(trace.open_datetime IS NOT NULL
                               OR trace.trace_status IN ('open', 'reply')) AS opened,
                       bool_or(trace.links_click_datetime IS NOT NULL) AS clicked,
                       bool_or(trace.reply_datetime IS NOT NULL OR trace.trace_status = 'reply') AS replied,
                       bool_or(trace.trace_status = 'bounce') AS bounced
                  FROM mailing_trace trace
                  JOIN crm_ext_campaign_step step ON step.mailing_id = trace.mass_mailing_id
                 WHERE trace.model = 'res.partner'
              GROUP BY step.id, trace.res_id
            )
            SELECT target.id AS id, target.campaign_id, target.step_id, target.channel,
                   COALESCE(target.company_id, campaign.company_id) AS company_id,
                   target.partner_id, target.date, 1 AS target_count,
                   COALESCE(traces.opened, FALSE)::int AS opened,
                   COALESCE(traces.clicked, FALSE)::int AS clicked,
                   COALESCE(traces.replied, FALSE)::int AS replied,
                   COALESCE(traces.bounced, FALSE)::int AS bounced,
                   (target.channel = 'call' AND target.call_outcome IS NOT NULL)::int AS call_done,
                   (COALESCE(traces.opened OR traces.clicked OR traces.replied, FALSE)
                    OR target.call_outcome IN ('done', 'follow_up', 'not_interested')
                    OR leads.leads > 0 OR orders.orders > 0
                    OR invoices.revenue IS NOT NULL)::int AS responded,
                   COALESCE(leads.leads, 0) AS lead_count,
                   COALESCE(leads.opportunities, 0) AS opportunity_count,
                   COALESCE(leads.won, 0) AS won_count,
                   COALESCE(orders.orders, 0) AS order_count,
                   (invoices.revenue IS NOT NULL)::int AS invoiced,
                   company.currency_id,
                   COALESCE(invoices.revenue, 0) AS revenue
              FROM crm_ext_campaign_target target
              JOIN utm_campaign campaign ON campaign.id = target.campaign_id
         LEFT JOIN res_company company ON company.id = COALESCE(target.company_id, campaign.company_id)
         LEFT JOIN traces ON traces.step_id = target.step_id AND traces.partner_id = target.partner_id
         LEFT JOIN leads ON leads.target_id = target.id
         LEFT JOIN orders ON orders.target_id = target.id
         LEFT JOIN invoices ON invoices.target_id = target.id
             WHERE target.state = 'processed'
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
