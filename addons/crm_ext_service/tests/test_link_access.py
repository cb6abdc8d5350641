from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common_field_service import CrmExtFieldServiceCase


@tagged("post_install", "-at_install")
class TestLinkAccess(CrmExtFieldServiceCase):
    """Linking a record to a ticket the user may not read is refused (issue 13): record rules that
    follow the link (technicians read their field orders' tickets) must not open other tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.field_tech = new_test_user(
            cls.env, login="crm_ext_link_tech", groups="crm_ext_service.group_service_technician"
        )
        cls.other_tech = new_test_user(
            cls.env, login="crm_ext_link_other_tech", groups="crm_ext_service.group_service_technician"
        )
        Ticket = cls.env["crm_ext.ticket"]
        cls.my_ticket = Ticket.create(
            {"name": "Noisy pump (test)", "partner_id": cls.contact.id, "team_id": cls.team.id}
        )
        cls.second_ticket = Ticket.create(
            {"name": "Dripping tap (test)", "partner_id": cls.contact.id, "team_id": cls.team.id}
        )
        cls.foreign_ticket = Ticket.create(
            {
                "name": "Other team's secret (test)",
                "description": "<p>Internal: the customer owes us money</p>",
                "partner_id": cls.contact.id,
                "team_id": cls.other_team.id,
            }
        )
        cls.foreign_ticket.message_post(body="Internal note (test)", subtype_xmlid="mail.mt_note")
        FieldOrder = cls.env["crm_ext.field.order"]
        start = fields.Datetime.now()
        cls.my_order, cls.second_order, cls.foreign_order = FieldOrder.create(
            [
                {"ticket_id": cls.my_ticket.id, "user_id": cls.field_tech.id, "scheduled_start": start},
                {"ticket_id": cls.second_ticket.id, "user_id": cls.field_tech.id, "scheduled_start": start},
                {"ticket_id": cls.foreign_ticket.id, "user_id": cls.other_tech.id, "scheduled_start": start},
            ]
        )

    def _assert_cannot_read(self, user, ticket):
        with self.assertRaises(AccessError):
            ticket.with_user(user).read(["name", "description"])
        with self.assertRaises(AccessError):
            ticket.with_user(user).message_ids.read(["body"])
        self.assertNotIn(ticket, self.env["crm_ext.ticket"].with_user(user).search([]))

    def test_technician_cannot_point_an_order_at_a_foreign_ticket(self):
        self._assert_cannot_read(self.field_tech, self.foreign_ticket)
        with self.assertRaises(AccessError):
            self.my_order.with_user(self.field_tech).write({"ticket_id": self.foreign_ticket.id})
        self.assertEqual(self.my_order.ticket_id, self.my_ticket, "nothing was written")
        self._assert_cannot_read(self.field_tech, self.foreign_ticket)
        # moving an order between two tickets the technician reads stays possible
        self.my_order.with_user(self.field_tech).write({"ticket_id": self.second_ticket.id})
        self.assertEqual(self.my_order.ticket_id, self.second_ticket)

    def test_agent_cannot_reach_another_teams_ticket_through_field_orders(self):
        self._assert_cannot_read(self.agent, self.foreign_ticket)
        FieldOrder = self.env["crm_ext.field.order"].with_user(self.agent)
        with self.assertRaises(AccessError):
            FieldOrder.create({"ticket_id": self.foreign_ticket.id, "user_id": self.agent.id})
        # agents see every field order (planning), but cannot take one of a ticket they do not see
        with self.assertRaises(AccessError):
            self.foreign_order.with_user(self.agent).write({"user_id": self.agent.id})
        self.assertEqual(self.foreign_order.user_id, self.other_tech)
        with self.assertRaises(AccessError):
            self.my_order.with_user(self.agent).write({"ticket_id": self.foreign_ticket.id})
        self._assert_cannot_read(self.agent, self.foreign_ticket)
        # their own team's tickets: unchanged
        order = FieldOrder.create({"ticket_id": self.my_ticket.id, "user_id": self.agent.id})
        self.assertEqual(order.ticket_id, self.my_ticket)
        self.my_order.with_user(self.agent).write({"user_id": self.agent.id})
        self.assertEqual(self.my_order.user_id, self.agent)

    def test_agent_cannot_attach_a_return_line_to_another_teams_ticket(self):
        seller = new_test_user(
            self.env,
            login="crm_ext_link_selling_agent",
            groups="crm_ext_service.group_service_user,sales_team.group_sale_salesman_all_leads",
        )
        self.team.member_ids |= seller
        order = self._make_order([(self.part, 1)])
        values = {
            "sale_line_id": order.order_line.id,
            "reason_id": self.env.ref("crm_ext_service.return_reason_defective").id,
            "follow_up": "return",
        }
        ReturnLine = self.env["crm_ext.return.line"].with_user(seller)
        with self.assertRaises(AccessError):
            ReturnLine.create({**values, "ticket_id": self.foreign_ticket.id})
        line = ReturnLine.create({**values, "ticket_id": self.my_ticket.id})
        with self.assertRaises(AccessError):
            line.write({"ticket_id": self.foreign_ticket.id})
        self.assertEqual(line.ticket_id, self.my_ticket)
        self.assertFalse(self.foreign_ticket.return_line_ids)

    def test_related_fields_follow_only_readable_links(self):
        """What a field order shows of its ticket (equipment, customer) comes from a ticket the
        technician may read: the foreign ticket's equipment never reaches them."""
        boiler = self.env["crm_ext.equipment"].create(
            {"name": "Foreign boiler (test)", "partner_id": self.customer.id}
        )
        self.foreign_ticket.equipment_id = boiler
        with self.assertRaises(AccessError):
            self.my_order.with_user(self.field_tech).write(
                {"ticket_id": self.foreign_ticket.id, "line_ids": [Command.clear()]}
            )
        order = self.my_order.with_user(self.field_tech)
        self.assertFalse(order.equipment_id)
        self.assertEqual(
            self.env["crm_ext.field.order"].with_user(self.field_tech).search([]).ticket_id,
            self.my_ticket | self.second_ticket,
        )

    def test_interaction_links_only_readable_tickets(self):
        """An interaction shows its ticket's name to its readers: a salesman-agent links only a
        ticket of their own team, on create and on write (issue 13)."""
        seller = new_test_user(
            self.env,
            login="crm_ext_link_calling_agent",
            groups="crm_ext_service.group_service_user,crm_ext_sales.group_sales_user",
        )
        self.team.member_ids |= seller
        self._assert_cannot_read(seller, self.foreign_ticket)
        Interaction = self.env["crm_ext.interaction"].with_user(seller)
        values = {"summary": "Called about the pump (test)", "partner_id": self.contact.id}
        with self.assertRaises(AccessError):
            Interaction.create({**values, "ticket_id": self.foreign_ticket.id})
        interaction = Interaction.create({**values, "ticket_id": self.my_ticket.id})
        with self.assertRaises(AccessError):
            interaction.write({"ticket_id": self.foreign_ticket.id})
        self.assertEqual(interaction.ticket_id, self.my_ticket, "nothing was written")
        self.assertFalse(self.env["crm_ext.interaction"].search([("ticket_id", "=", self.foreign_ticket.id)]))
        # unlinking and moving between readable tickets stay possible
        interaction.write({"ticket_id": self.second_ticket.id})
        self.assertEqual(interaction.ticket_id, self.second_ticket)
        interaction.write({"ticket_id": False})
        self.assertFalse(interaction.ticket_id)
