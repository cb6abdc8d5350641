from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CrmExtServiceCase


@tagged("post_install", "-at_install")
class TestTicketLinks(CrmExtServiceCase):
    def test_ticket_from_opportunity(self):
        lead = self.env["crm.lead"].create(
            {"name": "Big desk order", "type": "opportunity", "partner_id": self.contact.id}
        )
        action = lead.action_new_ticket()
        self.assertEqual(action["res_model"], "crm_ext.ticket")
        with Form(self.env["crm_ext.ticket"].with_context(**action["context"])) as form:
            self.assertEqual(form.channel, "opportunity")
            self.assertEqual(form.partner_id, self.contact)
            self.assertEqual(form.lead_id, lead)
            form.name = "Delivery date question"
        ticket = form.save()
        self.assertEqual(lead.crm_ext_ticket_ids, ticket)
        self.assertEqual(lead.crm_ext_ticket_count, 1)
        self.assertEqual(self.env["crm_ext.ticket"].search(lead.action_view_tickets()["domain"]), ticket)

    def test_ticket_from_phone_interaction(self):
        interaction = self.env["crm_ext.interaction"].create(
            {
                "summary": "Customer called: the drawer is stuck",
                "channel": "phone",
                "direction": "inbound",
                "partner_id": self.contact.id,
                "note": "<p>Since yesterday.</p>",
            }
        )
        action = interaction.action_open_ticket()
        ticket = interaction.ticket_id
        self.assertEqual(action["res_id"], ticket.id)
        self.assertEqual(ticket.name, "Customer called: the drawer is stuck")
        self.assertEqual(ticket.channel, "phone")
        self.assertEqual(ticket.partner_id, self.contact)
        self.assertIn("Since yesterday", ticket.description)
        # a second click opens the same ticket
        self.assertEqual(interaction.action_open_ticket()["res_id"], ticket.id)
        self.assertEqual(self.env["crm_ext.ticket"].search_count([("partner_id", "=", self.contact.id)]), 1)
        self.assertEqual(ticket.crm_ext_interaction_count, 1)

    def test_partner_smart_button_rolls_up_to_company(self):
        other = self.env["res.partner"].create({"name": "Someone else"})
        self.env["crm_ext.ticket"].create(
            [
                {"name": "From the company", "partner_id": self.customer.id},
                {"name": "From the contact", "partner_id": self.contact.id},
                {"name": "Elsewhere", "partner_id": other.id},
            ]
        )
        partners = self.customer | self.contact | other
        partners.invalidate_recordset(["crm_ext_ticket_count"])
        with self.assertQueryCount(1):  # one grouped read for all three partners
            counts = [p.crm_ext_ticket_count for p in partners]
        self.assertEqual(counts, [2, 2, 1])
        action = self.contact.action_view_tickets()
        self.assertEqual(len(self.env["crm_ext.ticket"].search(action["domain"])), 2)


