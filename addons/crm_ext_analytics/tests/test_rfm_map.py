from odoo.tests import HttpCase, tagged

from .common import CrmExtAnalyticsCase


@tagged("post_install", "-at_install")
class TestRfmMap(CrmExtAnalyticsCase):
    """The RFM map: per cell of the recency x frequency grid its segment, customers and revenue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        rows = [
            # (recency score, frequency score, segment, net revenue)
            (5, 5, "champions", 600.0),
            (5, 4, "champions", 300.0),
            (2, 2, "hibernating", 80.0),
            (1, 2, "hibernating", 20.0),
            (1, 1, "lost", -100.0),  # only a credit note since the last run
        ]
        cls.env["crm_ext.customer.rfm"].create(
            [
                {
                    "partner_id": Partner.create({"name": f"Map customer {index} (test)"}).id,
                    "company_id": cls.company.id,
                    "r_score": r_score,
                    "f_score": f_score,
                    "m_score": 3,
                    "segment": segment,
                    "monetary": revenue,
                }
                for index, (r_score, f_score, segment, revenue) in enumerate(rows)
            ]
        )
        other = cls.env["res.company"].create({"name": "Other map company (test)"})
        cls.env["crm_ext.customer.rfm"].create(
            {
                "partner_id": Partner.create({"name": "Other company's champion (test)"}).id,
                "company_id": other.id,
                "r_score": 5,
                "f_score": 5,
                "m_score": 5,
                "segment": "champions",
                "monetary": 10_000.0,
            }
        )

    def _map(self):
        env = self.viewer.with_company(self.company).env
        return env["crm_ext.customer.rfm"].get_rfm_map()

    def test_cells_follow_the_segment_grid(self):
        result = self._map()
        cells = {(cell["r"], cell["f"]): cell for cell in result["cells"]}
        self.assertEqual(len(cells), 25)
        self.assertEqual(cells[(5, 5)]["segment"], "champions")
        self.assertEqual(cells[(1, 5)]["segment"], "cant_lose_them")
        self.assertEqual(cells[(1, 1)]["segment"], "lost")
        self.assertEqual((cells[(5, 5)]["count"], cells[(5, 5)]["revenue"]), (1, 600.0))
        self.assertEqual((cells[(3, 3)]["count"], cells[(3, 3)]["revenue"]), (0, 0.0))
        keys = [key for key, _label in self.env["crm_ext.customer.rfm"]._fields["segment"].selection]
        self.assertEqual([segment["key"] for segment in result["segments"]], keys)

    def test_segment_totals_and_shares_of_this_company_only(self):
        result = self._map()
        self.assertEqual(result["company_id"], self.company.id)
        self.assertEqual(result["customer_count"], 5)
        self.assertAlmostEqual(result["revenue"], 900.0)
        segments = {segment["key"]: segment for segment in result["segments"]}
        self.assertEqual(segments["champions"]["count"], 2)
        self.assertAlmostEqual(segments["champions"]["revenue_share"], 900.0 / 900.0)
        self.assertAlmostEqual(segments["hibernating"]["revenue_share"], 100.0 / 900.0)
        self.assertAlmostEqual(segments["lost"]["revenue_share"], -100.0 / 900.0)
        self.assertAlmostEqual(segments["hibernating"]["count_share"], 2 / 5)
        self.assertEqual(segments["loyal"]["count"], 0)
        self.assertEqual(segments["champions"]["label"], "Champions")


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestRfmMapTour(HttpCase):
    def test_rfm_map_tour(self):
        self.start_tour("/odoo", "crm_ext_analytics_rfm_map_tour", login="admin")
