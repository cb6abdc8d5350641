from odoo.tests import new_test_user, tagged

from .common import CrmExtServiceCase


@tagged("post_install", "-at_install")
class TestServiceCustomer360(CrmExtServiceCase):
    """The service figures join the sales module's customer 360 through its extension point."""

    def test_open_tickets_in_customer_360(self):
        contact = self.env["res.partner"].create({"name": "Ticket Contact", "parent_id": self.customer.id})
        Ticket = self.env["crm_ext.ticket"]
        open_one = Ticket.create({"name": "Open", "partner_id": contact.id})
        Ticket.create({"name": "Closed", "partner_id": self.customer.id, "stage_id": self.stage_solved.id})
        values = self.customer._customer_360_values()[self.customer.id]
        self.assertEqual(values["crm_ext_open_ticket_count"], 1)
        self.assertEqual(contact.crm_ext_open_ticket_count, 1)
        self.assertEqual(contact.crm_ext_failed_sla_ticket_count, 0)
        action = contact.with_context(customer_360="tickets").action_view_customer_360()
        self.assertEqual(Ticket.search(action["domain"]), open_one)

    def test_sales_user_without_service_access_still_gets_the_sales_figures(self):
        seller = new_test_user(
            self.env, login="crm_ext_seller_no_service", groups="crm_ext_sales.group_sales_user"
        )
        self.env["crm_ext.ticket"].create({"name": "Open", "partner_id": self.customer.id})
        customer = self.customer.with_user(seller)
        self.assertEqual(customer.crm_ext_open_ticket_count, 0)
        self.assertEqual(customer.crm_ext_open_opportunity_count, 0)
