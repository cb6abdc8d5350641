import datetime

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "crm_ext_tour")
class TestJalaliTicketTour(HttpCase):
    """A Persian agent picks a Jalali date for a ticket's field order (crm_ext_sales's Jalali
    calendar) and sees it back in the list, the form and as a report's field renders it."""

    def test_persian_agent_picks_a_jalali_date(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env.company.crm_ext_date_calendar = "language"
        admin = self.env.ref("base.user_admin")
        admin.write({"lang": "fa_IR", "tz": "Asia/Tehran", "crm_ext_date_calendar": False})
        ticket = self.env.ref("crm_ext_service.crm_ext_ticket_4_demo")
        order = self.env["crm_ext.field.order"].create(
            {
                "ticket_id": ticket.id,
                "scheduled_start": datetime.datetime(2026, 12, 11, 6, 30),  # 1405/09/20 10:00 in Tehran
            }
        )
        self.start_tour(
            f"/odoo/action-crm_ext_service.crm_ext_ticket_action/{ticket.id}",
            "crm_ext_service_jalali_tour",
            login="admin",
            timeout=180,
        )
        order.invalidate_recordset()
        self.assertEqual(order.scheduled_start, datetime.datetime(2026, 12, 7, 6, 30))  # stored UTC Gregorian
        # as the field renders in a QWeb report (or on the portal) for this agent
        converter = (
            self.env["ir.qweb.field.datetime"].with_user(admin).with_context(lang="fa_IR", tz="Asia/Tehran")
        )
        self.assertEqual(converter.value_to_html(order.scheduled_start, {}), "1405/09/16 10:00:00")
        english = converter.with_context(lang="en_US")
        self.assertEqual(english.value_to_html(order.scheduled_start, {}), "12/07/2026 10:00:00")
