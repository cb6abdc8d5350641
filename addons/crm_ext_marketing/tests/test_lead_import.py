import base64

from odoo.exceptions import UserError
from odoo.tests import tagged, users

from .common import CrmExtMarketingCase

GOOD_AND_BAD = (
    "name,contact_name,company,email,phone,country\n"
    "Spades for the park (test),Ann Lee,Parks Ltd,ann@parks.example.com,+32 470 00 00 01,BE\n"
    "Bad email row (test),Bob,,bob-at-example,,\n"
    ",Nameless,,nameless@example.com,,\n"
    "Unknown country row (test),Carl,,carl@example.com,,Atlantis\n"
    "Rakes for the school (test),Dana,School,dana@school.example.com,,Belgium\n"
)


@tagged("post_install", "-at_install")
class TestLeadImport(CrmExtMarketingCase):
    def _wizard(self, content, **vals):
        return self.env["crm_ext.lead.import"].create(
            {"file": base64.b64encode(content.encode()), "filename": "leads.csv", **vals}
        )

    def _imported(self):
        return self.env["crm.lead"].search([("name", "like", "(test)")])

    @users("crm_ext_marketer")
    def test_rejected_file_imports_nothing(self):
        wizard = self._wizard(GOOD_AND_BAD)
        action = wizard.action_import()
        self.assertEqual(action["res_id"], wizard.id)
        self.assertEqual(wizard.state, "rejected")
        self.assertEqual(wizard.rejected_count, 3)
        self.assertFalse(self._imported())
        self.assertIn("Row 3: bad email “bob-at-example”", wizard.report)
        self.assertIn("Row 4: missing name", wizard.report)
        self.assertIn("Row 5: unknown country “Atlantis”", wizard.report)
        self.assertIn("Nothing was imported", wizard.report)

    @users("crm_ext_marketer")
    def test_skip_bad_rows_imports_the_good_ones(self):
        wizard = self._wizard(GOOD_AND_BAD, skip_bad_rows=True)
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        leads = self._imported()
        self.assertEqual(
            set(leads.mapped("name")), {"Spades for the park (test)", "Rakes for the school (test)"}
        )
        self.assertEqual(wizard.lead_ids, leads)
        self.assertEqual(wizard.imported_count, 2)
        self.assertEqual(set(leads.mapped("country_id.code")), {"BE"})
        park = leads.filtered(lambda lead: lead.partner_name == "Parks Ltd")
        self.assertEqual(park.email_from, "ann@parks.example.com")
        self.assertEqual(park.type, "lead")
        self.assertIn("2 lead(s) imported", wizard.report)
        self.assertIn("Row 3", wizard.report)

    def test_clean_file_imports_every_row(self):
        content = "Name;Email\nOnly row (test);only@example.com\n"
        wizard = self._wizard(content)
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(self._imported().email_from, "only@example.com")

    def test_unusable_files_refused(self):
        cases = {
            "unknown column": "name,shoe_size\nX (test),42\n",
            "no name column": "email\nx@example.com\n",
            "empty": "\n\n",
            "only bad rows": "name,email\n,x@example.com\n",
        }
        for label, content in cases.items():
            with self.subTest(case=label), self.assertRaises(UserError):
                self._wizard(content, skip_bad_rows=True).action_import()
        with self.assertRaisesRegex(UserError, "UTF-8"):
            self.env["crm_ext.lead.import"].create(
                {"file": base64.b64encode("name\nCaf\xe9 (test)\n".encode("latin-1"))}
            ).action_import()
        self.assertFalse(self._imported())
