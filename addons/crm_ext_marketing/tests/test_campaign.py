from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tests.common import freeze_time

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
            {"title": "Spring (test)", "crm_ext_segment_id": cls.segment.id}
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
        self.assertEqual(self.campaign.crm_ext_state, "running")
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

    def test_personalised_email_with_recommended_products(self):
        body = (
            "<p>Dear <t t-out='object.name'/>,</p>"
            "<ul><t t-foreach='object.crm_ext_recommended_product_ids' t-as='product'>"
            "<li class='reco'><t t-out='product.display_name'/></li></t></ul>"
        )
        step = self._step("email", subject="Spring for {{ object.name }}", body_html=body)
        step.action_launch()
        product = self.env["product.product"].create({"name": "Recommended Widget (test)"})
        first = self.vip[0]
        ResPartner = type(self.env["res.partner"])
        original = ResPartner._crm_ext_recommended_products

        def recommend(partner, limit=5):
            # crm_ext_analytics' hook, simulated: the first customer gets a product
            return product if partner == first else original(partner, limit=limit)

        with (
            self.mock_mail_gateway(mail_unlink_sent=False),
            patch.object(ResPartner, "_crm_ext_recommended_products", recommend),
        ):
            step.mailing_id.action_send_mail()
        by_recipient = {mail["email_to"][0]: mail for mail in self._mails}
        for partner in self.vip:
            mail = by_recipient[partner.email_formatted]
            self.assertEqual(mail["subject"], f"Spring for {partner.name}")
            self.assertIn(f"Dear {partner.name},", mail["body"])
            self.assertEqual("Recommended Widget (test)" in mail["body"], partner == first)

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
        for target in step.target_ids:
            self.assertEqual(
                target.activity_id.res_id, target.partner_id.id, "each target holds its own call"
            )
        per_caller = [len(activities.filtered(lambda a, u=user: a.user_id == u)) for user in self.callers]
        self.assertEqual(sorted(per_caller), [1, 2], "dealt in turn")
        first_target = step.target_ids.filtered(lambda t: t.activity_id == activities[0])
        activities[0].action_done()
        step.invalidate_recordset(["calls_done"])
        self.assertEqual(step.calls_done, 1)
        # the call's outcome: reached when done; the caller records the others by hand
        self.assertEqual(first_target.call_outcome, "done")
        self.assertTrue(first_target.call_date)
        (step.target_ids - first_target)[0].call_outcome = "no_answer"
        self.assertEqual((step.calls_reached, step.calls_no_answer, step.calls_follow_up), (1, 1, 0))
        self.assertEqual(step.calls_done, 2)
        self.env.flush_all()
        funnel = self.env["crm_ext.campaign.funnel.report"]._read_group(
            [("step_id", "=", step.id)], [], ["call_done:sum", "responded:sum"]
        )
        self.assertEqual(funnel, [(2, 1)], "two calls had an outcome; an unanswered call is no response")
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
        self.campaign.crm_ext_segment_id = empty
        step = self._step("email")
        with self.assertRaises(UserError):
            step.action_launch()
        self.assertFalse(step.target_ids)
        self.assertEqual(step.state, "draft")
        self.campaign.crm_ext_segment_id = self.segment
        with self.assertRaises(UserError):
            self._step("email", subject=False).action_launch()
        with self.assertRaises(UserError):
            self._step("call", team_id=False).action_launch()
        with self.assertRaises(ValidationError):
            self.campaign.write({"crm_ext_date_start": "2026-05-01", "crm_ext_date_end": "2026-04-01"})

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
        with self.assertRaises(AccessError):
            step.with_user(seller).write({"name": "Renamed"})


