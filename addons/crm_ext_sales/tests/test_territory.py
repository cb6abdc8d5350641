from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestTerritory(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("base.us")
        cls.california = cls.env.ref("base.state_us_5")
        cls.be = cls.env.ref("base.be")
        cls.team_west = cls.env["crm.team"].create({"name": "West (test)"})
        cls.team_europe = cls.env["crm.team"].create({"name": "Europe (test)"})
        cls.industry = cls.env["res.partner.industry"].create({"name": "Furniture retail (test)"})
        # routing is a setting, off by default; Odoo's rule-based assignment off
        cls.params = cls.env["ir.config_parameter"]
        cls.params.set_param("crm_ext_sales.territory_routing", True)
        cls.params.set_param("crm.lead.auto.assignment", False)
        Territory = cls.env["crm_ext.territory"]
        Territory.search([]).action_archive()  # the demo's territories would match first
        cls.west_zip = Territory.create(
            {
                "name": "California 90000-92999",
                "sequence": 1,
                "team_id": cls.team_west.id,
                "user_id": cls.sales_user.id,
                "country_ids": [(4, cls.us.id)],
                "state_ids": [(4, cls.california.id)],
                "zip_from": "90000",
                "zip_to": "92999",
            }
        )
        cls.europe = Territory.create(
            {
                "name": "Benelux retail",
                "sequence": 2,
                "team_id": cls.team_europe.id,
                "country_ids": [(4, cls.be.id)],
                "industry_ids": [(4, cls.industry.id)],
            }
        )

    def _lead(self, **vals):
        return self.env["crm.lead"].create({"name": "Inbound lead", **vals})

    def test_leads_get_their_territory_and_are_routed(self):
        lead = self._lead(country_id=self.us.id, state_id=self.california.id, zip="91020", user_id=False)
        self.assertEqual(lead.crm_ext_territory_id, self.west_zip)
        self.assertEqual((lead.team_id, lead.user_id), (self.team_west, self.sales_user))
        outside = self._lead(country_id=self.us.id, state_id=self.california.id, zip="95000")
        self.assertFalse(outside.crm_ext_territory_id)

        retailer = self.env["res.partner"].create(
            {
                "name": "Brussels Desks",
                "is_company": True,
                "industry_id": self.industry.id,
                "country_id": self.be.id,
            }
        )
        lead_be = self._lead(partner_id=retailer.id)
        self.assertEqual(lead_be.country_id, self.be)
        self.assertEqual((lead_be.crm_ext_territory_id, lead_be.team_id), (self.europe, self.team_europe))
        no_industry = self._lead(country_id=self.be.id)
        self.assertFalse(no_industry.crm_ext_territory_id, "the territory also needs the industry")

    def test_explicit_team_wins_and_moves_reroute(self):
        other_team = self.env["crm.team"].create({"name": "Key accounts (test)"})
        lead = self._lead(
            country_id=self.us.id, state_id=self.california.id, zip="90001", team_id=other_team.id
        )
        self.assertEqual(lead.crm_ext_territory_id, self.west_zip)
        self.assertEqual(lead.team_id, other_team)
        moved = self._lead(country_id=self.us.id)
        self.assertFalse(moved.crm_ext_territory_id)
        moved.write({"state_id": self.california.id, "zip": "92000"})
        self.assertEqual((moved.crm_ext_territory_id, moved.team_id), (self.west_zip, self.team_west))

    def test_territory_validation_and_access(self):
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self.env["crm_ext.territory"].create(
                {"name": "Bad", "team_id": self.team_west.id, "zip_from": "5000", "zip_to": "4000"}
            )
        with self.assertRaises(AccessError):
            self.env["crm_ext.territory"].with_user(self.sales_user).create(
                {"name": "Mine", "team_id": self.team_west.id}
            )
        self.assertEqual(self.west_zip.with_user(self.sales_user).name, "California 90000-92999")
        self._lead(country_id=self.us.id, state_id=self.california.id, zip="90500")
        self.assertEqual(self.west_zip.lead_count, 1)

    def _assignment_team(self, name, domain, user):
        team = self.env["crm.team"].create(
            {"name": name, "assignment_domain": domain, "use_leads": True, "company_id": False}
        )
        self.env["crm.team.member"].create({"crm_team_id": team.id, "user_id": user.id, "assignment_max": 60})
        return team

    def test_routing_off_leaves_leads_to_odoo_assignment(self):
        """Off (the default), a territory only classifies its leads: the team and salesperson
        are Odoo's, by the teams' assignment domains and the members' quotas."""
        self.params.set_param("crm_ext_sales.territory_routing", False)
        lead = self._lead(country_id=self.us.id, state_id=self.california.id, zip="91020", user_id=False)
        self.assertEqual(lead.crm_ext_territory_id, self.west_zip)
        self.assertFalse(lead.team_id or lead.user_id, "not routed at creation")
        lead.write({"zip": "91030"})
        self.assertFalse(lead.team_id or lead.user_id, "not routed when moved")
        us_team = self._assignment_team("US (test)", [("country_id", "=", self.us.id)], self.sales_manager)
        us_team._action_assign_leads(force_quota=True)
        self.assertEqual((lead.team_id, lead.user_id), (us_team, self.sales_manager))

    def test_routing_within_rule_based_assignment(self):
        """With Odoo's rule-based assignment, a territory lead waits for the assignment, goes to
        its territory's team there, and a member of that team gets it within their quota;
        leads outside territories go by the teams' domains."""
        self.params.set_param("crm.lead.auto.assignment", True)
        self.west_zip.user_id = False
        # the West team takes California only: a lead outside it matches the US team alone (two
        # matching teams would share it at random, Odoo's assignment being weighted by chance)
        self.team_west.assignment_domain = str([("state_id", "=", self.california.id)])
        west_member = new_test_user(
            self.env, login="crm_ext_west_member", groups="sales_team.group_sale_salesman"
        )
        self.env["crm.team.member"].create(
            {"crm_team_id": self.team_west.id, "user_id": west_member.id, "assignment_max": 30}
        )
        us_team = self._assignment_team("US (test)", [("country_id", "=", self.us.id)], self.sales_manager)
        in_territory = self._lead(
            country_id=self.us.id, state_id=self.california.id, zip="91020", user_id=False
        )
        second = self._lead(country_id=self.us.id, state_id=self.california.id, zip="91021", user_id=False)
        outside = self._lead(country_id=self.us.id, zip="10001", user_id=False)
        self.assertEqual(in_territory.crm_ext_territory_id, self.west_zip)
        self.assertFalse((in_territory | second | outside).team_id, "waiting for the assignment")
        (self.team_west | us_team)._action_assign_leads(force_quota=True)
        self.assertEqual((in_territory | second).team_id, self.team_west, "the territory's team")
        self.assertEqual((outside.team_id, outside.user_id), (us_team, self.sales_manager))
        # 30 a month: one lead a day for the West member, the other waits in the team
        self.assertEqual((in_territory | second).user_id, west_member)
        self.assertEqual(len((in_territory | second).filtered("user_id")), 1)
