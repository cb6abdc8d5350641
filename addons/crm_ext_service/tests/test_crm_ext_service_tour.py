from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestServiceTour(HttpCase):
    def test_ticket_tour(self):
        ticket = self.env.ref("crm_ext_service.crm_ext_ticket_1_demo")
        self.start_tour("/odoo", "crm_ext_service_tour", login="admin")
        ticket.invalidate_recordset()
        self.assertEqual(ticket.name, "Desk arrived scratched, edited by the tour")
        # the agent answered the customer, then closed the ticket
        self.assertTrue(ticket.is_closed)
        self.assertEqual(ticket.stage_id, self.env.ref("crm_ext_service.ticket_stage_solved"))
        self.assertTrue(ticket.closed_date)
        self.assertTrue(ticket.first_response_date)
        self.assertTrue(
            any(
                "We are sending a new desk top this week." in body
                for body in ticket.message_ids.mapped("body")
            )
        )
        self.assertEqual(ticket.team_id, self.env.ref("crm_ext_service.service_team_care_demo"))
        self.assertIn(
            self.env.ref("crm_ext_service.sla_policy_first_response_demo"), ticket.sla_ids.policy_id
        )

    def test_field_order_tour(self):
        ticket = self.env.ref("crm_ext_service.crm_ext_ticket_4_demo")
        before = ticket.field_order_ids
        self.start_tour(
            f"/odoo/action-crm_ext_service.crm_ext_ticket_action/{ticket.id}",
            "crm_ext_service_field_order_tour",
            login="admin",
        )
        order = ticket.field_order_ids - before
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "in_progress")
        self.assertEqual(order.user_id, self.env.ref("base.user_admin"))
        self.assertEqual(order.line_ids.product_id, self.env.ref("crm_ext_service.product_part_demo"))
        self.assertEqual(order.picking_id.state, "assigned")
