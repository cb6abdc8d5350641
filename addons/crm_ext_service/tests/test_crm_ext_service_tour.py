from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestServiceTour(HttpCase):
    def test_ticket_tour(self):
        ticket = self.env.ref("crm_ext_service.crm_ext_ticket_1_demo")
        self.start_tour("/odoo", "crm_ext_service_tour", login="admin")
        ticket.invalidate_recordset()
        self.assertEqual(ticket.name, "Desk arrived scratched, edited by the tour")
        self.assertEqual(ticket.team_id, self.env.ref("crm_ext_service.service_team_care_demo"))
        self.assertIn(
            self.env.ref("crm_ext_service.sla_policy_first_response_demo"), ticket.sla_ids.policy_id
        )
