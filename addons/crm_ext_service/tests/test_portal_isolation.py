from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_portal import ServicePortalCase


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
