"""The import of the sales history before Odoo: matching, validation, re-import, Customer 360."""

import base64
import io

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged, users
from odoo.tools import file_open

from .common import CrmExtSalesCase

HEADER = (
    "date,document,line,customer,customer_ref,customer_vat,customer_email,product,quantity,amount,currency"
)


class SalesHistoryImportCase(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.History = cls.env["crm_ext.sales.history"]
        cls.accountant = new_test_user(
            cls.env, login="crm_ext_history_accountant", groups="account.group_account_invoice"
        )
        Partner = cls.env["res.partner"]
        cls.by_ref = Partner.create({"name": "Hist Ref Co", "ref": "HREF-1", "is_company": True})
        cls.by_vat = Partner.create({"name": "Hist Vat Co", "vat": "BE0477472701", "is_company": True})
        cls.by_email = Partner.create({"name": "Hist Mail Co", "email": "Buyer@HistMail.example.com"})
        cls.by_name = Partner.create({"name": "Hist Name Co", "is_company": True})
        cls.by_name_contact = Partner.create({"name": "Hist Name Contact", "parent_id": cls.by_name.id})
        Partner.create([{"name": "Hist Twin Co"}, {"name": "Hist Twin Co"}])
        cls.product = cls.env["product.product"].create({"name": "Hist Widget", "default_code": "HW-1"})
        cls.usd = cls.env.ref("base.USD")
        cls.eur = cls.env.ref("base.EUR")
        cls.company.currency_id = cls.usd  # the demo's main company already is in USD
        cls.env["res.currency.rate"].create(
            {"currency_id": cls.eur.id, "name": "2023-01-01", "rate": 0.5, "company_id": cls.company.id}
        )

    def _import(self, lines, skip=False, user=None):
        data = "\n".join([HEADER, *lines]).encode()
        wizard = (
            self.env["crm_ext.sales.history.import"]
            .with_user(user or self.env.user)
            .create({"file": base64.b64encode(data), "filename": "history.csv", "skip_bad_rows": skip})
        )
        wizard.action_import()
        return wizard

    def _rows(self, *documents):
        return self.History.search(
            [("document_number", "in", list(documents))], order="document_number, line"
        )


@tagged("post_install", "-at_install")
class TestSalesHistoryImport(SalesHistoryImportCase):
    def test_customers_matched_by_ref_vat_email_name_or_created(self):
        wizard = self._import(
            [
                "2023-05-01,H-1,,Someone else,HREF-1,,,HW-1,2,200,USD",
                "2023-05-02,H-2,,Another name,,be 0477.472.701,,Hist Widget,1,100,USD",
                "2023-05-03,H-3,,Whoever,,,buyer@histmail.example.com,Free text service,1,50,USD",
                "2023-05-04,H-4,,hist name co,,,,,1,70,",
                "2023-05-05,H-5,,Brand New Customer (hist),NEW-9,,new@hist.example.com,,1,80,USD",
                "2023-05-06,H-6,,Brand New Customer (hist),NEW-9,,new@hist.example.com,,1,20,USD",
            ]
        )
        self.assertEqual(wizard.state, "done", wizard.report)
        self.assertEqual((wizard.imported_count, wizard.new_count, wizard.created_partner_count), (6, 6, 1))
        rows = self._rows("H-1", "H-2", "H-3", "H-4", "H-5", "H-6")
        self.assertEqual(rows[0].partner_id, self.by_ref)
        self.assertEqual(rows[1].partner_id, self.by_vat)
        self.assertEqual(rows[2].partner_id, self.by_email)
        self.assertEqual(rows[3].partner_id, self.by_name)
        created = rows[4].partner_id
        self.assertEqual(rows[5].partner_id, created)
        self.assertEqual(
            (created.name, created.ref, created.email),
            ("Brand New Customer (hist)", "NEW-9", "new@hist.example.com"),
        )
        self.assertEqual(created.company_id, self.company)
        # products: internal reference, name, else only the label
        self.assertEqual(rows[0].product_id, self.product)
        self.assertEqual(rows[1].product_id, self.product)
        self.assertFalse(rows[2].product_id)
        self.assertEqual(rows[2].product_label, "Free text service")
        self.assertEqual(rows[0].quantity, 2)
        self.assertEqual(rows[3].currency_id, self.usd)  # the company's by default
        self.assertEqual(rows.mapped("line"), [1] * 6)

    def test_amount_in_company_currency_at_the_rate_of_the_date(self):
        self._import(["2023-06-01,H-EUR,,Hist Name Co,,,,,1,100,EUR"])
        row = self._rows("H-EUR")
        self.assertEqual(row.currency_id, self.eur)
        self.assertEqual(row.amount, 100)
        self.assertAlmostEqual(row.amount_company, 200.0)  # 0.5 EUR per USD

    def test_bad_rows_reject_the_file(self):
        wizard = self._import(
            [
                "2023-05-01,H-OK,,Hist Name Co,,,,,1,10,USD",
                "2023-05-01,H-CUR,,Hist Name Co,,,,,1,10,XYZ",
                "2023-05-01,H-NEG,,Hist Name Co,,,,,-2,10,USD",
                "2023-02-30,H-DATE,,Hist Name Co,,,,,1,10,USD",
                "yesterday,H-DATE2,,Hist Name Co,,,,,1,10,USD",
                "2023-05-01,H-AMT,,Hist Name Co,,,,,1,ten,USD",
                "2023-05-01,H-TWIN,,Hist Twin Co,,,,,1,10,USD",
                "2023-05-01,H-DUP,1,Hist Name Co,,,,,1,10,USD",
                "2023-05-01,H-DUP,1,Hist Name Co,,,,,1,10,USD",
                "2023-05-01,H-OTHER,,Hist Name Co,,,,,1,10,USD",
                "2023-05-02,H-OTHER,,Hist Name Co,,,,,1,10,USD",
                "2023-05-01,,,Hist Name Co,,,,,1,10,USD",
            ]
        )
        self.assertEqual(wizard.state, "rejected")
        self.assertEqual((wizard.imported_count, wizard.rejected_count), (0, 9))
        self.assertFalse(self._rows("H-OK"))
        report = wizard.report
        for row, text in (
            (3, "unknown currency “XYZ”"),
            (4, "negative quantity “-2”"),
            (5, "bad date “2023-02-30”"),
            (6, "bad date “yesterday”"),
            (7, "bad amount “ten”"),
            (8, "several customers match “Hist Twin Co”"),
            (10, "duplicate document line"),
            (12, "document H-OTHER has another customer or date on row 11"),
            (13, "no document number"),
        ):
            self.assertIn(f"Row {row}: {text}", report)
        self.assertNotIn("Row 2:", report)
        self.assertNotIn("Row 9:", report)
        rejected = base64.b64decode(wizard.rejected_file).decode("utf-8-sig").splitlines()
        self.assertEqual(len(rejected), 10)  # header and the nine rows, with their reason
        self.assertIn("XYZ", rejected[1])

    def test_skip_bad_rows(self):
        wizard = self._import(
            [
                "2023-05-01,H-S1,,Hist Name Co,,,,,1,10,USD",
                "2023-05-01,H-S2,,Hist Name Co,,,,,1,10,XYZ",
                "2023-05-03,H-S3,,Hist Name Co,,,,,3,30,USD",
            ],
            skip=True,
        )
        self.assertEqual(wizard.state, "done")
        self.assertEqual((wizard.imported_count, wizard.rejected_count), (2, 1))
        self.assertEqual(self._rows("H-S1", "H-S2", "H-S3").mapped("document_number"), ["H-S1", "H-S3"])
        self.assertIn("Row 3: unknown currency", wizard.report)

    def test_reimport_does_not_double(self):
        lines = [
            "2023-05-01,H-R1,,Hist Name Co,,,,HW-1,1,10,USD",
            "2023-05-01,H-R1,,Hist Name Co,,,,Service,1,5,USD",
            "2023-05-09,H-R2,,New Re-import Co (hist),,,,,1,7,USD",
        ]
        first = self._import(lines)
        self.assertEqual((first.new_count, first.created_partner_count), (3, 1))
        rows = self._rows("H-R1", "H-R2")
        self.assertEqual(rows.mapped("line"), [1, 2, 1])
        again = self._import(lines)
        self.assertEqual((again.imported_count, again.new_count, again.updated_count), (3, 0, 0))
        self.assertEqual(again.created_partner_count, 0)  # the customer created the first time is found
        self.assertEqual(self._rows("H-R1", "H-R2"), rows)
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "New Re-import Co (hist)")]), 1)
        # a corrected file: the changed line is updated, a line no longer there is removed
        corrected = self._import([lines[0].replace(",10,", ",12,"), lines[2]])
        self.assertEqual((corrected.new_count, corrected.updated_count), (0, 1))
        rows = self._rows("H-R1", "H-R2")
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[0].amount, 12)

    def test_xlsx_and_sample_file(self):
        workbook = openpyxl.Workbook()
        workbook.active.append(["date", "document", "customer", "amount"])
        workbook.active.append([__import__("datetime").date(2022, 12, 24), "H-X1", "Hist Name Co", 99.5])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = self.env["crm_ext.sales.history.import"].create(
            {"file": base64.b64encode(buffer.getvalue()), "filename": "history.xlsx"}
        )
        wizard.action_import()
        self.assertEqual(wizard.state, "done", wizard.report)
        self.assertEqual(str(self._rows("H-X1").date), "2022-12-24")
        # the sample file offered in the wizard imports as it is (on the demo data)
        with file_open("crm_ext_sales/static/samples/sales_history_sample.csv", "rb") as sample:
            wizard = self.env["crm_ext.sales.history.import"].create(
                {"file": base64.b64encode(sample.read()), "filename": "sample.csv"}
            )
        wizard.action_import()
        self.assertEqual(wizard.state, "done", wizard.report)
        self.assertEqual(wizard.imported_count, 9)

    def test_unknown_column_and_company(self):
        with self.assertRaises(UserError):
            self.env["crm_ext.sales.history.import"].create(
                {"file": base64.b64encode(b"date,document,customer,amount,colour\n"), "filename": "h.csv"}
            ).action_import()
        data = b"date,document,customer,amount,company\n2023-01-01,H-C1,Hist Name Co,5,No Such Company\n"
        wizard = self.env["crm_ext.sales.history.import"].create(
            {"file": base64.b64encode(data), "filename": "h.csv"}
        )
        wizard.action_import()
        self.assertIn("unknown company “No Such Company”", wizard.report)

    def test_customer_360_before_odoo(self):
        self._import(
            [
                "2023-01-05,H-360A,,Hist Ref Co,HREF-1,,,,1,100,USD",
                "2023-01-05,H-360A,,Hist Ref Co,HREF-1,,,,1,50,USD",
                "2023-04-05,H-360B,,Hist Ref Co,HREF-1,,,,1,-30,USD",
            ]
        )
        partner = self.by_ref.with_user(self.sales_user)
        self.assertEqual(partner.crm_ext_sales_history_count, 2)
        self.assertAlmostEqual(partner.crm_ext_sales_history_amount, 120.0)
        self.assertEqual(str(partner.crm_ext_sales_history_last_date), "2023-04-05")
        action = partner.action_view_sales_history()
        self.assertEqual(self.env["crm_ext.sales.history"].search_count(action["domain"]), 3)

    @users("crm_ext_sales_user")
    def test_salesman_reads_but_does_not_import(self):
        with self.assertRaises(AccessError):
            self.env["crm_ext.sales.history.import"].create(
                {"file": base64.b64encode(b"date\n"), "filename": "h.csv"}
            )
        self.env["crm_ext.sales.history"].search([])  # reading is allowed

    def test_accountant_imports(self):
        wizard = self._import(["2023-05-01,H-ACC,,Hist Name Co,,,,,1,10,USD"], user=self.accountant)
        self.assertEqual(wizard.state, "done", wizard.report)
        self.assertEqual(self._rows("H-ACC").create_uid, self.accountant)


