from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestInteraction(CrmExtSalesCase):
    def _log(self, **vals):
        return self.env["crm_ext.interaction"].create({"summary": "Call", **vals})

    def test_contact_interactions_roll_up_to_company(self):
        self._log(partner_id=self.contact.id)
        self._log(partner_id=self.customer.id, channel="email")
        self._log(lead_id=self.opportunity.id, partner_id=self.contact.id)
        self.assertEqual(self.customer.crm_ext_interaction_count, 3)
        self.assertEqual(self.contact.crm_ext_interaction_count, 3)
        self.assertEqual(self.opportunity.crm_ext_interaction_count, 1)
        action = self.contact.action_view_interactions()
        self.assertEqual(action["domain"], [("commercial_partner_id", "=", self.customer.id)])
        self.assertEqual(action["context"], {"default_partner_id": self.contact.id})

    def test_needs_partner_or_opportunity(self):
        Interaction = self.env["crm_ext.interaction"]
        with self.assertRaisesRegex(ValidationError, "needs a contact or an opportunity"):
            Interaction.create([{"summary": "Good", "partner_id": self.customer.id}, {"summary": "Bad"}])
        self.assertFalse(Interaction.search([("summary", "in", ("Good", "Bad"))]))
        interaction = self._log(partner_id=self.customer.id)
        with self.assertRaisesRegex(ValidationError, "needs a contact or an opportunity"):
            interaction.partner_id = False

    @mute_logger("odoo.sql_db")
    def test_negative_duration_refused(self):
        with self.assertRaises(CheckViolation):
            self._log(partner_id=self.customer.id, duration=-1)

    def test_form_takes_partner_from_opportunity(self):
        with Form(self.env["crm_ext.interaction"]) as form:
            form.summary = "Demo on site"
            form.lead_id = self.opportunity
            self.assertEqual(form.partner_id, self.contact)
        self.assertEqual(form.record.commercial_partner_id, self.customer)

    @users("crm_ext_sales_user")
    def test_company_isolation(self):
        own = self._log(partner_id=self.customer.id)
        other = (
            self.env["crm_ext.interaction"]
            .with_company(self.other_company)
            .create({"summary": "Other company call", "partner_id": self.customer.id})
        )
        self.assertEqual(other.company_id, self.other_company)
        only_main = self.env["crm_ext.interaction"].with_context(allowed_company_ids=[self.company.id])
        found = only_main.search([("partner_id", "=", self.customer.id)])
        self.assertIn(own, found)
        self.assertNotIn(other, found)

    @users("crm_ext_plain_user")
    def test_plain_user_has_no_access(self):
        with self.assertRaises(AccessError):
            self.env["crm_ext.interaction"].search([])
        # the partner form stays readable for users outside the group
        self.env["res.partner"].browse(self.customer.id).read(["name"])

    @users("crm_ext_sales_user")
    def test_user_cannot_delete(self):
        interaction = self._log(partner_id=self.customer.id)
        with self.assertRaises(AccessError):
            interaction.unlink()

    def test_interaction_count_query_count(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "is_company": True} for i in range(80)]
        )
        self.env["crm_ext.interaction"].create([{"summary": "Call", "partner_id": p.id} for p in partners])
        self.env.invalidate_all()
        # one query for the commercial partners, one grouped count
        with self.assertQueryCount(2):
            counts = partners.mapped("crm_ext_interaction_count")
        self.assertEqual(counts, [1] * 80)

    def test_own_documents_only_unless_all_leads(self):
        mine = self._log(partner_id=self.customer.id, user_id=self.sales_user.id)
        theirs = self._log(partner_id=self.customer.id, user_id=self.sales_manager.id)
        unassigned = self._log(partner_id=self.customer.id, user_id=False)
        ids = (mine | theirs | unassigned).ids
        as_salesman = self.env["crm_ext.interaction"].with_user(self.sales_user).search([("id", "in", ids)])
        self.assertEqual(as_salesman, mine | unassigned)
        as_manager = self.env["crm_ext.interaction"].with_user(self.sales_manager).search([("id", "in", ids)])
        self.assertEqual(as_manager, mine | theirs | unassigned)
