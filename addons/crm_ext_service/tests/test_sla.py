from datetime import datetime

from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import SQL

from .common import CrmExtServiceCase

MONDAY_9 = datetime(2026, 1, 5, 9, 0)  # a Monday; the test calendar works 8-12 and 13-17 UTC


@tagged("post_install", "-at_install")
class TestSla(CrmExtServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Policy = cls.env["crm_ext.sla.policy"]
        cls.solve_8h = cls.Policy.create(
            {
                "name": "Solve in 8h",
                "team_id": cls.team.id,
                "stage_id": cls.stage_solved.id,
                "time_hours": 8,
                "exclude_stage_ids": [(6, 0, cls.stage_waiting.ids)],
            }
        )

    def _ticket(self, **values):
        return self.env["crm_ext.ticket"].create(
            {"name": "SLA ticket", "team_id": self.team.id, "partner_id": self.customer.id, **values}
        )

    def _line(self, ticket, policy):
        return ticket.sla_ids.filtered(lambda s: s.policy_id == policy)

    @freeze_time(MONDAY_9)
    def test_deadline_in_working_hours_and_holidays(self):
        ticket = self._ticket()
        self.assertEqual(ticket.sla_deadline, datetime(2026, 1, 6, 9, 0), "3h + 4h on Monday, 1h on Tuesday")
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 1, 6, 0, 0),
                "date_to": datetime(2026, 1, 6, 23, 59, 59),
            }
        )
        holiday = self._ticket()
        self.assertEqual(holiday.sla_deadline, datetime(2026, 1, 7, 9, 0), "the holiday does not count")
        # a team without calendar falls back to the company's
        self.team.resource_calendar_id = False
        self.company.resource_calendar_id = self.calendar
        self.assertEqual(self._ticket().sla_deadline, datetime(2026, 1, 7, 9, 0))

    def test_time_in_excluded_stage_does_not_count(self):
        with freeze_time(MONDAY_9):
            ticket = self._ticket()
        line = self._line(ticket, self.solve_8h)
        with freeze_time(datetime(2026, 1, 5, 10, 0)):
            ticket.stage_id = self.stage_waiting
        self.assertFalse(line.deadline)
        self.assertFalse(ticket.sla_deadline)
        self.assertEqual(line.paused_since, datetime(2026, 1, 5, 10, 0))
        self.assertAlmostEqual(line.remaining_hours, 7.0)
        self.assertEqual(line.status, "ongoing")
        with freeze_time(datetime(2026, 1, 7, 10, 0)):  # two days later the customer answers
            ticket.stage_id = self.stage_progress
        self.assertFalse(line.paused_since)
        self.assertEqual(line.deadline, datetime(2026, 1, 8, 9, 0), "7h left from Wednesday 10:00")
        with freeze_time(datetime(2026, 1, 8, 8, 30)):
            ticket.stage_id = self.stage_solved
        self.assertEqual(line.status, "reached")
        self.assertEqual(line.reached_date, datetime(2026, 1, 8, 8, 30))

    @freeze_time(MONDAY_9)
    def test_earliest_deadline_and_first_response(self):
        answer = self.Policy.create(
            {"name": "Answer in 2h", "sla_type": "first_response", "time_hours": 2, "team_id": self.team.id}
        )
        ticket = self._ticket(user_id=self.agent.id)
        self.assertEqual(len(ticket.sla_ids), 2)
        self.assertEqual(ticket.sla_deadline, datetime(2026, 1, 5, 11, 0), "the earliest deadline shows")
        line = self._line(ticket, answer)
        # neither an internal note nor the customer's own message is a response
        ticket.with_user(self.agent).message_post(body="Looking into it", subtype_xmlid="mail.mt_note")
        ticket.message_post(
            body="Any news?",
            author_id=self.customer.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(line.status, "ongoing")
        self.assertFalse(ticket.first_response_date)
        with freeze_time(datetime(2026, 1, 5, 10, 15)):
            ticket.with_user(self.agent).message_post(
                body="We send a technician", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertEqual(line.status, "reached")
        self.assertEqual(line.reached_date, datetime(2026, 1, 5, 10, 15))
        self.assertEqual(ticket.first_response_date, datetime(2026, 1, 5, 10, 15))
        self.assertEqual(ticket.sla_deadline, datetime(2026, 1, 6, 9, 0), "the next open deadline shows")

    def test_failed_stays_failed(self):
        quick = self.Policy.create(
            {
                "name": "Start in 2h",
                "team_id": self.team.id,
                "stage_id": self.stage_progress.id,
                "time_hours": 2,
            }
        )
        with freeze_time(MONDAY_9):
            ticket, late = self._ticket(), self._ticket()
        with freeze_time(datetime(2026, 1, 5, 12, 30)):
            self.env["crm_ext.ticket.sla"]._cron_escalate()
            late.stage_id = self.stage_progress  # reached after the deadline, without a cron run between
        line = self._line(ticket, quick)
        self.assertEqual(line.status, "failed")
        self.assertTrue(ticket.sla_failed)
        with freeze_time(datetime(2026, 1, 5, 13, 0)):
            ticket.stage_id = self.stage_solved
        self.assertEqual(line.status, "failed", "reaching the stage later does not undo the failure")
        self.assertEqual(line.reached_date, datetime(2026, 1, 5, 13, 0))
        self.assertEqual(self._line(ticket, self.solve_8h).status, "reached")
        self.assertEqual(self._line(late, quick).status, "failed")

    @freeze_time(MONDAY_9)
    def test_policy_matching(self):
        gold = self.env["res.partner.category"].create({"name": "Gold (test)"})
        urgent = self.Policy.create(
            {"name": "Urgent", "priority": "2", "stage_id": self.stage_solved.id, "time_hours": 4}
        )
        billing = self.Policy.create(
            {
                "name": "Billing VIP",
                "category_ids": [(6, 0, self.category_billing.ids)],
                "tag_ids": [(6, 0, self.tag_vip.ids)],
                "stage_id": self.stage_solved.id,
                "time_hours": 2,
            }
        )
        tier = self.Policy.create(
            {
                "name": "Gold tier",
                "partner_category_ids": [(6, 0, gold.ids)],
                "stage_id": self.stage_solved.id,
                "time_hours": 1,
            }
        )
        ticket = self._ticket(partner_id=self.contact.id)
        self.assertEqual(ticket.sla_ids.policy_id, self.solve_8h)
        ticket.priority = "3"
        self.assertEqual(ticket.sla_ids.policy_id, self.solve_8h | urgent, "urgent is above the minimum")
        ticket.write({"category_id": self.category_billing.id})
        self.assertNotIn(billing, ticket.sla_ids.policy_id, "the VIP tag is missing")
        ticket.tag_ids = self.tag_vip
        self.assertIn(billing, ticket.sla_ids.policy_id)
        self.customer.category_id = gold  # the contact's company is a gold customer
        ticket.write({"partner_id": self.contact.id})
        self.assertIn(tier, ticket.sla_ids.policy_id)
        ticket.write({"priority": "1", "team_id": self.other_team.id})
        self.assertEqual(
            ticket.sla_ids.policy_id, billing | tier, "open lines of policies that no longer match go"
        )

    def test_bad_policies_are_refused(self):
        with self.assertRaisesRegex(Exception, "positive number of hours"):
            self.Policy.create({"name": "Zero", "stage_id": self.stage_solved.id, "time_hours": 0})
        with self.assertRaisesRegex(Exception, "needs a target stage"):
            self.Policy.create({"name": "No stage", "time_hours": 2})
        with self.assertRaisesRegex(Exception, "cannot exclude its own target"):
            self.Policy.create(
                {
                    "name": "Self",
                    "stage_id": self.stage_waiting.id,
                    "exclude_stage_ids": [(6, 0, self.stage_waiting.ids)],
                }
            )


@tagged("post_install", "-at_install")
class TestSlaEscalation(CrmExtServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy = cls.env["crm_ext.sla.policy"].create(
            {
                "name": "Solve in 4h",
                "team_id": cls.team.id,
                "stage_id": cls.stage_solved.id,
                "time_hours": 4,
                "warn_hours": 1,
                "escalate_notify": True,
                "escalate_reassign": True,
                "escalate_priority": True,
            }
        )
        cls.Sla = cls.env["crm_ext.ticket.sla"]
        cls.warning_type = cls.env.ref("crm_ext_service.mail_activity_type_sla_warning")
        cls.breach_type = cls.env.ref("crm_ext_service.mail_activity_type_sla_breach")

    def _tickets(self, count, **values):
        with freeze_time(MONDAY_9):
            return self.env["crm_ext.ticket"].create(
                [
                    {"name": f"Escalate {i}", "team_id": self.team.id, "user_id": self.agent.id, **values}
                    for i in range(count)
                ]
            )

    def _activities(self, tickets, activity_type):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm_ext.ticket"),
                ("res_id", "in", tickets.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )

    def test_warning_then_escalation_once(self):
        ticket = self._tickets(1)
        line = ticket.sla_ids
        self.assertEqual(line.deadline, datetime(2026, 1, 5, 14, 0))
        with freeze_time(datetime(2026, 1, 5, 12, 30)):
            self.Sla._cron_escalate()
        self.assertFalse(self._activities(ticket, self.warning_type), "too early to warn")
        with freeze_time(datetime(2026, 1, 5, 13, 30)):
            self.Sla._cron_escalate()
            self.Sla._cron_escalate()
        warnings = self._activities(ticket, self.warning_type)
        self.assertEqual(len(warnings), 1, "warned once")
        self.assertEqual(warnings.user_id, self.agent)
        self.assertEqual(line.status, "ongoing")
        with freeze_time(datetime(2026, 1, 5, 14, 30)):
            self.Sla._cron_escalate()
            self.Sla._cron_escalate()
        self.assertEqual(line.status, "failed")
        self.assertTrue(line.escalated)
        self.assertTrue(ticket.sla_failed)
        breaches = self._activities(ticket, self.breach_type)
        self.assertEqual(len(breaches), 1, "escalated once")
        self.assertEqual(breaches.user_id, self.service_manager)
        self.assertEqual(ticket.user_id, self.service_manager, "reassigned to the team leader")
        self.assertEqual(ticket.priority, "2", "raised one step")
        notes = ticket.message_ids.filtered(lambda m: "breached" in (m.body or ""))
        self.assertEqual(len(notes), 1)

    def test_two_breaches_of_one_ticket_in_one_batch(self):
        self.env["crm_ext.sla.policy"].create(
            {
                "name": "Answer in 2h",
                "team_id": self.team.id,
                "sla_type": "first_response",
                "time_hours": 2,
                "escalate_notify": True,
            }
        )
        ticket = self._tickets(1)
        self.assertEqual(len(ticket.sla_ids), 2)
        with freeze_time(datetime(2026, 1, 5, 14, 30)):
            done = self.Sla._cron_escalate()
        self.assertEqual(done, ticket.sla_ids)
        self.assertEqual(set(ticket.sla_ids.mapped("status")), {"failed"})
        self.assertEqual(len(self._activities(ticket, self.breach_type)), 2, "one per breached SLA")
        self.assertEqual(
            ticket.message_partner_ids.filtered(lambda p: p == self.service_manager.partner_id),
            self.service_manager.partner_id,
            "the team leader follows the ticket once",
        )

    def test_claim_is_exclusive(self):
        tickets = self._tickets(3)
        condition = SQL("sla.deadline < %s", datetime(2026, 1, 5, 14, 30))
        # another cron already took the first line
        self.env.execute_query(
            SQL("UPDATE crm_ext_ticket_sla SET escalated = TRUE WHERE id = %s", tickets[0].sla_ids.id)
        )
        first = self.Sla._claim("escalated", condition, 10)
        second = self.Sla._claim("escalated", condition, 10)
        self.assertEqual(first, (tickets[1:]).sla_ids)
        self.assertFalse(second, "a claimed line is never claimed again")
        with freeze_time(datetime(2026, 1, 5, 14, 30)):
            self.assertFalse(self.Sla._cron_escalate())
        self.assertFalse(self._activities(tickets, self.breach_type))

    def test_batches_are_bounded(self):
        warm, small, large = self._tickets(2), self._tickets(2), self._tickets(9)
        (small | large).sla_ids.invalidate_recordset()

        def queries(batch_size):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with freeze_time(datetime(2026, 1, 5, 14, 30)):
                done = self.Sla._cron_escalate(batch_size=batch_size)
                self.env.flush_all()
            return done, self.cr.sql_log_count - before

        with freeze_time(MONDAY_9):
            self.assertFalse(self.Sla._cron_escalate())  # nothing is due yet
        self.assertEqual(queries(2)[0], warm.sla_ids, "the first batch warms the caches")
        done_small, count_small = queries(2)
        self.assertEqual(len(done_small), 2)
        self.env.invalidate_all()
        # 31 queries per batch, whatever its size: claims, bulk reads, one activity batch,
        # grouped writes and one batch of chatter notes
        with self.assertQueryCount(31), freeze_time(datetime(2026, 1, 5, 14, 30)):
            done_large = self.Sla._cron_escalate(batch_size=9)
        self.assertEqual(len(done_large), 9)
        self.assertEqual(count_small, 31, "a batch of 2 takes as many queries as a batch of 9")
        self.assertFalse((small | large).filtered(lambda t: not t.sla_failed))
        self.assertEqual(set((small | large).mapped("user_id")), {self.service_manager})
