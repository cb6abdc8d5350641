from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import freeze_time

# far from the demo data's deadlines: at this time only the test's SLA line is due
DEADLINE = datetime(2000, 1, 3, 10, 0)
NOW = datetime(2000, 1, 3, 12, 0)


@tagged("post_install", "-at_install")
class TestSlaConcurrency(TransactionCase):
    """Two workers run the SLA escalation cron at once, each on a cursor (a transaction) of its
    own: the breach is escalated once (issue 13). The fixtures are committed, so that both
    cursors see them, and removed at the end."""

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})

    def _commit_fixtures(self, deadline=DEADLINE):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            team = env["crm_ext.service.team"].create(
                {"name": "Two workers (test)", "user_id": env.ref("base.user_admin").id}
            )
            policy = env["crm_ext.sla.policy"].create(
                {
                    "name": "Two workers: solve in 1h (test)",
                    "team_id": team.id,
                    "stage_id": env.ref("crm_ext_service.ticket_stage_solved").id,
                    "time_hours": 1,
                    "warn_hours": 1,
                    "escalate_notify": True,
                    "escalate_priority": True,
                }
            )
            ticket = env["crm_ext.ticket"].create(
                {"name": "Two workers (test)", "team_id": team.id, "priority": "1"}
            )
            line = ticket.sla_ids.filtered(lambda s: s.policy_id == policy)
            line.deadline = deadline
            ids = {"team": team.id, "policy": policy.id, "ticket": ticket.id, "line": line.id}
        self.addCleanup(self._remove_fixtures, ids)
        return ids

    def _remove_fixtures(self, ids):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            env["crm_ext.ticket"].browse(ids["ticket"]).unlink()
            env["crm_ext.sla.policy"].browse(ids["policy"]).unlink()
            env["crm_ext.service.team"].browse(ids["team"]).unlink()

    def _state(self, ids, activity_type="crm_ext_service.mail_activity_type_sla_breach"):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            ticket = env["crm_ext.ticket"].browse(ids["ticket"])
            breaches = env["mail.activity"].search_count(
                [
                    ("res_model", "=", "crm_ext.ticket"),
                    ("res_id", "=", ticket.id),
                    ("activity_type_id", "=", env.ref(activity_type).id),
                ]
            )
            notes = len(ticket.message_ids.filtered(lambda m: "breached" in (m.body or "")))
            line = env["crm_ext.ticket.sla"].browse(ids["line"])
            return {
                "priority": ticket.priority,
                "activities": breaches,
                "notes": notes,
                "status": line.status,
            }

    def _run_two_workers(self, ids):
        """Worker 1 runs the cron and keeps its transaction open while worker 2 runs it; both
        commit; a third run finds nothing left."""
        with freeze_time(NOW), self.registry.cursor() as cr_1, self.registry.cursor() as cr_2:
            # a lock wait would mean the two workers queue on one line: fail instead of hanging
            cr_2.execute("SET LOCAL lock_timeout = '5s'")
            first = self._env(cr_1)["crm_ext.ticket.sla"]._cron_escalate()
            # the first worker's transaction is still open: its line is locked and not committed
            second = self._env(cr_2)["crm_ext.ticket.sla"]._cron_escalate()
            self.assertEqual(first.ids, [ids["line"]], "the first worker takes the line")
            self.assertFalse(second, "the second worker skips the line the first one holds")
            cr_1.commit()
            cr_2.commit()
        with freeze_time(NOW), self.registry.cursor() as cr_3:
            self.assertFalse(self._env(cr_3)["crm_ext.ticket.sla"]._cron_escalate(), "nothing left")

    def test_two_workers_escalate_once(self):
        ids = self._commit_fixtures()
        self._run_two_workers(ids)
        self.assertEqual(self._state(ids), {"priority": "2", "activities": 1, "notes": 1, "status": "failed"})

    def test_two_workers_warn_once(self):
        """The warning before the deadline is claimed the same way: one activity."""
        ids = self._commit_fixtures(deadline=NOW + timedelta(minutes=30))
        self._run_two_workers(ids)
        state = self._state(ids, "crm_ext_service.mail_activity_type_sla_warning")
        self.assertEqual((state["activities"], state["status"], state["priority"]), (1, "ongoing", "1"))