@tagged("post_install", "-at_install")
class TestTicketMerge(CrmExtServiceCase):
    def _wizard(self, tickets, **values):
        ctx = {"active_model": "crm_ext.ticket", "active_ids": tickets.ids}
        wizard = self.env["crm_ext.ticket.merge"].with_context(**ctx).create({})
        if values:
            wizard.write(values)
        return wizard

    def test_merge_moves_messages_attachments_followers(self):
        Ticket = self.env["crm_ext.ticket"]
        target, dup_1, dup_2 = Ticket.create(
            [
                {"name": "Leak", "partner_id": self.customer.id},
                {"name": "Leak again"},
                {"name": "Still leaking"},
            ]
        )
        dup_1.message_post(body="Photo of the leak", message_type="comment", subtype_xmlid="mail.mt_note")
        attachment = self.env["ir.attachment"].create(
            {"name": "leak.txt", "raw": b"drip", "res_model": "crm_ext.ticket", "res_id": dup_2.id}
        )
        dup_2.message_subscribe(partner_ids=self.contact.ids)
        wizard = self._wizard(target | dup_1 | dup_2)
        self.assertEqual(wizard.target_id, target, "the oldest ticket is kept by default")
        self.assertTrue(wizard.stage_id.is_closed)
        action = wizard.action_merge()
        self.assertEqual(action["res_id"], target.id)
        self.assertIn("Photo of the leak", "".join(target.message_ids.mapped("body")))
        self.assertEqual(attachment.res_id, target.id)
        self.assertIn(self.contact, target.message_partner_ids)
        for dup in dup_1 | dup_2:
            self.assertTrue(dup.is_closed)
            self.assertEqual(dup.merged_into_id, target)
            self.assertRegex(dup.message_ids[0].body, rf"data-oe-id=['\"]{target.id}['\"]")
        self.assertFalse(target.is_closed)
        self.assertIn("Merged from", target.message_ids[0].body)

    def test_bad_merges_are_refused(self):
        Ticket = self.env["crm_ext.ticket"]
        one, two = Ticket.create([{"name": "One"}, {"name": "Two"}])
        foreign = Ticket.with_company(self.other_company).create({"name": "Foreign"})
        outside = Ticket.create({"name": "Outside"})
        with self.assertRaisesRegex(UserError, "at least two"):
            self._wizard(one).action_merge()
        with self.assertRaisesRegex(UserError, "among the selected"):
            self._wizard(one | two, target_id=outside.id).action_merge()
        with self.assertRaisesRegex(UserError, "different companies"):
            self._wizard(one | foreign).action_merge()
        with self.assertRaisesRegex(UserError, "closing stage"):
            self._wizard(one | two, stage_id=self.stage_new.id).action_merge()
        self.assertFalse((one | two | foreign).filtered("is_closed"), "nothing was merged")

    def test_merge_of_two_customers_refused(self):
        """Another customer's messages, files and followers never land on a customer's ticket
        (the portal shows them): tickets of two commercial partners are not merged."""
        Ticket = self.env["crm_ext.ticket"]
        rival = self.env["res.partner"].create({"name": "Rival Customer (test)", "is_company": True})
        rival_contact = self.env["res.partner"].create(
            {"name": "Rival Contact (test)", "parent_id": rival.id, "email": "rival@example.com"}
        )
        mine = Ticket.create({"name": "Leak", "partner_id": self.contact.id})
        theirs = Ticket.create({"name": "Leak too", "partner_id": rival_contact.id})
        theirs.message_post(
            body="Rival's private reply", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        attachment = self.env["ir.attachment"].create(
            {"name": "rival.txt", "raw": b"rival", "res_model": "crm_ext.ticket", "res_id": theirs.id}
        )
        theirs.message_subscribe(partner_ids=rival_contact.ids)
        messages = theirs.message_ids
        with self.assertRaisesRegex(UserError, "different customers"):
            self._wizard(mine | theirs, target_id=mine.id).action_merge()
        self.assertEqual(theirs.message_ids, messages, "no message moved")
        self.assertEqual(attachment.res_id, theirs.id)
        self.assertNotIn(rival_contact, mine.message_partner_ids)
        self.assertFalse((mine | theirs).filtered("is_closed"))
        # two contacts of one company are one customer: they merge
        colleague = self.env["res.partner"].create(
            {"name": "Colleague (test)", "parent_id": self.customer.id}
        )
        again = Ticket.create({"name": "Leak, said a colleague", "partner_id": colleague.id})
        self._wizard(mine | again, target_id=mine.id).action_merge()
        self.assertEqual(again.merged_into_id, mine)

    def test_merge_keeps_other_customers_followers_out(self):
        """A ticket without a customer merges into a customer's ticket, but its followers from
        another customer do not follow the kept ticket."""
        Ticket = self.env["crm_ext.ticket"]
        stranger = self.env["res.partner"].create(
            {"name": "Stranger (test)", "email": "stranger@example.com"}
        )
        mine = Ticket.create({"name": "Leak", "partner_id": self.contact.id})
        loose = Ticket.create({"name": "Leak (forwarded)"})
        loose.message_subscribe(partner_ids=(stranger | self.contact | self.agent.partner_id).ids)
        self._wizard(mine | loose, target_id=mine.id).action_merge()
        self.assertEqual(loose.merged_into_id, mine)
        self.assertNotIn(stranger, mine.message_partner_ids)
        self.assertIn(self.contact, mine.message_partner_ids)
        self.assertIn(self.agent.partner_id, mine.message_partner_ids)
