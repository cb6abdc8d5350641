"""Import of the sales made before Odoo (``crm_ext.sales.history``), for a million rows at once.

The file is read with the import base (CSV or XLSX) but its rows are not checked one by one in
Python: they are copied as text into a temporary table with COPY, then checked, matched (company,
currency, customer, product) and written with a few set-based SQL statements. Values from the file
are always query parameters or COPY data, never SQL text. Matching customers and products, and
creating the customers nobody matches, are in ``crm_ext_sales_history_import_match.py``.
"""

import base64
import datetime
import io
import logging
import re
import time

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

COLUMNS = (
    "date", "document", "customer", "amount",  # required
    "line", "customer_ref", "customer_vat", "customer_email", "product", "quantity", "currency", "company",
)  # fmt: skip
COPY_ROWS = 100_000  # rows per COPY statement
WORK_MEM = "256MB"
RAW = "crm_ext_history_raw"  # the file's cells, as text
ROWS = "crm_ext_history_rows"  # the rows parsed and matched
CUSTOMERS = "crm_ext_history_customers"  # one line per customer of the file
PRODUCTS = "crm_ext_history_products"  # one line per product text of the file
NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
VAT_NOISE = r"[\s.-]"  # spaces, dots and dashes people type in VAT numbers


def _parse_cells(date_text, amount_text, quantity_text, line_text):
    """The COPY fields (tab-separated) of a row's parsed date, amount, quantity, line and the codes
    of their problems (comma-separated); checked here, in Python, once per row: cheaper than
    regular expressions in SQL."""
    problems = []
    date = "\\N"
    text = date_text[:10] if date_text.endswith(" 00:00:00") else date_text
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            date = datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            problems.append("date")
    else:
        problems.append("date")
    amount = "\\N"
    if NUMBER.fullmatch(amount_text):
        amount = amount_text
    else:
        problems.append("amount")
    quantity = "1"
    if quantity_text:
        if not NUMBER.fullmatch(quantity_text):
            problems.append("quantity")
            quantity = "\\N"
        elif quantity_text.startswith("-") and float(quantity_text):
            problems.append("negative")
            quantity = "\\N"
        else:
            quantity = quantity_text
    line = "\\N"
    if line_text:
        if line_text.isdigit() and len(line_text) <= 9 and line_text.isascii():
            line = line_text
        else:
            problems.append("line")
    return f"{date}\t{amount}\t{quantity}\t{line}\t{','.join(problems)}"


