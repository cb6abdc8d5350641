from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users

from .common import CrmExtMarketingCase


@tagged("post_install", "-at_install")
class TestSegment(CrmExtMarketingCase):
    def _segment(self, **vals):
        return self.env["crm_ext.segment"].create(
            {"name": "VIPs", "partner_domain": f"[('category_id', 'in', [{self.tag.id}])]", **vals}
        )

    def test_members_follow_rules_and_company(self):
        segment = self._segment()
        self.assertEqual(segment.member_count, 0, "members are computed by a refresh")
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 3)
        action = segment.action_view_members()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), self.vip)
        other = self._segment(company_id=self.other_company.id)
        other.action_refresh_members()
        self.assertEqual(other.member_count, 4)

    def test_refresh_writes_only_what_changed(self):
        """A refresh deletes the members who left and inserts the new ones; the members who
        stay keep their row as it was (same tuple: not deleted and inserted again)."""
        segment = self._segment()
        segment.action_refresh_members()
        leaving, *staying = self.vip
        joining = self.env["res.partner"].create(
            {"name": "New VIP (test)", "category_id": [(4, self.tag.id)]}
        )
        leaving.category_id = [(3, self.tag.id)]

        def versions():
            self.env.cr.execute(
                "SELECT partner_id, ctid::text FROM crm_ext_segment_member_rel WHERE segment_id = %s",
                [segment.id],
            )
            return dict(self.env.cr.fetchall())

        before = versions()
        segment.action_refresh_members()
        after = versions()
        self.assertEqual(segment.member_ids, joining | self.vip - leaving)
        self.assertEqual(segment.member_count, 3)
        self.assertNotIn(leaving.id, after)
        self.assertIn(joining.id, after)
        for partner in staying:
            self.assertEqual(after[partner.id], before[partner.id], "a staying member's row was rewritten")
        self.assertEqual(segment.history_ids.sorted("id").mapped("member_count"), [3, 3])

    def test_invalid_rules_refused(self):
        for bad in ["[('no_such_field', '=', 1)]", "not a domain", "[('name', '=')]"]:
            with self.subTest(domain=bad), self.assertRaisesRegex(ValidationError, "not a valid domain"):
                self._segment(partner_domain=bad)
        segment = self._segment()
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            segment.partner_domain = "[('no_such_field', '=', 1)]"

    @users("crm_ext_marketer")
    def test_marketer_reads_but_cannot_define(self):
        with self.assertRaises(AccessError):
            self._segment()
        demo = self.env.ref("crm_ext_marketing.crm_ext_segment_companies_demo")
        self.assertGreater(self.env["crm_ext.segment"].browse(demo.id).member_count, 0)

    @users("crm_ext_marketing_manager")
    def test_company_isolation(self):
        mine = self._segment()
        other = self._segment(company_id=self.other_company.id)
        visible = (
            self.env["crm_ext.segment"]
            .with_context(allowed_company_ids=[self.company.id])
            .search([("id", "in", (mine | other).ids)])
        )
        self.assertEqual(visible, mine)

    @users("crm_ext_marketer")
    def test_marketer_cannot_refresh(self):
        demo = self.env.ref("crm_ext_marketing.crm_ext_segment_companies_demo")
        with self.assertRaises(AccessError):
            self.env["crm_ext.segment"].browse(demo.id).action_refresh_members()
