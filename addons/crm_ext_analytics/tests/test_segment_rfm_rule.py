from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_ext_analytics.models.crm_ext_customer_rfm import SEGMENT_SELECTION

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestSegmentRfmRule(CrmExtAnalyticsCase):
    """crm_ext_marketing's segments select customers by their RFM segment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.big, cls.small = env["res.partner"].create(
            [{"name": "Big buyer (test)", "is_company": True}, {"name": "Small buyer (test)"}]
        )
        cls.big_contact = env["res.partner"].create({"name": "Big buyer's buyer", "parent_id": cls.big.id})
        product = env["product.product"].create({"name": "RFM rule widget"})
        cls._post_customer_moves(
            cls.company,
            product,
            [(cls.big, "2026-01-10", 900, "out_invoice"), (cls.small, "2025-01-10", 10, "out_invoice")],
        )
        cls.env["crm_ext.analytics.run"].create({"company_id": cls.company.id})._execute()
        cls.Rfm = cls.env["crm_ext.customer.rfm"]

    def _segment(self, rfm_segment):
        return self.env["crm_ext.segment"].create(
            {
                "name": "By RFM (test)",
                "company_id": self.company.id,
                "rule_ids": [(0, 0, {"rule_type": "rfm_segment", "rfm_segment": rfm_segment})],
            }
        )

    def test_members_follow_the_stored_rfm_segment(self):
        big_row = self.Rfm.search([("partner_id", "=", self.big.id), ("company_id", "=", self.company.id)])
        small_row = self.Rfm.search(
            [("partner_id", "=", self.small.id), ("company_id", "=", self.company.id)]
        )
        self.assertTrue(big_row and small_row)
        self.assertNotEqual(big_row.segment, small_row.segment)
        segment = self._segment(big_row.segment)
        label = dict(SEGMENT_SELECTION)[big_row.segment]
        self.assertEqual(segment.rule_ids.name, f"RFM segment is “{label}”")
        segment.action_refresh_members()
        members = segment.member_ids
        self.assertIn(self.big, members)
        self.assertIn(self.big_contact, members, "contacts of a scored company are members too")
        self.assertNotIn(self.small, members)
        other = self._segment(small_row.segment)
        other.action_refresh_members()
        self.assertIn(self.small, other.member_ids)
        self.assertNotIn(self.big, other.member_ids)

    def test_rules_read_the_results_as_their_author(self):
        """A marketing manager without the analytics rights cannot learn who is in an RFM segment
        through a segment's members (issue 13: rules are evaluated as their author): the rule
        selects nobody, and the nightly refresh of the other segments is not stopped."""
        big_row = self.Rfm.search([("partner_id", "=", self.big.id), ("company_id", "=", self.company.id)])
        segment = self._segment(big_row.segment)
        companies = [(6, 0, self.company.ids)]
        marketer = new_test_user(
            self.env, "crm_ext_rfm_rule_marketer", groups="crm_ext_marketing.group_marketing_manager",
            company_id=self.company.id, company_ids=companies,
        )  # fmt: skip
        segment.rules_user_id = marketer
        self.assertFalse(self.Rfm.with_user(marketer).has_access("read"))
        segment.action_refresh_members()
        self.assertFalse(segment.member_ids, "an author without the analytics rights selects nobody")
        analyst = new_test_user(
            self.env, "crm_ext_rfm_rule_analyst",
            groups="crm_ext_marketing.group_marketing_manager,crm_ext_analytics.group_analytics_user",
            company_id=self.company.id, company_ids=companies,
        )  # fmt: skip
        segment.rules_user_id = analyst
        segment.action_refresh_members()
        self.assertIn(self.big, segment.member_ids)

    def test_rule_needs_a_segment_and_offers_no_period(self):
        with self.assertRaises(ValidationError):
            self._segment(False)
        rule = self._segment("champions").rule_ids
        self.assertFalse(rule.uses_period)
        self.assertFalse(rule.operator_kind)
        self.assertFalse(rule.operator)
