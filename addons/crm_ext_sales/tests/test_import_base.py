"""The import base (crm_ext.import.mixin), through its simplest import: interactions."""

import base64
import csv
import datetime
import io

import openpyxl

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged, users

from .common import CrmExtSalesCase

HEADER = ["date", "channel", "partner", "summary", "duration"]


@tagged("post_install", "-at_install")
class TestImportBase(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Import = cls.env["crm_ext.interaction.import"]
        cls.customer.ref = "AZ-1"

    def _wizard(self, data, **vals):
        return self.env["crm_ext.interaction.import"].create(
            {"file": base64.b64encode(data), "filename": vals.pop("filename", "calls.csv"), **vals}
        )

    def _logged(self, *summaries):
        return self.env["crm_ext.interaction"].search([("summary", "in", list(summaries))])

    def _xlsx(self, rows):
        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def _rows(self, count, refused=()):
        """CSV text of ``count`` good rows, summaries "Call 1"...; rows numbered in ``refused``
        are named "Refused n" (the test's create refuses them)."""
        lines = [",".join(HEADER)]
        for k in range(1, count + 1):
            summary = f"Refused {k}" if k in refused else f"Call {k}"
            lines.append(f"2026-02-{k % 28 + 1:02d},phone,AZ-1,{summary},0.5")
        return "\n".join(lines).encode()

    def _refuse_some_rows(self):
        """The interactions' create refuses the rows named "Refused", as a database constraint would."""
        Interaction = type(self.env["crm_ext.interaction"])
        create = Interaction.create
        calls = []

        def refusing_create(model, vals_list):
            calls.append(len(vals_list))
            if any(vals["summary"].startswith("Refused") for vals in vals_list):
                raise ValidationError("refused by the database (test)")  # pylint: disable=translation-required
            return create(model, vals_list)

        self.patch(Interaction, "create", refusing_create)
        return calls

    @users("crm_ext_sales_user")
    def test_xlsx_workbook_is_read_with_its_dates_and_numbers(self):
        data = self._xlsx(
            [
                ["Date", "Channel", "Partner", "Summary", "Duration"],
                [datetime.datetime(2026, 3, 2, 14, 30), "Phone", "AZ-1", "Excel call", 0.25],
                [],
                [datetime.date(2026, 3, 3), "meeting", "Azure Test Co", "Excel visit", 2],
                [datetime.date(2026, 3, 4), "pigeon", "AZ-1", "Excel bad", None],
            ]
        )
        wizard = self._wizard(data, filename="calls.xlsx", skip_bad_rows=True)
        wizard.action_import()
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("done", 2, 1))
        # the blank row counts: the bad row is the sheet's row 5
        self.assertIn("Row 5: bad channel “pigeon”", wizard.report)
        call, visit = self._logged("Excel call", "Excel visit").sorted("date")
        self.assertEqual(call.date, datetime.datetime(2026, 3, 2, 14, 30))
        self.assertEqual((call.channel, call.duration), ("phone", 0.25))
        self.assertEqual(
            (visit.date, visit.channel, visit.duration), (datetime.datetime(2026, 3, 3), "meeting", 2.0)
        )

    def test_csv_dialect_and_encoding_are_sniffed(self):
        cases = {
            "semicolon": b"date;channel;partner;summary\n2026-01-05;phone;AZ-1;Sniffed semicolon\n",
            "tab, UTF-16 (Excel's Unicode Text)": (
                "date\tchannel\tpartner\tsummary\n2026-01-05\tphone\tAZ-1\tSniffed tab\n"
            ).encode("utf-16"),
            "Persian Windows list separator": (
                "date؛channel؛partner؛summary\n2026-01-05؛phone؛AZ-1؛Sniffed Arabic semicolon\n"
            ).encode(),
            "comma inside quotes, UTF-8 with BOM": (
                'date,channel,partner,summary\n2026-01-05,phone,AZ-1,"Sniffed, quoted"\n'
            ).encode("utf-8-sig"),
        }
        for label, data in cases.items():
            with self.subTest(case=label):
                wizard = self._wizard(data)
                wizard.action_import()
                self.assertEqual((wizard.state, wizard.imported_count), ("done", 1), wizard.report)
        self.assertEqual(
            len(
                self._logged(
                    "Sniffed semicolon", "Sniffed tab", "Sniffed Arabic semicolon", "Sniffed, quoted"
                )
            ),
            4,
        )

    def test_other_encodings_are_chosen_not_guessed(self):
        persian = "date,channel,partner,summary\n2026-01-05,phone,AZ-1,تماس با شرکت\n".encode("cp1256")
        with self.assertRaisesRegex(UserError, "not UTF-8 text"):
            self._wizard(persian).action_import()
        self.assertFalse(self._logged("تماس با شرکت"))
        wizard = self._wizard(persian, encoding="windows-1256")
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertTrue(self._logged("تماس با شرکت"))

    def test_row_cap(self):
        self.patch(type(self.Import), "_import_max_rows", 3)
        with self.assertRaisesRegex(UserError, "more than 3 rows"):
            self._wizard(self._rows(4)).action_import()
        self.assertFalse(self._logged("Call 1"))
        wizard = self._wizard(self._rows(3))
        wizard.action_import()
        self.assertEqual((wizard.state, wizard.imported_count), ("done", 3))

    def test_unusable_files_refused(self):
        cases = {
            "empty": (b"\n \n", "empty"),
            "header only": (b"date,channel,partner,summary\n", "no row to import"),
            "column twice": (b"date,channel,partner,summary,Date\n", "more than once"),
            "Excel 97-2003": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
            "not a workbook": (b"PK\x03\x04 broken archive", "not a readable Excel"),
        }
        for label, (data, message) in cases.items():
            with self.subTest(case=label), self.assertRaisesRegex(UserError, message):
                self._wizard(data).action_import()

    @users("crm_ext_sales_user")
    def test_rejected_rows_file(self):
        text = (
            b"date,channel,partner,summary,note\n"
            b"2026-01-05,phone,AZ-1,Good row,x\n"
            b"2026-01-05,pigeon,AZ-1,Bad row,y\n"
        )
        wizard = self._wizard(text, filename="calls.csv")
        wizard.action_import()
        self.assertEqual(wizard.state, "rejected")
        self.assertEqual(wizard.rejected_filename, "calls-rejected.csv")
        content = base64.b64decode(wizard.rejected_file).decode("utf-8-sig")
        self.assertEqual(
            list(csv.reader(io.StringIO(content))),
            [
                ["date", "channel", "partner", "summary", "note", "Reason"],
                ["2026-01-05", "pigeon", "AZ-1", "Bad row", "y", "bad channel “pigeon”"],
            ],
        )
        # imported again with the good rows only: no rejected file left
        wizard.skip_bad_rows = True
        wizard.action_import()
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("done", 1, 1))
        self.assertTrue(wizard.rejected_file)
        wizard = self._wizard(b"date,channel,partner,summary\n2026-01-05,phone,AZ-1,Clean row\n")
        wizard.action_import()
        self.assertFalse(wizard.rejected_file)

    @users("crm_ext_sales_user")
    def test_rows_refused_when_written_leave_nothing_half_written(self):
        """Batches of 2 rows: the first batch is written before the second fails on row 5 (the
        file's fourth data row); without "Skip bad rows" nothing of it stays."""
        self.patch(type(self.Import), "_import_batch_size", 2)
        calls = self._refuse_some_rows()
        wizard = self._wizard(self._rows(5, refused={4}))
        wizard.action_import()
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("rejected", 0, 1))
        self.assertIn("Row 5: refused by the database (test)", wizard.report)
        self.assertIn("Nothing was imported", wizard.report)
        self.assertFalse(self._logged("Call 1", "Call 2", "Call 3", "Call 5", "Refused 4"))
        # batch 1 (2 rows), batch 2 (fails), its rows one by one, batch 3
        self.assertEqual(calls, [2, 2, 1, 1, 1])

        wizard = self._wizard(self._rows(5, refused={4}), skip_bad_rows=True)
        wizard.action_import()
        self.assertEqual((wizard.state, wizard.imported_count, wizard.rejected_count), ("done", 4, 1))
        self.assertEqual(len(self._logged("Call 1", "Call 2", "Call 3", "Call 5")), 4)
        self.assertFalse(self._logged("Refused 4"))

    def test_rows_checked_and_written_in_batches(self):
        self.patch(type(self.Import), "_import_batch_size", 2)
        calls = self._refuse_some_rows()
        prepared = []
        prepare = type(self.Import)._import_prepare

        def counting_prepare(wizard, rows):
            prepared.append(len(rows))
            return prepare(wizard, rows)

        self.patch(type(self.Import), "_import_prepare", counting_prepare)
        wizard = self._wizard(self._rows(5))
        progress = []
        self.patch(
            type(self.env["ir.cron"]),
            "_notify_progress",
            lambda cron, done, remaining, deactivate=False: progress.append((done, remaining)),
        )
        wizard.action_import()
        self.assertEqual(wizard.imported_count, 5)
        self.assertEqual(prepared, [2, 2, 1])
        self.assertEqual(calls, [2, 2, 1])
        # in a scheduled action, its progress record follows the batches
        self.assertEqual(progress, [(2, 3), (4, 1), (5, 0)])
