import itertools
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .crm_ext_campaign_target import CALL_OUTCOMES

STEP_CHANNELS = [
    ("email", "Email"),
    ("sms", "SMS"),
    ("call", "Phone Calls"),
    ("letter", "Printed Letter"),
    ("event", "Event / Face-to-face"),
]
JOURNEY_CONDITIONS = [
    ("always", "Everyone reached"),
    ("opened", "Opened"),
    ("not_opened", "Did not open"),
    ("clicked", "Clicked"),
    ("not_clicked", "Did not click"),
    ("replied", "Replied"),
    ("not_replied", "Did not reply"),
    ("bounced", "Bounced"),
    ("lead", "Became a lead"),
    ("order", "Placed an order"),
]
# the partners of a mailing's traces matching a condition (the "not_" ones are the others)
TRACE_CONDITIONS = {
    "opened": SQL("trace.open_datetime IS NOT NULL OR trace.trace_status IN ('open', 'reply')"),
    "clicked": SQL("trace.links_click_datetime IS NOT NULL"),
    "replied": SQL("trace.reply_datetime IS NOT NULL OR trace.trace_status = 'reply'"),
    "bounced": SQL("trace.trace_status = 'bounce'"),
}
# the interaction centre's channel of each step channel
# the step's texts rendered for each customer (res.partner) by the mailing cron or the letters,
# and the engine that renders each
RENDERED_FIELDS = {"subject": "inline_template", "body_html": "qweb", "body_plaintext": "inline_template"}
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
    # the same sanitising as Odoo's mass mailings: QWeb placeholders (t-out, t-foreach) are kept
    body_html = fields.Html(string="E-mail Body", sanitize="email_outgoing")
    body_plaintext = fields.Text(string="SMS Text")
    team_id = fields.Many2one(
        "crm.team", string="Calling Team", help="Calls are shared evenly among its members."
    )
    mailing_id = fields.Many2one("mailing.mailing", readonly=True, copy=False)
    # journeys: a step after another one, for the targets matching a condition on it
    condition_step_id = fields.Many2one(
        "crm_ext.campaign.step",
        string="After Step",
        domain="[('campaign_id', '=', campaign_id), ('id', '!=', id)]",
        help="The step runs for the targets of this earlier step that match the condition, "
        "once the delay after its launch has passed. Empty: the campaign's segment.",
    )
    condition = fields.Selection(JOURNEY_CONDITIONS, default="always", required=True)
    delay_hours = fields.Integer(string="Delay (hours)", help="Hours after the earlier step's launch.")
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
    delivered = fields.Integer(related="mailing_id.delivered")
    calls_done = fields.Integer(
        compute="_compute_counts", help="Calls with an outcome: done, or recorded by the caller."
    )
    calls_reached = fields.Integer(compute="_compute_counts")
    calls_no_answer = fields.Integer(string="No Answer", compute="_compute_counts")
    calls_follow_up = fields.Integer(string="Follow-up Needed", compute="_compute_counts")
    calls_not_interested = fields.Integer(string="Not Interested", compute="_compute_counts")
    # response and money attributed to the step (the funnel report: last touch before the document)
    currency_id = fields.Many2one(related="campaign_id.currency_id")
    cost = fields.Monetary(
        currency_field="currency_id",
        help="What this step costs on top of the campaign's bills: printing and postage, call hours...",
    )
    responded_count = fields.Integer(string="Responded", compute="_compute_results")
    lead_count = fields.Integer(string="Leads", compute="_compute_results")
    won_count = fields.Integer(string="Won", compute="_compute_results")
    order_count = fields.Integer(string="Orders", compute="_compute_results")
    revenue = fields.Monetary(string="Net Revenue", currency_field="currency_id", compute="_compute_results")
    roi = fields.Float(
        string="ROI (%)", compute="_compute_results", help="(Net revenue - step cost) / step cost."
    )

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps._check_dynamic_content()
        return steps

    def write(self, vals):
        result = super().write(vals)
        if RENDERED_FIELDS.keys() & vals.keys():
            self._check_dynamic_content()
        return result

    def _check_dynamic_content(self):
        """What Odoo's "restrict template rendering" setting asks of mail templates
        (``mail.render.mixin._check_access_right_dynamic_template``), on save: the texts are
        rendered later by the mailing cron as superuser, where the setting no longer applies.
        Without the template editor group, only plain placeholders (``{{ object.name }}``,
        ``t-out="object.name"``) may be saved, no code."""
        if self.env.su or self.env.user.has_group("mail.group_mail_template_editor"):
            return
        Render = self.env["mail.render.mixin"]
        for step in self:
            for field_name, engine in RENDERED_FIELDS.items():
                value = step[field_name]
                unsafe = (
                    Render._has_unsafe_expression_template_qweb(value, "res.partner")
                    if engine == "qweb"
                    else Render._has_unsafe_expression_template_inline_template(value, "res.partner")
                )
                if unsafe:
                    raise AccessError(
                        _(
                            "Only members of %(group)s may put code in step “%(step)s” (%(field)s); "
                            "placeholders like {{ object.name }} are allowed.",
                            group=self.env.ref("mail.group_mail_template_editor").name,
                            step=step.name,
                            field=step._fields[field_name].get_description(self.env)["string"],
                        )
                    )

    @api.depends("target_ids.state", "target_ids.activity_id", "target_ids.call_outcome")
    def _compute_counts(self):
        counts = {
            (step, state): count
            for step, state, count in self.env["crm_ext.campaign.target"]._read_group(
                [("step_id", "in", self.ids)], ["step_id", "state"], ["__count"]
            )
        }
        outcomes = {
            (step, outcome): count
            for step, outcome, count in self.env["crm_ext.campaign.target"]._read_group(
                [("step_id", "in", self.ids), ("call_outcome", "!=", False)],
                ["step_id", "call_outcome"],
                ["__count"],
            )
        }
        for step in self:
            step.calls_reached = outcomes.get((step, "done"), 0)
            step.calls_no_answer = outcomes.get((step, "no_answer"), 0)
            step.calls_follow_up = outcomes.get((step, "follow_up"), 0)
            step.calls_not_interested = outcomes.get((step, "not_interested"), 0)
            step.processed_count = counts.get((step, "processed"), 0)
            step.skipped_count = counts.get((step, "skipped"), 0)
            step.failed_count = counts.get((step, "failed"), 0)
            step.calls_done = sum(outcomes.get((step, key), 0) for key, _label in CALL_OUTCOMES)

    @api.depends("target_ids.state", "cost")
    def _compute_results(self):
        groups = {
            step: rest
            for step, *rest in self.env["crm_ext.campaign.funnel.report"]._read_group(
                [("step_id", "in", self.ids)],
                ["step_id"],
                ["responded:sum", "lead_count:sum", "won_count:sum", "order_count:sum", "revenue:sum"],
            )
        }
        for step in self:
            responded, leads, won, orders, revenue = groups.get(step, (0, 0, 0, 0, 0.0))
            step.responded_count = responded
            step.lead_count = leads
            step.won_count = won
            step.order_count = orders
            step.revenue = revenue
            step.roi = (revenue - step.cost) / step.cost * 100 if step.cost else 0.0

    @api.constrains("cost")
    def _check_cost(self):
        for step in self:
            if step.cost < 0:
                raise ValidationError(_("The cost of step “%(step)s” cannot be negative.", step=step.name))

    @api.constrains("condition_step_id", "sequence", "campaign_id", "condition", "delay_hours")
    def _check_journey(self):
        for step in self:
            previous = step.condition_step_id
            if step.delay_hours < 0:
                raise ValidationError(_("The delay of step “%(step)s” cannot be negative.", step=step.name))
            if not previous:
                if step.condition != "always":
                    raise ValidationError(
                        _(
                            "Step “%(step)s” has a condition but no earlier step to apply it to.",
                            step=step.name,
                        )
                    )
                continue
            if previous.campaign_id != step.campaign_id or (previous.sequence, previous.id) >= (
                step.sequence,
                step.id,
            ):
                raise ValidationError(
                    _(
                        "Step “%(step)s” can only follow a step that comes before it in the same campaign, "
                        "not “%(previous)s”.",
                        step=step.name,
                        previous=previous.name,
                    )
                )
            if step.condition in ("opened", "not_opened", "clicked", "not_clicked", "replied", "not_replied",
                                  "bounced") and previous.channel not in ("email", "sms"):  # fmt: skip
                raise ValidationError(
                    _("Opens, clicks, replies and bounces are known for e-mail and SMS steps only.")
                )

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
        if campaign.crm_ext_state == "stopped":
            raise UserError(_("Campaign “%(name)s” is stopped.", name=campaign.title))
        previous = self.condition_step_id
        if previous and previous.state != "launched":
            raise UserError(
                _("Step “%(step)s” waits for step “%(previous)s”.", step=self.name, previous=previous.name)
            )
        if not previous and not campaign.crm_ext_segment_id:
            raise UserError(_("Campaign “%(name)s” has no target segment.", name=campaign.title))
        self._check_channel_content()
        if previous:
            partners = previous.target_ids.filtered(lambda t: t.state == "processed").partner_id
            if not partners:
                raise UserError(_("Step “%(previous)s” reached nobody.", previous=previous.name))
        else:
            partners = campaign.crm_ext_segment_id.member_ids
        if not partners:
            raise UserError(
                _(
                    "Segment “%(segment)s” has no members: refresh it or widen its rules before launching.",
                    segment=campaign.crm_ext_segment_id.name,
                )
            )
        targets = self.env["crm_ext.campaign.target"]._create_for(self, partners)
        if previous and self.condition != "always":
            matching = self._matching_partners(targets.partner_id)
            skipped = targets.filtered(lambda t: t.partner_id not in matching)
            skipped.write({"state": "skipped", "date": fields.Datetime.now()})
            targets -= skipped
        if targets:
            getattr(self, f"_launch_{self.channel}")(targets)
        self.write({"state": "launched", "launch_date": fields.Datetime.now()})
        self._log_interactions(targets.filtered(lambda t: t.state == "processed"))
        if campaign.crm_ext_state == "draft":
            campaign.crm_ext_state = "running"

    def _matching_partners(self, partners):
        """The ``partners`` matching the step's condition on its earlier step, in one query."""
        previous, condition = self.condition_step_id, self.condition
        negate = condition.startswith("not_")
        key = condition.removeprefix("not_")
        if key in TRACE_CONDITIONS:
            self.env["mailing.trace"].flush_model()
            query = SQL(
                """
                SELECT DISTINCT trace.res_id FROM mailing_trace trace
                 WHERE trace.mass_mailing_id = %s AND trace.model = 'res.partner'
                   AND trace.res_id = ANY(%s) AND (%s)
                """,
                previous.mailing_id.id or 0,
                partners.ids,
                TRACE_CONDITIONS[key],
            )
        elif key == "lead":
            self.env["crm.lead"].flush_model()
            query = SQL(
                """
                SELECT DISTINCT p.id FROM res_partner p
                  JOIN crm_lead lead ON lead.partner_id IN (p.id, p.commercial_partner_id)
                 WHERE p.id = ANY(%s) AND lead.campaign_id = %s AND lead.create_date >= %s
                """,
                partners.ids,
                self.campaign_id.id,
                previous.launch_date,
            )
        else:  # order
            self.env["sale.order"].flush_model()
            query = SQL(
                """
                SELECT DISTINCT p.id FROM res_partner p
                  JOIN res_partner buyer ON buyer.commercial_partner_id = p.commercial_partner_id
                  JOIN sale_order so ON so.partner_id = buyer.id
                 WHERE p.id = ANY(%s) AND so.state = 'sale' AND so.campaign_id = %s AND so.date_order >= %s
                """,
                partners.ids,
                self.campaign_id.id,
                previous.launch_date,
            )
        self.env.cr.execute(query)
        matched = self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())
        return partners - matched if negate else partners & matched

    @api.model
    def _cron_advance_journeys(self, batch=50):
        """Launches the journey steps whose earlier step was launched long enough ago, for
        running campaigns, a batch at a time; each step launches once, even with two workers
        running this at once (row locks, the steps another worker holds are skipped)."""
        candidates = self.search(
            [
                ("state", "=", "draft"),
                ("condition_step_id.state", "=", "launched"),
                ("campaign_id.crm_ext_state", "=", "running"),
            ],
            order="id",
        )
        now = fields.Datetime.now()
        due = candidates.filtered(
            lambda s: s.condition_step_id.launch_date + timedelta(hours=s.delay_hours) <= now
        )[:batch]
        if not due:
            return 0
        # another worker running the journeys at the same time holds the steps it launches:
        # take the others, skip those without waiting (and without a failure message on them)
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM crm_ext_campaign_step
                 WHERE id = ANY(%s) AND state = 'draft'
                   FOR UPDATE SKIP LOCKED
                """,
                due.ids,
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        due = due.filtered(lambda step: step.id in locked)
        for step in due:
            try:
                with self.env.cr.savepoint():
                    step._launch()
            except UserError as error:
                step.message_post(body=_("The journey could not launch this step: %(error)s", error=error))
        return len(due)

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
        targets.write({"state": "processed", "date": fields.Datetime.now()})
        # each target's activity in one statement, not one UPDATE per target
        targets.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_ext_campaign_target target SET activity_id = src.activity_id
                  FROM unnest(%s::int[], %s::int[]) AS src(target_id, activity_id)
                 WHERE target.id = src.target_id
                """,
                targets.ids,
                activities.ids,
            )
        )
        targets.invalidate_recordset(["activity_id"])

    def _invitees(self):
        """The customers reached by the step, by name: the letter recipients or the event guests."""
        self.ensure_one()
        return self.target_ids.filtered(lambda t: t.state == "processed").partner_id.sorted("name")

    def _letter_pages(self):
        """``[(partner, body, recommended products)]``: the letter rendered for each recipient,
        with the same placeholders as the e-mails (``object`` is the customer), in the
        recipient's language, so that dates follow the recipient's calendar as e-mails do."""
        self.ensure_one()
        partners = self._invitees()
        if not partners:
            return []
        bodies = {}
        Render = self.env["mail.render.mixin"]
        for lang, group in partners.grouped(lambda partner: partner.lang or self.env.lang).items():
            bodies.update(
                Render.with_context(lang=lang)._render_template(
                    self.body_html or "",
                    "res.partner",
                    group.ids,
                    engine="qweb",
                    options={"post_process": True},
                )
            )
        return [
            (partner, Markup(bodies.get(partner.id) or ""), partner.crm_ext_recommended_product_ids)
            for partner in partners
        ]

    def _check_printable(self, channel):
        self.ensure_one()
        if self.channel != channel or self.state != "launched":
            raise UserError(_("Launch the step first: its list is made of the customers it reached."))

    def action_print_letters(self):
        self._check_printable("letter")
        return self.env.ref("crm_ext_marketing.action_report_campaign_letters").report_action(self)

    def action_print_invitations(self):
        self._check_printable("event")
        return self.env.ref("crm_ext_marketing.action_report_campaign_invitations").report_action(self)

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
