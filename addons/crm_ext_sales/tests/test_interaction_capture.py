import base64

from odoo.tests import tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestInteractionCapture(CrmExtSalesCase):
    def test_emails_are_logged_notes_are_not(self):
        Interaction = self.env["crm_ext.interaction"]
        lead = self.opportunity
        lead.message_post(
            body="<p>Our offer</p>", subject="Offer", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        lead.message_post(body="<p>internal</p>", message_type="comment", subtype_xmlid="mail.mt_note")
        lead.message_post(
            body="<p>Can you do 10% off?</p>",
            subject="Re: Offer",
            message_type="email",
            author_id=self.contact.id,
            subtype_xmlid="mail.mt_comment",
        )
        logged = Interaction.search([("lead_id", "=", lead.id)], order="id")
        self.assertEqual(logged.mapped("channel"), ["email", "email"])
        self.assertEqual(logged.mapped("direction"), ["outbound", "inbound"])
        self.assertEqual(logged.mapped("summary"), ["Offer", "Re: Offer"])
        self.assertEqual(logged.partner_id, self.contact)
        self.assertTrue(all(logged.mapped("message_id")))

        self.customer.message_post(
            body="<p>Hello</p>", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        on_partner = Interaction.search([("partner_id", "=", self.customer.id), ("lead_id", "=", False)])
        self.assertEqual(len(on_partner), 1)
        self.assertEqual(on_partner.summary, self.customer.display_name)

    def test_done_calls_and_meetings_are_logged(self):
        call = self.env.ref("mail.mail_activity_data_call")
        todo = self.env.ref("mail.mail_activity_data_todo")
        activities = self.env["mail.activity"].create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.opportunity.id,
                    "activity_type_id": call.id,
                    "summary": "Call back about delivery",
                    "user_id": self.sales_user.id,
                },
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.customer.id,
                    "activity_type_id": todo.id,
                    "summary": "Prepare a file",
                },
            ]
        )
        activities.action_feedback(feedback="Agreed on Friday")
        logged = self.env["crm_ext.interaction"].search([("lead_id", "=", self.opportunity.id)])
        self.assertEqual(len(logged), 1, "a to-do is not an interaction")
        self.assertEqual(
            (logged.channel, logged.summary, logged.outcome, logged.user_id),
            ("phone", "Call back about delivery", "done", self.sales_user),
        )
        self.assertIn("Agreed on Friday", logged.note)


@tagged("post_install", "-at_install")
class TestInteractionImport(CrmExtSalesCase):
    def _import(self, text, skip=False):
        wizard = self.env["crm_ext.interaction.import"].create(
            {"file": base64.b64encode(text.encode()), "filename": "calls.csv", "skip_bad_rows": skip}
        )
        wizard.action_import()
        return wizard

    def test_good_file_is_imported(self):
        self.contact.email = "ann@azure.example.com"
        wizard = self._import(
            "date,channel,partner,summary,direction,duration,opportunity\n"
            "2026-01-05 10:00,phone,ann@azure.example.com,First call,inbound,0.25,Azure chairs\n"
            "2026-01-06,Face-to-face,Azure Test Co,Visit,,1.5,\n"
        )
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("done", 2, 0))
        logged = self.env["crm_ext.interaction"].search([("commercial_partner_id", "=", self.customer.id)])
        self.assertEqual(sorted(logged.mapped("channel")), ["meeting", "phone"])
        self.assertEqual(logged.filtered(lambda i: i.channel == "phone").lead_id, self.opportunity)

    def test_bad_rows_reject_the_whole_file(self):
        bad = (
            "date,channel,partner,summary\n"
            "2026-01-05,phone,Azure Test Co,Fine\n"
            "2026-01-05,pigeon,Azure Test Co,Bad channel\n"
            "yesterday,phone,Azure Test Co,Bad date\n"
            "2026-01-05,phone,Nobody Known,Unknown partner\n"
        )
        wizard = self._import(bad)
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("rejected", 0, 3))
        self.assertIn("Row 3: bad channel “pigeon”", wizard.report)
        self.assertIn("Row 4: bad date “yesterday”", wizard.report)
        self.assertIn("Row 5: unknown or ambiguous partner “Nobody Known”", wizard.report)
        self.assertFalse(self.env["crm_ext.interaction"].search([("summary", "=", "Fine")]))

        wizard = self._import(bad, skip=True)
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("done", 1, 3))
        self.assertTrue(self.env["crm_ext.interaction"].search([("summary", "=", "Fine")]))

    def test_missing_columns_are_a_clear_error(self):
        from odoo.exceptions import UserError

        with self.assertRaisesRegex(UserError, "lacks the column"):
            self._import("when,partner\n2026-01-01,Azure Test Co\n")
