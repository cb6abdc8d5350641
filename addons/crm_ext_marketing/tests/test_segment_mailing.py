from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import CrmExtMarketingCase


@tagged("post_install", "-at_install")
class TestSegmentMailing(CrmExtMarketingCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vip.write({"email": False})
        for i, partner in enumerate(cls.vip):
            partner.email = f"vip{i}@example.com"
        cls.outsider = cls.env["res.partner"].create({"name": "Not a VIP", "email": "out@example.com"})
        cls.segment = cls.env["crm_ext.segment"].create(
            {"name": "VIPs", "partner_domain": f"[('category_id', 'in', [{cls.tag.id}])]"}
        )
        cls.segment.action_refresh_members()

    def test_mailing_targets_segment_members(self):
        with Form(self.env["mailing.mailing"]) as form:
            form.subject = "Offer for our VIPs"
            form.crm_ext_segment_id = self.segment
            self.assertEqual(form.mailing_model_id.model, "res.partner")
        mailing = form.save()
        self.assertIn("crm_ext_segment_ids", mailing.mailing_domain)
        self.assertEqual(set(mailing._get_recipients()), set(self.vip.ids))
        mailing.body_html = "<p>Hello</p>"
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        traces = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        self.assertEqual(set(traces.mapped("res_id")), set(self.vip.ids))
        self.assertEqual(set(traces.mapped("email")), {f"vip{i}@example.com" for i in range(3)})

    def test_recipients_follow_refresh(self):
        mailing = self.env["mailing.mailing"].create(
            {"subject": "VIP news", "crm_ext_segment_id": self.segment.id}
        )
        self.assertEqual(mailing.mailing_model_id.model, "res.partner")
        self.outsider.category_id = self.tag
        self.assertNotIn(self.outsider.id, mailing._get_recipients())
        self.segment.action_refresh_members()
        self.assertIn(self.outsider.id, mailing._get_recipients())

    def test_segment_needs_contacts(self):
        mailing = self.env["mailing.mailing"].create(
            {"subject": "Leads", "crm_ext_segment_id": self.segment.id}
        )
        with self.assertRaisesRegex(ValidationError, "must be contacts"):
            mailing.mailing_model_id = self.env["ir.model"]._get("crm.lead")