@tagged("post_install", "-at_install")
class TestJourney(CrmExtMarketingCase, MassMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for i, partner in enumerate(cls.vip):
            partner.email = f"journey{i}@customer.example.com"
        cls.segment = cls.env["crm_ext.segment"].create(
            {"name": "Journey VIP (test)", "partner_domain": repr([("category_id", "in", cls.tag.ids)])}
        )
        cls.segment.action_refresh_members()
        cls.campaign = cls.env["utm.campaign"].create(
            {"title": "Journey (test)", "crm_ext_segment_id": cls.segment.id}
        )
        Step = cls.env["crm_ext.campaign.step"]
        cls.first = Step.create(
            {"campaign_id": cls.campaign.id, "name": "Invite", "sequence": 1, "channel": "email",
             "subject": "Spring invitation", "body_html": "<p>Come and see <a href='https://example.com/spring'>us</a></p>"}
        )  # fmt: skip
        cls.clicked = Step.create(
            {"campaign_id": cls.campaign.id, "name": "Thanks for clicking", "sequence": 2, "channel": "email",
             "subject": "Your spring offer", "body_html": "<p>Here is your offer</p>",
             "condition_step_id": cls.first.id, "condition": "clicked", "delay_hours": 24}
        )  # fmt: skip
        cls.not_opened = Step.create(
            {"campaign_id": cls.campaign.id, "name": "Reminder", "sequence": 3, "channel": "email",
             "subject": "Did you miss it?", "body_html": "<p>Reminder</p>",
             "condition_step_id": cls.first.id, "condition": "not_opened", "delay_hours": 24}
        )  # fmt: skip

    def test_two_step_journey_end_to_end(self):
        opener, clicker, silent = self.vip
        with freeze_time("2026-04-01 09:00"):
            self.first.action_launch()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                self.first.mailing_id.action_send_mail()
        traces = self.first.mailing_id.mailing_trace_ids
        self.assertEqual(len(traces), 3)
        trace = {t.res_id: t for t in traces}
        trace[opener.id].set_opened()
        trace[clicker.id].set_opened()
        trace[clicker.id].set_clicked()
        Step = self.env["crm_ext.campaign.step"]
        with freeze_time("2026-04-01 20:00"):
            self.assertEqual(Step._cron_advance_journeys(), 0, "the delay has not passed")
        self.assertEqual(self.clicked.state, "draft")
        with freeze_time("2026-04-02 10:00"), self.mock_mail_gateway(mail_unlink_sent=False):
            self.assertEqual(Step._cron_advance_journeys(), 2)
            (self.clicked | self.not_opened).mailing_id.action_send_mail()
            sent_to = {mail["email_to"][0] for mail in self._mails}
        self.assertEqual(
            self.clicked.target_ids.filtered(lambda t: t.state == "processed").partner_id, clicker
        )
        self.assertEqual(
            self.clicked.target_ids.filtered(lambda t: t.state == "skipped").partner_id, opener | silent
        )
        self.assertEqual((self.clicked.processed_count, self.clicked.skipped_count), (1, 2))
        self.assertEqual(
            self.not_opened.target_ids.filtered(lambda t: t.state == "processed").partner_id, silent
        )
        self.assertEqual(sent_to, {clicker.email_formatted, silent.email_formatted})
        # the cron again: every step is launched, nobody is processed twice
        with freeze_time("2026-04-03 10:00"):
            self.assertEqual(Step._cron_advance_journeys(), 0)
        self.assertEqual(len(self.clicked.target_ids), 3)
        self.assertEqual(
            self.env["mailing.mailing"].search_count([("campaign_id", "=", self.campaign.id)]), 3
        )

    def test_condition_must_refer_to_an_earlier_step(self):
        with self.assertRaises(ValidationError):
            self.first.write({"condition_step_id": self.clicked.id, "condition": "opened"})
        with self.assertRaises(ValidationError):
            self.env["crm_ext.campaign.step"].create(
                {"campaign_id": self.campaign.id, "name": "No base", "channel": "sms", "body_plaintext": "x",
                 "condition": "opened"}
            )  # fmt: skip
        other = self.env["utm.campaign"].create({"title": "Other (test)"})
        with self.assertRaises(ValidationError):
            self.env["crm_ext.campaign.step"].create(
                {"campaign_id": other.id, "name": "Elsewhere", "sequence": 9, "channel": "sms",
                 "body_plaintext": "x", "condition_step_id": self.first.id}
            )  # fmt: skip

    def test_stopping_the_campaign_stops_pending_steps(self):
        self.first.action_launch()
        self.campaign.action_stop()
        with freeze_time("2026-12-31"):
            self.assertEqual(self.env["crm_ext.campaign.step"]._cron_advance_journeys(), 0)
        self.assertEqual((self.clicked.state, self.not_opened.state), ("cancelled", "cancelled"))


@tagged("post_install", "-at_install")
class TestCampaignFormForOdooUsers(CrmExtMarketingCase):
    def test_mass_mailing_user_opens_a_campaign(self):
        """A mass-mailing user without crm_ext's groups opens campaigns as in Odoo: the form's
        crm_ext parts (steps, budget, segment) are left out, not refused with an AccessError
        (issue 14: Odoo's mailing_campaign tour)."""
        mailer = new_test_user(
            self.env, login="crm_ext_mailer", groups="base.group_user,mass_mailing.group_mass_mailing_user"
        )
        campaign = self.env["utm.campaign"].create({"title": "Newsletter (test)"})
        self.env["crm_ext.campaign.step"].create(
            {"campaign_id": campaign.id, "name": "Mail", "channel": "email"}
        )
        form = Form(campaign.with_user(mailer))
        self.assertEqual(form.title, "Newsletter (test)")
