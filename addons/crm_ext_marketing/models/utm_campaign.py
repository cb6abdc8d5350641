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
    # money (M6): costs from vendor bills, revenue from customer invoices, both posted, in the
    # company's currency, net of refunds and credit notes
    currency_id = fields.Many2one(related="company_id.currency_id")
    budget = fields.Monetary(currency_field="currency_id")
    cost = fields.Monetary(
        currency_field="currency_id",
        compute="_compute_money",
        help="Posted vendor bills of the campaign minus vendor refunds, untaxed.",
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
    step_count = fields.Integer(compute="_compute_step_count")
    target_count = fields.Integer(string="Targets Reached", compute="_compute_step_count")

    @api.depends("step_ids.processed_count")
    def _compute_step_count(self):
        for campaign in self:
            campaign.step_count = len(campaign.step_ids)
            campaign.target_count = sum(campaign.step_ids.mapped("processed_count"))

    def _money_by_campaign(self):
        """``{campaign id: (cost, revenue)}`` for ``self`` in one query."""
        self.env["account.move"].flush_model(["campaign_id", "state", "move_type", "amount_untaxed_signed"])
        self.env.cr.execute(
            SQL(
                """
                SELECT campaign_id,
                       -SUM(amount_untaxed_signed) FILTER (WHERE move_type IN ('in_invoice', 'in_refund')),
                       SUM(amount_untaxed_signed) FILTER (WHERE move_type IN ('out_invoice', 'out_refund'))
                  FROM account_move
                 WHERE state = 'posted' AND campaign_id = ANY(%s)
              GROUP BY campaign_id
                """,
                self.ids,
            )
        )
        return {campaign: (cost or 0.0, revenue or 0.0) for campaign, cost, revenue in self.env.cr.fetchall()}

    @api.depends("budget")
    def _compute_money(self):
        money = self._money_by_campaign() if self.ids else {}
        for campaign in self:
            cost, revenue = money.get(campaign.id, (0.0, 0.0))
            campaign.cost = cost
            campaign.revenue = revenue
            campaign.roi = (revenue - cost) / cost * 100 if cost else 0.0
            campaign.budget_used = cost / campaign.budget * 100 if campaign.budget else 0.0
            campaign.over_budget = bool(campaign.budget) and cost > campaign.budget

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

    def action_view_targets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_ext_marketing.crm_ext_campaign_target_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        return action
