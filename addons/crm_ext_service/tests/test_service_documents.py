import datetime

from odoo.tests import tagged

from .common_field_service import CrmExtFieldServiceCase

VISIT = datetime.datetime(2026, 12, 7, 6, 30)  # 1405/09/16 in UTC and in Tehran


@tagged("post_install", "-at_install")
class TestServiceDocuments(CrmExtFieldServiceCase):
    """The field-order sheet and the ticket summary are printed in the customer's language, so
    in the customer's calendar: Jalali for a Persian customer, Gregorian for the others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.company.crm_ext_date_calendar = "language"
        cls.persian = cls.env["res.partner"].create({"name": "Isfahan Tiles (test)", "lang": "fa_IR"})
        cls.english = cls.env["res.partner"].create({"name": "York Tiles (test)", "lang": "en_US"})
        Ticket = cls.env["crm_ext.ticket"]
        cls.persian_ticket, cls.english_ticket = Ticket.create(
            [
                {"name": "Cracked tile (test)", "partner_id": cls.persian.id, "team_id": cls.team.id},
                {"name": "Loose tile (test)", "partner_id": cls.english.id, "team_id": cls.team.id},
            ]
        )
        FieldOrder = cls.env["crm_ext.field.order"]
        cls.persian_order, cls.english_order = FieldOrder.create(
            [
                {"ticket_id": ticket.id, "user_id": cls.technician.id, "scheduled_start": VISIT}
                for ticket in (cls.persian_ticket, cls.english_ticket)
            ]
        )

    def _html(self, report, records):
        return (
            self.env["ir.actions.report"]
            .with_context(tz="UTC")
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )

    def test_field_order_sheet(self):
        report = "crm_ext_service.action_report_field_order"
        persian = self._html(report, self.persian_order)
        self.assertIn(self.persian_order.name, persian)
        self.assertIn(self.technician.name, persian)
        self.assertIn("1405/09/16", persian)
        self.assertNotIn("12/07/2026", persian)
        english = self._html(report, self.english_order)
        self.assertIn("12/07/2026", english)
        self.assertNotIn("1405/09/16", english)
        self.assertIn("Customer's signature", english, "not signed yet: a line to sign on")
        both = self._html(report, self.persian_order | self.english_order)
        self.assertEqual(both.count("o_crm_ext_field_order_report"), 2)
        action = self.env.ref(report)
        self.assertEqual(action.binding_model_id.model, "crm_ext.field.order")

    def test_ticket_summary(self):
        self.persian_ticket.create_date = self.english_ticket.create_date = VISIT
        html = self._html("crm_ext_service.action_report_ticket", self.persian_ticket)
        self.assertIn(self.persian_ticket.number, html)
        self.assertIn("Cracked tile (test)", html)
        self.assertIn("1405/09/16", html)
        self.assertIn(self.persian_order.name, html, "the ticket's field orders are listed")
        html = self._html("crm_ext_service.action_report_ticket", self.english_ticket)
        self.assertIn("12/07/2026", html)
        self.assertNotIn("1405/09/16", html)
