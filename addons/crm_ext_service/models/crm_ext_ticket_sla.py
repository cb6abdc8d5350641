from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, format_datetime

ESCALATION_BATCH = 200


class CrmExtTicketSla(models.Model):
    """The status of one SLA policy on one ticket."""

    _name = "crm_ext.ticket.sla"
    _description = "Ticket SLA Status"
    _order = "deadline, id"
    _rec_name = "policy_id"

    ticket_id = fields.Many2one("crm_ext.ticket", required=True, ondelete="cascade", index=True)
    policy_id = fields.Many2one("crm_ext.sla.policy", required=True, ondelete="cascade", index=True)
    sla_type = fields.Selection(related="policy_id.sla_type", store=True)
    stage_id = fields.Many2one(related="policy_id.stage_id", string="Target Stage")
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    team_id = fields.Many2one(related="ticket_id.team_id", store=True, index=True)
    user_id = fields.Many2one(related="ticket_id.user_id", string="Assigned to")
    deadline = fields.Datetime(
        index=True, readonly=True, help="Empty while the ticket waits in an excluded stage."
    )
    reached_date = fields.Datetime(readonly=True)
    status = fields.Selection(
        [("ongoing", "Ongoing"), ("reached", "Reached"), ("failed", "Failed")],
        required=True,
        default="ongoing",
        readonly=True,
        index=True,
    )
    paused_since = fields.Datetime(readonly=True, help="The ticket waits in a stage excluded by the policy.")
    remaining_hours = fields.Float(readonly=True, help="Working hours left when the clock was paused.")
    warned = fields.Boolean(readonly=True, copy=False)
    escalated = fields.Boolean(readonly=True, copy=False)

    _sql_constraints = [
        ("ticket_policy_uniq", "unique (ticket_id, policy_id)", "A policy applies only once to a ticket."),
    ]

    # ------------------------------------------------------------------ working time

    def _plan(self, hours, start):
        """The moment ``hours`` working hours after ``start`` in the ticket's calendar."""
        self.ensure_one()
        calendar = self.ticket_id._sla_calendar()
        if calendar:
            planned = calendar.plan_hours(hours, start, compute_leaves=True)
            if planned:
                return planned
        return start + timedelta(hours=hours)

    def _working_hours(self, start, end):
        self.ensure_one()
        return self.ticket_id._working_hours(start, end)

    # ------------------------------------------------------------------ life cycle

    def _target_reached(self, stage):
        self.ensure_one()
        return self.sla_type == "resolution" and stage.sequence >= self.policy_id.stage_id.sequence

    def _start(self, start=None):
        """Sets the first deadline of new lines, counted from ``start`` (by default the
        ticket's creation)."""
        now = fields.Datetime.now()
        for line in self:
            ticket, policy = line.ticket_id, line.policy_id
            if ticket.stage_id in policy.exclude_stage_ids:
                line.write({"paused_since": now, "remaining_hours": policy.time_hours, "deadline": False})
            else:
                line.deadline = line._plan(policy.time_hours, start or ticket.create_date or now)
            if line.sla_type == "first_response" and ticket.first_response_date:
                line._reach(ticket.first_response_date)
            elif line._target_reached(ticket.stage_id) or ticket.is_closed:
                line._reach(now)

    def _reach(self, when):
        """Marks open lines as met at ``when``; a line past its deadline is failed for good."""
        for line in self.filtered(lambda s: not s.reached_date):
            late = line.status == "failed" or (line.deadline and when > line.deadline)
            line.write(
                {"reached_date": when, "status": "failed" if late else "reached", "paused_since": False}
            )

    def _on_stage_change(self, now):
        for line in self.filtered(lambda s: not s.reached_date):
            stage = line.ticket_id.stage_id
            # closing a ticket settles all its SLAs, e.g. solved on the phone without a written reply
            if line._target_reached(stage) or line.ticket_id.is_closed:
                line._reach(now)
            elif stage in line.policy_id.exclude_stage_ids:
                if not line.paused_since and line.status == "ongoing":
                    remaining = line._working_hours(now, line.deadline) if line.deadline else 0.0
                    line.write({"paused_since": now, "remaining_hours": remaining, "deadline": False})
            elif line.paused_since:
                line.write({"paused_since": False, "deadline": line._plan(line.remaining_hours, now)})

    # ------------------------------------------------------------------ escalation

    def _claim(self, flag, condition, limit):
        """Sets ``flag`` on at most ``limit`` lines matching ``condition`` and returns them.

        The flag is only set where it was not set yet, on rows locked by nobody else: two
        crons running at once never claim the same line, a line is never claimed twice.
        """
        query = SQL(
            """
            UPDATE crm_ext_ticket_sla SET %(flag)s = TRUE, write_date = %(now)s
             WHERE id IN (
                   SELECT sla.id
                     FROM crm_ext_ticket_sla sla
                     JOIN crm_ext_sla_policy policy ON policy.id = sla.policy_id
                     JOIN crm_ext_ticket ticket ON ticket.id = sla.ticket_id
                    WHERE sla.status = 'ongoing'
                      AND sla.deadline IS NOT NULL
                      AND sla.%(flag)s IS NOT TRUE
                      AND ticket.is_closed IS NOT TRUE
                      AND %(condition)s
                 ORDER BY sla.deadline, sla.id
                    LIMIT %(limit)s
                      FOR UPDATE OF sla SKIP LOCKED)
               AND %(flag)s IS NOT TRUE
         RETURNING id
            """,
            flag=SQL.identifier(flag),
            now=fields.Datetime.now(),
            condition=condition,
            limit=limit,
        )
        self.env.flush_all()
        ids = [row[0] for row in self.env.execute_query(query)]
        self.invalidate_model([flag, "write_date"])
        return self.browse(ids)

    @api.model
    def _cron_escalate(self, batch_size=ESCALATION_BATCH):
        """Warns before deadlines and escalates breaches, one batch of each per call."""
        now = fields.Datetime.now()
        warned = self._claim(
            "warned",
            SQL(
                "policy.warn_hours > 0 AND sla.deadline > %(now)s"
                " AND sla.deadline - make_interval(secs => policy.warn_hours * 3600) <= %(now)s",
                now=now,
            ),
            batch_size,
        )
        warned._warn()
        breached = self._claim("escalated", SQL("sla.deadline < %s", now), batch_size)
        breached._escalate()
        done = len(warned) + len(breached)
        remaining = 0
        if done:
            remaining = self.search_count(
                [("status", "=", "ongoing"), ("deadline", "<", now), ("escalated", "=", False)]
            )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return warned | breached

    def _activity_values(self, activity_type, user, summary):
        self.ensure_one()
        return {
            "activity_type_id": activity_type.id,
            "res_model_id": self.env["ir.model"]._get_id("crm_ext.ticket"),
            "res_id": self.ticket_id.id,
            "user_id": user.id,
            "summary": summary,
            "date_deadline": fields.Date.context_today(self, self.deadline),
        }

    def _create_activities(self, vals_list):
        # mail.activity subscribes the user of each new activity to its record, once per
        # activity: two activities of one user on one ticket in the same create (two SLAs of
        # the ticket breached in one batch) would add the same follower twice and fail. The
        # n-th activity of a (ticket, user) pair goes in the n-th create.
        rounds, seen = [], {}
        for vals in vals_list:
            key = (vals["res_id"], vals["user_id"])
            index = seen.get(key, 0)
            seen[key] = index + 1
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(vals)
        Activity = self.env["mail.activity"].with_context(mail_activity_quick_update=True)
        for batch in rounds:
            Activity.create(batch)

    def _warn(self):
        activity_type = self.env.ref("crm_ext_service.mail_activity_type_sla_warning")
        vals_list = []
        for line in self:
            user = line.ticket_id.user_id or line.ticket_id.team_id.user_id
            if user:
                summary = _(
                    "SLA %(policy)s due %(deadline)s",
                    policy=line.policy_id.name,
                    deadline=format_datetime(self.env, line.deadline, tz=user.tz),
                )
                vals_list.append(line._activity_values(activity_type, user, summary))
        self._create_activities(vals_list)

    def _escalate(self):
        """Applies each breached policy's actions, in bulk for the whole batch."""
        if not self:
            return
        self.write({"status": "failed"})
        activity_type = self.env.ref("crm_ext_service.mail_activity_type_sla_breach")
        Ticket = self.env["crm_ext.ticket"].with_context(tracking_disable=True)
        bodies, vals_list = {}, []
        reassign = {}  # leader -> tickets
        raise_priority = Ticket
        for line in self:
            ticket, policy = line.ticket_id, line.policy_id
            leader = ticket.team_id.user_id
            actions = []
            if policy.escalate_notify and leader:
                summary = _("SLA %(policy)s breached", policy=policy.name)
                vals_list.append(line._activity_values(activity_type, leader, summary))
                actions.append(_("team leader %(leader)s notified", leader=leader.name))
            if policy.escalate_reassign and leader and ticket.user_id != leader:
                reassign.setdefault(leader, Ticket)
                reassign[leader] |= ticket
                actions.append(_("reassigned to %(leader)s", leader=leader.name))
            if policy.escalate_priority and ticket.priority < "3":
                raise_priority |= ticket
                actions.append(_("priority raised"))
            text = _(
                "SLA %(policy)s breached (deadline %(deadline)s).",
                policy=policy.name,
                deadline=format_datetime(self.env, line.deadline),
            )
            if actions:
                text = "%s %s" % (text, _("Escalation: %(actions)s.", actions=", ".join(actions)))
            bodies[ticket.id] = bodies.get(ticket.id, Markup()) + Markup("<p>%s</p>") % text
        self._create_activities(vals_list)
        for leader, tickets in reassign.items():
            tickets.write({"user_id": leader.id})
        by_priority = {p: raise_priority.filtered(lambda t, p=p: t.priority == p) for p in ("0", "1", "2")}
        for priority, tickets in by_priority.items():
            if tickets:
                tickets.write({"priority": str(int(priority) + 1)})
        Ticket.browse(list(bodies))._message_log_batch(bodies)
