from odoo.tests import HttpCase, new_test_user, tagged

CARD_ICONS = {
    "/my/tickets": "/crm_ext_service/static/src/img/portal-tickets.svg",
    "/my/equipment": "/crm_ext_service/static/src/img/portal-equipment.svg",
    "/my/contracts": "/crm_ext_service/static/src/img/portal-contracts.svg",
    "/my/knowledge": "/crm_ext_service/static/src/img/portal-knowledge.svg",
}


@tagged("post_install", "-at_install")
class TestServicePortalHome(HttpCase):
    """The portal home shows each service card with its own pictogram, served as SVG."""

    def test_cards_have_their_own_pictograms(self):
        new_test_user(
            self.env, login="crm_ext_portal_home", groups="base.group_portal", password="crm_ext_portal_home"
        )
        self.authenticate("crm_ext_portal_home", "crm_ext_portal_home")
        page = self.url_open("/my/home")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("/crm_ext_service/static/description/icon.png", page.text)
        for url, icon in CARD_ICONS.items():
            with self.subTest(card=url):
                self.assertIn(icon, page.text)
                response = self.url_open(icon)
                self.assertEqual(response.status_code, 200)
                self.assertIn("image/svg+xml", response.headers.get("Content-Type", ""))
                self.assertIn("<svg", response.text)
