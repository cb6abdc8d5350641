"""The base of crm_ext's file imports: read a CSV or Excel file, check its rows in batches,
write the good ones in bulk, and report every rejected row.

A concrete import is a transient model that inherits ``crm_ext.import.mixin`` and says:

- ``_import_model``: the model the rows become (the default ``_import_write`` creates them);
- ``_import_required_columns`` / ``_import_optional_columns``: the header's column names
  (lower case); ``_import_strict_columns`` refuses any other column;
- ``_import_prepare(rows)``: the look-ups a batch of rows needs, read at once for the batch
  (partners by email, countries by code...);
- ``_import_parse_row(row, lookups)``: one row (a dict column -> stripped text) to the values to
  write and the list of its problems (a row with problems is rejected, its values unused);
- ``_import_write(vals_list)``: writes a batch of good rows (one ``create`` of the batch by
  default; an import of history may write with SQL instead), returns the records;
- ``_import_done(records)`` and ``_import_done_message(count)``: after a successful import.

Without "Skip bad rows" a file with a rejected row writes nothing; with it the good rows are
written and the bad ones reported. A row the database refuses at writing is rejected as well:
its batch is written again row by row to find it, and without "Skip bad rows" everything
written is rolled back. Big files are checked and written in batches of ``_import_batch_size``
rows; the progress goes to the server log and, in a scheduled action, to its progress record.

A file bigger than ``_import_background_bytes`` is not imported in the request that uploaded
it (under ``workers > 0`` a request past ``limit_time_real`` is killed, and a million rows take
about two minutes): the import is queued, the scheduled action "crm_ext: file imports in the
background" runs it as the user who queued it, with that user's companies, and the user gets a
notification and an inbox message with the report and the rejected rows.
"""

import base64
import codecs
import csv
import datetime
import io
import logging
import time
import warnings
import zipfile

import chardet
import openpyxl
import psycopg2
from markupsafe import Markup
from openpyxl.utils.exceptions import InvalidFileException

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, split_every

_logger = logging.getLogger(__name__)

XLSX_SIGNATURE = b"PK\x03\x04"  # a zip archive, as every .xlsx file is
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"  # Excel 97-2003
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# comma, semicolon, tab, pipe and the Arabic semicolon (the list separator of Persian Windows)
DELIMITERS = ",;\t|\u061b"
REPORT_LINES = 200  # rejected rows listed in the report; the rejected-rows file has them all
WRITE_ERRORS = (UserError, psycopg2.IntegrityError, psycopg2.DataError)
XLSX_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, SyntaxError)