@tagged("post_install", "-at_install")
class TestSalesHistoryImportInBackground(SalesHistoryImportCase):
    """A file bigger than ``_import_background_bytes`` is queued by the Import button and
    imported by the scheduled action, as the user who queued it, who is told the result."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("crm_ext_sales.ir_cron_import_queue")

    def setUp(self):
        super().setUp()
        # every file of these tests is "big"
        self.patch(type(self.env["crm_ext.sales.history.import"]), "_import_background_bytes", 10)

    def _inbox(self, user):
        return self.env["mail.message"].search(
            [("partner_ids", "in", user.partner_id.ids), ("message_type", "=", "user_notification")]
        )

    def test_big_file_queued_then_imported_as_its_user(self):
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        wizard = self._import(["2023-05-01,H-BG1,,Hist Name Co,,,,,1,10,USD"], user=self.accountant)
        self.assertEqual(wizard.state, "queued")
        self.assertIn("imported in the background", wizard.report)
        self.assertEqual(wizard.queued_company_ids, self.accountant.company_id)
        self.assertFalse(self._rows("H-BG1"), "nothing is imported in the request")
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers + 1
        )
        with self.assertRaisesRegex(UserError, "already queued"):
            wizard.action_import()

        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual(wizard.state, "done", wizard.report)
        row = self._rows("H-BG1")
        self.assertEqual((row.amount, row.create_uid), (10, self.accountant))
        message = self._inbox(self.accountant)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subject, "Import Sales History")
        self.assertIn("1 row(s) of sales history imported", message.body)
        # nothing left to do: a second call finds no queued import
        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual(len(self._inbox(self.accountant)), 1)

    def test_rejected_in_background_sends_the_rejected_rows(self):
        wizard = self._import(
            ["2023-05-01,H-BG2,,Hist Name Co,,,,,1,10,USD", "2023-05-01,H-BG3,,Hist Name Co,,,,,1,10,XYZ"],
            user=self.accountant,
        )
        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual(wizard.state, "rejected")
        self.assertFalse(self._rows("H-BG2"), "all or nothing, in the background too")
        message = self._inbox(self.accountant)
        self.assertIn("Row 3: unknown currency", message.body)
        self.assertEqual(message.attachment_ids.mapped("name"), ["history-rejected.csv"])

    def test_report_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(["crm_ext_sales"], ["fa_IR"])
        self.accountant.lang = "fa_IR"
        wizard = self._import(["2023-05-01,H-BG7,,Hist Name Co,,,,,1,10,USD"], user=self.accountant)
        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual(wizard.state, "done", wizard.report)
        english = wizard.with_context(lang="en_US")._import_done_message(1)
        persian = wizard.with_context(lang="fa_IR")._import_done_message(1)
        self.assertNotEqual(persian, english)
        self.assertEqual(wizard.report, persian)
        message = self._inbox(self.accountant)
        self.assertIn(persian, message.body)
        # the subject is the import's name in the user's language, not in the cron's
        self.assertEqual(message.subject, "ورود سابقهٔ فروش")

    def test_rights_lost_before_the_run_import_nothing(self):
        wizard = self._import(["2023-05-01,H-BG4,,Hist Name Co,,,,,1,10,USD"], user=self.accountant)
        self.accountant.groups_id -= self.env.ref("account.group_account_invoice")
        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual(wizard.state, "rejected")
        self.assertFalse(self._rows("H-BG4"))
        self.assertTrue(self._inbox(self.accountant))

    def test_oldest_queued_import_first_one_per_call(self):
        first = self._import(["2023-05-01,H-BG5,,Hist Name Co,,,,,1,10,USD"], user=self.accountant)
        second = self._import(["2023-05-01,H-BG6,,Hist Name Co,,,,,1,10,USD"])
        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual((first.state, second.state), ("done", "queued"))
        self.env["crm_ext.sales.history.import"]._cron_import_queue()
        self.assertEqual(second.state, "done")
        self.assertEqual(self._rows("H-BG6").create_uid, self.env.user)
