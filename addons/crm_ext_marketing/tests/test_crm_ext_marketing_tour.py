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

    def test_campaign_tour(self):
        """A segment, a campaign with an e-mail step, launched, then its funnel."""
        self.start_tour(
            "/odoo/action-crm_ext_marketing.crm_ext_segment_action",
            "crm_ext_marketing_campaign_tour",
            login="admin",
        )
        segment = self.env["crm_ext.segment"].search([("name", "=", "Tour segment")])
        self.assertTrue(segment.member_ids)
        campaign = self.env["utm.campaign"].search([("title", "=", "Tour campaign")])
        self.assertEqual(campaign.crm_ext_segment_id, segment)
        step = campaign.crm_ext_step_ids
        self.assertEqual((step.name, step.channel, step.state), ("Tour e-mail", "email", "launched"))
        self.assertEqual(step.mailing_id.state, "in_queue")
        self.assertEqual(set(step.target_ids.partner_id.ids), set(segment.member_ids.ids))
        self.assertIn("Our news for you.", step.body_html)