def _copy_text(value):
    """A cell as a field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


class CrmExtSalesHistoryImport(models.TransientModel):
    """Imports sales history from a CSV or Excel file (see ``crm_ext.import.mixin`` and the
    module's readme for the columns). Rows already imported (same company, document number and
    line) are updated, never added twice."""

    _name = "crm_ext.sales.history.import"
    _inherit = "crm_ext.import.mixin"
    _description = "Import Sales History"

    _import_model = "crm_ext.sales.history"
    _import_required_columns = COLUMNS[:4]
    _import_optional_columns = COLUMNS[4:]
    _import_strict_columns = True
    _import_max_rows = 2_000_000

    created_partner_count = fields.Integer(string="Customers Created", readonly=True)
    new_count = fields.Integer(string="New Rows", readonly=True)
    updated_count = fields.Integer(string="Rows Updated", readonly=True)

    def init(self):
        # the uploaded file (up to a hundred megabytes) is kept uncompressed: PostgreSQL's
        # compression of it took longer than the whole import of its rows
        self.env.cr.execute(
            SQL("ALTER TABLE %s ALTER COLUMN file SET STORAGE EXTERNAL", SQL.identifier(self._table))
        )

    # ------------------------------------------------------------------ reading into the database

    def _history_copy(self):
        """Reads the file into the temporary table RAW (row number, then COLUMNS as text);
        returns the header and the number of data rows."""
        cr = self.env.cr
        data = base64.b64decode(self.file or b"")
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UserError(_("Excel 97-2003 (.xls) files cannot be read: save the sheet as .xlsx or CSV."))
        records = (
            self._import_read_xlsx(data) if data.startswith(b"PK\x03\x04") else self._import_read_csv(data)
        )
        definition = SQL(", ").join(SQL("%s text", SQL.identifier(name)) for name in COLUMNS)
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(RAW)))
        cr.execute(
            SQL(
                """CREATE TEMPORARY TABLE %s (row_no int, %s, parsed_date date, parsed_amount numeric,
                   parsed_quantity numeric, parsed_line int, parsed_problems text) ON COMMIT DROP""",
                SQL.identifier(RAW),
                definition,
            )
        )
        header, positions, count, buffer = None, None, 0, io.StringIO()
        for number, cells in records:
            if not any(cells):
                continue
            if header is None:
                header = [cell.lower() for cell in cells]
                self._import_check_header(header)
                positions = [header.index(name) if name in header else None for name in COLUMNS]
                width = len(header)
                date_at, amount_at, quantity_at, line_at = (
                    positions[COLUMNS.index(name)] for name in ("date", "amount", "quantity", "line")
                )
                continue
            if count == self._import_max_rows:
                raise UserError(
                    _(
                        "The file has more than %(count)s rows: "
                        "split it into files of at most %(count)s rows.",
                        count=self._import_max_rows,
                    )
                )
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            buffer.write(str(number))
            for position in positions:
                buffer.write("\t")
                if position is not None:
                    buffer.write(_copy_text(cells[position]))
            buffer.write("\t")
            buffer.write(
                _parse_cells(
                    cells[date_at],
                    cells[amount_at],
                    cells[quantity_at] if quantity_at is not None else "",
                    cells[line_at] if line_at is not None else "",
                )
            )
            buffer.write("\n")
            count += 1
            if count % COPY_ROWS == 0:
                self._history_copy_buffer(buffer)
                buffer = io.StringIO()
                _logger.info("%s: %s rows read", self._name, count)
        if header is None:
            raise UserError(_("The file is empty."))
        self._history_copy_buffer(buffer)
        cr.execute(SQL("ANALYZE %s", SQL.identifier(RAW)))
        return header, count

    def _history_copy_buffer(self, buffer):
        if buffer.tell():
            buffer.seek(0)
            self.env.cr.copy_expert(f"COPY {RAW} FROM STDIN", buffer)  # RAW: a constant, no user text

    # ------------------------------------------------------------------ checking and matching

    def _history_companies(self):
        """(keys, ids): the companies a row may name (the user's), by id and lower-case name."""
        keys, ids = [], []
        for company in self.env.user.company_ids:
            keys += [str(company.id), company.name.strip().lower()]
            ids += [company.id, company.id]
        return keys, ids

    def _history_parse(self):
        """ROWS: RAW's rows with their company, currency, date, numbers, line, and the codes of
        their problems so far."""
        cr = self.env.cr
        keys, ids = self._history_companies()
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(ROWS)))
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(rows)s ON COMMIT DROP AS
                SELECT raw.row_no,
                       company.id AS company_id,
                       currency.id AS currency_id,
                       btrim(raw.document) AS document,
                       btrim(raw.customer) AS customer,
                       btrim(COALESCE(raw.customer_ref, '')) AS customer_ref,
                       CASE WHEN COALESCE(raw.customer_vat, '') = '' THEN ''
                            ELSE upper(regexp_replace(raw.customer_vat, %(vat_noise)s, '', 'g'))
                       END AS customer_vat,
                       lower(btrim(COALESCE(raw.customer_email, ''))) AS customer_email,
                       btrim(COALESCE(raw.product, '')) AS product,
                       raw.parsed_amount AS amount,
                       raw.parsed_quantity AS quantity,
                       raw.parsed_line AS line,
                       raw.parsed_date AS date,
                       array_remove(ARRAY[
                           CASE WHEN company.id IS NULL THEN 'company' END,
                           CASE WHEN company.id IS NOT NULL AND currency.id IS NULL THEN 'currency' END,
                           CASE WHEN btrim(raw.document) = '' THEN 'document' END,
                           CASE WHEN btrim(raw.customer) = '' THEN 'customer' END
                       ], NULL) || string_to_array(NULLIF(raw.parsed_problems, ''), ',') AS problems
                  FROM %(raw)s raw
             LEFT JOIN unnest(%(keys)s::text[], %(ids)s::int[]) AS allowed(key, id)
                    ON allowed.key = CASE WHEN COALESCE(btrim(raw.company), '') = '' THEN %(default)s
                                          ELSE lower(btrim(raw.company)) END
             LEFT JOIN res_company company ON company.id = allowed.id
             LEFT JOIN res_currency company_currency ON company_currency.id = company.currency_id
             LEFT JOIN res_currency currency
                    ON currency.name = CASE WHEN COALESCE(btrim(raw.currency), '') = ''
                                            THEN company_currency.name
                                            ELSE upper(btrim(raw.currency)) END
                """,
                rows=SQL.identifier(ROWS),
                raw=SQL.identifier(RAW),
                keys=keys,
                ids=ids,
                default=str(self.env.company.id),
                vat_noise=VAT_NOISE,
            )
        )

    def _history_check_documents(self):
        """Adds the problems found across rows: an ambiguous customer, a document whose rows name
        another customer or date than its first row, a line number given twice; numbers the lines
        of the documents that do not give them (in the file's order)."""
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS crm_ext_history_checked"))
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE crm_ext_history_checked ON COMMIT DROP AS
                SELECT r.*, c.id AS customer_key, c.ambiguous,
                       first_value(r.row_no) OVER document AS first_row,
                       first_value(c.id) OVER document AS first_customer,
                       first_value(r.date) OVER document AS first_date,
                       COALESCE(r.line, row_number() OVER document) AS line_no
                  FROM %(rows)s r
             LEFT JOIN %(customers)s c
                    ON c.company_id = r.company_id AND c.customer = r.customer
                   AND c.customer_ref = r.customer_ref
                   AND c.customer_vat = r.customer_vat AND c.customer_email = r.customer_email
                WINDOW document AS (PARTITION BY r.company_id, r.document ORDER BY r.row_no)
                """,
                rows=SQL.identifier(ROWS),
                customers=SQL.identifier(CUSTOMERS),
            )
        )
        cr.execute(SQL("DROP TABLE %s", SQL.identifier(ROWS)))
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(rows)s ON COMMIT DROP AS
                SELECT checked.*,
                       problems || array_remove(ARRAY[
                           CASE WHEN ambiguous THEN 'ambiguous' END,
                           CASE WHEN company_id IS NOT NULL AND document != ''
                                 AND (customer_key IS DISTINCT FROM first_customer
                                      OR date IS DISTINCT FROM first_date)
                                THEN 'conflict' END,
                           CASE WHEN company_id IS NOT NULL AND document != ''
                                 AND COUNT(*) OVER line_of_document > 1
                                 AND row_no != MIN(row_no) OVER line_of_document
                                THEN 'duplicate' END
                       ], NULL) AS issues
                  FROM crm_ext_history_checked checked
                WINDOW line_of_document AS (PARTITION BY company_id, document, line_no)
                """,
                rows=SQL.identifier(ROWS),
            )
        )
        cr.execute(SQL("DROP TABLE crm_ext_history_checked"))
        cr.execute(SQL("ANALYZE %s", SQL.identifier(ROWS)))

    def _history_rejected(self):
        """(row number, reason) of the rejected rows, in the file's order."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT r.row_no, r.issues, r.document, r.customer, raw.currency, raw.date, raw.amount,
                       raw.quantity, raw.company, raw.line, r.first_row
                  FROM %(rows)s r JOIN %(raw)s raw ON raw.row_no = r.row_no
                 WHERE cardinality(r.issues) > 0
              ORDER BY r.row_no
                """,
                rows=SQL.identifier(ROWS),
                raw=SQL.identifier(RAW),
            )
        )
        rejected = []
        for (
            row_no,
            issues,
            document,
            customer,
            currency,
            date,
            amount,
            quantity,
            company,
            line,
            first,
        ) in cr.fetchall():
            texts = {
                "company": _("unknown company “%(company)s”", company=company or ""),
                "currency": _("unknown currency “%(currency)s”", currency=currency or ""),
                "date": _("bad date “%(date)s” (YYYY-MM-DD)", date=date or ""),
                "document": _("no document number"),
                "customer": _("no customer"),
                "amount": _("bad amount “%(amount)s”", amount=amount or ""),
                "quantity": _("bad quantity “%(quantity)s”", quantity=quantity or ""),
                "negative": _("negative quantity “%(quantity)s”", quantity=quantity or ""),
                "line": _("bad line number “%(line)s”", line=line or ""),
                "ambiguous": _("several customers match “%(customer)s”", customer=customer),
                "conflict": _(
                    "document %(document)s has another customer or date on row %(row)s",
                    document=document,
                    row=first,
                ),
                "duplicate": _("duplicate document line: %(document)s appears twice", document=document),
            }
            rejected.append((row_no, "; ".join(texts[issue] for issue in issues)))
        return rejected

    # ------------------------------------------------------------------ writing

    def _history_write(self):
        """Writes the good rows: new lines inserted, lines already imported updated when they
        changed, and the lines of a re-imported document that its new rows no longer hold
        removed. Returns (written, inserted, deleted)."""
        cr = self.env.cr
        History = self.env["crm_ext.sales.history"]
        History.flush_model()
        self.env["res.currency.rate"].flush_model()
        now = fields.Datetime.now()
        cr.execute(SQL("DROP TABLE IF EXISTS crm_ext_history_rates"))
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE crm_ext_history_rates ON COMMIT DROP AS
                SELECT keys.company_id, keys.currency_id, keys.date,
                       company.currency_id AS company_currency_id,
                       CASE WHEN keys.currency_id = company.currency_id THEN 1.0
                            ELSE COALESCE((SELECT rate FROM res_currency_rate r
                                            WHERE r.currency_id = company.currency_id AND r.name <= keys.date
                                              AND (r.company_id IS NULL OR r.company_id = keys.company_id)
                                         ORDER BY r.company_id, r.name DESC LIMIT 1), 1.0)
                               / COALESCE((SELECT rate FROM res_currency_rate r
                                            WHERE r.currency_id = keys.currency_id AND r.name <= keys.date
                                              AND (r.company_id IS NULL OR r.company_id = keys.company_id)
                                         ORDER BY r.company_id, r.name DESC LIMIT 1),
                                          (SELECT rate FROM res_currency_rate r
                                            WHERE r.currency_id = keys.currency_id
                                              AND (r.company_id IS NULL OR r.company_id = keys.company_id)
                                         ORDER BY r.company_id, r.name LIMIT 1), 1.0)
                       END AS factor
                  FROM (SELECT DISTINCT company_id, currency_id, date FROM %(rows)s
                         WHERE cardinality(issues) = 0) keys
                  JOIN res_company company ON company.id = keys.company_id
                """,
                rows=SQL.identifier(ROWS),
            )
        )
        # statistics of the small temporary tables, or the planner may loop over them per row
        cr.execute(SQL("ANALYZE crm_ext_history_rates"))
        cr.execute(SQL("ANALYZE %s", SQL.identifier(PRODUCTS)))
        # documents of the file already imported: their lines that the file no longer has go
        cr.execute(
            SQL(
                """
                DELETE FROM crm_ext_sales_history history
                 USING (SELECT stored.id
                          FROM crm_ext_sales_history stored
                          JOIN (SELECT DISTINCT company_id, document FROM %(rows)s
                                 WHERE cardinality(issues) = 0) documents
                            ON documents.company_id = stored.company_id
                           AND documents.document = stored.document_number
                     LEFT JOIN %(rows)s r
                            ON r.company_id = stored.company_id AND r.document = stored.document_number
                           AND r.line_no = stored.line AND cardinality(r.issues) = 0
                         WHERE r.row_no IS NULL) gone
                 WHERE history.id = gone.id
                """,
                rows=SQL.identifier(ROWS),
            )
        )
        deleted = cr.rowcount
        cr.execute(
            SQL(
                """
                WITH written AS (
                    INSERT INTO crm_ext_sales_history AS history
                           (company_id, partner_id, date, document_number, line, product_id, product_label,
                            quantity, currency_id, amount, amount_company,
                            create_uid, create_date, write_uid, write_date)
                    SELECT r.company_id, c.partner_id, r.date, r.document, r.line_no, p.product_id,
                           NULLIF(r.product, ''), r.quantity, r.currency_id, r.amount,
                           round(r.amount * rates.factor / currency.rounding) * currency.rounding,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM %(rows)s r
                      JOIN %(customers)s c ON c.id = r.customer_key
                 LEFT JOIN %(products)s p ON p.company_id = r.company_id AND p.product = r.product
                      JOIN crm_ext_history_rates rates
                        ON rates.company_id = r.company_id AND rates.currency_id = r.currency_id
                       AND rates.date = r.date
                      JOIN res_currency currency ON currency.id = rates.company_currency_id
                     WHERE cardinality(r.issues) = 0
                 ON CONFLICT (company_id, document_number, line) DO UPDATE
                       SET partner_id = EXCLUDED.partner_id, date = EXCLUDED.date,
                           product_id = EXCLUDED.product_id, product_label = EXCLUDED.product_label,
                           quantity = EXCLUDED.quantity, currency_id = EXCLUDED.currency_id,
                           amount = EXCLUDED.amount, amount_company = EXCLUDED.amount_company,
                           write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
                     WHERE (history.partner_id, history.date, history.product_id, history.product_label,
                            history.quantity, history.currency_id, history.amount, history.amount_company)
                           IS DISTINCT FROM
                           (EXCLUDED.partner_id, EXCLUDED.date, EXCLUDED.product_id, EXCLUDED.product_label,
                            EXCLUDED.quantity, EXCLUDED.currency_id, EXCLUDED.amount, EXCLUDED.amount_company)
                 RETURNING (xmax = 0) AS inserted
                )
                SELECT COUNT(*), COUNT(*) FILTER (WHERE inserted) FROM written
                """,
                rows=SQL.identifier(ROWS),
                customers=SQL.identifier(CUSTOMERS),
                products=SQL.identifier(PRODUCTS),
                uid=self.env.uid,
                now=now,
            )
        )
        written, inserted = cr.fetchone()
        cr.execute(SQL("DROP TABLE crm_ext_history_rates"))
        History.invalidate_model()
        return written, inserted, deleted

    def _history_drop(self):
        for table in (RAW, ROWS, CUSTOMERS, PRODUCTS):
            self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))

    # ------------------------------------------------------------------ the import

    def _history_rejected_cells(self, rejected):
        """``(number, reason, cells)`` of the rejected rows, their cells read again from the file."""
        if not rejected:
            return []
        reasons = dict(rejected)
        data = base64.b64decode(self.file)
        records = (
            self._import_read_xlsx(data) if data.startswith(b"PK\x03\x04") else self._import_read_csv(data)
        )
        return [(number, reasons[number], cells) for number, cells in records if number in reasons]

    def _import_run(self):
        self.ensure_one()
        History = self.env["crm_ext.sales.history"]
        History.check_access("create")
        History.check_access("write")
        start = time.monotonic()
        # the joins, sorts and windows over a million rows fit in memory (the default 4 MB spills
        # them to disk); for this transaction only
        self.env.cr.execute(SQL("SET LOCAL work_mem = %s", WORK_MEM))
        self._import_progress(0, 5)
        header, total = self._history_copy()
        self._import_progress(1, 5)
        self._history_parse()
        self._history_match_customers()
        self._history_match_products()
        self._history_check_documents()
        self._import_progress(2, 5)
        rejected = self._history_rejected()
        good = total - len(rejected)
        if not good and (self.skip_bad_rows or not rejected):
            self._history_drop()
            raise UserError(
                "\n".join(
                    [
                        _("The file has no row to import."),
                        *self._import_report_lines(self._history_rejected_cells(rejected)),
                    ]
                )
            )
        done = not rejected or self.skip_bad_rows
        counts = {"created_partner_count": 0, "new_count": 0, "updated_count": 0, "imported_count": 0}
        if done:
            counts["created_partner_count"] = self._history_create_customers()
            self._import_progress(3, 5)
            written, inserted, _deleted = self._history_write()
            counts.update(imported_count=good, new_count=inserted, updated_count=written - inserted)
        self._history_drop()
        self._import_progress(4, 5)
        rejected = self._history_rejected_cells(rejected)
        self.write(
            {
                "state": "done" if done else "rejected",
                "row_count": total,
                "rejected_count": len(rejected),
                **counts,
                **self._import_rejected_file(header, rejected),
            }
        )
        self.report = self._import_report(total, counts["imported_count"], rejected, done)
        self._import_progress(5, 5)
        _logger.info(
            "%s: %s rows read, %s imported, %s rejected in %.1f s",
            self._name, total, counts["imported_count"], len(rejected), time.monotonic() - start,
        )  # fmt: skip
        return self._reopen()

    def _import_done_message(self, count):
        message = _(
            "%(count)s row(s) of sales history imported: %(new)s new, %(updated)s updated, "
            "%(unchanged)s unchanged (imported before).",
            count=count,
            new=self.new_count,
            updated=self.updated_count,
            unchanged=count - self.new_count - self.updated_count,
        )
        if self.created_partner_count:
            message += " " + _("%(count)s customer(s) created.", count=self.created_partner_count)
        return message

    def action_view_history(self):
        self.ensure_one()
        return self.env["ir.actions.act_window"]._for_xml_id("crm_ext_sales.crm_ext_sales_history_action")
