from odoo.tests import tagged

from odoo.addons.mail.tests.common import MailCommon

RAW_EMAIL = """Return-Path: {return_path}
To: {to}
cc: {cc}
Received: by mail1.example.com (Postfix, from userid 10002)
    id 5DF9ABFB2A; Fri, 10 Aug 2012 16:16:39 +0200 (CEST)
From: {email_from}
Subject: {subject}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: Fri, 10 Aug 2012 14:16:26 +0000
Message-ID: {msg_id}
{extra}
The coffee machine leaks on the counter.
"""


@tagged("post_install", "-at_install")
class TestTicketMailGateway(MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm_ext.service.team"].create(
            {"name": "Mail team (test)", "alias_name": "care-test", "user_id": cls.user_employee.id}
        )

    def test_mail_to_alias_creates_ticket_and_reply_threads(self):
        alias_email = self.team.alias_id.display_name
        self.assertEqual(alias_email, f"care-test@{self.alias_domain}")
        with self.mock_mail_gateway():
            ticket = self.format_and_process(
                RAW_EMAIL,
                "Rita Customer <rita@customer.example.com>",
                alias_email,
                subject="Coffee machine leaks",
                msg_id="<first-mail@customer.example.com>",
                target_model="crm_ext.ticket",
            )
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.company_id, self.team.company_id)
        self.assertEqual(ticket.partner_id.email, "rita@customer.example.com")
        self.assertIn(ticket.partner_id, ticket.message_partner_ids)
        self.assertIn("leaks on the counter", ticket.description)
        self.assertTrue(ticket.number.startswith("TCK/"))
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.message_type == "email")), 1)

        with self.mock_mail_gateway():
            self.format_and_process(
                RAW_EMAIL,
                "Rita Customer <rita@customer.example.com>",
                alias_email,
                subject="Re: Coffee machine leaks",
                msg_id="<second-mail@customer.example.com>",
                extra="In-Reply-To: <first-mail@customer.example.com>",
                target_model="crm_ext.ticket",
            )
        self.assertEqual(self.env["crm_ext.ticket"].search_count([("team_id", "=", self.team.id)]), 1)
        emails = ticket.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(emails), 2, "the reply is threaded onto the ticket")
        self.assertIn("Re: Coffee machine leaks", emails.mapped("subject"))
