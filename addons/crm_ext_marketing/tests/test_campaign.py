from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.mass_mailing.tests.common import MassMailCommon
from odoo.addons.sms.tests.common import SMSCase

from .common import CrmExtMarketingCase


@tagged("post_install", "-at_install")
class TestCampaign(CrmExtMarketingCase, MassMailCommon, SMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for i, partner in enumerate(cls.vip):
            partner.write({"email": f"vip{i}@customer.example.com", "phone": f"+3247000000{i}"})
        cls.segment = cls.env["crm_ext.segment"].create(
            {"name": "VIP (test)", "partner_domain": repr([("category_id", "in", cls.tag.ids)])}
        )
        cls.segment.action_refresh_members()
        cls.callers = cls.env["res.users"]
        for login in ("crm_ext_caller_1", "crm_ext_caller_2"):
            cls.callers |= new_test_user(cls.env, login=login, groups="sales_team.group_sale_salesman")
        cls.call_team = cls.env["crm.team"].create(
            {"name": "Callers (test)", "member_ids": [(6, 0, cls.callers.ids)]}
        )
        cls.campaign = cls.env["utm.campaign"].create(
            {"title": "Spring (test)", "segment_id": cls.segment.id}
        )

    def _step(self, channel, **values):
        defaults = {
            "email": {
                "subject": "Hello {{ object.name }}",
                "body_html": "<p>Dear <t t-out='object.name'/></p>",
            },
            "sms": {"body_plaintext": "Spring offer for you"},
            "call": {"team_id": self.call_team.id},
        }.get(channel, {})
        return self.env["crm_ext.campaign.step"].create(
            {
                "campaign_id": self.campaign.id,
                "name": f"{channel} step",
                "channel": channel,
                **defaults,
                **values,
            }
        )

    def test_email_step_queues_one_mailing_for_the_segment(self):
        self.assertEqual(self.segment.member_ids, self.vip, "the other company's VIP is not a member")
        step = self._step("email")
        step.action_launch()
        self.assertEqual(step.state, "launched")
        self.assertEqual(self.campaign.campaign_state, "running")
        mailing = step.mailing_id
        self.assertEqual(mailing.state, "in_queue", "sent by Odoo's mailing queue")
        self.assertEqual(mailing.campaign_id, self.campaign)
        self.assertEqual(self.env["res.partner"].search(mailing._get_recipients_domain()), self.vip)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        self.assertEqual(len(self._mails), 3)
        self.assertEqual(
            {mail["email_to"][0] for mail in self._mails}, set(self.vip.mapped("email_formatted"))
        )
        self.assertEqual(step.sent, 3)
        self.assertEqual(step.processed_count, 3)
        interactions = self.env["crm_ext.interaction"].search([("partner_id", "in", self.vip.ids)])
        self.assertEqual(len(interactions), 3)
        self.assertEqual(set(interactions.mapped("channel")), {"email"})

    def test_launching_twice_never_sends_twice(self):
        step = self._step("email")
        step.action_launch()
        mailing = step.mailing_id
        with self.assertRaises(UserError):
            step.action_launch()
        self.assertEqual(step.mailing_id, mailing)
        self.assertEqual(len(step.target_ids), 3)
        self.assertEqual(
            self.env["mailing.mailing"].search_count([("campaign_id", "=", self.campaign.id)]), 1
        )

    def test_sms_step(self):
        step = self._step("sms")
        step.action_launch()
        self.assertEqual(step.mailing_id.mailing_type, "sms")
        with self.mockSMSGateway():
            step.mailing_id.action_send_sms()
            # Odoo queues the texts; its SMS cron sends them through the (mocked) gateway
            outgoing = self.env["sms.sms"].search([("mailing_id", "=", step.mailing_id.id)])
            self.assertEqual(len(outgoing), 3)
            outgoing.send()
        self.assertEqual(len(self._sms), 3)
        self.assertEqual({sms["body"] for sms in self._sms}, {"Spring offer for you"})
        self.assertEqual(step.sent, 3)

    def test_call_step_shares_calls_across_the_team(self):
        step = self._step("call")
        step.action_launch()
        activities = step.target_ids.activity_id
        self.assertEqual(len(activities), 3)
        self.assertEqual(set(activities.mapped("res_id")), set(self.vip.ids))
        per_caller = [len(activities.filtered(lambda a, u=user: a.user_id == u)) for user in self.callers]
        self.assertEqual(sorted(per_caller), [1, 2], "dealt in turn")
        activities[0].action_done()
        step.invalidate_recordset(["calls_done"])
        self.assertEqual(step.calls_done, 1)
        self.assertEqual(
            set(
                self.env["crm_ext.interaction"].search([("partner_id", "in", self.vip.ids)]).mapped("channel")
            ),
            {"phone"},
        )

    def test_bad_input_creates_nothing(self):
        empty = self.env["crm_ext.segment"].create(
            {"name": "Nobody (test)", "partner_domain": "[('id', '=', 0)]"}
        )
        self.campaign.segment_id = empty
        step = self._step("email")
        with self.assertRaises(UserError):
            step.action_launch()
        self.assertFalse(step.target_ids)
        self.assertEqual(step.state, "draft")
        self.campaign.segment_id = self.segment
        with self.assertRaises(UserError):
            self._step("email", subject=False).action_launch()
        with self.assertRaises(UserError):
            self._step("call", team_id=False).action_launch()
        with self.assertRaises(ValidationError):
            self.campaign.write({"date_start": "2026-05-01", "date_end": "2026-04-01"})

    def test_stop_cancels_pending_steps(self):
        first, second = self._step("email"), self._step("sms")
        first.action_launch()
        self.campaign.action_stop()
        self.assertEqual((first.state, second.state), ("launched", "cancelled"))
        with self.assertRaises(UserError):
            second.action_launch()

    def test_salespeople_read_campaigns_only(self):
        step = self._step("email")
        seller = self.callers[0]
        self.assertEqual(step.with_user(seller).name, "email step")
        with self.assertRaises(Exception):  # noqa: B017 - AccessError from the ORM
            step.with_user(seller).write({"name": "Renamed"})
