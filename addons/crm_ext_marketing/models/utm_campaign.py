from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


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
    step_count = fields.Integer(compute="_compute_step_count")
    target_count = fields.Integer(string="Targets Reached", compute="_compute_step_count")

    @api.depends("step_ids.processed_count")
    def _compute_step_count(self):
        for campaign in self:
            campaign.step_count = len(campaign.step_ids)
            campaign.target_count = sum(campaign.step_ids.mapped("processed_count"))

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
