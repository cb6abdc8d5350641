from odoo.tests import tagged

from .common import CrmExtServiceCase


@tagged("post_install", "-at_install")
class TestRating(CrmExtServiceCase):
    def _ticket(self, **values):
        return self.env["crm_ext.ticket"].create(
            {
                "name": "Rate me",
                "team_id": self.team.id,
                "partner_id": self.contact.id,
                "user_id": self.agent.id,
            }
            | values
        )

    def test_closing_sends_the_survey_and_ratings_feed_csat(self):
        template = self.env.ref("crm_ext_service.crm_ext_ticket_rating_request_template")
        self.assertEqual(self.stage_solved.rating_template_id, template)
        happy, unhappy, unrated = (
            self._ticket(),
            self._ticket(category_id=self.category_billing.id),
            self._ticket(),
        )
        self.assertFalse(happy.rating_ids, "no survey before closing")
        (happy | unhappy | unrated).stage_id = self.stage_solved
        for ticket in happy | unhappy | unrated:
            rating = ticket.rating_ids
            self.assertEqual(len(rating), 1, "one survey per closed ticket")
            self.assertEqual(rating.partner_id, self.contact)
            self.assertEqual(rating.rated_partner_id, self.agent.partner_id)
            link = f"/rate/{rating.access_token}/5"
            survey = ticket.message_ids.filtered(lambda m, link=link: link in (m.body or ""))
            self.assertEqual(len(survey), 1, "the survey with its rating links is in the chatter")
            self.assertIn(self.contact, survey.partner_ids)
        happy.rating_apply(5, token=happy.rating_ids.access_token, feedback="Quick and kind")
        unhappy.rating_apply(1, token=unhappy.rating_ids.access_token)
        self.assertEqual(happy.rating_last_value, 5)
        self.env.flush_all()
        Report = self.env["crm_ext.service.report"]
        rows = {
            row.ticket_id: row
            for row in Report.search([("ticket_id", "in", (happy | unhappy | unrated).ids)])
        }
        self.assertEqual((rows[happy].rating, rows[happy].csat), (5.0, 100.0))
        self.assertEqual((rows[unhappy].rating, rows[unhappy].csat), (1.0, 0.0))
        self.assertFalse(rows[unrated].rating)
        [(team, csat, rated)] = Report._read_group(
            [("ticket_id", "in", (happy | unhappy | unrated).ids), ("rating", ">", 0)],
            ["team_id"],
            ["csat:avg", "__count"],
        )
        self.assertEqual((team, csat, rated), (self.team, 50.0, 2), "the unrated ticket is left out")
        by_category = dict(
            Report._read_group([("ticket_id", "in", (happy | unhappy).ids)], ["category_id"], ["csat:avg"])
        )
        self.assertEqual(by_category[self.category_billing], 0.0)

    def test_stage_without_survey_and_ticket_without_customer(self):
        self.stage_solved.rating_template_id = False
        quiet = self._ticket()
        quiet.stage_id = self.stage_solved
        self.assertFalse(quiet.rating_ids)
        self.stage_solved.rating_template_id = self.env.ref(
            "crm_ext_service.crm_ext_ticket_rating_request_template"
        )
        anonymous = self._ticket(partner_id=False)
        anonymous.stage_id = self.stage_solved
        self.assertTrue(anonymous.is_closed)
        self.assertFalse(anonymous.rating_ids, "nobody to ask")
