from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestSalesTour(HttpCase):
    def test_interaction_tour(self):
        interaction = self.env.ref("crm_ext_sales.crm_ext_interaction_1_demo")
        self.start_tour("/odoo", "crm_ext_sales_tour", login="admin")
        interaction.invalidate_recordset()
        self.assertEqual(interaction.summary, "Discovery call, edited by the tour")
