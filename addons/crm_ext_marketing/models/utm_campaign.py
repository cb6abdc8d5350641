from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL


class UtmCampaign(models.Model):
    """A marketing campaign: Odoo's utm campaign with a target segment, dates and channel steps."""

    _inherit = "utm.campaign"

    segment_id = fields.Many2one(
        "crm_ext.segment",
        string="Target Segment",
        domain="[('company_id', '=', company_id)]",
        help="The customers the campaign's steps reach.",
    )
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    date_start = fields.Date(string="Start Date")
    date_end = fields.Date(string="End Date")
    campaign_state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("stopped", "Stopped")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
    )
    step_ids = fields.One2many("crm_ext.campaign.step", "campaign_id", string="Steps", copy=True)
    # money (M6): costs from vendor bills, analytic lines and the steps' own costs, revenue from
    # customer invoices, all posted, in the company's currency, net of refunds and credit notes
    currency_id = fields.Many2one(related="company_id.currency_id")
    budget = fields.Monetary(currency_field="currency_id")
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        domain="[('company_id', 'in', (company_id, False))]",
        help="Costs booked on this analytic account (timesheets, expenses, journal items) count as "
        "campaign costs, except those of vendor bills already tagged with the campaign.",
    )
    cost = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_money",
        help="Posted vendor bills of the campaign minus vendor refunds, untaxed, plus the costs on its "
        "analytic account and the costs entered on its steps.",
    )
    revenue = fields.Monetary(
        string="Net Revenue",
        currency_field="currency_id",
        compute="_compute_money",
        help="Posted customer invoices of the campaign minus credit notes, untaxed.",
    )
    roi = fields.Float(
        string="ROI (%)", compute="_compute_money", help="(Net revenue - cost) / cost; empty without cost."
    )
    budget_used = fields.Float(string="Budget Used (%)", compute="_compute_money")
    over_budget = fields.Boolean(compute="_compute_money", search="_search_over_budget")
    lead_total = fields.Integer(
        string="Campaign Leads",
        compute="_compute_money",
        help="Leads and opportunities of the campaign, lost ones included.",
    )
    won_total = fields.Integer(string="Won Deals", compute="_compute_money")
    cost_per_lead = fields.Monetary(currency_field="currency_id", compute="_compute_money")
    cost_per_won = fields.Monetary(
        string="Cost per Won Deal", currency_field="currency_id", compute="_compute_money"
    )
    channel_results_html = fields.Html(
        string="Results by Channel", compute="_compute_channel_results", sanitize=False
    )
    step_count = fields.Integer(compute="_compute_step_count")
    target_count = fields.Integer(string="Targets Reached", compute="_compute_step_count")

    @api.depends("step_ids.processed_count")
    def _compute_step_count(self):
        for campaign in self:
            campaign.step_count = len(campaign.step_ids)
            campaign.target_count = sum(campaign.step_ids.mapped("processed_count"))

    def _money_by_campaign(self):
        """``{campaign id: (cost, revenue, leads, won)}`` for ``self`` in one query."""
        for model in ("account.move", "account.analytic.line", "crm.lead", "crm_ext.campaign.step"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH moves AS (
                    SELECT campaign_id,
                           -SUM(amount_untaxed_signed)
                               FILTER (WHERE move_type IN ('in_invoice', 'in_refund')) AS bills,
                           SUM(amount_untaxed_signed)
                               FILTER (WHERE move_type IN ('out_invoice', 'out_refund')) AS revenue
                      FROM account_move
                     WHERE state = 'posted' AND campaign_id = ANY(%(ids)s)
                  GROUP BY campaign_id
                ), steps AS (
                    SELECT campaign_id, SUM(cost) AS cost FROM crm_ext_campaign_step
                     WHERE campaign_id = ANY(%(ids)s) AND state != 'cancelled'
                  GROUP BY campaign_id
                ), leads AS (
                    SELECT lead.campaign_id, COUNT(*) AS leads,
                           COUNT(*) FILTER (WHERE lead.active AND stage.is_won) AS won
                      FROM crm_lead lead
                 LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                     WHERE lead.campaign_id = ANY(%(ids)s)
                  GROUP BY lead.campaign_id
                )
                SELECT campaign.id,
                       COALESCE(moves.bills, 0) + COALESCE(steps.cost, 0),
                       COALESCE(moves.revenue, 0), COALESCE(leads.leads, 0), COALESCE(leads.won, 0)
                  FROM utm_campaign campaign
             LEFT JOIN moves ON moves.campaign_id = campaign.id
             LEFT JOIN steps ON steps.campaign_id = campaign.id
             LEFT JOIN leads ON leads.campaign_id = campaign.id
                 WHERE campaign.id = ANY(%(ids)s)
                """,
                ids=self.ids,
            )
        )
        money = {row[0]: list(row[1:]) for row in self.env.cr.fetchall()}
        for campaign_id, cost in self._analytic_costs().items():
            money[campaign_id][0] += cost
        return money

    def _analytic_costs(self):
        """``{campaign id: cost}`` booked on the campaigns' analytic accounts, one query per analytic
        plan (each plan is its own column of the analytic lines); the lines of vendor bills already
        tagged with the campaign are left out, counted with the bills."""
        costs = {}
        by_column = self.filtered("analytic_account_id").grouped(
            lambda c: c.analytic_account_id.root_plan_id._column_name()
        )
        for column, campaigns in by_column.items():
            self.env.cr.execute(
                SQL(
                    """
                    SELECT campaign.id, -SUM(line.amount)
                      FROM utm_campaign campaign
                      JOIN account_analytic_line line ON line.%s = campaign.analytic_account_id
                 LEFT JOIN account_move_line aml ON aml.id = line.move_line_id
                 LEFT JOIN account_move move ON move.id = aml.move_id
                     WHERE campaign.id = ANY(%s)
                       AND (move.id IS NULL OR move.campaign_id IS DISTINCT FROM campaign.id)
                  GROUP BY campaign.id
                    """,
                    SQL.identifier(column),
                    campaigns.ids,
                )
            )
            costs.update(self.env.cr.fetchall())
        return costs

    @api.depends("budget", "analytic_account_id", "step_ids.cost")
    def _compute_money(self):
        money = self._money_by_campaign() if self.ids else {}
        for campaign in self:
            cost, revenue, leads, won = money.get(campaign.id, (0.0, 0.0, 0, 0))
            campaign.cost = cost
            campaign.revenue = revenue
            campaign.roi = (revenue - cost) / cost * 100 if cost else 0.0
            campaign.budget_used = cost / campaign.budget * 100 if campaign.budget else 0.0
            campaign.over_budget = bool(campaign.budget) and cost > campaign.budget
            campaign.lead_total = leads
            campaign.won_total = won
            campaign.cost_per_lead = cost / leads if leads else 0.0
            campaign.cost_per_won = cost / won if won else 0.0

    def _channel_results(self):
        """``{campaign: [row per channel]}``: the funnel and the money of each channel's steps."""
        Funnel = self.env["crm_ext.campaign.funnel.report"]
        groups = Funnel._read_group(
            [("campaign_id", "in", self.ids)],
            ["campaign_id", "channel"],
            ["target_count:sum", "responded:sum", "lead_count:sum", "won_count:sum", "order_count:sum",
             "revenue:sum"],
        )  # fmt: skip
        costs = {
            (campaign, channel): cost
            for campaign, channel, cost in self.env["crm_ext.campaign.step"]._read_group(
                [("campaign_id", "in", self.ids), ("state", "!=", "cancelled")],
                ["campaign_id", "channel"],
                ["cost:sum"],
            )
        }
        rows = {campaign: [] for campaign in self}
        for campaign, channel, targets, responded, leads, won, orders, revenue in groups:
            cost = costs.get((campaign, channel), 0.0)
            rows[campaign].append(
                {
                    "channel": channel,
                    "targets": targets,
                    "responded": responded,
                    "leads": leads,
                    "won": won,
                    "orders": orders,
                    "revenue": revenue,
                    "cost": cost,
                    "roi": (revenue - cost) / cost * 100 if cost else None,
                    "cost_per_lead": cost / leads if cost and leads else None,
                }
            )
        return rows

    @api.depends("step_ids.state", "step_ids.cost")
    def _compute_channel_results(self):
        results = self._channel_results() if self.ids else {}
        labels = dict(self.env["crm_ext.campaign.step"]._fields["channel"]._description_selection(self.env))
        for campaign in self:
            rows = results.get(campaign) or []
            campaign.channel_results_html = (
                self.env["ir.qweb"]._render(
                    "crm_ext_marketing.campaign_channel_results",
                    {"rows": rows, "labels": labels, "campaign": campaign},
                )
                if rows
                else False
            )

    def _search_over_budget(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("This search is not supported."))
        campaigns = self.search([("budget", ">", 0)])
        over = campaigns.filtered("over_budget")
        return [("id", "in" if (operator == "=") == value else "not in", over.ids)]

    @api.constrains("budget")
    def _check_budget(self):
        for campaign in self:
            if campaign.budget < 0:
                raise ValidationError(
                    _("The budget of campaign “%(name)s” cannot be negative.", name=campaign.title)
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for campaign in self:
            if campaign.date_start and campaign.date_end and campaign.date_end < campaign.date_start:
                raise ValidationError(_("Campaign “%(name)s” ends before it starts.", name=campaign.title))

    def action_start(self):
        for campaign in self:
            if not campaign.step_ids:
                raise UserError(_("Add at least one step to campaign “%(name)s” first.", name=campaign.title))
        self.campaign_state = "running"
        return True

    def action_stop(self):
        """Stops the campaign: its steps not launched yet will not be."""
        self.campaign_state = "stopped"
        self.step_ids.filtered(lambda s: s.state == "draft").state = "cancelled"
        return True

    def action_view_funnel(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_ext_marketing.crm_ext_campaign_funnel_report_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"pivot_row_groupby": ["step_id"]}
        return action

    def action_view_targets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_ext_marketing.crm_ext_campaign_target_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        return action
