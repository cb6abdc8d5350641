from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmExtAnalyticsCase

# Odoo's models that crm_ext_analytics adds fields to, and the fields it only re-declares
EXTENDED_MODELS = ("sale.order", "crm.lead", "res.partner", "res.company")


@tagged("post_install", "-at_install")
class TestPortalReadsNoAnalytics(CrmExtAnalyticsCase):
    """Issue 13: a portal user reads their orders and their contact over RPC, never the analytics
    (next best offers, suggestions, scores, settings) crm_ext_analytics adds to them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        main = cls.env.ref("base.main_company")
        cls.portal = new_test_user(cls.env, login="crm_ext_analytics_portal", groups="base.group_portal")
        cls.salesman = new_test_user(
            cls.env, login="crm_ext_analytics_salesman", groups="sales_team.group_sale_salesman_all_leads"
        )
        customer = cls.portal.partner_id
        cls.offered = cls.env["product.product"].create({"name": "Offered refill (test)", "sale_ok": True})
        cls.env["crm_ext.customer.offer"].create(
            {
                "partner_id": customer.id,
                "company_id": main.id,
                "product_id": cls.offered.id,
                "rank": 1,
                "score": 2.5,
            }
        )
        cls.order = cls.env["sale.order"].create({"partner_id": customer.id, "company_id": main.id})
        cls.order.message_subscribe(partner_ids=customer.ids)  # as a quotation sent: on the portal
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Refills (test)",
                "type": "opportunity",
                "partner_id": customer.id,
                "company_id": main.id,
            }
        )
        cls.records = {
            "sale.order": cls.order,
            "crm.lead": cls.lead,
            "res.partner": customer,
            "res.company": main,
        }

    def _added_fields(self):
        """``{model: [field names]}`` of the fields crm_ext_analytics defines on Odoo's models."""
        data = self.env["ir.model.data"].search(
            [("module", "=", "crm_ext_analytics"), ("model", "=", "ir.model.fields")]
        )
        added = {}
        for field in self.env["ir.model.fields"].browse(data.mapped("res_id")):
            if field.model in EXTENDED_MODELS:
                added.setdefault(field.model, []).append(field.name)
        return added

    def test_portal_cannot_read_the_next_best_offers_of_its_order(self):
        order = self.order.with_user(self.portal)
        order.read(["name", "partner_id"])  # the portal reads its own order
        try:
            leaked = order.read(["crm_ext_suggested_product_ids"])[0]["crm_ext_suggested_product_ids"]
        except AccessError:
            leaked = "refused"
        self.assertEqual(leaked, "refused", "the portal user reads the offers over RPC")
        # the salesman still sees the suggestions on the quotation
        self.assertIn(self.offered, self.order.with_user(self.salesman).crm_ext_suggested_product_ids)

    def test_portal_reads_no_field_analytics_adds_to_odoo_models(self):
        added = self._added_fields()
        self.assertIn("crm_ext_suggested_product_ids", added["sale.order"])
        self.assertIn("crm_ext_rfm_segment", added["res.partner"])
        self.assertIn("crm_ext_basket_min_support", added["res.company"])
        for model, names in added.items():
            for name in names:
                with self.subTest(model=model, field=name):
                    self.assertTrue(
                        self.env[model]._fields[name].groups, "an internal field names its groups"
                    )
                    with self.assertRaises(AccessError):
                        self.records[model].with_user(self.portal).read([name])
