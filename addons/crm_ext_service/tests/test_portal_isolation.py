from odoo import Command, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_portal import ServicePortalCase

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%test\n"


@tagged("post_install", "-at_install")
class TestPortalIsolation(ServicePortalCase):
    """What a portal customer reads over RPC and uploads over HTTP (issue 13)."""

    # ------------------------------------------------------------------ internal fields

    INTERNAL_FIELDS = {
        "crm_ext.ticket": [
            "lead_id", "team_id", "tag_ids", "channel", "kb_article_ids", "sla_ids", "sla_deadline",
            "sla_failed", "first_response_date", "first_response_hours", "resolution_hours",
            "merged_into_id", "coverage_contract_id", "cover_parts", "cover_labour", "field_order_ids",
            "field_order_count", "field_invoice_count", "return_line_ids", "return_picking_count",
            "credit_note_count", "color",
        ],
        "crm_ext.equipment": ["note", "move_id", "picking_id", "ticket_ids", "ticket_count"],
        "crm_ext.service.contract": ["note", "sale_line_id"],
        "crm_ext.kb.article": ["ticket_ids"],
    }  # fmt: skip

    def test_portal_cannot_read_internal_fields(self):
        lead = self.env["crm.lead"].create(
            {"name": "Acme upsell: 40 printers (test)", "type": "opportunity", "partner_id": self.acme.id}
        )
        self.acme_ticket.lead_id = lead
        self.acme_boiler.note = "Customer haggles, give no discount (test)"
        contract = self._make_contract(self.acme, note="Renewal at a loss (test)")
        self.published.ticket_ids = [Command.link(self.acme_ticket.id)]
        records = {
            "crm_ext.ticket": self.acme_ticket,
            "crm_ext.equipment": self.acme_boiler,
            "crm_ext.service.contract": contract,
            "crm_ext.kb.article": self.published,
        }
        for model, field_names in self.INTERNAL_FIELDS.items():
            record = records[model].with_user(self.portal_acme)
            record.check_access("read")  # the record itself is the customer's
            for field_name in field_names:
                with self.subTest(model=model, field=field_name):
                    self.assertIn(field_name, record._fields)
                    with self.assertRaises(AccessError):
                        record.read([field_name])
                    with self.assertRaises(AccessError):
                        record.search_read([("id", "=", record.id)], [field_name])
        # the fields the portal pages show stay readable
        ticket = self.acme_ticket.with_user(self.portal_acme)
        ticket.read(
            [
                "number",
                "name",
                "description",
                "stage_id",
                "user_id",
                "category_id",
                "equipment_id",
                "coverage_status",
                "coverage_note",
                "sale_order_id",
                "invoice_id",
                "is_closed",
            ]
        )
        # and the pages render, without the internal values
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        pages = [
            f"/my/tickets/{self.acme_ticket.id}",
            "/my/tickets",
            "/my/equipment",
            "/my/contracts",
            f"/my/knowledge/{self.published.id}",
            "/my/tickets/new",
        ]
        for url in pages:
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                for secret in ("40 printers", "give no discount", "Renewal at a loss"):
                    self.assertNotIn(secret, response.text)
        self.assertIn(contract.name, self.url_open("/my/contracts").text)

    # ------------------------------------------------------------------ uploads

    def _attachment_count(self):
        return self.env["ir.attachment"].search_count([("res_model", "=", "crm_ext.ticket")])

    def test_upload_refuses_types_not_allowed(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        tickets, attachments = len(self._acme_tickets()), self._attachment_count()
        refused = [
            ("page.html", b"<html><body><script>alert(1)</script></body></html>", "text/html"),
            ("drawing.svg", b"<svg><script>alert(1)</script></svg>", "image/svg+xml"),
            ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "application/octet-stream"),
            # the name says picture, the content is a web page: the content decides
            ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
            # a real picture under a name that would be served as a web page
            ("photo.html", PNG, "text/html"),
        ]  # fmt: skip
        for name, content, mimetype in refused:
            with self.subTest(file=name):
                response = self._post_ticket(
                    {"name": "Look at this"}, files={"attachments": (name, content, mimetype)}
                )
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_crm_ext_ticket_errors", response.text)
                self.assertIn(f"{name} is not a file type we accept", response.text)
        self.assertEqual(len(self._acme_tickets()), tickets, "no ticket was opened")
        self.assertEqual(self._attachment_count(), attachments, "no file was stored")

    def test_upload_accepts_pictures_documents_and_text(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        files = [
            ("attachments", ("photo.png", PNG, "image/png")),
            ("attachments", ("invoice.pdf", PDF, "application/pdf")),
            ("attachments", ("notes.txt", b"It jams on page 2.", "text/plain")),
        ]
        response = self._post_ticket({"name": "Printer jams (upload test)"}, files=files)
        self.assertEqual(response.status_code, 303, response.text[:500])
        ticket = self._acme_tickets().filtered(lambda t: t.name == "Printer jams (upload test)")
        stored = ticket.message_ids.attachment_ids
        self.assertEqual(
            sorted(stored.mapped(lambda a: (a.name, a.mimetype))),
            [("invoice.pdf", "application/pdf"), ("notes.txt", "text/plain"), ("photo.png", "image/png")],
        )

    def test_upload_count_is_limited(self):
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        tickets, attachments = len(self._acme_tickets()), self._attachment_count()
        too_many = [("attachments", (f"note{i}.txt", b"hello", "text/plain")) for i in range(6)]
        response = self._post_ticket({"name": "Many files"}, files=too_many)
        self.assertEqual(response.status_code, 200)
        self.assertIn("at most 5 files", response.text)
        self.assertEqual(len(self._acme_tickets()), tickets)
        self.assertEqual(self._attachment_count(), attachments)
        response = self._post_ticket({"name": "Five files"}, files=too_many[:5])
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(self._attachment_count(), attachments + 5)
        # the form tells the limits up front
        self.assertIn("At most 5 files", self.url_open("/my/tickets/new").text)

    def _upload(self, ticket, name, content, pending=False):
        """A file sent from the ticket page's conversation, as the portal's composer does."""
        data = {
            "csrf_token": http.Request.csrf_token(self),
            "thread_id": ticket.id,
            "thread_model": "crm_ext.ticket",
        }
        if pending:
            data["is_pending"] = "true"
        response = self.url_open("/mail/attachment/upload", data=data, files={"ufile": (name, content)})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def _customer_files(self, count):
        portal_env = self.env["ir.attachment"].with_user(self.portal_acme).sudo()
        return portal_env.create(
            [
                {
                    "name": f"old{i}.txt",
                    "raw": b"old",
                    "res_model": "crm_ext.ticket",
                    "res_id": self.acme_ticket.id,
                }
                for i in range(count)
            ]
        )

    def test_conversation_uploads_follow_the_same_rules(self):
        """Files sent in a ticket's conversation: same types, and at most 20 per ticket."""
        self.authenticate("crm_ext_portal_acme", "crm_ext_portal_acme")
        before = self._attachment_count()
        result = self._upload(self.acme_ticket, "page.html", b"<html><script>alert(1)</script></html>")
        self.assertIn("page.html is not a file type we accept", result.get("error", ""))
        result = self._upload(self.acme_ticket, "photo.png", b"MZ\x90\x00 not a picture")
        self.assertIn("photo.png is not a file type we accept", result.get("error", ""))
        self.assertEqual(self._attachment_count(), before, "nothing stored")
        result = self._upload(self.acme_ticket, "photo.png", PNG)
        self.assertNotIn("error", result)
        self.assertEqual(self._attachment_count(), before + 1)
        # 20 files from the customer on the ticket: no more
        self._customer_files(19)
        result = self._upload(self.acme_ticket, "one-more.png", PNG)
        self.assertIn("at most 20 files", result.get("error", ""))
        self.assertEqual(self._attachment_count(), before + 20)
        # a file uploaded first and posted with a message is counted when posted
        pending = (
            self.env["ir.attachment"]
            .with_user(self.portal_acme)
            .sudo()
            .create({"name": "late.png", "raw": PNG, "res_model": "mail.compose.message", "res_id": 0})
        )
        with self.assertRaisesRegex(UserError, "at most 20 files"):
            self.acme_ticket.with_user(self.portal_acme).message_post(
                body="And this one", attachment_ids=pending.ids, message_type="comment"
            )
        # employees are not limited
        message = self.acme_ticket.message_post(
            body="Manual", attachment_ids=pending.ids, message_type="comment"
        )
        self.assertEqual(message.attachment_ids, pending)
