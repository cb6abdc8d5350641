import re

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ServicePortalCase(HttpCase):
    """Two portal customers (Acme, Globex) with a ticket, an order and a boiler each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=True, tracking_disable=True))
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme Portal (test)", "is_company": True})
        cls.globex = Partner.create({"name": "Globex Portal (test)", "is_company": True})
        cls.portal_acme = new_test_user(
            cls.env, login="crm_ext_portal_acme", groups="base.group_portal", password="crm_ext_portal_acme"
        )
        cls.portal_acme.partner_id.parent_id = cls.acme
        cls.portal_globex = new_test_user(
            cls.env,
            login="crm_ext_portal_globex",
            groups="base.group_portal",
            password="crm_ext_portal_globex",
        )
        cls.portal_globex.partner_id.parent_id = cls.globex
        cls.team = cls.env["crm_ext.service.team"].create({"name": "Portal desk (test)"})
        cls.env.company.crm_ext_service_portal_team_id = cls.team
        Ticket = cls.env["crm_ext.ticket"]
        cls.acme_ticket = Ticket.create({"name": "Acme printer (test)", "partner_id": cls.acme.id})
        cls.globex_ticket = Ticket.create({"name": "Globex secret (test)", "partner_id": cls.globex.id})
        cls.product = cls.env["product.product"].create({"name": "Portal widget (test)", "list_price": 40.0})
        cls.acme_order = cls.env["sale.order"].create(
            {"partner_id": cls.acme.id, "order_line": [Command.create({"product_id": cls.product.id})]}
        )
        cls.acme_order.action_confirm()
        cls.globex_order = cls.env["sale.order"].create(
            {"partner_id": cls.globex.id, "order_line": [Command.create({"product_id": cls.product.id})]}
        )
        cls.globex_order.action_confirm()
        Equipment = cls.env["crm_ext.equipment"]
        cls.acme_boiler = Equipment.create(
            {"name": "Acme boiler (test)", "partner_id": cls.acme.id, "serial_number": "ACME-SN-1"}
        )
        cls.globex_boiler = Equipment.create(
            {"name": "Globex boiler (test)", "partner_id": cls.globex.id, "serial_number": "GLOBEX-SN-1"}
        )
        Article = cls.env["crm_ext.kb.article"]
        cls.published = Article.create(
            {"name": "Reset the printer (test)", "body": "<p>Hold the button</p>", "is_published": True}
        )
        cls.draft_article = Article.create({"name": "Internal notes (test)", "body": "<p>secret</p>"})

    # ------------------------------------------------------------------ helpers

    def _csrf(self):
        response = self.url_open("/my/tickets/new")
        self.assertEqual(response.status_code, 200)
        return CSRF.search(response.text).group(1)

    def _post_ticket(self, data, files=None, csrf=True):
        payload = dict(data)
        if csrf:
            payload["csrf_token"] = self._csrf()
        return self.url_open("/my/tickets/new", data=payload, files=files, allow_redirects=False)

    def _acme_tickets(self):
        return self.env["crm_ext.ticket"].search([("commercial_partner_id", "=", self.acme.id)])

    def _make_contract(self, partner, **values):
        """A service contract of one year from today for ``partner``."""
        product = self.env["product.product"].create(
            {
                "name": "Care plan (test)",
                "type": "service",
                "crm_ext_service_contract": True,
                "crm_ext_service_duration_months": 12,
            }
        )
        return self.env["crm_ext.service.contract"].create(
            {
                "partner_id": partner.id,
                "product_id": product.id,
                "start_date": fields.Date.today(),
                "end_date": fields.Date.add(fields.Date.today(), years=1),
                **values,
            }
        )


@tagged("post_install", "-at_install")
class TestServicePortal(ServicePortalCase):
    """Customers open and follow their tickets on the portal and see only their company's records."""

    # ------------------------------------------------------------------ record rules

    def test_records_isolated_per_customer(self):
        env = self.env(user=self.portal_acme)
        self.assertEqual(env["crm_ext.ticket"].search([]), self.acme_ticket)
        self.assertEqual(env["crm_ext.equipment"].search([]), self.acme_boiler)
        articles = env["crm_ext.kb.article"].search([])
        self.assertIn(self.published, articles)
        self.assertNotIn(self.draft_article, articles)
        self.assertTrue(all(articles.sudo().mapped("is_published")))
        with self.assertRaises(AccessError):
            self.globex_ticket.with_user(self.portal_acme).read(["name"])
        with self.assertRaises(AccessError):
            self.draft_article.with_user(self.portal_acme).read(["name"])
        with self.assertRaises(AccessError):
            self.acme_ticket.with_user(self.portal_acme).write({"name": "Hacked"})
        # a customer writes in their own ticket's chatter, not in another's
        self.acme_ticket.with_user(self.portal_acme).message_post(
            body="Any news?", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertIn("Any news?", self.acme_ticket.message_ids[0].body)
        with self.assertRaises(AccessError):
            self.globex_ticket.with_user(self.portal_acme).message_post(
                body="Hi", message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    # ------------------------------------------------------------------ HTTP

    def test_open_ticket_over_http(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        response = self._post_ticket(
            {
                "name": "<script>alert('x')</script>Printer <b>jams</b>",
                "description": "It jams.\n<img src=x onerror=alert(1)>Every page.",
                "sale_order_id": str(self.acme_order.id),
                "equipment_id": str(self.acme_boiler.id),
            },
            files={"attachments": ("photo.txt", b"a small file", "text/plain")},
        )
        self.assertEqual(response.status_code, 303, response.text[:500])
        ticket = self._acme_tickets() - self.acme_ticket
        self.assertEqual(len(ticket), 1)
        self.assertTrue(response.headers["Location"].endswith(f"/my/tickets/{ticket.id}"))
        self.assertEqual(ticket.name, "Printer jams")
        self.assertNotIn("<img", ticket.description)
        self.assertNotIn("onerror", ticket.description)
        self.assertIn("Every page.", ticket.description)
        self.assertEqual(ticket.partner_id, self.portal_acme.partner_id)
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.team_id, self.team)
        self.assertEqual(ticket.sale_order_id, self.acme_order)
        self.assertEqual(ticket.equipment_id, self.acme_boiler)
        self.assertIn(self.portal_acme.partner_id, ticket.message_partner_ids)
        attachment = ticket.message_ids.attachment_ids
        self.assertEqual(attachment.name, "photo.txt")
        self.assertEqual(attachment.raw, b"a small file")
        # the customer follows it on the ticket page, with the order it is about
        page = self.url_open(f"/my/tickets/{ticket.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Printer jams", page.text)
        self.assertIn(self.acme_order.name, page.text)
        listing = self.url_open("/my/tickets")
        self.assertIn(ticket.number, listing.text)
        self.assertNotIn(self.globex_ticket.number, listing.text)

    def test_csrf_required(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        before = len(self._acme_tickets())
        with self.assertLogs("odoo.http", level="WARNING") as logs:
            response = self._post_ticket({"name": "No token"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertIn("No CSRF validation token provided for path '/my/tickets/new'", logs.output[0])
        self.assertEqual(len(self._acme_tickets()), before)

    def test_bad_input_creates_nothing(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        before = len(self._acme_tickets())
        attachments_before = self.env["ir.attachment"].search_count([("res_model", "=", "crm_ext.ticket")])
        cases = [
            ({"name": "  "}, "Tell us in a few words"),
            ({"name": "x" * 201}, "under 200 characters"),
            (
                {"name": "Other's order", "sale_order_id": str(self.globex_order.id)},
                "Choose one of your orders",
            ),
            ({"name": "Bad id", "sale_order_id": "12abc"}, "Choose one of your orders"),
            (
                {"name": "Other's boiler", "equipment_id": str(self.globex_boiler.id)},
                "your pieces of equipment",
            ),
        ]
        for data, message in cases:
            with self.subTest(data=data):
                response = self._post_ticket(data)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
        self.env.company.crm_ext_service_portal_attachment_mb = 1
        response = self._post_ticket(
            {"name": "Huge photo"}, files={"attachments": ("huge.bin", b"0" * (1024 * 1024 + 1), "image/png")}
        )
        self.assertIn("huge.bin is larger than 1 MB", response.text)
        self.assertEqual(len(self._acme_tickets()), before)
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "crm_ext.ticket")]), attachments_before
        )

    def test_other_customers_ticket_is_not_shown(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        response = self.url_open(f"/my/tickets/{self.globex_ticket.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my"))
        # with the ticket's access token (a link in an email), the page opens
        token = self.globex_ticket._portal_ensure_token()
        response = self.url_open(f"/my/tickets/{self.globex_ticket.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Globex secret", response.text)

    def test_ticket_page_reaches_order_delivery_and_invoice(self):
        invoice = self.acme_order._create_invoices()
        invoice.action_post()
        self.acme_ticket.write({"sale_order_id": self.acme_order.id, "invoice_id": invoice.id})
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        page = self.url_open(f"/my/tickets/{self.acme_ticket.id}").text
        self.assertIn(self.acme_order.name, page)
        self.assertIn(f"/my/orders/{self.acme_order.id}", page)
        self.assertIn(invoice.name, page)
        self.assertIn(f"/my/invoices/{invoice.id}", page)
        self.assertIn("Not Paid", page)
        for picking in self.acme_order.picking_ids:
            self.assertIn(f"/my/picking/pdf/{picking.id}", page)

    def test_equipment_contracts_and_knowledge_pages(self):
        contract = self._make_contract(self.acme)
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        equipment = self.url_open("/my/equipment").text
        self.assertIn("ACME-SN-1", equipment)
        self.assertNotIn("GLOBEX-SN-1", equipment)
        self.assertIn(f"/my/tickets/new?equipment_id={self.acme_boiler.id}", equipment)
        self.assertIn(contract.name, self.url_open("/my/contracts").text)
        knowledge = self.url_open("/my/knowledge?search=printer").text
        self.assertIn("Reset the printer", knowledge)
        self.assertNotIn("Internal notes", knowledge)
        self.assertIn("Hold the button", self.url_open(f"/my/knowledge/{self.published.id}").text)
        hidden = self.url_open(f"/my/knowledge/{self.draft_article.id}", allow_redirects=False)
        self.assertEqual(hidden.status_code, 303)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["service_ticket_count", "service_equipment_count"]}
        )
        self.assertEqual(counters, {"service_ticket_count": 1, "service_equipment_count": 1})

    def test_portal_tour(self):
        """A portal user opens a ticket in the browser."""
        portal = self.env.ref("base.demo_user0")
        before = self.env["crm_ext.ticket"].search([("partner_id", "=", portal.partner_id.id)])
        self.start_tour("/my/tickets", "crm_ext_service_portal_tour", login="portal")
        ticket = self.env["crm_ext.ticket"].search([("partner_id", "=", portal.partner_id.id)]) - before
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.name, "The printer jams on every page")
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.category_id.name, "How-to question")
