from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import CrmExtMarketingCase


@tagged("post_install", "-at_install")
class TestCampaignMoney(CrmExtMarketingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"title": "Money (test)", "crm_ext_budget": 80})
        cls.other = cls.env["utm.campaign"].create({"title": "Other money (test)"})
        cls.vendor = cls.env["res.partner"].create({"name": "Print shop (test)"})
        cls.customer = cls.env["res.partner"].create({"name": "Buyer (test)"})
        cls.product = cls.env["product.product"].create({"name": "Flyers (test)"})

    def _move(self, move_type, partner, price, campaign, post=True):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": "2026-03-01",
                "campaign_id": campaign.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.product.id, "quantity": 1, "price_unit": price, "tax_ids": []}
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def test_cost_revenue_roi_and_budget(self):
        self._move("in_invoice", self.vendor, 120, self.campaign)
        self._move("in_refund", self.vendor, 20, self.campaign)
        self._move("in_invoice", self.vendor, 1000, self.campaign, post=False)  # a draft costs nothing yet
        self._move("out_invoice", self.customer, 500, self.campaign)
        self._move("out_refund", self.customer, 100, self.campaign)
        self._move("out_invoice", self.customer, 999, self.other)
        self.campaign.invalidate_recordset()
        self.assertEqual((self.campaign.crm_ext_cost, self.campaign.crm_ext_revenue), (100.0, 400.0))
        self.assertAlmostEqual(self.campaign.crm_ext_roi, 300.0, msg="(400 - 100) / 100")
        self.assertAlmostEqual(self.campaign.crm_ext_budget_used, 125.0)
        self.assertTrue(self.campaign.crm_ext_over_budget)
        self.assertEqual(
            self.env["utm.campaign"].search([("crm_ext_over_budget", "=", True)])
            & (self.campaign | self.other),
            self.campaign,
        )
        self.assertEqual(
            (self.other.crm_ext_cost, self.other.crm_ext_roi, self.other.crm_ext_over_budget),
            (0.0, 0.0, False),
        )

    def test_negative_budget_is_refused(self):
        with self.assertRaises(ValidationError):
            self.campaign.crm_ext_budget = -1

    def test_money_of_many_campaigns_in_one_query(self):
        few = self.env["utm.campaign"].create([{"title": f"Few {i} (test)"} for i in range(2)])
        many = self.env["utm.campaign"].create([{"title": f"Many {i} (test)"} for i in range(12)])
        self.campaign.mapped("crm_ext_roi")  # warm-up: the company, its currency and the user's companies
        counts = []
        for campaigns in (few, many):
            campaigns.invalidate_recordset()
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            campaigns.mapped("crm_ext_roi")
            counts.append(self.env.cr.sql_log_count - start)
        self.assertEqual(counts[0], counts[1], "the figures of 2 and 12 campaigns cost the same queries")
