from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged, users
from odoo.tools import SQL

from ..models.crm_lead import DUPLICATE_INDEXES
from .common import CrmExtMarketingCase


@tagged("post_install", "-at_install")
class TestLeadDuplicates(CrmExtMarketingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.email_a = Lead.create({"name": "Email A (test)", "email_from": "John.Smith@Example.com"})
        cls.email_b = Lead.create({"name": "Email B (test)", "email_from": '"John" <john.smith@example.com>'})
        cls.phone_a = Lead.create({"name": "Phone A (test)", "phone": "+32 470 12 34 56"})
        cls.phone_b = Lead.create({"name": "Phone B (test)", "phone": "+32470123456"})
        cls.company_a = Lead.create({"name": "Company A (test)", "partner_name": "ACME, Inc."})
        cls.company_b = Lead.create({"name": "Company B (test)", "partner_name": "acme inc"})
        cls.alone = Lead.create(
            {
                "name": "Alone (test)",
                "email_from": "alone@example.com",
                "partner_name": "Lonely Ltd",
                "phone": "+1 555",
            }
        )

    def test_duplicates_on_normalised_email_phone_company(self):
        pairs = [(self.email_a, self.email_b), (self.phone_a, self.phone_b), (self.company_a, self.company_b)]
        for first, second in pairs:
            with self.subTest(lead=first.name):
                self.assertEqual(first.duplicate_lead_count, 1)
                self.assertEqual(second.duplicate_lead_count, 1)
                action = first.action_view_duplicate_leads()
                self.assertEqual(self.env["crm.lead"].search(action["domain"]), first | second)
        self.assertEqual(self.alone.duplicate_lead_count, 0)

    def test_duplicate_lookups_use_their_indexes(self):
        """Each key's lookup goes through the index of the same expression (an OR of the three
        read every lead: 200 ms a form at 170,000 leads): the query and the indexes agree."""
        captured = []
        original = type(self.env.cr).execute

        def capture(cr, query, params=None, log_exceptions=True):
            if "JOIN crm_lead o" in str(query):
                captured.append(query)
            return original(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", capture):
            self.email_a._crm_ext_duplicate_map()
        self.assertEqual(len(captured), 1)
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(SQL("EXPLAIN %s", captured[0]))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("SET LOCAL enable_seqscan = on")
        for index in DUPLICATE_INDEXES:
            self.assertIn(index, plan)

    def test_merge_uses_odoo_wizard(self):
        action = self.email_a.action_merge_duplicate_leads()
        self.assertEqual(action["res_model"], "crm.merge.opportunity")
        wizard = Form(self.env["crm.merge.opportunity"].with_context(**action["context"])).save()
        self.assertEqual(wizard.opportunity_ids, self.email_a | self.email_b)
        wizard.action_merge()
        survivors = (self.email_a | self.email_b).exists()
        self.assertEqual(len(survivors), 1)
        self.assertEqual(survivors.duplicate_lead_count, 0)


@tagged("post_install", "-at_install")
class TestLeadScoring(CrmExtMarketingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only this test's rules count
        cls.env["crm_ext.lead.scoring.rule"].search([]).active = False
        Rule = cls.env["crm_ext.lead.scoring.rule"]
        Rule.create(
            [
                {
                    "name": "Company (test)",
                    "rule_type": "domain",
                    "lead_domain": "[('partner_name', '!=', False)]",
                    "points": 10,
                },
                {"name": "Opened (test)", "rule_type": "opened", "points": 15},
                {"name": "Clicked (test)", "rule_type": "clicked", "points": 20},
                {"name": "Replied (test)", "rule_type": "replied", "points": 30},
                {"name": "Web (test)", "rule_type": "web_visit", "points": 25},
                {
                    "name": "Gmail (test)",
                    "rule_type": "domain",
                    "lead_domain": "[('email_from', 'ilike', 'gmail')]",
                    "points": -5,
                },
            ]
        )
        Lead = cls.env["crm.lead"]
        cls.plain = Lead.create({"name": "Plain (test)", "type": "lead"})
        cls.company_lead = Lead.create({"name": "Company (test)", "type": "lead", "partner_name": "Big Co"})
        cls.engaged = Lead.create(
            {
                "name": "Engaged (test)",
                "type": "lead",
                "partner_name": "Engaged Co",
                "email_from": "x@gmail.com",
            }
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "Web visitor (test)", "email": "web@example.com"}
        )
        cls.web = Lead.create({"name": "Web (test)", "type": "lead", "partner_id": cls.partner.id})
        now = fields.Datetime.now()
        cls.env["mailing.trace"].create(
            [
                {"model": "crm.lead", "res_id": cls.engaged.id, "email": "x@gmail.com", "open_datetime": now,
                 "links_click_datetime": now},
                # a reply to a mailing sent to the customer of the lead counts for the lead
                {"model": "res.partner", "res_id": cls.partner.id, "email": "web@example.com",
                 "open_datetime": now, "reply_datetime": now},
            ]
        )  # fmt: skip
        cls.env["crm_ext.interaction"].create(
            {"summary": "Form (test)", "channel": "web", "direction": "inbound", "lead_id": cls.web.id}
        )
        cls.leads = cls.plain | cls.company_lead | cls.engaged | cls.web

    def test_scores(self):
        self.env["crm_ext.lead.scoring.rule"]._recompute_lead_scores(self.leads)
        self.assertEqual(self.plain.crm_ext_lead_score, 0)
        self.assertEqual(self.company_lead.crm_ext_lead_score, 10)
        self.assertEqual(self.engaged.crm_ext_lead_score, 10 + 15 + 20 - 5)
        self.assertEqual(self.web.crm_ext_lead_score, 15 + 30 + 25)
        # the button on leads recomputes the selected ones only
        self.company_lead.partner_name = False
        self.company_lead.action_recompute_lead_score()
        self.assertEqual(self.company_lead.crm_ext_lead_score, 0)

    def test_bad_scoring_domain_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.env["crm_ext.lead.scoring.rule"].create(
                {"name": "Bad", "lead_domain": "[('no_such_field', '=', 1)]"}
            )

    def test_threshold_converts_and_assigns(self):
        team = self.env["crm.team"].create({"name": "Qualified team (test)"})
        sellers = [
            new_test_user(self.env, login=f"crm_ext_seller_{i}", groups="sales_team.group_sale_salesman")
            for i in range(2)
        ]
        team.member_ids = [fields.Command.set([s.id for s in sellers])]
        self.leads.write({"team_id": team.id, "user_id": False})
        self.company.crm_ext_qualification_threshold = 40
        self.env["crm_ext.lead.scoring.rule"]._recompute_lead_scores(self.leads)
        converted = self.env["crm.lead"]._crm_ext_qualify_leads()
        self.assertEqual(converted & self.leads, self.engaged | self.web)
        self.assertEqual(set((self.engaged | self.web).mapped("type")), {"opportunity"})
        self.assertEqual(set((self.plain | self.company_lead).mapped("type")), {"lead"})
        # round robin over the team's members: one each
        self.assertEqual(set((self.engaged | self.web).mapped("user_id").ids), {s.id for s in sellers})
        self.assertEqual(self.web.partner_id, self.partner)

    def test_threshold_zero_is_off_and_negative_refused(self):
        self.company.crm_ext_qualification_threshold = 0
        self.env["crm_ext.lead.scoring.rule"]._recompute_lead_scores(self.leads)
        self.assertFalse(self.env["crm.lead"]._crm_ext_qualify_leads())
        self.assertEqual(set(self.leads.mapped("type")), {"lead"})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["res.config.settings"].create({"crm_ext_qualification_threshold": -1})

    def test_threshold_in_settings(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.crm_ext_qualification_threshold = 55
        self.assertEqual(self.company.crm_ext_qualification_threshold, 55)

    def test_cron_scores_and_qualifies(self):
        self.company.crm_ext_qualification_threshold = 60
        self.env["crm_ext.lead.scoring.rule"]._cron_score_and_qualify()
        self.assertEqual(self.web.crm_ext_lead_score, 70)
        self.assertEqual(self.web.type, "opportunity")
        self.assertEqual(self.engaged.type, "lead")

    @users("crm_ext_marketer")
    def test_only_managers_run_the_button(self):
        with self.assertRaises(AccessError):
            self.env["crm_ext.lead.scoring.rule"].action_score_and_qualify()

    @users("crm_ext_marketing_manager")
    def test_manager_runs_the_button(self):
        self.company.sudo().crm_ext_qualification_threshold = 60
        action = self.env["crm_ext.lead.scoring.rule"].action_score_and_qualify()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.web.sudo().type, "opportunity")
