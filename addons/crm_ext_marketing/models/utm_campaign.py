from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

# Odoo lets every employee create and edit UTM campaigns; what crm_ext adds to them (target,
# budget, money, steps, launching and stopping) is for the marketing users
MARKETING_USER = "crm_ext_marketing.group_marketing_user"


class UtmCampaign(models.Model):
    """A marketing campaign: Odoo's utm campaign with a target segment, dates and channel steps."""

    _inherit = "utm.campaign"

    crm_ext_segment_id = fields.Many2one(
        "crm_ext.segment",
        string="Target Segment",
        domain="[('company_id', '=', company_id)]",
        groups=MARKETING_USER,
        help="The customers the campaign's steps reach.",
    )
    # sale defines company_id (default: the current company); indexed for the company rules
    company_id = fields.Many2one(index=True)
    crm_ext_date_start = fields.Date(string="Start Date")
    crm_ext_date_end = fields.Date(string="End Date")
    crm_ext_state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("stopped", "Stopped")],
        string="Status",
        default="draft",
        required=True,
        copy=False,
    )
    crm_ext_step_ids = fields.One2many(
        "crm_ext.campaign.step", "campaign_id", string="Steps", copy=True, groups=MARKETING_USER
    )
    # campaign money: costs from vendor bills, analytic lines and the steps' own costs, revenue from
    # customer invoices, all posted, net of refunds and credit notes; the documents of each company
    # the reader works in, converted from that company's currency into the campaign's company's
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    crm_ext_budget = fields.Monetary(string="Budget", currency_field="currency_id", groups=MARKETING_USER)
    crm_ext_analytic_account_id = fields.Many2one(
        "account.analytic.account",
        string="Analytic Account",
        domain="[('company_id', 'in', (company_id, False))]",
        groups=MARKETING_USER,
        help="Costs booked on this analytic account (timesheets, expenses, journal items) count as "
        "campaign costs, except those of vendor bills already tagged with the campaign.",
    )
    crm_ext_cost = fields.Monetary(
        string="Cost",
        currency_field="currency_id",
        compute="_compute_money",
        groups=MARKETING_USER,
        help="Posted vendor bills of the campaign minus vendor refunds, untaxed, plus the costs on its "
        "analytic account and the costs entered on its steps; the bills and analytic costs of the "
        "companies you work in, converted into the campaign's currency at today's rate.",
    )
    crm_ext_revenue = fields.Monetary(
        string="Net Revenue",
        currency_field="currency_id",
        compute="_compute_money",
        groups=MARKETING_USER,
        help="Posted customer invoices of the campaign minus credit notes, untaxed; those of the "
        "companies you work in, converted into the campaign's currency at today's rate.",
    )
    crm_ext_roi = fields.Float(
        string="ROI (%)",
        compute="_compute_money",
        groups=MARKETING_USER,
        help="(Net revenue - cost) / cost; empty without cost.",
    )
    crm_ext_budget_used = fields.Float(
        string="Budget Used (%)", compute="_compute_money", groups=MARKETING_USER
    )
    crm_ext_over_budget = fields.Boolean(
        string="Over Budget", compute="_compute_money", search="_search_over_budget", groups=MARKETING_USER
    )
    crm_ext_lead_total = fields.Integer(
        string="Campaign Leads",
        compute="_compute_money",
        groups=MARKETING_USER,
        help="Leads and opportunities of the campaign, lost ones included.",
    )
    crm_ext_won_total = fields.Integer(string="Won Deals", compute="_compute_money", groups=MARKETING_USER)
    crm_ext_cost_per_lead = fields.Monetary(
        string="Cost Per Lead", currency_field="currency_id", compute="_compute_money", groups=MARKETING_USER
    )
    crm_ext_cost_per_won = fields.Monetary(
        string="Cost per Won Deal",
        currency_field="currency_id",
        compute="_compute_money",
        groups=MARKETING_USER,
    )
    crm_ext_channel_results_html = fields.Html(
        string="Results by Channel", compute="_compute_channel_results", sanitize=False, groups=MARKETING_USER
    )
    crm_ext_step_count = fields.Integer(
        string="Step Count", compute="_compute_step_count", groups=MARKETING_USER
    )
    crm_ext_target_count = fields.Integer(
        string="Targets Reached", compute="_compute_step_count", groups=MARKETING_USER
    )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for campaign in self:
            campaign.currency_id = (campaign.company_id or self.env.company).currency_id

    def _check_marketing_user(self):
        if not self.env.su and not self.env.user.has_group(MARKETING_USER):
            raise AccessError(_("Only marketing users can launch, stop or change the steps of a campaign."))

    @api.model_create_multi
    def create(self, vals_list):
        # a campaign starts as a draft, unless a marketing user says otherwise
        if any(vals.get("crm_ext_state", "draft") != "draft" for vals in vals_list):
            self._check_marketing_user()
        return super().create(vals_list)

    def write(self, vals):
        # the status is changed by the marketing actions (Start, Stop, launching a step)
        if "crm_ext_state" in vals:
            self._check_marketing_user()
        return super().write(vals)

    @api.depends("crm_ext_step_ids.processed_count")
    def _compute_step_count(self):
        for campaign in self:
            campaign.crm_ext_step_count = len(campaign.crm_ext_step_ids)
            campaign.crm_ext_target_count = sum(campaign.crm_ext_step_ids.mapped("processed_count"))

    def _to_campaign_currency(self, amounts):
        """``{campaign id: [cost, revenue]}`` from ``[(campaign id, company id, cost, revenue)]``
        in each company's currency, converted at today's rate (one rate per pair of currencies)."""
        campaigns = {campaign.id: campaign for campaign in self}
        companies = self.env["res.company"].browse({row[1] for row in amounts})
        today = fields.Date.context_today(self)
        rates = {}
        money = {}
        for campaign_id, company_id, cost, revenue in amounts:
            campaign = campaigns[campaign_id]
            source = companies.browse(company_id).currency_id
            target = campaign.currency_id
            key = (source, target)
            if key not in rates:
                rates[key] = (
                    1.0
                    if source == target
                    else source._get_conversion_rate(
                        source, target, campaign.company_id or self.env.company, today
                    )
                )
            total = money.setdefault(campaign_id, [0.0, 0.0])
            total[0] += target.round((cost or 0.0) * rates[key])
            total[1] += target.round((revenue or 0.0) * rates[key])
        return money

    def _money_by_campaign(self):
        """``{campaign id: (cost, revenue, leads, won)}`` for ``self`` in a fixed number of queries:
        the posted bills, invoices and analytic costs of the companies the user works in, each
        company's sums converted from its currency into the campaign's."""
        for model in ("account.move", "account.analytic.line", "crm.lead", "crm_ext.campaign.step"):
            self.env[model].flush_model()
        company_ids = self.env.companies.ids
        self.env.cr.execute(
            SQL(
                """
                SELECT campaign_id, company_id,
                       -SUM(amount_untaxed_signed) FILTER (WHERE move_type IN ('in_invoice', 'in_refund')),
                       SUM(amount_untaxed_signed) FILTER (WHERE move_type IN ('out_invoice', 'out_refund'))
                  FROM account_move
                 WHERE state = 'posted' AND campaign_id = ANY(%s) AND company_id = ANY(%s)
              GROUP BY campaign_id, company_id
                """,
                self.ids,
                company_ids,
            )
        )
        moves = self._to_campaign_currency(self.env.cr.fetchall() + self._analytic_costs(company_ids))
        self.env.cr.execute(
            SQL(
                """
                WITH steps AS (
                    SELECT campaign_id, SUM(cost) AS cost FROM crm_ext_campaign_step
                     WHERE campaign_id = ANY(%(ids)s) AND state != 'cancelled'
                  GROUP BY campaign_id
                ), leads AS (
                    SELECT lead.campaign_id, COUNT(*) AS leads,
                           COUNT(*) FILTER (WHERE lead.active AND stage.is_won) AS won
                      FROM crm_lead lead
                 LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                     WHERE lead.campaign_id = ANY(%(ids)s)
                       AND (lead.company_id IS NULL OR lead.company_id = ANY(%(companies)s))
                  GROUP BY lead.campaign_id
                )
                SELECT campaign.id, COALESCE(steps.cost, 0), COALESCE(leads.leads, 0), COALESCE(leads.won, 0)
                  FROM utm_campaign campaign
             LEFT JOIN steps ON steps.campaign_id = campaign.id
             LEFT JOIN leads ON leads.campaign_id = campaign.id
                 WHERE campaign.id = ANY(%(ids)s)
                """,
                ids=self.ids,
                companies=company_ids,
            )
        )
        money = {}
        for campaign_id, step_cost, leads, won in self.env.cr.fetchall():
            cost, revenue = moves.get(campaign_id, (0.0, 0.0))
            money[campaign_id] = (cost + step_cost, revenue, leads, won)
        return money

    def _analytic_costs(self, company_ids):
        """``[(campaign id, company id, cost, 0)]``: the costs booked on the campaigns' analytic
        accounts by the companies ``company_ids``, in each company's currency; one query per
        analytic plan (each plan is its own column of the analytic lines). The lines of vendor
        bills already tagged with the campaign are left out, counted with the bills."""
        costs = []
        by_column = self.filtered("crm_ext_analytic_account_id").grouped(
            lambda c: c.crm_ext_analytic_account_id.root_plan_id._column_name()
        )
        for column, campaigns in by_column.items():
            self.env.cr.execute(
                SQL(
                    """
                    SELECT campaign.id, line.company_id, -SUM(line.amount), 0
                      FROM utm_campaign campaign
                      JOIN account_analytic_line line ON line.%s = campaign.crm_ext_analytic_account_id
                 LEFT JOIN account_move_line aml ON aml.id = line.move_line_id
                 LEFT JOIN account_move move ON move.id = aml.move_id
                     WHERE campaign.id = ANY(%s) AND line.company_id = ANY(%s)
                       AND (move.id IS NULL OR move.campaign_id IS DISTINCT FROM campaign.id)
                  GROUP BY campaign.id, line.company_id
                    """,
                    SQL.identifier(column),
                    campaigns.ids,
                    company_ids,
                )
            )
            costs.extend(self.env.cr.fetchall())
        return costs

    @api.depends("crm_ext_budget", "crm_ext_analytic_account_id", "crm_ext_step_ids.cost")
    @api.depends_context("allowed_company_ids")
    def _compute_money(self):
        money = self._money_by_campaign() if self.ids else {}
        for campaign in self:
            cost, revenue, leads, won = money.get(campaign.id, (0.0, 0.0, 0, 0))
            campaign.crm_ext_cost = cost
            campaign.crm_ext_revenue = revenue
            campaign.crm_ext_roi = (revenue - cost) / cost * 100 if cost else 0.0
            campaign.crm_ext_budget_used = (
                cost / campaign.crm_ext_budget * 100 if campaign.crm_ext_budget else 0.0
            )
            campaign.crm_ext_over_budget = bool(campaign.crm_ext_budget) and cost > campaign.crm_ext_budget
            campaign.crm_ext_lead_total = leads
            campaign.crm_ext_won_total = won
            campaign.crm_ext_cost_per_lead = cost / leads if leads else 0.0
            campaign.crm_ext_cost_per_won = cost / won if won else 0.0

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

    @api.depends("crm_ext_step_ids.state", "crm_ext_step_ids.cost")
    def _compute_channel_results(self):
        results = self._channel_results() if self.ids else {}
        labels = dict(self.env["crm_ext.campaign.step"]._fields["channel"]._description_selection(self.env))
        for campaign in self:
            rows = results.get(campaign) or []
            campaign.crm_ext_channel_results_html = (
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
        campaigns = self.search([("crm_ext_budget", ">", 0)])
        over = campaigns.filtered("crm_ext_over_budget")
        return [("id", "in" if (operator == "=") == value else "not in", over.ids)]

    @api.constrains("crm_ext_budget")
    def _check_budget(self):
        for campaign in self:
            if campaign.crm_ext_budget < 0:
                raise ValidationError(
                    _("The budget of campaign “%(name)s” cannot be negative.", name=campaign.title)
                )

    @api.constrains("crm_ext_date_start", "crm_ext_date_end")
    def _check_dates(self):
        for campaign in self:
            if (
                campaign.crm_ext_date_start
                and campaign.crm_ext_date_end
                and campaign.crm_ext_date_end < campaign.crm_ext_date_start
            ):
                raise ValidationError(_("Campaign “%(name)s” ends before it starts.", name=campaign.title))

    def action_start(self):
        self._check_marketing_user()
        for campaign in self:
            if not campaign.crm_ext_step_ids:
                raise UserError(_("Add at least one step to campaign “%(name)s” first.", name=campaign.title))
        self.crm_ext_state = "running"
        return True

    def action_stop(self):
        """Stops the campaign: its steps not launched yet will not be."""
        self._check_marketing_user()
        self.crm_ext_state = "stopped"
        self.crm_ext_step_ids.filtered(lambda s: s.state == "draft").state = "cancelled"
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
