from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common_field_service import CrmExtFieldServiceCase


@tagged("post_install", "-at_install")
class TestTechnician(CrmExtFieldServiceCase):
    """Technicians see and work on their own field orders and read those orders' tickets only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.field_tech = new_test_user(
            cls.env, login="crm_ext_service_field_tech", groups="crm_ext_service.group_service_technician"
        )
        cls.other_tech = new_test_user(
            cls.env, login="crm_ext_service_other_tech", groups="crm_ext_service.group_service_technician"
        )
        Ticket = cls.env["crm_ext.ticket"]
        cls.my_ticket = Ticket.create(
            {"name": "Noisy pump (test)", "partner_id": cls.contact.id, "team_id": cls.team.id}
        )
        cls.other_ticket = Ticket.create(
            {"name": "Cold radiator (test)", "partner_id": cls.contact.id, "team_id": cls.team.id}
        )
        cls.unrelated_ticket = Ticket.create(
            {"name": "Billing question (test)", "partner_id": cls.contact.id}
        )
        FieldOrder = cls.env["crm_ext.field.order"]
        cls.my_order = FieldOrder.create(
            {
                "ticket_id": cls.my_ticket.id,
                "user_id": cls.field_tech.id,
                "scheduled_start": fields.Datetime.now(),
                "line_ids": [fields.Command.create({"product_id": cls.part.id, "quantity": 1})],
            }
        )
        cls.other_order = FieldOrder.create(
            {
                "ticket_id": cls.other_ticket.id,
                "user_id": cls.other_tech.id,
                "scheduled_start": fields.Datetime.now(),
            }
        )

    def test_sees_own_orders_and_their_tickets(self):
        env = self.env(user=self.field_tech)
        self.assertEqual(env["crm_ext.field.order"].search([]), self.my_order)
        self.assertEqual(env["crm_ext.ticket"].search([]), self.my_ticket)
        self.assertEqual(env["crm_ext.field.order.line"].search([]), self.my_order.line_ids)
        with self.assertRaises(AccessError):
            self.other_order.with_user(self.field_tech).read(["name"])
        with self.assertRaises(AccessError):
            self.unrelated_ticket.with_user(self.field_tech).read(["name"])
        # the ticket form opens (SLA lines, coverage, knowledge are readable)
        form = Form(self.my_ticket.with_user(self.field_tech))
        self.assertEqual(form.name, "Noisy pump (test)")

    def test_works_on_own_order_only(self):
        order = self.my_order.with_user(self.field_tech)
        order.action_schedule()
        order.action_start()
        order.write({"hours_worked": 1.5, "report": "<p>Replaced the valve</p>"})
        order.action_done()
        self.assertEqual(self.my_order.state, "done")
        self.assertEqual(self.my_order.picking_id.state, "done")
        with self.assertRaises(AccessError):
            self.other_order.with_user(self.field_tech).write({"hours_worked": 1})
        with self.assertRaises(AccessError):
            self.my_ticket.with_user(self.field_tech).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["crm_ext.ticket"].with_user(self.field_tech).create({"name": "New (test)"})
        with self.assertRaises(AccessError):
            self.env["crm_ext.field.order"].with_user(self.field_tech).create(
                {"ticket_id": self.my_ticket.id}
            )

    def test_agents_still_see_all_orders(self):
        orders = self.env["crm_ext.field.order"].with_user(self.agent).search([])
        self.assertIn(self.my_order, orders)
        self.assertIn(self.other_order, orders)
