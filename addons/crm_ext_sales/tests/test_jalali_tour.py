import datetime

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestJalaliTour(HttpCase):
    """A Persian user picks a Jalali date on a quotation; an English user sees Gregorian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.env.company.crm_ext_date_calendar = "language"
        groups = "sales_team.group_sale_manager,base.group_user"
        cls.fa_user = new_test_user(
            cls.env, login="jalali_tour_fa", groups=groups, lang="fa_IR", tz="Asia/Tehran"
        )
        cls.en_user = new_test_user(
            cls.env, login="jalali_tour_en", groups=groups, lang="en_US", tz="Asia/Tehran"
        )
        customer = cls.env["res.partner"].create({"name": "Tabriz Rugs", "lang": "fa_IR"})
        product = cls.env["product.product"].create({"name": "Gabbeh", "list_price": 80.0})
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "user_id": cls.fa_user.id,  # in the list's default filter "My Quotations"
                "validity_date": datetime.date(2026, 12, 21),  # 1405/09/30
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        cls.url = f"/odoo/action-sale.action_quotations_with_onboarding/{cls.order.id}"
        cls._prepare_assets()

    @classmethod
    def _prepare_assets(cls):
        """Builds the web client's bundles (right-to-left ones with rtlcss: about a minute on a
        busy machine) before the browser asks for them, so that its 60 s wait for the page
        measures the page, not the style sheet compiler; they stay for both tests."""
        QWeb = cls.env["ir.qweb"]
        for rtl in (False, True):
            for bundle in ("web.assets_web", "web.assets_web_print"):
                QWeb._get_asset_bundle(bundle, js=False, rtl=rtl).css()
        for bundle in ("web.assets_web", "web.assets_tests"):
            QWeb._get_asset_bundle(bundle, css=False).js()

    def _open_once(self, user):
        """Serves the page once before the browser does: the first request of a test server
        builds the routing map and compiles the web client's templates, which on a busy
        machine takes longer than the browser's 20 s wait for a page."""
        self.authenticate(user.login, user.login)
        self.assertEqual(self.url_open(self.url, timeout=180).status_code, 200)

    def _report_html(self, user):
        report = self.env["ir.actions.report"].with_user(user)
        return report._render_qweb_html("sale.action_report_saleorder", self.order.ids)[0].decode()

    def test_persian_user_picks_a_jalali_date(self):
        self._open_once(self.fa_user)
        self.start_tour(self.url, "crm_ext_sales_jalali_tour", login=self.fa_user.login, timeout=180)
        self.assertEqual(self.order.validity_date, datetime.date(2026, 12, 7))  # stored Gregorian
        self.assertIn("1405/09/16", self._report_html(self.fa_user))

    def test_english_user_sees_gregorian(self):
        self.order.validity_date = datetime.date(2026, 12, 7)
        self.order.partner_id.lang = "en_US"
        self.order.user_id = self.en_user
        self._open_once(self.en_user)
        self.start_tour(self.url, "crm_ext_sales_gregorian_tour", login=self.en_user.login, timeout=120)
        self.assertEqual(self.order.validity_date, datetime.date(2026, 12, 24))
        html = self._report_html(self.en_user)
        self.assertIn("12/24/2026", html)
        self.assertNotIn("1405/", html)


@tagged("post_install", "-at_install")
class TestJalaliPortal(HttpCase):
    """The portal's quotation list is dated in the portal user's calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.env.company.crm_ext_date_calendar = "language"
        product = cls.env["product.product"].create({"name": "Gabbeh", "list_price": 80.0})
        cls.portal_users = {}
        for lang in ("fa_IR", "en_US"):
            user = new_test_user(
                cls.env,
                login=f"jalali_portal_{lang}",
                groups="base.group_portal",
                lang=lang,
                tz="Asia/Tehran",
            )
            order = cls.env["sale.order"].create(
                {
                    "partner_id": user.partner_id.id,
                    "validity_date": datetime.date(2026, 12, 21),  # 1405/09/30
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
                }
            )
            order.state = "sent"
            order.message_subscribe(partner_ids=user.partner_id.ids)  # the portal lists followed orders
            cls.portal_users[lang] = user

    def _quotes_page(self, lang):
        user = self.portal_users[lang]
        self.authenticate(user.login, user.login)
        response = self.url_open("/my/quotes", timeout=120)
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_persian_portal_user_reads_jalali(self):
        html = self._quotes_page("fa_IR")
        self.assertIn("1405/09/30", html)
        self.assertNotIn("12/21/2026", html)

    def test_english_portal_user_reads_gregorian(self):
        html = self._quotes_page("en_US")
        self.assertIn("12/21/2026", html)
        self.assertNotIn("1405/", html)
