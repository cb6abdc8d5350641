import itertools

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

STEP_CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("call", "Phone Calls"),
    ("letter", "Printed Letter"),
    ("event", "Event / Face-to-face"),
]
# the interaction centre's channel of each step channel
INTERACTION_CHANNEL = {
    "email": "email",
    "sms": "sms",
    "call": "phone",
    "letter": "letter",
    "event": "meeting",
}


class CrmExtCampaignStep(models.Model):
    """One touch of a campaign on one channel, launched for the campaign's target segment."""

    _name = "crm_ext.campaign.step"
    _description = "Campaign Step"
    _inherit = ["mail.thread"]
    _order = "campaign_id, sequence, id"

    name = fields.Char(required=True)
    campaign_id = fields.Many2one("utm.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    channel = fields.Selection(STEP_CHANNELS, required=True, default="email")
    state = fields.Selection(
        [("draft", "To Launch"), ("launched", "Launched"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    subject = fields.Char(help="Subject of the e-mail; {{ object.name }} and other placeholders allowed.")
    body_html = fields.Html(string="E-mail Body", sanitize=True)
    body_plaintext = fields.Text(string="SMS Text")
    team_id = fields.Many2one(
        "crm.team", string="Calling Team", help="Calls are shared evenly among its members."
    )
    mailing_id = fields.Many2one("mailing.mailing", readonly=True, copy=False)
    launch_date = fields.Datetime(readonly=True, copy=False)
    target_ids = fields.One2many("crm_ext.campaign.target", "step_id", string="Targets")
    processed_count = fields.Integer(string="Processed", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    failed_count = fields.Integer(string="Failed", compute="_compute_counts")
    # response, from Odoo's mailing statistics
    sent = fields.Integer(related="mailing_id.sent")
    opened = fields.Integer(related="mailing_id.opened")
    clicked = fields.Integer(related="mailing_id.clicked")
    replied = fields.Integer(related="mailing_id.replied")
    bounced = fields.Integer(related="mailing_id.bounced")
    calls_done = fields.Integer(compute="_compute_counts", help="Call activities marked done.")

    @api.depends("target_ids.state", "target_ids.activity_id")
    def _compute_counts(self):
        counts = {
            (step, state): count
            for step, state, count in self.env["crm_ext.campaign.target"]._read_group(
                [("step_id", "in", self.ids)], ["step_id", "state"], ["__count"]
            )
        }
        open_calls = dict(
            self.env["crm_ext.campaign.target"]._read_group(
                [("step_id", "in", self.ids), ("activity_id", "!=", False)], ["step_id"], ["__count"]
            )
        )
        for step in self:
            step.processed_count = counts.get((step, "processed"), 0)
            step.skipped_count = counts.get((step, "skipped"), 0)
            step.failed_count = counts.get((step, "failed"), 0)
            # a done activity is deleted by Odoo: the calls left are those still to do
            step.calls_done = step.processed_count - open_calls.get(step, 0) if step.channel == "call" else 0

    # ------------------------------------------------------------------ launch

    def action_launch(self):
        for step in self:
            step._launch()
        return True

    def _launch(self):
        """Creates the targets of the step from its campaign's segment, then the real thing for
        the channel. A step launches once: launching again changes nothing."""
        self.ensure_one()
        # lock the step, then read its state: two launches at once cannot both pass
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM crm_ext_campaign_step WHERE id = %s FOR UPDATE NOWAIT", self.id)
                )
        except psycopg2.errors.LockNotAvailable as error:
            raise UserError(
                _("Step “%(step)s” is being launched by someone else.", step=self.name)
            ) from error
        self.invalidate_recordset(["state"])
        campaign = self.campaign_id
        if self.state != "draft":
            raise UserError(_("Step “%(step)s” was already launched or cancelled.", step=self.name))
        if campaign.campaign_state == "stopped":
            raise UserError(_("Campaign “%(name)s” is stopped.", name=campaign.title))
        if not campaign.segment_id:
            raise UserError(_("Campaign “%(name)s” has no target segment.", name=campaign.title))
        self._check_channel_content()
        partners = campaign.segment_id.member_ids
        if not partners:
            raise UserError(
                _(
                    "Segment “%(segment)s” has no members: refresh it or widen its rules before launching.",
                    segment=campaign.segment_id.name,
                )
            )
        targets = self.env["crm_ext.campaign.target"]._create_for(self, partners)
        getattr(self, f"_launch_{self.channel}")(targets)
        self.write({"state": "launched", "launch_date": fields.Datetime.now()})
        self._log_interactions(targets.filtered(lambda t: t.state == "processed"))
        if campaign.campaign_state == "draft":
            campaign.campaign_state = "running"

    def _check_channel_content(self):
        if self.channel == "email" and not (self.subject and self.body_html):
            raise UserError(_("An e-mail step needs a subject and a body."))
        if self.channel == "sms" and not self.body_plaintext:
            raise UserError(_("An SMS step needs a text."))
        if self.channel == "call" and not self.team_id.member_ids:
            raise UserError(_("A call step needs a team with members to call."))

    def _mailing_values(self, targets, mailing_type):
        return {
            "mailing_type": mailing_type,
            "subject": self.subject or self.name,
            "body_html": self.body_html or "",
            "body_plaintext": self.body_plaintext or "",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "mailing_domain": repr([("id", "in", targets.partner_id.ids)]),
            "campaign_id": self.campaign_id.id,
        }

    def _launch_email(self, targets):
        self._launch_mailing(targets, "mail")

    def _launch_sms(self, targets):
        self._launch_mailing(targets, "sms")

    def _launch_mailing(self, targets, mailing_type):
        """One mass mailing for the targets, queued for Odoo's mailing cron."""
        mailing = self.env["mailing.mailing"].create(self._mailing_values(targets, mailing_type))
        mailing.action_put_in_queue()
        self.mailing_id = mailing
        targets.write({"state": "processed", "date": fields.Datetime.now()})

    def _launch_call(self, targets):
        """One call activity per target, dealt in turn to the team's members."""
        agents = itertools.cycle(self.team_id.member_ids.sorted("id"))
        call_type = self.env.ref("mail.mail_activity_data_call")
        model_id = self.env["ir.model"]._get_id("res.partner")
        summary = _("Campaign call: %(campaign)s", campaign=self.campaign_id.title)
        activities = self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": target.partner_id.id,
                    "activity_type_id": call_type.id,
                    "summary": summary,
                    "note": self.body_html or False,
                    "user_id": next(agents).id,
                }
                for target in targets
            ]
        )
        for target, activity in zip(targets, activities, strict=True):
            target.activity_id = activity
        targets.write({"state": "processed", "date": fields.Datetime.now()})

    def _launch_letter(self, targets):
        targets.write({"state": "processed", "date": fields.Datetime.now()})

    def _launch_event(self, targets):
        targets.write({"state": "processed", "date": fields.Datetime.now()})

    def _log_interactions(self, targets):
        """Each touch in the interaction centre of crm_ext_sales, written in one batch."""
        if not targets:
            return
        summary = _("%(campaign)s: %(step)s", campaign=self.campaign_id.title, step=self.name)
        self.env["crm_ext.interaction"].sudo().create(
            [
                {
                    "summary": summary,
                    "channel": INTERACTION_CHANNEL[self.channel],
                    "direction": "outbound",
                    "partner_id": target.partner_id.id,
                    "user_id": self.env.uid,
                    "company_id": self.company_id.id or self.env.company.id,
                    "note": Markup("<p>%s</p>") % _("Campaign step launched."),
                }
                for target in targets
            ]
        )