class CrmExtImportMixin(models.AbstractModel):
    _name = "crm_ext.import.mixin"
    _description = "File Import (base)"

    _import_model = None
    _import_required_columns = ()
    _import_optional_columns = ()
    _import_strict_columns = False
    _import_max_rows = 50_000
    _import_batch_size = 1_000
    # files bigger than this (bytes) are imported by the scheduled action, not in the request
    _import_background_bytes = 5 * 1024 * 1024

    file = fields.Binary(
        required=True, attachment=False, help="A CSV file or an Excel workbook (.xlsx) with a header row."
    )
    filename = fields.Char()
    encoding = fields.Selection(
        "_selection_encoding",
        default="auto",
        required=True,
        help="Character encoding of a CSV file. Detect reads UTF-8 and UTF-16 (Excel's “CSV UTF-8” "
        "and “Unicode Text”); choose another one for files saved in an older format.",
    )
    skip_bad_rows = fields.Boolean(
        string="Skip bad rows",
        help="Import the good rows of a file that has rejected rows. "
        "Without it, a file with any rejected row imports nothing.",
    )
    state = fields.Selection(
        [("draft", "To import"), ("queued", "Queued"), ("rejected", "Rejected"), ("done", "Imported")],
        default="draft",
        readonly=True,
    )
    report = fields.Text(readonly=True)
    row_count = fields.Integer(string="Rows Read", readonly=True)
    imported_count = fields.Integer(readonly=True)
    rejected_count = fields.Integer(readonly=True)
    rejected_file = fields.Binary(
        string="Rejected Rows",
        readonly=True,
        help="The rejected rows with the reason, to correct and import again.",
    )
    rejected_filename = fields.Char(readonly=True)
    queued_company_ids = fields.Many2many(
        "res.company",
        string="Companies of the Import",
        readonly=True,
        help="The companies the user had selected when the import was queued: the background "
        "import runs with them (those the user may still access).",
    )

    def _selection_encoding(self):
        # a method, not a list: the imports of other modules get the labels' translations too
        # (selection values of an inherited field belong to this module's translations, loaded
        # before those imports exist)
        return [
            ("auto", _("Detect (UTF-8, UTF-16)")),
            ("windows-1256", _("Arabic / Persian Windows (1256)")),
            ("windows-1252", _("Western Windows (1252)")),
            ("iso-8859-1", _("Western ISO (Latin-1)")),
        ]

    # ------------------------------------------------------------------
    # hooks of the concrete imports
    # ------------------------------------------------------------------

    def _import_prepare(self, rows):
        """The look-ups that the parsing of ``rows`` (a batch) needs, read in bulk."""
        return {}

    def _import_parse_row(self, row, lookups):
        """``(values, problems)`` of one row; a row with problems is rejected."""
        raise NotImplementedError

    def _import_write(self, vals_list):
        return self.env[self._import_model].create(vals_list)

    def _import_done(self, records):
        """Called after the good rows were written."""

    def _import_done_message(self, count):
        return _("%(count)s row(s) imported.", count=count)

    # ------------------------------------------------------------------
    # reading the file
    # ------------------------------------------------------------------

    def _import_read(self):
        """``(header, rows)``: the column names and ``(row number, cells)`` of the data rows.

        Row numbers are the file's rows (the header's is 1), blank rows counted and skipped.
        """
        data = base64.b64decode(self.file or b"")
        if data.startswith(XLS_SIGNATURE):
            raise UserError(_("Excel 97-2003 (.xls) files cannot be read: save the sheet as .xlsx or CSV."))
        records = (
            self._import_read_xlsx(data) if data.startswith(XLSX_SIGNATURE) else self._import_read_csv(data)
        )
        rows, header = [], None
        for number, cells in records:
            if not any(cells):
                continue
            if header is None:
                header = [cell.lower() for cell in cells]
                self._import_check_header(header)
                continue
            if len(rows) == self._import_max_rows:
                raise UserError(
                    _(
                        "The file has more than %(count)s rows: "
                        "split it into files of at most %(count)s rows.",
                        count=self._import_max_rows,
                    )
                )
            rows.append((number, cells))
        if header is None:
            raise UserError(_("The file is empty."))
        return header, rows

    def _import_read_csv(self, data):
        text = self._import_decode(data)
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self._import_delimiter(first_line))
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [cell.strip() for cell in cells]
        except csv.Error as error:
            raise UserError(_("The CSV file cannot be read: %(error)s", error=error)) from error

    def _import_decode(self, data):
        for mark, codec in BYTE_ORDER_MARKS:
            if data.startswith(mark):
                return data.decode(codec)
        encoding = "utf-8" if self.encoding in (False, "auto") else self.encoding
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            if encoding != "utf-8":
                raise UserError(
                    _("The file is not %(encoding)s text: %(error)s", encoding=encoding, error=error)
                ) from error
            guess = (chardet.detect(data[:65536]).get("encoding") or "").lower()
            labels = dict(self._fields["encoding"]._description_selection(self.env))
            if guess in labels and guess != "auto":
                message = _(
                    "The file is not UTF-8 text; it looks like %(encoding)s. Choose that encoding, "
                    "or save the file as “CSV UTF-8”.",
                    encoding=labels[guess],
                )
            else:
                message = _(
                    "The file is not UTF-8 text. Choose its encoding, or save the file as “CSV UTF-8”."
                )
            raise UserError(message) from error

    def _import_delimiter(self, header_line):
        """The delimiter of a CSV file: the candidate the header row holds most of, else a comma."""
        counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
        best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","

    def _import_read_xlsx(self, data):
        """Rows of the workbook's first sheet, cells as text (dates in ISO format)."""
        unreadable = _("The file is not a readable Excel workbook (.xlsx).")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
                workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except XLSX_ERRORS as error:
            raise UserError(unreadable) from error
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [self._import_cell_text(value) for value in values]
        except XLSX_ERRORS as error:  # the sheet is parsed while read: broken XML is a SyntaxError
            raise UserError(unreadable) from error
        finally:
            workbook.close()

    def _import_cell_text(self, value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime.datetime):
            return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
        if isinstance(value, datetime.date | datetime.time):
            return value.isoformat()
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else f"{value:.15g}"
        return str(value).strip()

    def _import_check_header(self, header):
        known = set(self._import_required_columns) | set(self._import_optional_columns)
        twice = sorted({name for name in header if name and header.count(name) > 1})
        if twice:
            raise UserError(_("The column(s) %(columns)s appear more than once.", columns=", ".join(twice)))
        missing = [name for name in self._import_required_columns if name not in header]
        if missing:
            raise UserError(_("The file lacks the column(s) %(columns)s.", columns=", ".join(missing)))
        unknown = [name for name in header if name not in known]
        if self._import_strict_columns and unknown:
            raise UserError(
                _(
                    "Unknown column(s): %(columns)s. Known columns: %(known)s.",
                    columns=", ".join(unknown),
                    known=", ".join(sorted(known)),
                )
            )

    # ------------------------------------------------------------------
    # checking and writing
    # ------------------------------------------------------------------

    def _import_check_rows(self, header, rows):
        """``(good, rejected)``: ``(number, values, cells)`` and ``(number, reason, cells)`` lists."""
        good, rejected = [], []
        for batch in split_every(self._import_batch_size, rows):
            dicts = [
                dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
                for _n, cells in batch
            ]
            dicts = [{name: value for name, value in row.items() if name} for row in dicts]
            lookups = self._import_prepare(dicts)
            for (number, cells), row in zip(batch, dicts, strict=True):
                values, problems = self._import_parse_row(row, lookups)
                if problems:
                    rejected.append((number, "; ".join(problems), cells))
                else:
                    good.append((number, values, cells))
        return good, rejected

    def _import_write_rows(self, good):
        """Writes the good rows in batches; ``(records, rejected)``, rejected as in ``_import_check_rows``.

        Without "Skip bad rows", a row the database refuses undoes everything written.
        """
        records = self.env[self._import_model]
        rejected = []
        with self.env.cr.savepoint() as everything:
            for batch in split_every(self._import_batch_size, good):
                try:
                    with self.env.cr.savepoint():
                        records |= self._import_write([values for _n, values, _c in batch])
                except WRITE_ERRORS:
                    for number, values, cells in batch:  # again row by row, to name the rows at fault
                        try:
                            with self.env.cr.savepoint():
                                records |= self._import_write([values])
                        except WRITE_ERRORS as error:
                            rejected.append((number, self._import_error_text(error), cells))
                self._import_progress(len(records) + len(rejected), len(good))
            if rejected and not self.skip_bad_rows:
                everything.rollback()
                records = self.env[self._import_model]
        return records, rejected

    def _import_error_text(self, error):
        if isinstance(error, UserError):
            return str(error.args[0]) if error.args else str(error)
        return error.diag.message_primary or str(error).splitlines()[0]

    def _import_progress(self, done, total):
        if total > self._import_batch_size:
            _logger.info("%s: %s of %s rows written", self._name, done, total)
        self.env["ir.cron"]._notify_progress(done=done, remaining=total - done)

    def action_import(self):
        """The Import button: imports the file now, or queues a big one for the scheduled action."""
        self.ensure_one()
        if self.state == "queued":
            raise UserError(_("This file is already queued: it is imported in the background shortly."))
        if self._import_file_size() > self._import_background_bytes:
            return self._import_queue()
        return self._import_run()

    # ------------------------------------------------------------------
    # in the background
    # ------------------------------------------------------------------

    def _import_file_size(self):
        """The uploaded file's size in bytes (of its base64 text, as stored), without reading it."""
        self.flush_recordset(["file"])
        self.env.cr.execute(
            SQL("SELECT octet_length(file) FROM %s WHERE id = %s", SQL.identifier(self._table), self.id)
        )
        row = self.env.cr.fetchone()
        return (row[0] or 0) * 3 // 4 if row else 0

    def _import_queue(self):
        """Queues the import for the scheduled action, with the user's selected companies. The
        user must be allowed to create the rows (the scheduled action checks again, as them)."""
        self.env[self._import_model].check_access("create")
        self.write(
            {
                "state": "queued",
                "report": _(
                    "The file is large: it is imported in the background. You get a notification and "
                    "a message in your inbox with the report when it is done; you may close this window."
                ),
                "queued_company_ids": [fields.Command.set(self.env.companies.ids)],
            }
        )
        # the user may queue imports (checked above); triggering the cron needs no other right
        self.env.ref("crm_ext_sales.ir_cron_import_queue").sudo()._trigger()
        return self._reopen()

    @api.model
    def _cron_import_queue(self):
        """The scheduled action: runs the oldest queued import of any crm_ext import, one per
        call (the cron framework commits it and calls again while imports remain), as the user
        who queued it and with the companies they had selected and may still access."""
        names = [
            name
            for name in self.env.registry.descendants(["crm_ext.import.mixin"], "_inherit")
            if not self.env[name]._abstract
        ]
        queued = [
            wizard
            for name in sorted(names)
            for wizard in self.env[name].sudo().search([("state", "=", "queued")])
        ]
        if not queued:
            return
        wizard = min(queued, key=lambda record: (record.create_date, record._name, record.id))
        # the report, the messages and the notification in the user's language, not the cron's
        wizard.with_context(lang=wizard.create_uid.lang)._import_run_queued()
        remaining = len(queued) - 1
        self.env["ir.cron"]._notify_progress(done=1, remaining=remaining)

    def _import_run_queued(self):
        """Runs a queued import as its user; a refusal (a bad file, rights lost) becomes its report."""
        user = self.create_uid
        companies = (self.queued_company_ids & user.company_ids) or user.company_id
        wizard = self.with_user(user).with_context(allowed_company_ids=companies.ids)
        started = time.monotonic()
        try:
            with self.env.cr.savepoint():
                wizard._import_run()
        except (UserError, AccessError) as error:
            self.write({"state": "rejected", "report": str(error.args[0]) if error.args else str(error)})
        except Exception as error:
            # anything else is a defect to fix, logged with its trace; the import is not tried again
            _logger.exception("%s %s failed", self._name, self.id)
            self.write({"state": "rejected", "report": _("The import failed: %(error)s", error=error)})
        _logger.info(
            "%s %s, queued by %s: %s in %.1f s",
            self._name,
            self.id,
            user.login,
            self.state,
            time.monotonic() - started,
        )
        self._import_notify_user()

    def _import_notify_user(self):
        """Tells the user who queued the import how it went: a notification in the web client and
        a message in their inbox with the report and the rejected rows file."""
        user = self.create_uid
        title = self.env["ir.model"]._get(self._name).name
        kind = "success" if self.state == "done" else "danger"
        summary = (self.report or "").split("\n", 1)[0]
        user._bus_send(
            "simple_notification", {"type": kind, "title": title, "message": summary, "sticky": True}
        )
        attachments = []
        if self.rejected_file:
            attachments.append((self.rejected_filename, base64.b64decode(self.rejected_file)))
        self.env["mail.thread"].message_notify(
            partner_ids=user.partner_id.ids,
            subject=title,
            body=Markup("<p>%s</p>") % title + Markup("<pre>%s</pre>") % (self.report or ""),
            attachments=attachments,
        )

    # ------------------------------------------------------------------
    # the import
    # ------------------------------------------------------------------

    def _import_run(self):
        """Imports the file: reads it, checks every row, writes the good ones; the report."""
        self.ensure_one()
        header, rows = self._import_read()
        good, rejected = self._import_check_rows(header, rows)
        if not good and (self.skip_bad_rows or not rejected):
            raise UserError(
                "\n".join([_("The file has no row to import."), *self._import_report_lines(rejected)])
            )
        records = self.env[self._import_model]
        if not rejected or self.skip_bad_rows:
            records, refused = self._import_write_rows(good)
            rejected = sorted(rejected + refused, key=lambda item: item[0])
        done = not rejected or self.skip_bad_rows
        self.write(
            {
                "state": "done" if done else "rejected",
                "row_count": len(rows),
                "imported_count": len(records),
                "rejected_count": len(rejected),
                "report": self._import_report(len(rows), len(records), rejected, done),
                **self._import_rejected_file(header, rejected),
            }
        )
        if done:
            self._import_done(records)
        return self._reopen()

    # ------------------------------------------------------------------
    # report
    # ------------------------------------------------------------------

    def _import_report_lines(self, rejected):
        lines = []
        for number, reason, _cells in rejected:  # _() needs the method's frame: no comprehension
            lines.append(_("Row %(row)s: %(reason)s", row=number, reason=reason))
        if len(lines) > REPORT_LINES:
            more = len(lines) - REPORT_LINES
            lines = lines[:REPORT_LINES]
            lines.append(_("… and %(count)s more rows: see the rejected rows file.", count=more))
        return lines

    def _import_report(self, total, imported, rejected, done):
        if done:
            summary = [self._import_done_message(imported)]
            if rejected:
                summary.append(_("%(count)s row(s) skipped.", count=len(rejected)))
        else:
            summary = [
                _(
                    "Nothing was imported: %(count)s of %(total)s rows are rejected. "
                    "Correct them, or tick “Skip bad rows”.",
                    count=len(rejected),
                    total=total,
                )
            ]
        lines = self._import_report_lines(rejected)
        return "\n".join([" ".join(summary), *([""] + lines if lines else [])])

    def _import_rejected_file(self, header, rejected):
        """The rejected rows as a CSV file (UTF-8 with a byte order mark, which Excel reads),
        their cells as read and the reason in a last column."""
        if not rejected:
            return {"rejected_file": False, "rejected_filename": False}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*header, _("Reason")])
        for _number, reason, cells in rejected:
            writer.writerow([*cells[: len(header)], *[""] * (len(header) - len(cells)), reason])
        stem = (self.filename or "import").rsplit(".", 1)[0]
        return {
            "rejected_file": base64.b64encode(buffer.getvalue().encode("utf-8-sig")),
            "rejected_filename": f"{stem}-rejected.csv",
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env["ir.model"]._get(self._name).name,
        }
