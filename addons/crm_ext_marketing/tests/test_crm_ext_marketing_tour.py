from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestMarketingTour(HttpCase):
    def test_segment_tour(self):
        segment = self.env.ref("crm_ext_marketing.crm_ext_segment_companies_demo")
        sizes_before = len(segment.history_ids)
        self.start_tour("/odoo", "crm_ext_marketing_tour", login="admin")
        segment.invalidate_recordset()
        self.assertEqual(segment.name, "Business customers, edited by the tour")
        # the tour refreshed the segment: one more dated size, members stored
        self.assertEqual(len(segment.history_ids), sizes_before + 1)
        self.assertTrue(segment.last_refresh_date)
        self.assertEqual(segment.member_count, len(segment.member_ids))
