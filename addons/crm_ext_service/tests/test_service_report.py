from datetime import datetime, timedelta

from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import CrmExtServiceCase

MONDAY_9 = datetime(2026, 1, 5, 9, 0)  # the test calendar works 8-12 and 13-17 UTC, Monday-Friday


@tagged("post_install", "-at_install")
class TestServiceReport(CrmExtServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["crm_ext.service.report"]
        cls.policy = cls.env["crm_ext.sla.policy"].create(
            {"name": "Solve in 4h (test)", "team_id": cls.team.id, "stage_id": cls.stage_solved.id,
             "time_hours": 4}
        )  # fmt: skip

    def _ticket(self, created, **values):
        with freeze_time(created):
            ticket = self.env["crm_ext.ticket"].create(
                {"name": "Report ticket", "team_id": self.team.id, "partner_id": self.customer.id,
                 "user_id": self.agent.id, **values}
            )  # fmt: skip
        # the ORM stamps create_date with the transaction's clock, not the frozen one
        self.env.cr.execute("UPDATE crm_ext_ticket SET create_date = %s WHERE id = %s", (created, ticket.id))
        ticket.invalidate_recordset(["create_date"])
        return ticket

    def _row(self, ticket):
        self.env.flush_all()
        return self.Report.search([("ticket_id", "=", ticket.id)])

    def test_times_in_working_hours(self):
        ticket = self._ticket(MONDAY_9)
        with freeze_time(datetime(2026, 1, 5, 14, 0)):
            ticket.with_user(self.agent).message_post(
                body="We are on it", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertAlmostEqual(ticket.first_response_hours, 4.0, msg="9-12 and 13-14: lunch does not count")
        with freeze_time(datetime(2026, 1, 6, 10, 0)):  # Tuesday 10:00
            ticket.stage_id = self.stage_solved
        self.assertTrue(ticket.is_closed)
        self.assertAlmostEqual(ticket.resolution_hours, 9.0, msg="7h on Monday, 2h on Tuesday")
        row = self._row(ticket)
        self.assertEqual(len(row), 1)
        self.assertAlmostEqual(row.first_response_hours, 4.0)
        self.assertAlmostEqual(row.resolution_hours, 9.0)
        self.assertEqual(row.age_bucket, "closed")
        self.assertEqual(row.open_count, 0)
        self.assertEqual(row.sla_failed_count, 1, "solved after 9 working hours against a 4h target")
        self.assertEqual(row.sla_compliance, 0.0)

    def test_compliance_and_averages_by_team(self):
        met = self._ticket(MONDAY_9)
        with freeze_time(datetime(2026, 1, 5, 10, 0)):
            met.stage_id = self.stage_solved
        failed = self._ticket(MONDAY_9)
        with freeze_time(datetime(2026, 1, 6, 16, 0)):
            failed.stage_id = self.stage_solved
        running = self._ticket(MONDAY_9)  # SLA still running: left out of the compliance
        self.env.flush_all()
        groups = self.Report._read_group(
            [("ticket_id", "in", (met | failed | running).ids)],
            ["team_id"],
            ["ticket_count:sum", "open_count:sum", "sla_compliance:avg", "resolution_hours:avg"],
        )
        self.assertEqual(len(groups), 1)
        team, count, open_count, compliance, resolution = groups[0]
        self.assertEqual(team, self.team)
        self.assertEqual(count, 3)
        self.assertEqual(open_count, 1)
        self.assertAlmostEqual(compliance, 50.0, msg="one met, one failed, the running one left out")
        # 1h and 14h (7 + 7): the open ticket has no resolution time
        self.assertAlmostEqual(resolution, 7.5)

    def test_backlog_age_buckets(self):
        # the view ages open tickets against the database clock: date them from it
        self.env.cr.execute("SELECT NOW() AT TIME ZONE 'UTC'")
        db_now = self.env.cr.fetchone()[0]
        ages = {"0_1": 2 / 24, "1_3": 2, "3_7": 5, "7_30": 10, "30": 40}
        tickets = {bucket: self._ticket(db_now - timedelta(days=days)) for bucket, days in ages.items()}
        closed = self._ticket(db_now - timedelta(days=10))
        closed.stage_id = self.stage_solved
        self.env.flush_all()
        rows = self.Report.search([("ticket_id", "in", [t.id for t in tickets.values()] + closed.ids)])
        by_ticket = {row.ticket_id: row for row in rows}
        for bucket, ticket in tickets.items():
            self.assertEqual(by_ticket[ticket].age_bucket, bucket)
            self.assertAlmostEqual(by_ticket[ticket].age_days, ages[bucket], places=2)
            self.assertEqual(by_ticket[ticket].open_count, 1)
        self.assertEqual(by_ticket[closed].age_bucket, "closed")
        backlog = self.Report._read_group(
            [("ticket_id", "in", rows.ticket_id.ids), ("is_closed", "=", False)], ["age_bucket"], ["__count"]
        )
        self.assertEqual(dict(backlog), dict.fromkeys(ages, 1))

    def test_agents_and_companies_see_their_own_rows(self):
        mine = self._ticket(MONDAY_9)
        other_team = self._ticket(MONDAY_9, team_id=self.other_team.id, user_id=self.outsider.id)
        self.env.flush_all()
        visible = self.Report.with_user(self.agent_2).search([]).ticket_id
        self.assertIn(mine, visible, "a member of the ticket's team")
        self.assertNotIn(other_team, visible)
        other = self.env["crm_ext.ticket"].create({"name": "Elsewhere", "company_id": self.other_company.id})
        self.env.flush_all()
        manager_rows = self.Report.with_user(self.service_manager).search([]).ticket_id
        self.assertNotIn(other, manager_rows, "the manager works in the main company only")
        self.assertIn(other_team, manager_rows)
