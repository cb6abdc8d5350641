from odoo.tests import tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestSalesReports(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Report team (test)"})
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Too expensive (test)"})
        cls.stages = cls.env["crm.stage"].search([("team_id", "in", (False, cls.team.id))], order="sequence")

    def _opportunity(self, name):
        return self.env["crm.lead"].create(
            {"name": name, "type": "opportunity", "team_id": self.team.id, "expected_revenue": 100}
        )

    def test_win_loss_and_cycle(self):
        won = self._opportunity("Won deal")
        lost = self._opportunity("Lost deal")
        self._opportunity("Open deal")
        won.action_set_won()
        lost.action_set_lost(lost_reason_id=self.reason.id)
        self.env.flush_all()
        rows = self.env["crm_ext.win.loss.report"].search([("team_id", "=", self.team.id)])
        self.assertEqual({(r.lead_id, r.outcome) for r in rows}, {(won, "won"), (lost, "lost")})
        self.assertEqual(rows.filtered(lambda r: r.outcome == "lost").lost_reason_id, self.reason)
        self.assertGreaterEqual(rows.filtered(lambda r: r.outcome == "won").cycle_days, 0.0)
        [(won_count, lost_count, rate)] = self.env["crm_ext.win.loss.report"]._read_group(
            [("team_id", "=", self.team.id)], [], ["won_count:sum", "lost_count:sum", "win_rate:avg"]
        )
        self.assertEqual((won_count, lost_count, rate), (1, 1, 50.0))

    def test_stage_conversion_from_tracking(self):
        first, second, third = self.stages[:3]
        # stage changes are read from the chatter's tracking: keep tracking on here
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=False))
        lead = self._opportunity("Moving deal")
        for stage in (first, second, third, second):
            lead.stage_id = stage
            self.env.cr.precommit.run()  # writes the tracking, as a commit would
        self.env.flush_all()
        rows = self.env["crm_ext.stage.conversion.report"].search(
            [("lead_id", "=", lead.id)], order="date, id"
        )
        moves = [(r.from_stage_id, r.to_stage_id, r.direction) for r in rows]
        self.assertIn((first, second, "forward"), moves)
        self.assertIn((second, third, "forward"), moves)
        self.assertEqual(moves[-1], (third, second, "backward"))
