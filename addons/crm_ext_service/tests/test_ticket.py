from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users

from .common import CrmExtServiceCase


@tagged("post_install", "-at_install")
class TestTicket(CrmExtServiceCase):
    @users("crm_ext_service_agent")
    def test_number_stage_and_closing(self):
        tickets = self.env["crm_ext.ticket"].create(
            [{"name": "Broken leg", "partner_id": self.customer.id}, {"name": "Noise"}]
        )
        first, second = tickets
        self.assertTrue(first.number.startswith("TCK/"))
        self.assertNotEqual(first.number, second.number)
        self.assertEqual(first.stage_id, self.stage_new)
        self.assertFalse(first.is_closed)
        first.stage_id = self.stage_solved
        self.assertTrue(first.is_closed)
        self.assertIn(first.number, first.display_name)
        found = self.env["crm_ext.ticket"].name_search(first.number)
        self.assertEqual([r[0] for r in found], [first.id])

    @users("crm_ext_service_agent")
    def test_agent_cannot_delete_or_edit_stages(self):
        ticket = self.env["crm_ext.ticket"].create({"name": "Leak"})
        with self.assertRaises(AccessError):
            ticket.unlink()
        with self.assertRaises(AccessError):
            self.env["crm_ext.ticket.stage"].create({"name": "Mine"})

    def test_customer_of_other_company_refused(self):
        foreign = self.env["res.partner"].create({"name": "Foreign", "company_id": self.other_company.id})
        with self.assertRaisesRegex(ValidationError, "its customer belongs to"):
            self.env["crm_ext.ticket"].create({"name": "Wrong", "partner_id": foreign.id})

    @users("crm_ext_service_agent")
    def test_company_isolation(self):
        Ticket = self.env["crm_ext.ticket"]
        mine = Ticket.create({"name": "Main company"})
        other = Ticket.with_company(self.other_company).create({"name": "Other company"})
        visible = Ticket.with_context(allowed_company_ids=[self.company.id]).search(
            [("id", "in", (mine | other).ids)]
        )
        self.assertEqual(visible, mine)

    def test_kanban_shows_every_stage(self):
        groups = self.env["crm_ext.ticket"].web_read_group([("id", "=", 0)], ["stage_id"], ["stage_id"])[
            "groups"
        ]
        stages = self.env["crm_ext.ticket.stage"].search([])
        self.assertEqual(len(groups), len(stages))
