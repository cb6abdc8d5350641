"""Benchmark data generator: a consistent CRM, sales, stock and accounting history.

``generate(env, size="small", seed=42, **overrides)`` fills the database behind ``env``
with, over the last three years and in two companies (the main company and a second
one in EUR with its own generic chart of accounts):

- customers (companies) and their contacts,
- storable products (some tracked by serial number), warehouses, stock on hand,
- opportunities in every stage, won and lost, linked to the quotations and orders,
- quotations and confirmed sale orders with lines,
- deliveries (done pickings, stock moves, move lines, serial numbers, quants and
  valuation layers),
- posted customer invoices and credit notes with product, tax and receivable lines,
  partly in a foreign currency (EUR invoices of the USD company),
- customer payments reconciled against part of the invoices (partial and full
  reconciliation, matching numbers) and a few unapplied advance payments.

Setup records (second company, currency rates, taxes, warehouses, salespeople,
campaigns, categories, products) use the ORM in batches; every high-volume table is
written with PostgreSQL ``COPY`` from CSV built with numpy/pandas, never with the ORM.
Stored computed fields that Odoo's reports read (amounts, residuals, payment states,
matching numbers, sale order totals and invoice status...) are computed here, with the
same rounding rules as Odoo (per line, half away from zero). Ids are reserved from the
tables' own sequences; the ORM cache is invalidated at the end.

All money is handled as integer cents to keep every entry exactly balanced.
"""

from __future__ import annotations

import io
import logging
import time
from datetime import date

import numpy as np
import pandas as pd

from odoo import Command, fields

_logger = logging.getLogger(__name__)

SECOND_COMPANY_NAME = "crm_ext Bench EU"

SIZES = {
    "small": {"customers": 1_000, "products": 300},
    "large": {"customers": 100_000, "products": 5_000},
}

DEFAULTS = {
    "customers": 1_000,
    "products": 300,
    "orders": None,  # default: orders_per_customer * customers
    "orders_per_customer": 2.0,
    "lines_per_order": 10.0,
    "contacts_per_customer": 1.5,
    "years": 3,
    "serial_share": 0.05,
    "categories": 8,
    "salespeople": 6,
    "campaigns": 6,
    "second_company_share": 0.25,
    "cross_company_share": 0.05,
    "foreign_currency_share": 0.10,
    "quotation_share": 0.08,
    "cancel_share": 0.04,
    "refund_share": 0.05,
    "extra_lead_share": 0.35,
    "advance_payment_share": 0.01,
    # marketing: mass mailings over the period, each sent to this share of the live customers
    "mailings": 24,
    "mailing_share": 0.12,
    # service: customers with tickets, tickets per such customer (mean), tickets of the last
    # ticket_open_days days may still be open; breaches older than escalation_backlog_days
    # were escalated already, the more recent ones wait for the escalation cron
    "ticket_share": 0.3,
    "tickets_per_customer": 2.0,
    "ticket_open_days": 21,
    "escalation_backlog_days": 7,
    "copy_chunk_rows": 250_000,
    # Drop the foreign keys of the tables being loaded and add them back (which validates
    # every row at once) at the end, in the same transaction: per-row foreign key triggers
    # are most of the cost of COPY. None: only from 50,000 orders on.
    "fast_load": None,
}

CATEGORY_NAMES = [
    "Furniture",
    "Lighting",
    "Office Supplies",
    "Electronics",
    "Storage",
    "Seating",
    "Outdoor",
    "Accessories",
    "Networking",
    "Kitchen",
    "Cleaning",
    "Safety",
]
ADJECTIVES = [
    "Blue",
    "Nordic",
    "Atlas",
    "Summit",
    "Prime",
    "Golden",
    "Pacific",
    "Granite",
    "Silver",
    "Vertex",
    "Cedar",
    "Harbor",
    "Crescent",
    "Evergreen",
    "Orion",
    "Pioneer",
    "Quantum",
    "Redwood",
    "Sterling",
    "Titan",
]
NOUNS = [
    "Systems",
    "Logistics",
    "Foods",
    "Design",
    "Retail",
    "Energy",
    "Motors",
    "Studios",
    "Health",
    "Builders",
    "Textiles",
    "Labs",
    "Partners",
    "Farms",
    "Hotels",
    "Media",
    "Optics",
    "Robotics",
    "Trading",
    "Works",
]
LEGAL = ["Ltd", "Inc", "LLC", "GmbH", "SA", "BV", "Co", "Group"]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karim",
    "Lena",
    "Marco",
    "Nina",
    "Omar",
    "Paula",
    "Quentin",
    "Rosa",
    "Sara",
    "Tomas",
]
LAST_NAMES = [
    "Adler",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanov",
    "Jensen",
    "Keller",
    "Lopez",
    "Moreau",
    "Novak",
    "Olsen",
    "Peters",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Weber",
]
CITIES = [
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Fairview",
    "Salem",
    "Madison",
    "Georgetown",
    "Arlington",
    "Ashland",
    "Clinton",
    "Dover",
    "Hudson",
    "Milton",
    "Newport",
]
JOBS = ["Purchasing Manager", "CEO", "Buyer", "Office Manager", "CFO", "Engineer", "Accountant"]
C1_COUNTRIES = [("base.us", 0.85), ("base.ca", 0.10), ("base.mx", 0.05)]
C2_COUNTRIES = [
    ("base.de", 0.25),
    ("base.fr", 0.2),
    ("base.be", 0.1),
    ("base.nl", 0.1),
    ("base.it", 0.15),
    ("base.es", 0.1),
    ("base.at", 0.05),
    ("base.ie", 0.05),
]
TICKET_SUBJECTS = [
    "Delivery arrived damaged",
    "Invoice question",
    "Product does not start",
    "Missing items in delivery",
    "Request for a quote update",
    "Password reset on the portal",
    "Warranty claim",
    "Installation help needed",
    "Wrong product delivered",
    "Change of billing address",
]
OPEN_STAGE_PROBABILITY = [10.0, 30.0, 60.0, 80.0]

SECONDS_PER_DAY = 86_400


def generate(env, size="small", seed=42, **overrides):
    """Fill the database of ``env`` with benchmark data; return a summary dict.

    :param size: "small" (about 1,000 customers, used by the tests) or "large"
        (100,000 customers, about 200,000 orders and 2 million invoice lines).
    :param seed: seed of the numpy random generator; the same seed on the same
        database gives the same data.
    :param overrides: any key of ``DEFAULTS`` (e.g. ``customers=300``).

    The summary holds the ids created, the rows written per table, the seconds spent
    per step and, computed from the generator's own arrays (not read back from the
    database): ``revenue_by_company`` (net invoiced revenue in company currency,
    invoices minus credit notes), ``open_balances`` (receivable residual per customer
    and company) and the invoices per payment state.
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
    params = dict(DEFAULTS)
    params.update(SIZES[size])
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown overrides: {sorted(unknown)}")
    params.update(overrides)
    if not params["orders"]:
        params["orders"] = max(1, round(params["customers"] * params["orders_per_customer"]))
    return _Generator(env, params, seed).run()


def generate_extras(env, seed=42, **overrides):
    """Add the marketing (mailings, traces) and service (tickets, SLAs) data to a database
    already filled by ``generate``; return a summary dict like ``generate``'s (those ids only).

    ``generate`` writes them too; this is for databases generated before they existed. The
    customers are read back (``ref`` ``BC<id>``); their home company is the second company
    for the European countries; their activity window runs from their creation (or the
    start of the period) to today.
    """
    params = dict(DEFAULTS)
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown overrides: {sorted(unknown)}")
    params.update(overrides)
    params["orders"] = params["orders"] or 1
    params["fast_load"] = False
    return _Generator(env, params, seed).run_extras()


# ---------------------------------------------------------------------------
# small numeric helpers
# ---------------------------------------------------------------------------


def _round_half_away(x):
    """Round a float array to integers, half away from zero (Odoo's float_round)."""
    x = np.asarray(x, dtype=np.float64)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5 + 1e-9)).astype(np.int64)


def _to_company(cents, rate):
    """Convert document-currency cents to company-currency cents.

    ``rate`` is Odoo's rate: units of the document currency for one unit of the
    company currency.
    """
    return _round_half_away(np.asarray(cents, dtype=np.float64) / rate)


def _money(cents):
    return np.asarray(cents, dtype=np.int64) / 100.0


def _dates(values):
    """numpy datetime64 -> object array of 'YYYY-MM-DD' strings (None for NaT)."""
    values = np.asarray(values).astype("datetime64[D]")
    out = np.datetime_as_string(values, unit="D").astype(object)
    out[np.isnat(values)] = None
    return out


def _datetimes(values):
    values = np.asarray(values).astype("datetime64[s]")
    out = np.char.replace(np.datetime_as_string(values, unit="s"), "T", " ").astype(object)
    out[np.isnat(values)] = None
    return out


def _nullable(values, mask):
    """Integer array -> pandas nullable Int64 array with NULL where ``mask`` is False."""
    arr = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    arr[~np.asarray(mask, dtype=bool)] = pd.NA
    return arr


def _group_index(keys):
    """Return (unique keys, inverse index) of an integer key array."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, inverse


def _sum_by(inverse, values, n):
    return np.rint(np.bincount(inverse, weights=np.asarray(values, dtype=np.float64), minlength=n)).astype(
        np.int64
    )


def _rank_within(groups):
    """0-based rank of each element within its group, groups given as sorted-order ints."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    counts = np.diff(np.r_[starts, len(groups)])
    ranks_sorted = np.arange(len(groups)) - np.repeat(starts, counts)
    ranks = np.empty(len(groups), dtype=np.int64)
    ranks[order] = ranks_sorted
    return ranks


def _raw_cursor(cr):
    """The psycopg2 cursor behind an Odoo cursor (also behind a TestCursor)."""
    obj = getattr(cr, "_obj", None)
    if obj is None:
        obj = cr._cursor._obj
    return obj


class _Generator:
    def __init__(self, env, params, seed):
        self.env = env(
            context=dict(
                env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
                no_reset_password=True,
            )
        )
        self.cr = env.cr
        self.p = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # marketing and service data draw from their own stream: adding them leaves the rest as it was
        self.xrng = np.random.default_rng([seed, 1])
        self.rows = {}
        self.timings = {}
        self.uid = env.uid
        self.today = fields.Date.context_today(env.user)
        self.now = np.datetime64(fields.Datetime.now().replace(microsecond=0), "s")
        self.today64 = np.datetime64(self.today, "D")
        self.start64 = self.today64 - np.timedelta64(365 * params["years"], "D")
        self.now_str = str(self.now).replace("T", " ")
        fast = params["fast_load"]
        self.fast_load = params["orders"] >= 50_000 if fast is None else bool(fast)
        self._dropped_fks = {}

    # ------------------------------------------------------------------
    # infrastructure
    # ------------------------------------------------------------------

    def _step(self, name, func):
        t0 = time.perf_counter()
        func()
        self.timings[name] = round(time.perf_counter() - t0, 3)
        _logger.info("benchmark data: %s done in %.1fs", name, self.timings[name])

    def _alloc(self, table, n):
        """Reserve ``n`` consecutive ids from the table's id sequence."""
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        self.cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        seq = self.cr.fetchone()[0]
        self.cr.execute("SELECT nextval(%s)", [seq])
        first = self.cr.fetchone()[0]
        self.cr.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
        return first + np.arange(n, dtype=np.int64)

    def _alloc_by_date(self, table, days):
        """Reserve ids for records dated ``days``: the earliest record gets the lowest id."""
        ids = self._alloc(table, len(days))
        result = np.empty_like(ids)
        result[np.argsort(days, kind="stable")] = ids
        return result

    def _copy(self, table, columns):
        """COPY the columns (dict name -> array or scalar) into ``table``."""
        frame = pd.DataFrame(columns)
        n = len(frame)
        if not n:
            return 0
        if self.fast_load:
            self._drop_foreign_keys(table)
        raw = _raw_cursor(self.cr)
        names = ", ".join(f'"{c}"' for c in frame.columns)
        sql = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '')"
        chunk = self.p["copy_chunk_rows"]
        for start in range(0, n, chunk):
            buf = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(buf, index=False, header=False, na_rep="")
            buf.seek(0)
            raw.copy_expert(sql, buf)
        self.rows[table] = self.rows.get(table, 0) + n
        return n

    def _drop_foreign_keys(self, table):
        if table in self._dropped_fks:
            return
        self.cr.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        definitions = self.cr.fetchall()
        for name, _definition in definitions:
            self.cr.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        self._dropped_fks[table] = definitions

    def _restore_foreign_keys(self):
        """Add back the dropped foreign keys: PostgreSQL checks every loaded row."""
        for table, definitions in self._dropped_fks.items():
            for name, definition in definitions:
                self.cr.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        self._dropped_fks = {}

    def _audit(self):
        """The create/write uid/date columns shared by every table."""
        return {
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": self.now_str,
            "write_date": self.now_str,
        }

    def _month_index(self, days):
        months = np.asarray(days).astype("datetime64[M]")
        return (months - self.rate_month0).astype(np.int64)

    # ------------------------------------------------------------------
    # main flow
    # ------------------------------------------------------------------

    def run(self):
        t0 = time.perf_counter()
        self.env.flush_all()
        self._step("setup (ORM)", self._setup)
        self._step("products (ORM batch)", self._products)
        self._step("partners", self._partners)
        self._step("orders (arrays)", self._orders)
        self._step("leads", self._leads)
        self._step("sale orders", self._write_orders)
        self._step("stock", self._stock)
        self._step("invoices and credit notes (arrays)", self._invoices)
        self._step("payments (arrays)", self._payments)
        self._step("accounting", self._write_accounting)
        self._step("mailings and traces", self._marketing)
        self._step("tickets and SLAs", self._service)
        self._step("finalize", self._finalize)
        self.timings["total"] = round(time.perf_counter() - t0, 3)
        return self._summary()

    def run_extras(self):
        t0 = time.perf_counter()
        self.env.flush_all()
        self._step("read the generated customers", self._load_existing)
        self._step("mailings and traces", self._marketing)
        self._step("tickets and SLAs", self._service)
        self._step("finalize", self._finalize_tables)
        self.timings["total"] = round(time.perf_counter() - t0, 3)
        return {
            "seed": self.seed,
            "company_ids": [c.id for c in self.companies],
            "customer_ids": self.cust_ids,
            "mailing_ids": self.mailing_ids,
            "trace_ids": self.trace_ids,
            "ticket_ids": self.ticket_ids,
            "ticket_sla_ids": self.ticket_sla_ids,
            "ticket_backlog": self.ticket_backlog,
            "ticket_stage_messages": self.ticket_stage_messages,
            "revenue_by_company": {},
            "rows": dict(self.rows),
            "timings": dict(self.timings),
            "seconds": self.timings.get("total"),
        }

    def _load_existing(self):
        env = self.env
        c2 = env["res.company"].search([("name", "=", SECOND_COMPANY_NAME)], limit=1)
        if not c2:
            raise ValueError("no benchmark data in this database: run generate() first")
        self.companies = [env.company, c2]
        self._setup_crm()
        self.cr.execute(
            """
            SELECT p.id, p.email, p.create_date::date, c.code
              FROM res_partner p
              LEFT JOIN res_country c ON c.id = p.country_id
             WHERE p.is_company AND p.ref = 'BC' || p.id
          ORDER BY p.id
            """
        )
        rows = self.cr.fetchall()
        c2_codes = {xmlid.split(".")[1].upper() for xmlid, _w in C2_COUNTRIES}
        self.cust_ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.cust_emails = np.array([r[1] for r in rows], dtype=object)
        created = np.array([r[2] for r in rows], dtype="datetime64[D]")
        self.cust_active_from = np.maximum(created, self.start64)
        self.cust_active_to = np.full(len(rows), self.today64)
        self.cust_home = np.array([1 if r[3] in c2_codes else 0 for r in rows], dtype=np.int64)

    # ------------------------------------------------------------------
    # setup with the ORM (few records)
    # ------------------------------------------------------------------

    def _setup(self):
        env = self.env
        c1 = env.company
        eur = env.ref("base.EUR")
        if not eur.active:
            eur.active = True
        c2 = env["res.company"].search([("name", "=", SECOND_COMPANY_NAME)], limit=1)
        if not c2:
            c2 = env["res.company"].create({"name": SECOND_COMPANY_NAME, "currency_id": eur.id})
            env["account.chart.template"].try_loading("generic_coa", c2, install_demo=False)
            if c2.currency_id != eur:
                c2.currency_id = eur
        admin = env.ref("base.user_admin", raise_if_not_found=False)
        if admin and c2 not in admin.company_ids:
            admin.write({"company_ids": [Command.link(c2.id)]})
        if c1.currency_id == eur:
            raise ValueError("the main company must not use EUR: the generator needs two currencies")
        self.companies = [c1, c2]
        self.eur = eur
        self._setup_rates(c1, c2, eur)
        self.co = [self._company_info(c) for c in self.companies]
        self.eur_pricelist = self._pricelist(eur, False, "Bench EUR")
        self._setup_crm()
        self.uom_unit = env.ref("uom.product_uom_unit")
        self.customer_location = env.ref("stock.stock_location_customers")
        self.payment_term = env.ref("account.account_payment_term_30days")
        self.payment_term_days = int(max(self.payment_term.line_ids.mapped("nb_days") or [30]))
        self.lang = env["res.lang"]._lang_get(env.lang or "en_US") or env.ref("base.lang_en")
        self.lang_code = self.lang.code or "en_US"

    def _setup_rates(self, c1, c2, eur):
        """Monthly EUR rates for the main company and the inverse USD rates for the second."""
        months = np.arange(self.start64.astype("datetime64[M]") - 1, self.today64.astype("datetime64[M]") + 1)
        self.rate_month0 = months[0]
        walk = np.cumsum(self.rng.normal(0.0, 0.012, len(months)))
        eur_per_c1 = np.round(0.92 * np.exp(walk - walk.mean()), 4)
        Rate = self.env["res.currency.rate"]
        c1_other = c1.currency_id
        for company, currency, values in (
            (c1, eur, eur_per_c1),
            (c2, c1_other, np.round(1.0 / eur_per_c1, 6)),
        ):
            existing = set(
                Rate.search([("company_id", "=", company.id), ("currency_id", "=", currency.id)]).mapped(
                    "name"
                )
            )
            vals = [
                {
                    "name": str(month) + "-01",
                    "rate": float(value),
                    "currency_id": currency.id,
                    "company_id": company.id,
                }
                for month, value in zip(months, values, strict=True)
                if fields.Date.to_date(str(month) + "-01") not in existing
            ]
            Rate.create(vals)
        # the rates Odoo will use (months that already had a rate keep it): EUR per unit of
        # the main company currency, one per month
        Currency = self.env["res.currency"]
        self.eur_rate = np.array(
            [
                Currency._get_conversion_rate(
                    c1.currency_id, eur, c1, fields.Date.to_date(str(month) + "-01")
                )
                for month in months
            ]
        )

    def _pricelist(self, currency, company, name):
        Pricelist = self.env["product.pricelist"]
        domain = [("currency_id", "=", currency.id)]
        domain += [("company_id", "in", [False, company.id])] if company else [("company_id", "=", False)]
        pricelist = Pricelist.search(domain, limit=1)
        if not pricelist:
            pricelist = Pricelist.create(
                {"name": name, "currency_id": currency.id, "company_id": company.id if company else False}
            )
        return pricelist

    def _company_info(self, company):
        env = self.env
        Journal = env["account.journal"]
        sale_journal = Journal.search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        bank_journal = Journal.search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
        if not sale_journal or not bank_journal:
            raise ValueError(f"company {company.name} has no sale or bank journal (no chart of accounts?)")
        receivable = (
            env["res.partner"].with_company(company).new({"name": "x"}).property_account_receivable_id
        )
        category = env.ref("product.product_category_all").with_company(company)
        income = category.property_account_income_categ_id or sale_journal.default_account_id
        outstanding = (
            env["account.chart.template"]
            .with_context(allowed_company_ids=company.root_id.ids)
            .ref("account_journal_payment_debit_account_id", raise_if_not_found=False)
        ) or company.transfer_account_id
        method_line = bank_journal.inbound_payment_method_line_ids[:1]
        taxes = self._taxes(company)
        warehouses = self._warehouses(company)
        inventory_location = (
            env["ir.default"]._get("product.template", "property_stock_inventory", company_id=company.id)
            or env["stock.location"]
            .search(
                [
                    ("usage", "=", "inventory"),
                    ("company_id", "=", company.id),
                    ("scrap_location", "=", False),
                ],
                limit=1,
            )
            .id
        )
        pricelist = self._pricelist(company.currency_id, company, f"Bench {company.currency_id.name}")
        return {
            "id": company.id,
            "name": company.name,
            "currency_id": company.currency_id.id,
            "sale_journal": sale_journal,
            "bank_journal": bank_journal,
            "receivable_id": receivable.id,
            "income_id": income.id,
            "outstanding_id": outstanding.id,
            "method_line_id": method_line.id,
            "method_id": method_line.payment_method_id.id,
            "method_name": method_line.name or "Manual Payment",
            "taxes": taxes,
            "warehouses": warehouses,
            "inventory_location_id": inventory_location,
            "pricelist_id": pricelist.id,
            "require_signature": bool(company.portal_confirmation_sign),
            "require_payment": bool(company.portal_confirmation_pay),
            "prepayment_percent": company.prepayment_percent or 1.0,
            "inventory_date": self._next_inventory_date(company),
        }

    def _next_inventory_date(self, company):
        month = int(company.annual_inventory_month or 12)
        day = int(company.annual_inventory_day or 31)
        year = self.today.year
        for _attempt in range(2):
            for d in range(day, 27, -1):
                try:
                    candidate = date(year, month, d)
                    break
                except ValueError:
                    continue
            if candidate >= self.today:
                return candidate
            year += 1
        return candidate

    def _taxes(self, company):
        """The company's 15% sale tax and a 5% copy of it; repartition data for SQL."""
        Tax = self.env["account.tax"]
        base = Tax.search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("price_include_override", "in", [False, "tax_excluded"]),
                ("amount", ">", 0),
            ],
            order="amount desc, id",
            limit=1,
        )
        if not base:
            raise ValueError(f"company {company.name} has no percent sale tax")
        reduced = Tax.search(
            [("company_id", "=", company.id), ("type_tax_use", "=", "sale"), ("name", "=", "5% (bench)")],
            limit=1,
        )
        if not reduced:
            reduced = base.copy({"name": "5% (bench)", "amount": 5.0})
        result = []
        for tax in (base, reduced):
            inv = tax.invoice_repartition_line_ids.filtered(lambda r: r.repartition_type == "tax")[:1]
            ref = tax.refund_repartition_line_ids.filtered(lambda r: r.repartition_type == "tax")[:1]
            result.append(
                {
                    "id": tax.id,
                    "pct": round(tax.amount),
                    "name": tax.name,
                    "group_id": tax.tax_group_id.id,
                    "inv_rep_id": inv.id,
                    "inv_account_id": inv.account_id.id,
                    "ref_rep_id": ref.id,
                    "ref_account_id": ref.account_id.id,
                }
            )
        return result

    def _warehouses(self, company):
        Warehouse = self.env["stock.warehouse"]
        warehouses = Warehouse.search([("company_id", "=", company.id)], order="id")
        if not warehouses:
            warehouses = Warehouse.create(
                {"name": f"{company.name} WH", "code": "BEU", "company_id": company.id}
            )
        if company == self.companies[0] and len(warehouses) < 2:
            warehouses |= Warehouse.create({"name": "Bench East", "code": "BEAST", "company_id": company.id})
        result = []
        for wh in warehouses:
            out_type = wh.out_type_id
            rule = wh.delivery_route_id.rule_ids.filtered(
                lambda r, wh=wh: r.location_src_id == wh.lot_stock_id and r.action in ("pull", "pull_push")
            )[:1]
            result.append(
                {
                    "id": wh.id,
                    "code": wh.code,
                    "lot_stock_id": wh.lot_stock_id.id,
                    "out_type_id": out_type.id,
                    "sequence": out_type.sequence_id,
                    "rule_id": rule.id or None,
                }
            )
        return result

    def _setup_crm(self):
        env = self.env
        companies = self.companies
        teams = env["crm.team"].search(
            [("use_opportunities", "=", True), ("company_id", "in", [False])], order="id"
        )
        if not teams:
            teams = env["crm.team"].create({"name": "Bench Sales", "use_opportunities": True})
        Users = env["res.users"].with_context(no_reset_password=True)
        group = env.ref("sales_team.group_sale_salesman")
        users = Users.search([("login", "=like", "bench.sales%@example.com")], order="id")
        missing = self.p["salespeople"] - len(users)
        if missing > 0:
            start = len(users)
            users |= Users.create(
                [
                    {
                        "name": f"{FIRST_NAMES[(start + k) % 20]} {LAST_NAMES[(start + k * 7) % 20]} (bench)",
                        "login": f"bench.sales{start + k + 1}@example.com",
                        "email": f"bench.sales{start + k + 1}@example.com",
                        "company_id": companies[0].id,
                        "company_ids": [Command.set([c.id for c in companies])],
                        "groups_id": [Command.link(group.id)],
                    }
                    for k in range(missing)
                ]
            )
        users = users[: self.p["salespeople"]]
        Member = env["crm.team.member"]
        for k, user in enumerate(users):
            team = teams[k % len(teams)]
            if not Member.search_count([("crm_team_id", "=", team.id), ("user_id", "=", user.id)]):
                Member.create({"crm_team_id": team.id, "user_id": user.id})
        self.user_ids = np.array(users.ids, dtype=np.int64)
        self.user_team_ids = np.array([teams[k % len(teams)].id for k in range(len(users))], dtype=np.int64)
        Campaign = env["utm.campaign"]
        campaigns = Campaign.search([("name", "=like", "Bench Campaign %")], order="id")
        if len(campaigns) < self.p["campaigns"]:
            campaigns |= Campaign.create(
                [{"name": f"Bench Campaign {k + 1}"} for k in range(len(campaigns), self.p["campaigns"])]
            )
        self.campaign_ids = np.array(campaigns.ids[: self.p["campaigns"]], dtype=np.int64)
        self.medium_ids = np.array(env["utm.medium"].search([], order="id").ids or [0], dtype=np.int64)
        self.source_ids = np.array(env["utm.source"].search([], order="id").ids or [0], dtype=np.int64)
        stages = env["crm.stage"].search([], order="sequence, id")
        won = stages.filtered("is_won")[:1]
        if not won:
            won = env["crm.stage"].create({"name": "Won", "is_won": True, "sequence": 70})
        self.won_stage_id = won.id
        self.open_stage_ids = np.array((stages - stages.filtered("is_won")).ids or [won.id], dtype=np.int64)
        reasons = env["crm.lost.reason"].search([], order="id")
        if not reasons:
            reasons = env["crm.lost.reason"].create({"name": "Too expensive"})
        self.lost_reason_ids = np.array(reasons.ids, dtype=np.int64)
        self.industry_ids = np.array(
            env["res.partner.industry"].search([], order="id").ids or [0], dtype=np.int64
        )

    # ------------------------------------------------------------------
    # products (ORM, in one batch)
    # ------------------------------------------------------------------

    def _products(self):
        env = self.env
        rng = self.rng
        n = self.p["products"]
        n_cat = max(1, min(self.p["categories"], len(CATEGORY_NAMES)))
        parent = env.ref("product.product_category_all")
        Category = env["product.category"]
        categories = Category.browse()
        for name in CATEGORY_NAMES[:n_cat]:
            cat = Category.search([("name", "=", f"Bench {name}"), ("parent_id", "=", parent.id)], limit=1)
            categories |= cat or Category.create({"name": f"Bench {name}", "parent_id": parent.id})
        self.category_ids = np.array(categories.ids, dtype=np.int64)
        cat_idx = rng.integers(0, n_cat, n)
        list_cents = np.maximum(100, _round_half_away(np.exp(rng.normal(4.0, 1.1, n)) * 100))
        cost_ratio = rng.uniform(0.45, 0.8, n)
        serial = rng.random(n) < self.p["serial_share"]
        tax_class = (rng.random(n) < 0.2).astype(np.int64)  # 0: standard 15% rate, 1: reduced 5%
        self.cr.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM product_template")
        tag = self.cr.fetchone()[0]
        vals = []
        for i in range(n):
            vals.append(
                {
                    "name": f"{CATEGORY_NAMES[cat_idx[i]]} item {i + 1}",
                    "default_code": f"B{tag}-{i + 1:05d}",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial" if serial[i] else "none",
                    "categ_id": int(self.category_ids[cat_idx[i]]),
                    "list_price": float(list_cents[i]) / 100.0,
                    "invoice_policy": "delivery",
                    "sale_ok": True,
                    "purchase_ok": True,
                    "uom_id": self.uom_unit.id,
                    "uom_po_id": self.uom_unit.id,
                    "taxes_id": [Command.set([co["taxes"][tax_class[i]]["id"] for co in self.co])],
                }
            )
        templates = env["product.template"].create(vals)
        self.product_ids = np.array([t.product_variant_id.id for t in templates], dtype=np.int64)
        self.product_names = np.array([f"[{t.default_code}] {t.name}" for t in templates], dtype=object)
        self.product_cat = cat_idx
        self.product_list_cents = list_cents
        self.product_serial = serial
        self.product_tax = tax_class
        # company-specific costs (the second company's in EUR); written in SQL
        cost_c1 = _round_half_away(list_cents * cost_ratio)
        cost_c2 = _round_half_away(cost_c1 * float(self.eur_rate[-1]))
        self.product_cost = np.vstack([cost_c1, cost_c2])
        env.flush_all()
        self.cr.execute(
            """
            UPDATE product_product p
               SET standard_price = jsonb_build_object(%s, v.c1, %s, v.c2)
              FROM unnest(%s::int[], %s::numeric[], %s::numeric[]) AS v(id, c1, c2)
             WHERE p.id = v.id
            """,
            [
                str(self.co[0]["id"]),
                str(self.co[1]["id"]),
                self.product_ids.tolist(),
                (cost_c1 / 100.0).tolist(),
                (cost_c2 / 100.0).tolist(),
            ],
        )
        # popularity (Zipf-like) used to pick order lines
        weights = 1.0 / np.power(rng.permutation(n) + 1.0, 0.8)
        self.product_pop = weights / weights.sum()
        self.cat_products = [np.flatnonzero(cat_idx == c) for c in range(n_cat)]
        self.rows["product_template"] = n
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # partners
    # ------------------------------------------------------------------

    def _partners(self):
        env = self.env
        rng = self.rng
        n = self.p["customers"]
        n_contacts = np.clip(rng.poisson(self.p["contacts_per_customer"], n), 0, 5)
        k = int(n_contacts.sum())
        ids = self._alloc("res_partner", n + k)
        cust_ids = ids[:n]
        contact_ids = ids[n:]
        contact_parent = np.repeat(np.arange(n), n_contacts)

        home = (rng.random(n) < self.p["second_company_share"]).astype(np.int64)
        country = np.zeros(n, dtype=np.int64)
        for comp, table in ((0, C1_COUNTRIES), (1, C2_COUNTRIES)):
            mask = home == comp
            refs = [env.ref(x).id for x, _w in table]
            w = np.array([w for _x, w in table])
            country[mask] = rng.choice(refs, mask.sum(), p=w / w.sum())
        # the customer's life: created before or during the period, some churn
        period_days = int((self.today64 - self.start64).astype(int))
        created = np.where(
            rng.random(n) < 0.6,
            self.start64 - rng.integers(1, 365, n).astype("timedelta64[D]"),
            self.start64 + rng.integers(0, max(1, period_days - 30), n).astype("timedelta64[D]"),
        )
        active_from = np.maximum(created, self.start64)
        churn = rng.random(n) < 0.25
        span = (self.today64 - active_from).astype(np.int64)
        churn_at = active_from + (np.minimum(90, span) + rng.random(n) * np.maximum(0, span - 90)).astype(
            "timedelta64[D]"
        )
        active_to = np.where(churn, churn_at, self.today64)
        salesperson = rng.integers(0, len(self.user_ids), n)

        adj = rng.integers(0, len(ADJECTIVES), n)
        noun = rng.integers(0, len(NOUNS), n)
        legal = rng.integers(0, len(LEGAL), n)
        names = np.array(
            [
                f"{ADJECTIVES[a]} {NOUNS[b]} {c_ + 1} {LEGAL[d]}"
                for a, b, c_, d in zip(adj, noun, cust_ids, legal, strict=True)
            ],
            dtype=object,
        )
        domains = np.array(
            [
                f"{ADJECTIVES[a].lower()}{NOUNS[b].lower()}{c_}.example.com"
                for a, b, c_ in zip(adj, noun, cust_ids, strict=True)
            ],
            dtype=object,
        )
        first = rng.integers(0, len(FIRST_NAMES), k)
        last = rng.integers(0, len(LAST_NAMES), k)
        contact_names = np.array(
            [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)], dtype=object
        )
        contact_emails = np.array(
            [
                f"{FIRST_NAMES[a].lower()}.{LAST_NAMES[b].lower()}{j}@{domains[p_]}"
                for a, b, j, p_ in zip(first, last, contact_ids, contact_parent, strict=True)
            ],
            dtype=object,
        )
        cust_emails = np.array([f"info@{d}" for d in domains], dtype=object)
        phones = np.array([f"+1555{int(x) % 10_000_000:07d}" for x in ids], dtype=object)
        cities = np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), n)]
        zips = np.array([f"{x:05d}" for x in rng.integers(1000, 99999, n)], dtype=object)
        streets = np.array([f"{x} Main Street" for x in rng.integers(1, 999, n)], dtype=object)

        is_company = np.r_[np.ones(n, bool), np.zeros(k, bool)]
        parent_idx = np.r_[np.arange(n), contact_parent]
        all_names = np.r_[names, contact_names]
        complete = np.r_[
            names,
            np.array(
                [f"{names[p_]}, {c_}" for p_, c_ in zip(contact_parent, contact_names, strict=True)],
                dtype=object,
            ),
        ]
        emails = np.r_[cust_emails, contact_emails]
        created_all = np.r_[created, created[contact_parent]].astype("datetime64[s]") + np.timedelta64(
            9 * 3600, "s"
        )
        cols = {
            "id": ids,
            "name": all_names,
            "complete_name": complete,
            "type": "contact",
            "parent_id": _nullable(cust_ids[parent_idx], ~is_company),
            "commercial_partner_id": cust_ids[parent_idx],
            "commercial_company_name": names[parent_idx],
            "is_company": is_company,
            "active": True,
            "partner_share": True,
            "employee": False,
            "lang": self.lang_code,
            "color": 0,
            "email": emails,
            "email_normalized": emails,
            "phone": phones,
            "phone_sanitized": phones,
            "street": streets[parent_idx],
            "city": cities[parent_idx],
            "zip": zips[parent_idx],
            "country_id": country[parent_idx],
            "website": np.r_[
                np.array([f"https://www.{d}" for d in domains], dtype=object), np.full(k, None, dtype=object)
            ],
            "function": np.r_[
                np.full(n, None, dtype=object), np.array(JOBS, dtype=object)[rng.integers(0, len(JOBS), k)]
            ],
            "ref": np.r_[
                np.array([f"BC{x}" for x in cust_ids], dtype=object), np.full(k, None, dtype=object)
            ],
            "user_id": self.user_ids[salesperson[parent_idx]],
            "industry_id": _nullable(
                self.industry_ids[rng.integers(0, len(self.industry_ids), n + k)],
                is_company & (self.industry_ids[0] > 0),
            ),
            "customer_rank": 0,
            "supplier_rank": 0,
            "autopost_bills": "ask",
            "invoice_warn": "no-message",
            "picking_warn": "no-message",
            "sale_warn": "no-message",
            "message_bounce": 0,
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": _datetimes(created_all),
            "write_date": self.now_str,
        }
        self._copy("res_partner", cols)
        self.cust_ids = cust_ids
        self.cust_names = names
        self.cust_home = home
        self.cust_country = country
        self.cust_active_from = active_from
        self.cust_active_to = active_to
        self.cust_salesperson = salesperson
        self.cust_emails = cust_emails
        self.cust_phones = phones[:n]
        self.contact_ids = contact_ids
        # payment behaviour: mean days to pay and bad payers
        self.cust_pay_delay = rng.choice(
            [3, 10, 20, 30, 45, 60, 90], n, p=[0.08, 0.17, 0.2, 0.25, 0.15, 0.1, 0.05]
        )
        self.cust_bad_payer = rng.random(n) < 0.05

    # ------------------------------------------------------------------
    # orders (arrays only; written after the leads they point to)
    # ------------------------------------------------------------------

    def _orders(self):
        rng = self.rng
        p = self.p
        n_c = len(self.cust_ids)
        n = int(p["orders"])
        window = (self.cust_active_to - self.cust_active_from).astype(np.int64) + 1
        weight = np.exp(rng.normal(0.0, 1.0, n_c)) * window
        cust = rng.choice(n_c, n, p=weight / weight.sum())
        offset = rng.random(n) * window[cust] * SECONDS_PER_DAY
        date_order = self.cust_active_from[cust].astype("datetime64[s]") + offset.astype(np.int64).astype(
            "timedelta64[s]"
        )
        date_order = np.minimum(date_order, self.now - np.timedelta64(3600, "s"))
        order = np.argsort(date_order, kind="stable")
        cust = cust[order]
        date_order = date_order[order]
        company = self.cust_home[cust].copy()
        cross = rng.random(n) < p["cross_company_share"]
        company[cross] = 1 - company[cross]
        foreign = (company == 0) & (rng.random(n) < p["foreign_currency_share"])
        order_day = date_order.astype("datetime64[D]")
        month = self._month_index(order_day)
        # doc currency: main company currency, or EUR (foreign for the main company)
        is_eur = (company == 1) | foreign
        rate = np.where(foreign, self.eur_rate[month], 1.0)
        # state
        recent = order_day > self.today64 - 30
        r = rng.random(n)
        quotation = r < np.where(recent, 0.35, p["quotation_share"])
        cancel = (~quotation) & (r < np.where(recent, 0.35, p["quotation_share"]) + p["cancel_share"])
        confirmed = ~quotation & ~cancel
        pending = confirmed & (date_order > self.now - np.timedelta64(3 * SECONDS_PER_DAY, "s"))
        delivered = confirmed & ~pending
        delivery_dt = date_order + (rng.uniform(0.3, 4.0, n) * SECONDS_PER_DAY).astype(np.int64).astype(
            "timedelta64[s]"
        )
        delivery_dt = np.minimum(delivery_dt, self.now - np.timedelta64(600, "s"))
        invoice_day = delivery_dt.astype("datetime64[D]") + rng.integers(0, 4, n).astype("timedelta64[D]")
        invoice_day = np.minimum(invoice_day, self.today64)
        invoiced = delivered & (rng.random(n) < 0.98)
        state = np.where(
            confirmed, "sale", np.where(cancel, "cancel", np.where(rng.random(n) < 0.5, "draft", "sent"))
        )
        wh = np.zeros(n, dtype=np.int64)
        for comp in (0, 1):
            mask = company == comp
            wh[mask] = rng.integers(0, len(self.co[comp]["warehouses"]), mask.sum())
        salesperson = self.cust_salesperson[cust]

        # lines
        n_lines = np.clip(1 + rng.poisson(p["lines_per_order"] - 1, n), 1, 40)
        line_order = np.repeat(np.arange(n), n_lines)
        n_l = len(line_order)
        theme = rng.integers(0, len(self.cat_products), n)
        product = rng.choice(len(self.product_ids), n_l, p=self.product_pop)
        themed = rng.random(n_l) < 0.7
        line_theme = theme[line_order]
        for c, members in enumerate(self.cat_products):
            mask = themed & (line_theme == c)
            if members.size and mask.any():
                w = self.product_pop[members]
                product[mask] = rng.choice(members, mask.sum(), p=w / w.sum())
        serial = self.product_serial[product]
        qty = np.where(serial, rng.integers(1, 4, n_l), np.clip(rng.geometric(0.35, n_l), 1, 50)).astype(
            np.int64
        )
        line_month = month[line_order]
        # price in the order currency: EUR prices follow the EUR rate of the order month
        price = np.where(
            is_eur[line_order],
            _round_half_away(self.product_list_cents[product] * self.eur_rate[line_month]),
            self.product_list_cents[product],
        )
        discount = np.where(rng.random(n_l) < 0.2, rng.choice([5, 10, 15, 20], n_l), 0).astype(np.int64)
        # discounted prices are multiples of 20 cents so that subtotals are exact cents
        price = np.where(discount > 0, np.maximum(20, (price // 20) * 20), price)
        subtotal = qty * price * (100 - discount) // 100
        line_company = company[line_order]
        tax_class = self.product_tax[product]
        pct = np.where(
            line_company == 0,
            np.array([t["pct"] for t in self.co[0]["taxes"]])[tax_class],
            np.array([t["pct"] for t in self.co[1]["taxes"]])[tax_class],
        )
        tax = (subtotal * pct + 50) // 100
        self.OD = {
            "n": n,
            "cust": cust,
            "partner_id": self.cust_ids[cust],
            "date": date_order,
            "day": order_day,
            "company": company,
            "foreign": foreign,
            "is_eur": is_eur,
            "rate": rate,
            "state": state,
            "confirmed": confirmed,
            "pending": pending,
            "delivered": delivered,
            "invoiced": invoiced,
            "delivery_dt": delivery_dt,
            "invoice_day": invoice_day,
            "wh": wh,
            "user_id": self.user_ids[salesperson],
            "team_id": self.user_team_ids[salesperson],
            "n_lines": n_lines,
            "untaxed": _sum_by(line_order, subtotal, n),
            "tax": _sum_by(line_order, tax, n),
        }
        self.L = {
            "n": n_l,
            "order": line_order,
            "product": product,
            "serial": serial,
            "qty": qty,
            "price": price,
            "discount": discount,
            "subtotal": subtotal,
            "tax": tax,
            "tax_class": tax_class,
            "company": line_company,
            "seq": _rank_within(line_order),
        }
        self.OD["ids"] = self._alloc("sale_order", n)
        self.L["ids"] = self._alloc("sale_order_line", n_l)

    # ------------------------------------------------------------------
    # leads / opportunities
    # ------------------------------------------------------------------

    def _leads(self):
        rng = self.rng
        OD = self.OD
        n_o = OD["n"]
        state = OD["state"]
        # won opportunities for half of the confirmed orders, open ones for quotations,
        # lost ones for half of the cancelled quotations
        won = OD["confirmed"] & (rng.random(n_o) < 0.5)
        proposal = np.isin(state, ["draft", "sent"]) & (rng.random(n_o) < 0.6)
        lost_linked = (state == "cancel") & (rng.random(n_o) < 0.5)
        linked = won | proposal | lost_linked
        linked_orders = np.flatnonzero(linked)
        n_extra = round(n_o * self.p["extra_lead_share"])
        n = len(linked_orders) + n_extra
        ids = self._alloc("crm_lead", n)
        extra_cust = rng.integers(0, len(self.cust_ids), n_extra)
        window = (self.cust_active_to - self.cust_active_from).astype(np.int64) + 1
        extra_created = self.cust_active_from[extra_cust].astype("datetime64[s]") + (
            rng.random(n_extra) * window[extra_cust] * SECONDS_PER_DAY
        ).astype(np.int64).astype("timedelta64[s]")
        extra_created = np.minimum(extra_created, self.now - np.timedelta64(3600, "s"))
        lead_days = rng.integers(3, 45, len(linked_orders)).astype("timedelta64[D]").astype("timedelta64[s]")
        linked_created = OD["date"][linked_orders] - lead_days
        cust = np.r_[OD["cust"][linked_orders], extra_cust]
        created = np.r_[linked_created, extra_created]
        company = np.r_[OD["company"][linked_orders], self.cust_home[extra_cust]]
        # status: 0 open, 1 won, 2 lost
        status = np.r_[
            np.where(won[linked_orders], 1, np.where(lost_linked[linked_orders], 2, 0)),
            np.where(rng.random(n_extra) < 0.55, 2, 0),
        ]
        age_days = (self.now - created).astype(np.int64) / SECONDS_PER_DAY
        # old extra opportunities are closed (lost) rather than left open
        status[len(linked_orders) :][
            (age_days[len(linked_orders) :] > 180) & (status[len(linked_orders) :] == 0)
        ] = 2
        open_stage = np.where(
            np.r_[proposal[linked_orders], np.zeros(n_extra, bool)],
            len(self.open_stage_ids) - 1,
            rng.integers(0, len(self.open_stage_ids), n),
        )
        stage = np.where(status == 1, self.won_stage_id, self.open_stage_ids[open_stage])
        prob_open = np.array(OPEN_STAGE_PROBABILITY + [90.0] * 10)[open_stage]
        probability = np.where(status == 1, 100.0, np.where(status == 2, 0.0, prob_open))
        closed = np.where(
            status == 1,
            np.r_[OD["date"][linked_orders], extra_created],
            created + (rng.uniform(5, 60, n) * SECONDS_PER_DAY).astype(np.int64).astype("timedelta64[s]"),
        )
        closed = np.minimum(closed, self.now - np.timedelta64(60, "s"))
        closed = np.where(status == 0, np.datetime64("NaT"), closed)
        # expected revenue in company currency: the order's untaxed amount, else a guess
        expected = np.r_[
            _to_company(OD["untaxed"][linked_orders], OD["rate"][linked_orders]),
            _round_half_away(np.exp(rng.normal(7.0, 1.0, n_extra)) * 100),
        ]
        prorated = _round_half_away(expected * probability / 100.0)
        campaign = np.where(rng.random(n) < 0.3, rng.integers(0, len(self.campaign_ids), n), -1)
        has_campaign = campaign >= 0
        medium = self.medium_ids[rng.integers(0, len(self.medium_ids), n)]
        source = self.source_ids[rng.integers(0, len(self.source_ids), n)]
        day_close = np.where(
            status == 0,
            np.nan,
            np.floor((closed - created).astype("timedelta64[s]").astype(np.float64) / SECONDS_PER_DAY),
        )
        deadline = created.astype("datetime64[D]") + rng.integers(20, 90, n).astype("timedelta64[D]")
        last_update = np.where(status == 0, created + np.timedelta64(SECONDS_PER_DAY, "s"), closed)
        last_update = np.minimum(last_update, self.now)
        names = self.cust_names[cust]
        cat_names = np.array(CATEGORY_NAMES, dtype=object)[rng.integers(0, len(self.cat_products), n)]
        salesperson = self.cust_salesperson[cust]
        user_id = np.r_[OD["user_id"][linked_orders], self.user_ids[salesperson[len(linked_orders) :]]]
        team_id = np.r_[OD["team_id"][linked_orders], self.user_team_ids[salesperson[len(linked_orders) :]]]
        cols = {
            "id": ids,
            "name": np.array(
                [f"{c} - {a} needs" for a, c in zip(names, cat_names, strict=True)], dtype=object
            ),
            "type": "opportunity",
            "active": status != 2,
            "partner_id": self.cust_ids[cust],
            "partner_name": names,
            "email_from": self.cust_emails[cust],
            "email_normalized": self.cust_emails[cust],
            "email_domain_criterion": np.array(
                ["@" + e.split("@", 1)[1] for e in self.cust_emails[cust]], dtype=object
            ),
            "email_state": "correct",
            "phone": self.cust_phones[cust],
            "phone_sanitized": self.cust_phones[cust],
            "country_id": self.cust_country[cust],
            "lang_id": self.lang.id,
            "company_id": np.array([self.co[0]["id"], self.co[1]["id"]])[company],
            "team_id": team_id,
            "user_id": user_id,
            "stage_id": stage,
            "priority": rng.choice(["0", "1", "2", "3"], n, p=[0.5, 0.3, 0.15, 0.05]),
            "probability": probability,
            "automated_probability": probability,
            "expected_revenue": _money(expected),
            "prorated_revenue": _money(prorated),
            "recurring_revenue": 0.0,
            "recurring_revenue_monthly": 0.0,
            "recurring_revenue_monthly_prorated": 0.0,
            "recurring_revenue_prorated": 0.0,
            "lost_reason_id": _nullable(
                self.lost_reason_ids[rng.integers(0, len(self.lost_reason_ids), n)], status == 2
            ),
            "date_open": _datetimes(created),
            "date_closed": _datetimes(closed),
            "date_last_stage_update": _datetimes(last_update),
            "date_deadline": _dates(deadline),
            "day_open": 0.0,
            "day_close": day_close,
            "campaign_id": _nullable(self.campaign_ids[np.maximum(campaign, 0)], has_campaign),
            "medium_id": _nullable(medium, has_campaign & (medium > 0)),
            "source_id": _nullable(source, has_campaign & (source > 0)),
            "color": 0,
            "message_bounce": 0,
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": _datetimes(created),
            "write_date": _datetimes(last_update),
        }
        self._copy("crm_lead", cols)
        # the orders point to their opportunity and inherit its campaign
        n_link = len(linked_orders)
        OD["lead_id"] = np.zeros(n_o, dtype=np.int64)
        OD["lead_id"][linked_orders] = ids[:n_link]
        OD["campaign_id"] = np.zeros(n_o, dtype=np.int64)
        OD["medium_id"] = np.zeros(n_o, dtype=np.int64)
        OD["source_id"] = np.zeros(n_o, dtype=np.int64)
        link_campaign = has_campaign[:n_link]
        OD["campaign_id"][linked_orders[link_campaign]] = self.campaign_ids[campaign[:n_link][link_campaign]]
        OD["medium_id"][linked_orders[link_campaign]] = medium[:n_link][link_campaign]
        OD["source_id"][linked_orders[link_campaign]] = source[:n_link][link_campaign]
        self.lead_ids = ids
        self.lead_status = status

    # ------------------------------------------------------------------
    # sale orders and lines
    # ------------------------------------------------------------------

    def _write_orders(self):
        OD, L = self.OD, self.L
        n = OD["n"]
        seq = self.env["ir.sequence"].search(
            [("code", "=", "sale.order"), ("company_id", "in", [False, self.co[0]["id"]])],
            order="company_id",
            limit=1,
        )
        first = seq.number_next_actual if seq else 1
        prefix = (seq.prefix or "S") if seq else "S"
        padding = seq.padding if seq else 5
        if "%(" in prefix:
            prefix = "S"
        names = np.array([f"{prefix}{x:0{padding}d}" for x in range(first, first + n)], dtype=object)
        if seq:
            seq.sudo().write({"number_next": first + n})
        OD["names"] = names
        co_ids = np.array([self.co[0]["id"], self.co[1]["id"]])
        currency = np.where(
            OD["is_eur"], self.eur.id, np.array([c["currency_id"] for c in self.co])[OD["company"]]
        )
        pricelist = np.where(
            OD["foreign"],
            self.eur_pricelist.id,
            np.array([c["pricelist_id"] for c in self.co])[OD["company"]],
        )
        width = max(len(c["warehouses"]) for c in self.co)
        wh_ids = np.array(
            [[w["id"] for w in c["warehouses"]] + [0] * (width - len(c["warehouses"])) for c in self.co]
        )
        warehouse = wh_ids[OD["company"], OD["wh"]]
        confirmed = OD["confirmed"]
        OD["group_ids"] = np.zeros(n, dtype=np.int64)
        OD["group_ids"][confirmed] = self._alloc("procurement_group", int(confirmed.sum()))
        invoice_status = np.where(OD["invoiced"], "invoiced", np.where(OD["delivered"], "to invoice", "no"))
        delivery_status = np.where(OD["delivered"], "full", np.where(OD["pending"], "pending", None)).astype(
            object
        )
        delivery_status[~confirmed] = None
        OD["currency_id"] = currency
        OD["warehouse_id"] = warehouse
        OD["company_id"] = co_ids[OD["company"]]
        self._copy(
            "procurement_group",
            {
                "id": OD["group_ids"][confirmed],
                "name": names[confirmed],
                "partner_id": OD["partner_id"][confirmed],
                "move_type": "direct",
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(OD["date"][confirmed]),
                "write_date": self.now_str,
            },
        )

        has = OD["campaign_id"] > 0
        self._copy(
            "sale_order",
            {
                "id": OD["ids"],
                "name": names,
                "company_id": OD["company_id"],
                "partner_id": OD["partner_id"],
                "partner_invoice_id": OD["partner_id"],
                "partner_shipping_id": OD["partner_id"],
                "pricelist_id": pricelist,
                "currency_id": currency,
                "currency_rate": OD["rate"],
                "payment_term_id": self.payment_term.id,
                "user_id": OD["user_id"],
                "team_id": OD["team_id"],
                "state": OD["state"],
                "invoice_status": invoice_status,
                "date_order": _datetimes(OD["date"]),
                "validity_date": _dates(OD["day"] + np.timedelta64(30, "D")),
                "amount_untaxed": _money(OD["untaxed"]),
                "amount_tax": _money(OD["tax"]),
                "amount_total": _money(OD["untaxed"] + OD["tax"]),
                "locked": False,
                "require_signature": np.array([c["require_signature"] for c in self.co])[OD["company"]],
                "require_payment": np.array([c["require_payment"] for c in self.co])[OD["company"]],
                "prepayment_percent": np.array([c["prepayment_percent"] for c in self.co])[OD["company"]],
                "picking_policy": "direct",
                "warehouse_id": warehouse,
                "procurement_group_id": _nullable(OD["group_ids"], confirmed),
                "delivery_status": delivery_status,
                "effective_date": _datetimes(
                    np.where(OD["delivered"], OD["delivery_dt"], np.datetime64("NaT"))
                ),
                "opportunity_id": _nullable(OD["lead_id"], OD["lead_id"] > 0),
                "campaign_id": _nullable(OD["campaign_id"], has),
                "medium_id": _nullable(OD["medium_id"], has & (OD["medium_id"] > 0)),
                "source_id": _nullable(OD["source_id"], has & (OD["source_id"] > 0)),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(OD["date"]),
                "write_date": self.now_str,
            },
        )
        lo = L["order"]
        qty = L["qty"]
        delivered = OD["delivered"][lo]
        invoiced = OD["invoiced"][lo]
        total = L["subtotal"] + L["tax"]
        tax_ids = np.array([[t["id"] for t in c["taxes"]] for c in self.co])[L["company"], L["tax_class"]]
        L["tax_id"] = tax_ids
        self._copy(
            "sale_order_line",
            {
                "id": L["ids"],
                "order_id": OD["ids"][lo],
                "sequence": 10 + L["seq"],
                "company_id": OD["company_id"][lo],
                "currency_id": currency[lo],
                "order_partner_id": OD["partner_id"][lo],
                "salesman_id": OD["user_id"][lo],
                "product_id": self.product_ids[L["product"]],
                "product_uom": self.uom_unit.id,
                "state": OD["state"][lo],
                "qty_delivered_method": "stock_move",
                "invoice_status": np.where(invoiced, "invoiced", np.where(delivered, "to invoice", "no")),
                "name": self.product_names[L["product"]],
                "product_uom_qty": qty,
                "price_unit": _money(L["price"]),
                "technical_price_unit": _money(L["price"]),
                "discount": L["discount"].astype(np.float64),
                "price_subtotal": _money(L["subtotal"]),
                "price_tax": _money(L["tax"]),
                "price_total": _money(total),
                "price_reduce_taxexcl": _money(_round_half_away(L["subtotal"] / qty)),
                "price_reduce_taxinc": _money(_round_half_away(total / qty)),
                "qty_delivered": np.where(delivered, qty, 0),
                "qty_invoiced": np.where(invoiced, qty, 0),
                "qty_to_invoice": np.where(delivered & ~invoiced, qty, 0),
                "untaxed_amount_invoiced": _money(np.where(invoiced, L["subtotal"], 0)),
                "untaxed_amount_to_invoice": _money(np.where(delivered & ~invoiced, L["subtotal"], 0)),
                "is_downpayment": False,
                "is_expense": False,
                "customer_lead": 0.0,
                "product_packaging_qty": 0.0,
                "warehouse_id": warehouse[lo],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(OD["date"][lo]),
                "write_date": self.now_str,
            },
        )
        self._copy(
            "account_tax_sale_order_line_rel", {"sale_order_line_id": L["ids"], "account_tax_id": tax_ids}
        )
        # procurement groups were written before the orders (orders point to them): link back
        if confirmed.any():
            self.cr.execute(
                """
                UPDATE procurement_group g SET sale_id = o.id
                  FROM sale_order o
                 WHERE o.procurement_group_id = g.id AND g.id BETWEEN %s AND %s
                """,
                [int(OD["group_ids"][confirmed].min()), int(OD["group_ids"][confirmed].max())],
            )

    # ------------------------------------------------------------------
    # stock: initial inventory, deliveries, serial numbers, quants, valuation
    # ------------------------------------------------------------------

    def _stock(self):
        rng = self.rng
        OD, L = self.OD, self.L
        co = self.co
        confirmed = np.flatnonzero(OD["confirmed"])
        n_pick = len(confirmed)
        pick_ids = self._alloc("stock_picking", n_pick)
        OD["picking_ids"] = np.zeros(OD["n"], dtype=np.int64)
        OD["picking_ids"][confirmed] = pick_ids
        # flat warehouse index across companies
        wh_flat = [w for c in co for w in c["warehouses"]]
        wh_company = np.array([ci for ci, c in enumerate(co) for _w in c["warehouses"]])
        wh_offset = np.cumsum([0] + [len(c["warehouses"]) for c in co])[:-1]
        order_wh = wh_offset[OD["company"]] + OD["wh"]
        lot_stock = np.array([w["lot_stock_id"] for w in wh_flat])
        out_type = np.array([w["out_type_id"] for w in wh_flat])
        rule = np.array([w["rule_id"] or 0 for w in wh_flat])
        # picking names from each delivery type's sequence
        pick_wh = order_wh[confirmed]
        pick_names = np.empty(n_pick, dtype=object)
        for wi, w in enumerate(wh_flat):
            mask = pick_wh == wi
            count = int(mask.sum())
            seq = w["sequence"]
            prefix = (seq.prefix or f"{w['code']}/OUT/") if seq else f"{w['code']}/OUT/"
            if "%(" in prefix:
                prefix = f"{w['code']}/OUT/"
            first = seq.number_next_actual if seq else 1
            padding = seq.padding if seq else 5
            pick_names[mask] = [f"{prefix}{x:0{padding}d}" for x in range(first, first + count)]
            if seq and count:
                seq.sudo().write({"number_next": first + count})
        done = OD["delivered"][confirmed]
        cust_loc = self.customer_location.id
        pick_date = np.where(done, OD["delivery_dt"][confirmed], OD["date"][confirmed])
        scheduled = np.where(
            done,
            OD["delivery_dt"][confirmed],
            OD["date"][confirmed] + np.timedelta64(2 * SECONDS_PER_DAY, "s"),
        )
        self._copy(
            "stock_picking",
            {
                "id": pick_ids,
                "name": pick_names,
                "origin": OD["names"][confirmed],
                "group_id": OD["group_ids"][confirmed],
                "location_id": lot_stock[pick_wh],
                "location_dest_id": cust_loc,
                "picking_type_id": out_type[pick_wh],
                "partner_id": OD["partner_id"][confirmed],
                "company_id": OD["company_id"][confirmed],
                "user_id": OD["user_id"][confirmed],
                "move_type": "direct",
                "state": np.where(done, "done", "confirmed"),
                "priority": "0",
                "has_deadline_issue": False,
                "printed": False,
                "is_locked": True,
                "scheduled_date": _datetimes(scheduled),
                "date": _datetimes(OD["date"][confirmed]),
                "date_done": _datetimes(np.where(done, pick_date, np.datetime64("NaT"))),
                "sale_id": OD["ids"][confirmed],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(OD["date"][confirmed]),
                "write_date": self.now_str,
            },
        )
        # delivery moves (one per order line of confirmed orders)
        line_conf = OD["confirmed"][L["order"]]
        ml = np.flatnonzero(line_conf)
        lo = L["order"][ml]
        move_done = OD["delivered"][lo]
        n_mv = len(ml)
        mv_ids = self._alloc("stock_move", n_mv)
        mv_wh = order_wh[lo]
        mv_date = np.where(
            move_done, OD["delivery_dt"][lo], OD["date"][lo] + np.timedelta64(2 * SECONDS_PER_DAY, "s")
        )
        product = L["product"][ml]
        qty = L["qty"][ml]
        names = self.product_names[product]
        pick_of_order = OD["picking_ids"]
        self._copy(
            "stock_move",
            {
                "id": mv_ids,
                "name": names,
                "description_picking": names,
                "sequence": 10,
                "company_id": OD["company_id"][lo],
                "product_id": self.product_ids[product],
                "product_uom": self.uom_unit.id,
                "product_uom_qty": qty,
                "product_qty": qty,
                "quantity": np.where(move_done, qty, 0),
                "location_id": lot_stock[mv_wh],
                "location_dest_id": cust_loc,
                "location_final_id": cust_loc,
                "partner_id": OD["partner_id"][lo],
                "picking_id": pick_of_order[lo],
                "group_id": OD["group_ids"][lo],
                "rule_id": _nullable(rule[mv_wh], rule[mv_wh] > 0),
                "picking_type_id": out_type[mv_wh],
                "warehouse_id": np.array([w["id"] for w in wh_flat])[mv_wh],
                "priority": "0",
                "state": np.where(move_done, "done", "confirmed"),
                "origin": OD["names"][lo],
                "procure_method": "make_to_stock",
                "reference": pick_names[np.searchsorted(confirmed, lo)],
                "reservation_date": _dates(np.where(move_done, mv_date, np.datetime64("NaT"))),
                "picked": move_done,
                "scrapped": False,
                "propagate_cancel": False,
                "is_inventory": False,
                "additional": False,
                "to_refund": False,
                "date": _datetimes(mv_date),
                "sale_line_id": L["ids"][ml],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(OD["date"][lo]),
                "write_date": self.now_str,
            },
        )
        # --- quantities per (product, warehouse): delivered and still on hand
        n_p = len(self.product_ids)
        n_w = len(wh_flat)
        done_idx = np.flatnonzero(move_done)
        key_done = product[done_idx] * n_w + mv_wh[done_idx]
        delivered_pw = np.bincount(key_done, weights=qty[done_idx], minlength=n_p * n_w).astype(np.int64)
        serial_p = np.repeat(self.product_serial, n_w)
        onhand = np.where(
            serial_p,
            rng.integers(0, 8, n_p * n_w),
            np.where(rng.random(n_p * n_w) < 0.1, 0, rng.integers(1, 300, n_p * n_w)),
        ).astype(np.int64)
        initial = delivered_pw + onhand
        # serial numbers: one lot per unit ever received in a warehouse
        lot_count = np.where(serial_p, initial, 0)
        n_lots = int(lot_count.sum())
        lot_ids = self._alloc("stock_lot", n_lots)
        lot_key = np.repeat(np.arange(n_p * n_w), lot_count)
        lot_rank = _rank_within(lot_key)
        lot_delivered = lot_rank < delivered_pw[lot_key]
        lot_wh = lot_key % n_w
        lot_product = lot_key // n_w
        initial_dt = (self.start64 - np.timedelta64(1, "D")).astype("datetime64[s]") + np.timedelta64(
            8 * 3600, "s"
        )
        self._copy(
            "stock_lot",
            {
                "id": lot_ids,
                "name": np.array([f"SN{x:09d}" for x in lot_ids], dtype=object),
                "product_id": self.product_ids[lot_product],
                "product_uom_id": self.uom_unit.id,
                "company_id": np.array([co[c]["id"] for c in wh_company])[lot_wh],
                "location_id": np.where(lot_delivered, cust_loc, lot_stock[lot_wh]),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": str(initial_dt).replace("T", " "),
                "write_date": self.now_str,
            },
        )
        lot_start = np.r_[0, np.cumsum(lot_count)][:-1]  # first lot index of each (product, wh)
        # --- initial inventory moves (inventory adjustment -> stock)
        inv_keys = np.flatnonzero(initial > 0)
        n_inv = len(inv_keys)
        inv_ids = self._alloc("stock_move", n_inv)
        inv_prod = inv_keys // n_w
        inv_wh = inv_keys % n_w
        inv_company = wh_company[inv_wh]
        inv_loc = np.array([c["inventory_location_id"] for c in co])[inv_company]
        inv_qty = initial[inv_keys]
        inv_names = np.full(n_inv, "Product Quantity Updated", dtype=object)
        co_ids = np.array([c["id"] for c in co])
        self._copy(
            "stock_move",
            {
                "id": inv_ids,
                "name": inv_names,
                "reference": inv_names,
                "sequence": 10,
                "company_id": co_ids[inv_company],
                "product_id": self.product_ids[inv_prod],
                "product_uom": self.uom_unit.id,
                "product_uom_qty": inv_qty,
                "product_qty": inv_qty,
                "quantity": inv_qty,
                "location_id": inv_loc,
                "location_dest_id": lot_stock[inv_wh],
                "priority": "0",
                "state": "done",
                "procure_method": "make_to_stock",
                "picked": True,
                "scrapped": False,
                "propagate_cancel": False,
                "is_inventory": True,
                "additional": False,
                "to_refund": False,
                "date": str(initial_dt).replace("T", " "),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": str(initial_dt).replace("T", " "),
                "write_date": self.now_str,
            },
        )
        # --- move lines: inventory (one per lot for serials), deliveries (one per unit for serials)
        inv_serial = self.product_serial[inv_prod]
        inv_ml_count = np.where(inv_serial, inv_qty, 1)
        inv_ml_move = np.repeat(np.arange(n_inv), inv_ml_count)
        inv_ml_rank = _rank_within(inv_ml_move)
        inv_ml_serial = inv_serial[inv_ml_move]
        inv_ml_lot = np.where(inv_ml_serial, lot_start[inv_keys[inv_ml_move]] + inv_ml_rank, -1)
        # deliveries: serial units get lots in delivery order
        d_serial = L["serial"][ml][done_idx]
        d_ml_count = np.where(d_serial, qty[done_idx], 1)
        d_ml_move = np.repeat(done_idx, d_ml_count)  # index into moves
        d_ml_serial = L["serial"][ml][d_ml_move]
        unit_key = product[d_ml_move] * n_w + mv_wh[d_ml_move]
        # rank of serial units within (product, wh) ordered by delivery date (moves are date-sorted by order)
        unit_rank = _rank_within(np.where(d_ml_serial, unit_key, -1))
        d_ml_lot = np.where(d_ml_serial, lot_start[unit_key] + unit_rank, -1)
        n_ml = len(inv_ml_move) + len(d_ml_move)
        ml_ids = self._alloc("stock_move_line", n_ml)
        all_lot = np.r_[inv_ml_lot, d_ml_lot]
        has_lot = all_lot >= 0
        lot_ref = lot_ids[np.maximum(all_lot, 0)] if n_lots else np.zeros(n_ml, dtype=np.int64)
        ml_qty = np.r_[
            np.where(inv_ml_serial, 1, inv_qty[inv_ml_move]), np.where(d_ml_serial, 1, qty[d_ml_move])
        ]
        d_lo = lo[d_ml_move]
        self._copy(
            "stock_move_line",
            {
                "id": ml_ids,
                "move_id": np.r_[inv_ids[inv_ml_move], mv_ids[d_ml_move]],
                "picking_id": _nullable(
                    np.r_[np.zeros(len(inv_ml_move), np.int64), pick_of_order[d_lo]],
                    np.r_[np.zeros(len(inv_ml_move), bool), np.ones(len(d_ml_move), bool)],
                ),
                "company_id": np.r_[co_ids[inv_company][inv_ml_move], OD["company_id"][d_lo]],
                "product_id": self.product_ids[np.r_[inv_prod[inv_ml_move], product[d_ml_move]]],
                "product_uom_id": self.uom_unit.id,
                "lot_id": _nullable(lot_ref, has_lot),
                "location_id": np.r_[inv_loc[inv_ml_move], lot_stock[mv_wh[d_ml_move]]],
                "location_dest_id": np.r_[lot_stock[inv_wh][inv_ml_move], np.full(len(d_ml_move), cust_loc)],
                "state": "done",
                "reference": np.r_[inv_names[inv_ml_move], pick_names[np.searchsorted(confirmed, d_lo)]],
                "quantity": ml_qty,
                "quantity_product_uom": ml_qty,
                "picked": True,
                "date": np.r_[
                    np.full(len(inv_ml_move), str(initial_dt).replace("T", " "), dtype=object),
                    _datetimes(mv_date[d_ml_move]),
                ],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": self.now_str,
                "write_date": self.now_str,
            },
        )
        # --- quants: stock on hand per warehouse, delivered goods at the customers location
        inventory_dates = np.array([str(c["inventory_date"]) for c in co], dtype=object)
        plain_keys = np.flatnonzero(~serial_p & (onhand > 0))
        serial_onhand_lots = np.flatnonzero(~lot_delivered) if n_lots else np.zeros(0, np.int64)
        q_int_product = np.r_[plain_keys // n_w, lot_product[serial_onhand_lots]]
        q_int_wh = np.r_[plain_keys % n_w, lot_wh[serial_onhand_lots]]
        q_int_qty = np.r_[onhand[plain_keys], np.ones(len(serial_onhand_lots), np.int64)]
        q_int_lot = np.r_[
            np.zeros(len(plain_keys), np.int64),
            lot_ids[serial_onhand_lots] if n_lots else np.zeros(0, np.int64),
        ]
        q_int_has_lot = np.r_[np.zeros(len(plain_keys), bool), np.ones(len(serial_onhand_lots), bool)]
        # customers location: per product (non serial) and per delivered lot
        done_prod = product[done_idx]
        plain_done = ~self.product_serial[done_prod]
        cust_qty = np.bincount(
            done_prod[plain_done], weights=qty[done_idx][plain_done], minlength=n_p
        ).astype(np.int64)
        last_delivery = np.full(n_p, np.datetime64("NaT"), dtype="datetime64[s]")
        if len(done_idx):
            order_by_date = np.argsort(mv_date[done_idx], kind="stable")
            last_delivery[done_prod[order_by_date]] = mv_date[done_idx][order_by_date]
        cust_plain = np.flatnonzero(cust_qty > 0)
        delivered_lots = np.flatnonzero(lot_delivered) if n_lots else np.zeros(0, np.int64)
        q_c_product = np.r_[cust_plain, lot_product[delivered_lots]]
        n_q_int = len(q_int_product)
        n_q_c = len(q_c_product)
        quant_ids = self._alloc("stock_quant", n_q_int + n_q_c)
        q_product = np.r_[q_int_product, q_c_product]
        self._copy(
            "stock_quant",
            {
                "id": quant_ids,
                "product_id": self.product_ids[q_product],
                "company_id": _nullable(
                    np.r_[co_ids[wh_company[q_int_wh]], np.zeros(n_q_c, np.int64)],
                    np.r_[np.ones(n_q_int, bool), np.zeros(n_q_c, bool)],
                ),
                "location_id": np.r_[lot_stock[q_int_wh], np.full(n_q_c, cust_loc)],
                "lot_id": _nullable(
                    np.r_[q_int_lot, np.zeros(len(cust_plain), np.int64), lot_ids[delivered_lots]],
                    np.r_[q_int_has_lot, np.zeros(len(cust_plain), bool), np.ones(len(delivered_lots), bool)],
                ),
                "quantity": np.r_[q_int_qty, cust_qty[cust_plain], np.ones(len(delivered_lots), np.int64)],
                "reserved_quantity": 0,
                "inventory_quantity_set": False,
                "inventory_quantity": 0,
                "inventory_diff_quantity": 0,
                "inventory_date": np.r_[
                    inventory_dates[wh_company[q_int_wh]], np.full(n_q_c, None, dtype=object)
                ],
                "in_date": np.r_[
                    np.full(n_q_int, str(initial_dt).replace("T", " "), dtype=object),
                    _datetimes(last_delivery[q_c_product]),
                ],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": self.now_str,
                "write_date": self.now_str,
            },
        )
        # --- valuation layers (standard cost): in for the inventory, out for each delivery
        n_svl = n_inv + len(done_idx)
        svl_ids = self._alloc("stock_valuation_layer", n_svl)
        svl_company = np.r_[inv_company, OD["company"][lo[done_idx]]]
        svl_product = np.r_[inv_prod, product[done_idx]]
        svl_qty = np.r_[inv_qty, -qty[done_idx]]
        unit_cost = self.product_cost[svl_company, svl_product]
        value = svl_qty * unit_cost
        is_in = np.r_[np.ones(n_inv, bool), np.zeros(len(done_idx), bool)]
        descr = np.r_[inv_names, pick_names[np.searchsorted(confirmed, lo[done_idx])]]
        descr = np.array(
            [f"{a} - {b}" for a, b in zip(descr, self.product_names[svl_product], strict=True)], dtype=object
        )
        svl_dates = np.r_[
            np.full(n_inv, str(initial_dt).replace("T", " "), dtype=object), _datetimes(mv_date[done_idx])
        ]
        self._copy(
            "stock_valuation_layer",
            {
                "id": svl_ids,
                "company_id": co_ids[svl_company],
                "product_id": self.product_ids[svl_product],
                "categ_id": self.category_ids[self.product_cat[svl_product]],
                "stock_move_id": np.r_[inv_ids, mv_ids[done_idx]],
                "description": descr,
                "quantity": svl_qty,
                "unit_cost": _money(unit_cost),
                "value": _money(value),
                "remaining_qty": np.where(is_in, svl_qty, np.nan),
                "remaining_value": np.where(is_in, _money(value), np.nan),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": svl_dates,
                "write_date": svl_dates,
            },
        )

    # ------------------------------------------------------------------
    # invoices and credit notes (arrays)
    # ------------------------------------------------------------------

    def _invoices(self):
        rng = self.rng
        OD, L = self.OD, self.L
        inv_orders = np.flatnonzero(OD["invoiced"])
        n_i = len(inv_orders)
        inv_day = OD["invoice_day"][inv_orders]
        company = OD["company"][inv_orders]
        foreign = OD["foreign"][inv_orders]
        rate = np.where(foreign, self.eur_rate[self._month_index(inv_day)], 1.0)
        # invoice lines = lines of invoiced orders (orders and their lines are both sorted)
        il = np.flatnonzero(OD["invoiced"][L["order"]])
        il_inv = np.searchsorted(inv_orders, L["order"][il])
        IV = {
            "n": n_i,
            "order": inv_orders,
            "day": inv_day,
            "company": company,
            "foreign": foreign,
            "rate": rate,
            "currency_id": OD["currency_id"][inv_orders],
        }
        IL = self._doc_lines(il, il_inv, L["qty"][il], rate)
        self.IV, self.IL = IV, IL
        self._doc_totals(IV, IL)
        # --- credit notes: part of an invoice (some lines, some quantities), a few full
        eligible = inv_day < self.today64 - 5
        refunded = np.flatnonzero(eligible & (rng.random(n_i) < self.p["refund_share"]))
        n_r = len(refunded)
        full = rng.random(n_r) < 0.1
        r_day = inv_day[refunded] + rng.integers(3, 60, n_r).astype("timedelta64[D]")
        month_end = (inv_day[refunded].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        r_day = np.where(foreign[refunded], np.minimum(r_day, month_end), r_day)
        r_day = np.minimum(r_day, self.today64)
        is_refunded = np.zeros(n_i, bool)
        is_refunded[refunded] = True
        ref_pos = np.full(n_i, -1)
        ref_pos[refunded] = np.arange(n_r)
        cand = np.flatnonzero(is_refunded[IL["doc"]])
        cand_r = ref_pos[IL["doc"][cand]]
        pick = full[cand_r] | (rng.random(len(cand)) < 0.3)
        first_line = np.r_[True, IL["doc"][cand][1:] != IL["doc"][cand][:-1]]
        pick |= first_line
        rl = cand[pick]
        rl_doc = ref_pos[IL["doc"][rl]]
        src_qty = IL["qty"][rl]
        r_qty = np.where(full[rl_doc], src_qty, rng.integers(1, src_qty + 1))
        R = {
            "n": n_r,
            "inv": refunded,
            "order": inv_orders[refunded],
            "day": r_day,
            "company": company[refunded],
            "foreign": foreign[refunded],
            "rate": rate[refunded],
            "currency_id": IV["currency_id"][refunded],
        }
        RL = self._doc_lines(IL["line"][rl], rl_doc, r_qty, rate[refunded])
        self._doc_totals(R, RL)
        self.R, self.RL = R, RL

    def _doc_lines(self, line_idx, doc, qty, doc_rate):
        """Product lines of invoices/credit notes from sale order lines ``line_idx``."""
        L = self.L
        price = L["price"][line_idx]
        discount = L["discount"][line_idx]
        subtotal = qty * price * (100 - discount) // 100
        pct = np.where(
            L["company"][line_idx] == 0,
            np.array([t["pct"] for t in self.co[0]["taxes"]])[L["tax_class"][line_idx]],
            np.array([t["pct"] for t in self.co[1]["taxes"]])[L["tax_class"][line_idx]],
        )
        tax = (subtotal * pct + 50) // 100
        return {
            "n": len(line_idx),
            "line": line_idx,
            "doc": doc,
            "product": L["product"][line_idx],
            "qty": qty,
            "price": price,
            "discount": discount,
            "subtotal": subtotal,
            "tax": tax,
            "tax_class": L["tax_class"][line_idx],
            "balance": _to_company(subtotal, doc_rate[doc]),
            "seq": _rank_within(doc),
        }

    def _doc_totals(self, D, DL):
        """Tax lines (one per document and tax) and document totals, in both currencies."""
        n = D["n"]
        key = DL["doc"] * 2 + DL["tax_class"]
        uniq, inverse = _group_index(key)
        tax_ac = _sum_by(inverse, DL["tax"], len(uniq))
        base_bal = _sum_by(inverse, DL["balance"], len(uniq))
        t_doc = uniq // 2
        D["tax_lines"] = {
            "doc": t_doc,
            "tax_class": uniq % 2,
            "amount": tax_ac,
            "balance": _to_company(tax_ac, D["rate"][t_doc]),
            "base": base_bal,
        }
        D["untaxed"] = _sum_by(DL["doc"], DL["subtotal"], n)
        D["untaxed_bal"] = _sum_by(DL["doc"], DL["balance"], n)
        D["tax"] = _sum_by(t_doc, tax_ac, n)
        D["tax_bal"] = _sum_by(t_doc, D["tax_lines"]["balance"], n)
        D["total"] = D["untaxed"] + D["tax"]
        D["total_bal"] = D["untaxed_bal"] + D["tax_bal"]

    # ------------------------------------------------------------------
    # payments and reconciliation (arrays)
    # ------------------------------------------------------------------

    def _payments(self):
        rng = self.rng
        IV, R = self.IV, self.R
        OD = self.OD
        n_i = IV["n"]
        # residual after the credit note
        res_ac = IV["total"].copy()
        res_bal = IV["total_bal"].copy()
        np.subtract.at(res_ac, R["inv"], R["total"])
        np.subtract.at(res_bal, R["inv"], R["total_bal"])
        cust = OD["cust"][IV["order"]]
        delay = np.maximum(
            0, _round_half_away(rng.normal(self.cust_pay_delay[cust], self.cust_pay_delay[cust] * 0.3 + 1))
        )
        pay_day = IV["day"] + delay.astype("timedelta64[D]")
        refund_day = np.full(n_i, np.datetime64("NaT"), dtype="datetime64[D]")
        refund_day[R["inv"]] = R["day"]
        pay_day = np.where(np.isnat(refund_day), pay_day, np.maximum(pay_day, refund_day))
        month_end = (IV["day"].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        pay_day = np.where(IV["foreign"], np.minimum(pay_day, month_end), pay_day)
        never = self.cust_bad_payer[cust] & (rng.random(n_i) < 0.5)
        paid = (res_ac > 0) & (pay_day <= self.today64) & ~never
        partial = paid & (res_ac >= 100) & (rng.random(n_i) < 0.08)
        frac = rng.uniform(0.2, 0.8, n_i)
        pay_ac = np.where(partial, np.floor(res_ac * frac).astype(np.int64), res_ac)
        pay_bal = np.where(partial, _to_company(pay_ac, IV["rate"]), res_bal)
        paid_idx = np.flatnonzero(paid)
        # unapplied advance payments of a few customers (in their home company currency)
        n_adv = round(len(self.cust_ids) * self.p["advance_payment_share"])
        adv_cust = rng.choice(len(self.cust_ids), n_adv, replace=False) if n_adv else np.zeros(0, np.int64)
        adv_day = self.today64 - rng.integers(1, 300, n_adv).astype("timedelta64[D]")
        adv_amount = _round_half_away(np.exp(rng.normal(6.5, 0.8, n_adv)) * 100)
        adv_company = self.cust_home[adv_cust]
        n_pay = len(paid_idx) + n_adv
        self.P = {
            "n": n_pay,
            "inv": np.r_[paid_idx, np.full(n_adv, -1)],
            "applied": np.r_[np.ones(len(paid_idx), bool), np.zeros(n_adv, bool)],
            "day": np.r_[pay_day[paid_idx], adv_day],
            "company": np.r_[IV["company"][paid_idx], adv_company],
            "currency_id": np.r_[
                IV["currency_id"][paid_idx], np.array([c["currency_id"] for c in self.co])[adv_company]
            ],
            "partner_id": np.r_[OD["partner_id"][IV["order"][paid_idx]], self.cust_ids[adv_cust]],
            "amount": np.r_[pay_ac[paid_idx], adv_amount],
            "balance": np.r_[pay_bal[paid_idx], adv_amount],
            "cust": np.r_[cust[paid_idx], adv_cust],
        }
        IV["residual"] = res_ac - np.where(paid, pay_ac, 0)
        IV["residual_bal"] = res_bal - np.where(paid, pay_bal, 0)
        IV["paid_amount"] = np.where(paid, pay_ac, 0)
        IV["has_payment"] = paid
        IV["has_refund"] = np.zeros(n_i, bool)
        IV["has_refund"][R["inv"]] = True
        settled = (IV["residual"] == 0) & (IV["residual_bal"] == 0)
        IV["state"] = np.where(
            settled,
            np.where(paid, "paid", "reversed"),
            np.where(paid | IV["has_refund"], "partial", "not_paid"),
        )
        IV["settled"] = settled & (paid | IV["has_refund"])

    # ------------------------------------------------------------------
    # accounting: moves, lines, payments, reconciliation
    # ------------------------------------------------------------------

    def _names(self, journal_ids, prefixes_fmt, days):
        """Sequence names per (journal, year), numbered by date, after existing ones."""
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        n = len(days)
        names = np.empty(n, dtype=object)
        prefixes = np.empty(n, dtype=object)
        numbers = np.zeros(n, dtype=np.int64)
        for journal_id in np.unique(journal_ids):
            jmask = journal_ids == journal_id
            for year in np.unique(years[jmask]):
                mask = jmask & (years == year)
                idx = np.flatnonzero(mask)
                idx = idx[np.argsort(days[idx], kind="stable")]
                prefix = prefixes_fmt[int(journal_id)].format(year=int(year))
                self.cr.execute(
                    "SELECT COALESCE(MAX(sequence_number), 0) FROM account_move"
                    " WHERE journal_id = %s AND sequence_prefix = %s",
                    [int(journal_id), prefix],
                )
                start = self.cr.fetchone()[0] + 1
                nums = np.arange(start, start + len(idx))
                numbers[idx] = nums
                prefixes[idx] = prefix
                names[idx] = [f"{prefix}{x:05d}" for x in nums]
        return names, prefixes, numbers

    def _write_accounting(self):
        IV, IL, R, RL, P, OD = self.IV, self.IL, self.R, self.RL, self.P, self.OD
        co = self.co
        co_ids = np.array([c["id"] for c in co])
        co_cur = np.array([c["currency_id"] for c in co])
        sale_journal = np.array([c["sale_journal"].id for c in co])
        bank_journal = np.array([c["bank_journal"].id for c in co])
        inv_fmt = {c["sale_journal"].id: c["sale_journal"].code + "/{year}/" for c in co}
        ref_fmt = {
            c["sale_journal"].id: ("R" if c["sale_journal"].refund_sequence else "")
            + c["sale_journal"].code
            + "/{year}/"
            for c in co
        }
        pay_fmt = {
            c["bank_journal"].id: ("P" if c["bank_journal"].payment_sequence else "")
            + c["bank_journal"].code
            + "/{year}/"
            for c in co
        }
        # ---- ids, ordered by date inside each kind
        n_i, n_r, n_p = IV["n"], R["n"], P["n"]
        # ids follow the dates inside each kind of document (documents are not sorted by date)
        inv_ids = self._alloc_by_date("account_move", IV["day"])
        ref_ids = self._alloc_by_date("account_move", R["day"])
        pay_move_ids = self._alloc_by_date("account_move", P["day"])
        pay_ids = self._alloc_by_date("account_payment", P["day"])
        IV["ids"], R["ids"], P["move_ids"], P["ids"] = inv_ids, ref_ids, pay_move_ids, pay_ids
        inv_names, inv_prefix, inv_num = self._names(sale_journal[IV["company"]], inv_fmt, IV["day"])
        ref_names, ref_prefix, ref_num = self._names(sale_journal[R["company"]], ref_fmt, R["day"])
        pay_names, pay_prefix, pay_num = self._names(bank_journal[P["company"]], pay_fmt, P["day"])
        IV["names"], R["names"], P["names"] = inv_names, ref_names, pay_names

        # ---- move line ids
        n_itl = len(IV["tax_lines"]["doc"])
        n_rtl = len(R["tax_lines"]["doc"])
        inv_pl_ids = self._alloc("account_move_line", IL["n"])
        inv_tl_ids = self._alloc("account_move_line", n_itl)
        inv_term_ids = self._alloc("account_move_line", n_i)
        ref_pl_ids = self._alloc("account_move_line", RL["n"])
        ref_tl_ids = self._alloc("account_move_line", n_rtl)
        ref_term_ids = self._alloc("account_move_line", n_r)
        pay_liq_ids = self._alloc("account_move_line", n_p)
        pay_cp_ids = self._alloc("account_move_line", n_p)

        # ---- reconciliation: partials (credit notes first, then payments) and full reconciles
        applied = np.flatnonzero(P["applied"])
        n_part = n_r + len(applied)
        part_ids = self._alloc("account_partial_reconcile", n_part)
        ref_part_ids = part_ids[:n_r]
        pay_part_ids = part_ids[n_r:]
        first_partial = np.zeros(n_i, dtype=np.int64)
        pay_inv = P["inv"][applied]
        first_partial[pay_inv] = pay_part_ids
        first_partial[R["inv"]] = ref_part_ids  # lower ids: the credit note partial comes first
        settled = np.flatnonzero(IV["settled"])
        full_ids = self._alloc("account_full_reconcile", len(settled))
        inv_full = np.zeros(n_i, dtype=np.int64)
        inv_full[settled] = full_ids
        matching = np.array(
            [f"{f}" if f else (f"P{p}" if p else None) for f, p in zip(inv_full, first_partial, strict=True)],
            dtype=object,
        )
        self._copy("account_full_reconcile", {"id": full_ids, **self._audit()})

        # ---- account.payment rows (move_id set once the moves exist)
        pay_state = np.where(
            P["applied"],
            np.where(IV["state"][np.maximum(P["inv"], 0)] == "paid", "paid", "in_process"),
            "in_process",
        )
        memo = np.where(P["applied"], inv_names[np.maximum(P["inv"], 0)], None).astype(object)
        pay_company = P["company"]
        self._copy(
            "account_payment",
            {
                "id": P["ids"],
                "journal_id": bank_journal[pay_company],
                "company_id": co_ids[pay_company],
                "payment_method_line_id": np.array([c["method_line_id"] for c in co])[pay_company],
                "payment_method_id": np.array([c["method_id"] for c in co])[pay_company],
                "currency_id": P["currency_id"],
                "partner_id": P["partner_id"],
                "outstanding_account_id": np.array([c["outstanding_id"] for c in co])[pay_company],
                "destination_account_id": np.array([c["receivable_id"] for c in co])[pay_company],
                "name": pay_names,
                "state": pay_state,
                "payment_type": "inbound",
                "partner_type": "customer",
                "memo": memo,
                "date": _dates(P["day"]),
                "amount": _money(P["amount"]),
                "amount_company_currency_signed": _money(P["balance"]),
                "is_reconciled": P["applied"],
                "is_matched": False,
                "is_sent": False,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(P["day"]),
                "write_date": self.now_str,
            },
        )

        # ---- account.move rows
        inv_order = IV["order"]
        partner = OD["partner_id"][inv_order]
        cust_name = self.cust_names[OD["cust"][inv_order]]
        due = IV["day"] + np.timedelta64(self.payment_term_days, "D")
        has_campaign = OD["campaign_id"][inv_order] > 0
        inv_rate_str = np.array([f"{x:.6f}" for x in IV["rate"]], dtype=object)
        self._copy(
            "account_move",
            self._move_columns(
                ids=inv_ids,
                kind="out_invoice",
                company=IV["company"],
                journal=sale_journal[IV["company"]],
                currency=IV["currency_id"],
                names=inv_names,
                prefix=inv_prefix,
                number=inv_num,
                day=IV["day"],
                partner=partner,
                partner_name=cust_name,
                D=IV,
                residual=IV["residual"],
                residual_bal=IV["residual_bal"],
                payment_state=IV["state"],
                extra={
                    "invoice_date": _dates(IV["day"]),
                    "invoice_date_due": _dates(due),
                    "delivery_date": _dates(OD["delivery_dt"][inv_order]),
                    "invoice_origin": OD["names"][inv_order],
                    "invoice_payment_term_id": self.payment_term.id,
                    "invoice_user_id": OD["user_id"][inv_order],
                    "team_id": OD["team_id"][inv_order],
                    "partner_shipping_id": partner,
                    "payment_reference": inv_names,
                    "invoice_currency_rate": inv_rate_str,
                    "campaign_id": _nullable(OD["campaign_id"][inv_order], has_campaign),
                    "medium_id": _nullable(
                        OD["medium_id"][inv_order], has_campaign & (OD["medium_id"][inv_order] > 0)
                    ),
                    "source_id": _nullable(
                        OD["source_id"][inv_order], has_campaign & (OD["source_id"][inv_order] > 0)
                    ),
                },
            ),
        )
        r_order = R["order"]
        ref_refs = np.array([f"Reversal of: {x}" for x in inv_names[R["inv"]]], dtype=object)
        r_partner = OD["partner_id"][r_order]
        self._copy(
            "account_move",
            self._move_columns(
                ids=ref_ids,
                kind="out_refund",
                company=R["company"],
                journal=sale_journal[R["company"]],
                currency=R["currency_id"],
                names=ref_names,
                prefix=ref_prefix,
                number=ref_num,
                day=R["day"],
                partner=r_partner,
                partner_name=self.cust_names[OD["cust"][r_order]],
                D=R,
                residual=np.zeros(n_r, np.int64),
                residual_bal=np.zeros(n_r, np.int64),
                payment_state=np.full(n_r, "paid", dtype=object),
                extra={
                    "invoice_date": _dates(R["day"]),
                    "invoice_date_due": _dates(R["day"]),
                    "delivery_date": _dates(R["day"]),
                    "invoice_origin": OD["names"][r_order],
                    "invoice_payment_term_id": None,
                    "invoice_user_id": OD["user_id"][r_order],
                    "team_id": OD["team_id"][r_order],
                    "partner_shipping_id": r_partner,
                    "reversed_entry_id": inv_ids[R["inv"]],
                    "ref": ref_refs,
                    "invoice_currency_rate": np.array([f"{x:.6f}" for x in R["rate"]], dtype=object),
                },
            ),
        )
        self._copy(
            "account_move",
            {
                "id": pay_move_ids,
                "move_type": "entry",
                "state": "posted",
                "auto_post": "no",
                "journal_id": bank_journal[pay_company],
                "company_id": co_ids[pay_company],
                "currency_id": P["currency_id"],
                "partner_id": P["partner_id"],
                "commercial_partner_id": P["partner_id"],
                "invoice_partner_display_name": self.cust_names[P["cust"]],
                "origin_payment_id": P["ids"],
                "name": pay_names,
                "sequence_prefix": pay_prefix,
                "sequence_number": pay_num,
                "ref": memo,
                "date": _dates(P["day"]),
                "invoice_date_due": _dates(P["day"]),
                "payment_state": "not_paid",
                "invoice_currency_rate": 0.0,
                "amount_untaxed": 0.0,
                "amount_tax": 0.0,
                "amount_total": _money(P["amount"]),
                "amount_residual": 0.0,
                "amount_untaxed_signed": 0.0,
                "amount_untaxed_in_currency_signed": 0.0,
                "amount_tax_signed": 0.0,
                "amount_total_signed": _money(P["balance"]),
                "amount_total_in_currency_signed": _money(P["amount"]),
                "amount_residual_signed": 0.0,
                "is_storno": False,
                "always_tax_exigible": True,
                "checked": True,
                "posted_before": True,
                "made_sequence_gap": False,
                "is_manually_modified": False,
                "is_move_sent": False,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(P["day"]),
                "write_date": self.now_str,
            },
        )
        self.cr.execute(
            """
            UPDATE account_payment p SET move_id = m.id
              FROM account_move m
             WHERE m.origin_payment_id = p.id AND p.id BETWEEN %s AND %s
            """,
            [int(pay_ids.min()) if n_p else 0, int(pay_ids.max()) if n_p else -1],
        )

        # ---- invoice and credit note lines
        inv_term_matching = matching
        ref_matching = matching[R["inv"]]
        ref_full = inv_full[R["inv"]]
        for D, DL, ids, pl_ids, tl_ids, term_ids, kind, names, doc_ref in (
            (
                IV,
                IL,
                inv_ids,
                inv_pl_ids,
                inv_tl_ids,
                inv_term_ids,
                "out_invoice",
                inv_names,
                np.full(n_i, None),
            ),
            (R, RL, ref_ids, ref_pl_ids, ref_tl_ids, ref_term_ids, "out_refund", ref_names, ref_refs),
        ):
            sign = -1 if kind == "out_invoice" else 1  # sign of product/tax lines' balance
            D["term_ids"] = term_ids
            doc_partner = OD["partner_id"][D["order"]]
            doc_company = D["company"]
            doc_days = _dates(D["day"])
            # product lines
            d = DL["doc"]
            bal = sign * DL["balance"]
            total_line = DL["subtotal"] + DL["tax"]
            self._copy(
                "account_move_line",
                self._line_columns(
                    ids=pl_ids,
                    move=ids[d],
                    company=doc_company[d],
                    currency=D["currency_id"][d],
                    partner=doc_partner[d],
                    names_move=names[d],
                    days=doc_days[d],
                    display="product",
                    balance=bal,
                    amount=sign * DL["subtotal"],
                    account=np.array([c["income_id"] for c in co])[doc_company[d]],
                    extra={
                        "name": self.product_names[DL["product"]],
                        "product_id": self.product_ids[DL["product"]],
                        "product_uom_id": self.uom_unit.id,
                        "quantity": DL["qty"],
                        "price_unit": _money(DL["price"]),
                        "discount": DL["discount"].astype(np.float64),
                        "price_subtotal": _money(DL["subtotal"]),
                        "price_total": _money(total_line),
                        "sequence": DL["seq"],
                        "tax_tag_invert": kind == "out_invoice",
                        "is_downpayment": False,
                        "amount_residual": 0.0,
                        "amount_residual_currency": 0.0,
                        "reconciled": False,
                        "invoice_date": doc_days[d],
                        "ref": doc_ref[d],
                    },
                ),
            )
            tax_ids = np.array([[t["id"] for t in c["taxes"]] for c in co])[doc_company[d], DL["tax_class"]]
            self._copy(
                "account_move_line_account_tax_rel",
                {"account_move_line_id": pl_ids, "account_tax_id": tax_ids},
            )
            if kind == "out_invoice":
                self._copy(
                    "sale_order_line_invoice_rel",
                    {"invoice_line_id": pl_ids, "order_line_id": self.L["ids"][DL["line"]]},
                )
            # tax lines
            T = D["tax_lines"]
            td = T["doc"]
            tc = doc_company[td]
            taxes = [[c["taxes"][k] for k in range(2)] for c in co]
            rep_key = "inv" if kind == "out_invoice" else "ref"
            rep = np.array([[t[f"{rep_key}_rep_id"] for t in ts] for ts in taxes])[tc, T["tax_class"]]
            acc = np.array([[t[f"{rep_key}_account_id"] for t in ts] for ts in taxes])[tc, T["tax_class"]]
            self._copy(
                "account_move_line",
                self._line_columns(
                    ids=tl_ids,
                    move=ids[td],
                    company=tc,
                    currency=D["currency_id"][td],
                    partner=doc_partner[td],
                    names_move=names[td],
                    days=doc_days[td],
                    display="tax",
                    balance=sign * T["balance"],
                    amount=sign * T["amount"],
                    account=acc,
                    extra={
                        "name": np.array([[t["name"] for t in ts] for ts in taxes], dtype=object)[
                            tc, T["tax_class"]
                        ],
                        "tax_line_id": np.array([[t["id"] for t in ts] for ts in taxes])[tc, T["tax_class"]],
                        "tax_group_id": np.array([[t["group_id"] for t in ts] for ts in taxes])[
                            tc, T["tax_class"]
                        ],
                        "tax_repartition_line_id": rep,
                        "tax_base_amount": _money(np.abs(T["base"])),
                        "quantity": 0.0,
                        "price_unit": 0.0,
                        "price_subtotal": 0.0,
                        "price_total": 0.0,
                        "discount": 0.0,
                        "sequence": 10000,
                        "tax_tag_invert": kind == "out_invoice",
                        "amount_residual": 0.0,
                        "amount_residual_currency": 0.0,
                        "reconciled": False,
                        "invoice_date": doc_days[td],
                        "ref": doc_ref[td],
                    },
                ),
            )
            # receivable (payment term) lines
            if kind == "out_invoice":
                residual, residual_bal = D["residual"], D["residual_bal"]
                term_matching, term_full = inv_term_matching, inv_full
                maturity = _dates(D["day"] + np.timedelta64(self.payment_term_days, "D"))
            else:
                residual = np.zeros(D["n"], np.int64)
                residual_bal = np.zeros(D["n"], np.int64)
                term_matching, term_full = ref_matching, ref_full
                maturity = doc_days
            self._copy(
                "account_move_line",
                self._line_columns(
                    ids=term_ids,
                    move=ids,
                    company=doc_company,
                    currency=D["currency_id"],
                    partner=doc_partner,
                    names_move=names,
                    days=doc_days,
                    display="payment_term",
                    balance=-sign * D["total_bal"],
                    amount=-sign * D["total"],
                    account=np.array([c["receivable_id"] for c in co])[doc_company],
                    extra={
                        "name": names if kind == "out_invoice" else None,
                        "date_maturity": maturity,
                        "quantity": 0.0,
                        "price_unit": 0.0,
                        "price_subtotal": 0.0,
                        "price_total": 0.0,
                        "discount": 0.0,
                        "discount_amount_currency": 0.0,
                        "discount_balance": 0.0,
                        "sequence": 12000,
                        "tax_tag_invert": False,
                        "amount_residual": _money(-sign * residual_bal),
                        "amount_residual_currency": _money(-sign * residual),
                        "reconciled": (residual == 0) & (residual_bal == 0),
                        "matching_number": term_matching,
                        "full_reconcile_id": _nullable(term_full, term_full > 0),
                        "invoice_date": doc_days,
                        "ref": doc_ref,
                    },
                ),
            )
        # ---- payment lines: liquidity (outstanding receipts) and receivable counterpart
        pay_days = _dates(P["day"])
        label = np.array([c["method_name"] for c in co], dtype=object)[pay_company]
        pay_label = np.array(
            [f"{a}: {b}" if b else a for a, b in zip(label, memo, strict=True)], dtype=object
        )
        pay_inv = np.maximum(P["inv"], 0)
        cp_matching = np.where(P["applied"], matching[pay_inv], None).astype(object)
        cp_full = np.where(P["applied"], inv_full[pay_inv], 0)
        for ids, account, sign, is_liq in (
            (pay_liq_ids, np.array([c["outstanding_id"] for c in co])[pay_company], 1, True),
            (pay_cp_ids, np.array([c["receivable_id"] for c in co])[pay_company], -1, False),
        ):
            if is_liq:
                res_bal, res_ac = P["balance"], P["amount"]
                reconciled = np.zeros(n_p, bool)
                extra = {}
            else:
                res_bal = np.where(P["applied"], 0, -P["balance"])
                res_ac = np.where(P["applied"], 0, -P["amount"])
                reconciled = P["applied"].copy()
                extra = {"matching_number": cp_matching, "full_reconcile_id": _nullable(cp_full, cp_full > 0)}
            self._copy(
                "account_move_line",
                self._line_columns(
                    ids=ids,
                    move=pay_move_ids,
                    company=pay_company,
                    currency=P["currency_id"],
                    partner=P["partner_id"],
                    names_move=pay_names,
                    days=pay_days,
                    display="product",
                    balance=sign * P["balance"],
                    amount=sign * P["amount"],
                    account=account,
                    extra={
                        "name": pay_label,
                        "ref": memo,
                        "payment_id": P["ids"],
                        "date_maturity": pay_days,
                        "quantity": 1.0,
                        "price_unit": 0.0,
                        "price_subtotal": _money(sign * P["amount"]),
                        "price_total": _money(sign * P["amount"]),
                        "discount": 0.0,
                        "sequence": 100,
                        "tax_tag_invert": False,
                        "amount_residual": _money(res_bal),
                        "amount_residual_currency": _money(res_ac),
                        "reconciled": reconciled,
                        **extra,
                    },
                ),
            )
        # ---- partial reconciles
        ref_inv = R["inv"]
        part_debit = np.r_[inv_term_ids[ref_inv], inv_term_ids[pay_inv[applied]]]
        part_credit = np.r_[ref_term_ids, pay_cp_ids[applied]]
        part_amount = np.r_[R["total_bal"], P["balance"][applied]]
        part_amount_cur = np.r_[R["total"], P["amount"][applied]]
        part_inv = np.r_[ref_inv, pay_inv[applied]]
        part_day = np.r_[R["day"], P["day"][applied]]
        self._copy(
            "account_partial_reconcile",
            {
                "id": part_ids,
                "debit_move_id": part_debit,
                "credit_move_id": part_credit,
                "full_reconcile_id": _nullable(inv_full[part_inv], inv_full[part_inv] > 0),
                "debit_currency_id": IV["currency_id"][part_inv],
                "credit_currency_id": IV["currency_id"][part_inv],
                "company_id": co_ids[IV["company"][part_inv]],
                "amount": _money(part_amount),
                "debit_amount_currency": _money(part_amount_cur),
                "credit_amount_currency": _money(part_amount_cur),
                "max_date": _dates(np.maximum(part_day, IV["day"][part_inv])),
                **self._audit(),
            },
        )
        self._copy(
            "account_move__account_payment",
            {"invoice_id": inv_ids[pay_inv[applied]], "payment_id": P["ids"][applied]},
        )
        self.co_cur = co_cur

    def _move_columns(
        self,
        ids,
        kind,
        company,
        journal,
        currency,
        names,
        prefix,
        number,
        day,
        partner,
        partner_name,
        D,
        residual,
        residual_bal,
        payment_state,
        extra,
    ):
        co_ids = np.array([c["id"] for c in self.co])
        # invoices: direction sign -1 (amounts positive from negative product lines); refunds +1
        if kind == "out_invoice":
            untaxed_signed, tax_signed, total_signed = D["untaxed_bal"], D["tax_bal"], D["total_bal"]
            untaxed_cur_signed, total_cur_signed = D["untaxed"], D["total"]
            residual_signed = residual_bal
        else:
            untaxed_signed, tax_signed, total_signed = -D["untaxed_bal"], -D["tax_bal"], -D["total_bal"]
            untaxed_cur_signed, total_cur_signed = -D["untaxed"], -D["total"]
            residual_signed = -residual_bal
        cols = {
            "id": ids,
            "move_type": kind,
            "state": "posted",
            "auto_post": "no",
            "journal_id": journal,
            "company_id": co_ids[company],
            "currency_id": currency,
            "partner_id": partner,
            "commercial_partner_id": partner,
            "invoice_partner_display_name": partner_name,
            "name": names,
            "sequence_prefix": prefix,
            "sequence_number": number,
            "date": _dates(day),
            "payment_state": payment_state,
            "amount_untaxed": _money(D["untaxed"]),
            "amount_tax": _money(D["tax"]),
            "amount_total": _money(D["total"]),
            "amount_residual": _money(residual),
            "amount_untaxed_signed": _money(untaxed_signed),
            "amount_untaxed_in_currency_signed": _money(untaxed_cur_signed),
            "amount_tax_signed": _money(tax_signed),
            "amount_total_signed": _money(total_signed),
            "amount_total_in_currency_signed": _money(total_cur_signed),
            "amount_residual_signed": _money(residual_signed),
            "is_storno": False,
            "always_tax_exigible": False,
            "checked": True,
            "posted_before": True,
            "made_sequence_gap": False,
            "is_manually_modified": False,
            "is_move_sent": False,
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": _datetimes(
                np.asarray(day).astype("datetime64[s]") + np.timedelta64(10 * 3600, "s")
            ),
            "write_date": self.now_str,
        }
        cols.update(extra)
        return cols

    def _line_columns(
        self,
        ids,
        move,
        company,
        currency,
        partner,
        names_move,
        days,
        display,
        balance,
        amount,
        account,
        extra,
    ):
        co_ids = np.array([c["id"] for c in self.co])
        co_cur = np.array([c["currency_id"] for c in self.co])
        journal_key = "bank_journal" if "payment_id" in extra else "sale_journal"
        journal = np.array([c[journal_key].id for c in self.co])
        balance = np.asarray(balance, dtype=np.int64)
        cols = {
            "id": ids,
            "move_id": move,
            "journal_id": journal[company],
            "company_id": co_ids[company],
            "company_currency_id": co_cur[company],
            "account_id": account,
            "currency_id": currency,
            "partner_id": partner,
            "move_name": names_move,
            "parent_state": "posted",
            "display_type": display,
            "date": days,
            "debit": _money(np.maximum(balance, 0)),
            "credit": _money(np.maximum(-balance, 0)),
            "balance": _money(balance),
            "amount_currency": _money(amount),
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": self.now_str,
            "write_date": self.now_str,
        }
        cols.update(extra)
        return cols

    # ------------------------------------------------------------------
    # finalize
    # ------------------------------------------------------------------

    # ------------------------------------------------------------------
    # marketing: mass mailings and their traces (mailing_trace)
    # ------------------------------------------------------------------

    def _marketing(self):
        """Mass mailings sent to the customers over the period, with one trace per recipient.

        The mailings (a few) use the ORM; the traces are written with ``COPY``: sent, opened,
        replied or bounced, with their dates. Each mailing belongs to a bench campaign.
        """
        env = self.env
        rng = self.xrng
        n_mail = self.p["mailings"]
        if not n_mail or not len(self.cust_ids) or "mailing.mailing" not in env:
            self.mailing_ids = np.zeros(0, dtype=np.int64)
            self.trace_ids = np.zeros(0, dtype=np.int64)
            return
        Mailing = env["mailing.mailing"]
        partner_model = env["ir.model"]._get_id("res.partner")
        days = self.start64 + np.round(
            (np.arange(n_mail) + 0.5) * (self.today64 - self.start64).astype(np.int64) / n_mail
        ).astype("timedelta64[D]")
        sent_at = days.astype("datetime64[s]") + np.timedelta64(9 * 3600, "s")
        existing = Mailing.with_context(active_test=False).search(
            [("subject", "=like", "Bench Mailing %")], order="id"
        )
        by_subject = {m.subject: m for m in existing}
        vals_list = []
        subjects = [f"Bench Mailing {k + 1}" for k in range(n_mail)]
        for k, subject in enumerate(subjects):
            if subject not in by_subject:
                vals_list.append(
                    {
                        "subject": subject,
                        "mailing_type": "mail",
                        "mailing_model_id": partner_model,
                        "mailing_domain": "[]",
                        "campaign_id": int(self.campaign_ids[k % len(self.campaign_ids)]),
                        "body_html": f"<p>{subject}: our news of the month.</p>",
                    }
                )
        if vals_list:
            for mailing in Mailing.create(vals_list):
                by_subject[mailing.subject] = mailing
        mailings = Mailing.browse([by_subject[s].id for s in subjects])
        self.cr.execute(
            """
            UPDATE mailing_mailing m SET state = 'done', sent_date = v.sent, schedule_type = 'now'
              FROM unnest(%s::int[], %s::timestamp[]) AS v(id, sent)
             WHERE m.id = v.id
            """,
            [mailings.ids, [str(x).replace("T", " ") for x in sent_at]],
        )
        mailings.invalidate_recordset()
        mailing_ids = np.array(mailings.ids, dtype=np.int64)
        mailing_campaign = np.array([m.campaign_id.id or 0 for m in mailings], dtype=np.int64)
        # recipients: a share of the customers alive when the mailing went out
        share = self.p["mailing_share"]
        chosen_cust, chosen_mail = [], []
        for k in range(n_mail):
            alive = np.flatnonzero((self.cust_active_from <= days[k]) & (self.cust_active_to >= days[k]))
            picked = alive[rng.random(len(alive)) < share]
            chosen_cust.append(picked)
            chosen_mail.append(np.full(len(picked), k, dtype=np.int64))
        cust = np.concatenate(chosen_cust) if chosen_cust else np.zeros(0, dtype=np.int64)
        mail = np.concatenate(chosen_mail) if chosen_mail else np.zeros(0, dtype=np.int64)
        n = len(cust)
        if not n:
            self.mailing_ids = mailing_ids
            self.trace_ids = np.zeros(0, dtype=np.int64)
            return
        # status: bounced, replied (opened first), opened, or only sent
        u = rng.random(n)
        status = np.where(
            u < 0.03, "bounce", np.where(u < 0.07, "reply", np.where(u < 0.35, "open", "sent"))
        ).astype(object)
        sent = sent_at[mail] + rng.integers(0, 3600, n).astype("timedelta64[s]")
        opened = sent + (rng.exponential(0.8 * SECONDS_PER_DAY, n).astype(np.int64) + 60).astype(
            "timedelta64[s]"
        )
        replied = opened + (rng.exponential(0.5 * SECONDS_PER_DAY, n).astype(np.int64) + 60).astype(
            "timedelta64[s]"
        )
        has_open = np.isin(status, ["open", "reply"]) & (opened <= self.now)
        status[np.isin(status, ["open", "reply"]) & ~has_open] = "sent"
        has_reply = (status == "reply") & (replied <= self.now)
        status[(status == "reply") & ~has_reply] = "open"
        clicked = has_open & (rng.random(n) < 0.4)
        nat = np.datetime64("NaT", "s")
        ids = self._alloc_by_date("mailing_trace", sent)
        self._copy(
            "mailing_trace",
            {
                "id": ids,
                "trace_type": "mail",
                "model": "res.partner",
                "res_id": self.cust_ids[cust],
                "email": self.cust_emails[cust],
                "message_id": np.array([f"<bench-trace-{x}@example.com>" for x in ids], dtype=object),
                "mass_mailing_id": mailing_ids[mail],
                "campaign_id": _nullable(mailing_campaign[mail], mailing_campaign[mail] > 0),
                "trace_status": status,
                "failure_type": np.where(status == "bounce", "mail_bounce", None).astype(object),
                "sent_datetime": _datetimes(sent),
                "open_datetime": _datetimes(np.where(has_open, opened, nat)),
                "reply_datetime": _datetimes(np.where(has_reply, replied, nat)),
                "links_click_datetime": _datetimes(np.where(clicked, opened, nat)),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(sent),
                "write_date": self.now_str,
            },
        )
        bounces = np.bincount(cust[status == "bounce"], minlength=len(self.cust_ids))
        if bounces.any():
            has = bounces > 0
            self.cr.execute(
                """
                UPDATE res_partner p SET message_bounce = COALESCE(p.message_bounce, 0) + v.n
                  FROM unnest(%s::int[], %s::int[]) AS v(id, n)
                 WHERE p.id = v.id
                """,
                [self.cust_ids[has].tolist(), bounces[has].tolist()],
            )
        self.mailing_ids = mailing_ids
        self.trace_ids = ids

    # ------------------------------------------------------------------
    # service: tickets and their SLA lines (crm_ext_service)
    # ------------------------------------------------------------------

    def _setup_service(self):
        """A bench service team per company with two SLA policies (ORM, a few records)."""
        env = self.env
        Team = env["crm_ext.service.team"].with_context(active_test=False)
        Policy = env["crm_ext.sla.policy"].with_context(active_test=False)
        Stage = env["crm_ext.ticket.stage"]
        stages = Stage.search([], order="sequence, id")
        closed = stages.filtered("is_closed")
        if not closed:
            closed = Stage.create({"name": "Solved", "sequence": 90, "is_closed": True})
        shared = stages.filtered(lambda s: not s.team_ids)
        self.ticket_solved_stage = closed[0]
        self.ticket_cancel_stage = closed[1] if len(closed) > 1 else closed[0]
        leader = int(self.user_ids[0])
        self.service = []
        for company in self.companies:
            team = Team.search([("name", "=", "Bench Service"), ("company_id", "=", company.id)], limit=1)
            if not team:
                team = Team.create({"name": "Bench Service", "company_id": company.id, "user_id": leader})
            names = {
                "first_response": "Bench: first answer within 8 hours",
                "resolution": "Bench: solved within 40 hours",
            }
            for sla_type, name in names.items():
                if not Policy.search_count([("team_id", "=", team.id), ("sla_type", "=", sla_type)]):
                    Policy.create(
                        {
                            "name": name,
                            "company_id": company.id,
                            "team_id": team.id,
                            "sla_type": sla_type,
                            "time_hours": 8.0 if sla_type == "first_response" else 40.0,
                            "warn_hours": 2.0 if sla_type == "first_response" else 8.0,
                            "stage_id": self.ticket_solved_stage.id if sla_type == "resolution" else False,
                            "escalate_notify": True,
                            "escalate_priority": sla_type == "resolution",
                        }
                    )
            # the policies a bench ticket matches: same company, its team or none; policies with
            # category, tag or customer tier criteria are left out (see the README)
            policies = Policy.search(
                [
                    ("active", "=", True),
                    ("company_id", "=", company.id),
                    ("team_id", "in", [team.id, False]),
                    ("category_ids", "=", False),
                    ("tag_ids", "=", False),
                    ("partner_category_ids", "=", False),
                ],
                order="id",
            )
            team_stages = shared | stages.filtered(lambda s, t=team: t in s.team_ids)
            excluded = policies.exclude_stage_ids
            open_stages = team_stages.filtered(lambda s, ex=excluded: not s.is_closed and s not in ex)
            if not open_stages:
                open_stages = team_stages.filtered(lambda s: not s.is_closed)[:1]
            self.service.append(
                {
                    "team": team.id,
                    "policies": policies,
                    "open_stages": np.array(open_stages.ids[:2], dtype=np.int64),
                }
            )

    def _service(self):
        """Tickets for a share of the customers in their home company, with their SLA lines.

        Tickets of the last year; old ones are closed (solved, a few cancelled) with their
        SLAs reached or failed; recent ones are open. Open SLA lines past their deadline for
        more than ``escalation_backlog_days`` are failed and escalated; the more recent breaches
        are still ongoing and not escalated (the escalation cron's work). Deadlines are counted
        in calendar hours, not in the team's working hours.
        """
        rng = self.xrng
        self.ticket_ids = np.zeros(0, dtype=np.int64)
        self.ticket_sla_ids = np.zeros(0, dtype=np.int64)
        self.ticket_backlog = 0
        self.ticket_stage_messages = 0
        if "crm_ext.ticket" not in self.env:
            _logger.info("benchmark data: crm_ext_service is not installed, no tickets")
            return
        self._setup_service()
        n_c = len(self.cust_ids)
        with_tickets = np.flatnonzero(rng.random(n_c) < self.p["ticket_share"])
        counts = 1 + rng.poisson(max(self.p["tickets_per_customer"] - 1, 0), len(with_tickets))
        cust = np.repeat(with_tickets, counts)
        n = len(cust)
        if not n:
            self.ticket_ids = np.zeros(0, dtype=np.int64)
            self.ticket_sla_ids = np.zeros(0, dtype=np.int64)
            self.ticket_backlog = 0
            return
        year_ago = self.now - np.timedelta64(365 * SECONDS_PER_DAY, "s")
        start = np.maximum(self.cust_active_from[cust].astype("datetime64[s]"), year_ago)
        span = np.maximum((self.now - start).astype(np.int64), 3600)
        created = start + (rng.random(n) * span).astype(np.int64).astype("timedelta64[s]")
        created = np.minimum(created, self.now - np.timedelta64(600, "s"))
        age_days = (self.now - created).astype(np.int64) / SECONDS_PER_DAY
        is_open = (age_days < self.p["ticket_open_days"]) & (rng.random(n) < 0.7)
        cancelled = ~is_open & (rng.random(n) < 0.05)
        company = self.cust_home[cust]
        co_ids = np.array([c.id for c in self.companies], dtype=np.int64)
        team = np.array([s["team"] for s in self.service], dtype=np.int64)[company]
        priority = rng.choice(["0", "1", "2", "3"], n, p=[0.2, 0.55, 0.2, 0.05]).astype(object)
        # answered and closed: a few hours to a few days after the ticket came in
        answered = created + (rng.exponential(5 * 3600, n).astype(np.int64) + 300).astype("timedelta64[s]")
        closed_at = answered + (rng.exponential(30 * 3600, n).astype(np.int64) + 600).astype("timedelta64[s]")
        closed_at = np.minimum(closed_at, self.now)
        answered = np.minimum(answered, closed_at)
        has_answer = ~is_open | ((answered <= self.now) & (rng.random(n) < 0.6))
        stage = np.empty(n, dtype=np.int64)
        stage[~is_open] = np.where(
            cancelled[~is_open], self.ticket_cancel_stage.id, self.ticket_solved_stage.id
        )
        for ci, info in enumerate(self.service):
            mask = is_open & (company == ci)
            stage[mask] = info["open_stages"][rng.integers(0, len(info["open_stages"]), mask.sum())]
        ids = self._alloc_by_date("crm_ext_ticket", created)
        order = np.argsort(ids)
        numbers = np.empty(n, dtype=object)
        numbers[order] = self._ticket_numbers(created[order])
        # the contact who wrote in: the customer itself (the contacts' ids are not kept here)
        partner = self.cust_ids[cust]
        subjects = np.array(TICKET_SUBJECTS, dtype=object)[rng.integers(0, len(TICKET_SUBJECTS), n)]
        channels = rng.choice(["phone", "email", "chat", "web", "portal"], n, p=[0.3, 0.35, 0.1, 0.15, 0.1])
        user = self.user_ids[rng.integers(0, len(self.user_ids), n)]

        # SLA lines: one per ticket and matching policy
        sla_t, sla_p = [], []
        for ci, info in enumerate(self.service):
            for policy in info["policies"]:
                mask = company == ci
                if policy.priority:
                    mask &= priority >= policy.priority
                idx = np.flatnonzero(mask)
                sla_t.append(idx)
                sla_p.append(np.full(len(idx), policy.id, dtype=np.int64))
        t = np.concatenate(sla_t) if sla_t else np.zeros(0, dtype=np.int64)
        pol = np.concatenate(sla_p) if sla_p else np.zeros(0, dtype=np.int64)
        policy_info = {
            p.id: (p.sla_type, p.time_hours, p.stage_id.sequence if p.stage_id else 0)
            for info in self.service
            for p in info["policies"]
        }
        p_type = np.array([policy_info[p][0] for p in pol], dtype=object)
        p_hours = np.array([policy_info[p][1] for p in pol], dtype=np.float64)
        deadline = created[t] + (p_hours * 3600).astype(np.int64).astype("timedelta64[s]")
        first = p_type == "first_response"
        nat = np.datetime64("NaT", "s")
        # settled lines: first responses answered, every line of a closed ticket
        reached = np.where(first & has_answer[t], answered[t], nat)
        reached = np.where(~is_open[t] & np.isnat(reached), closed_at[t], reached)
        settled = ~np.isnat(reached)
        status = np.full(len(t), "ongoing", dtype=object)
        status[settled] = np.where(reached[settled] > deadline[settled], "failed", "reached")
        backlog = self.now - np.timedelta64(int(self.p["escalation_backlog_days"] * SECONDS_PER_DAY), "s")
        old_breach = ~settled & (deadline < backlog)
        status[old_breach] = "failed"  # escalated by earlier cron runs
        escalated = old_breach.copy()
        warned = (~settled & (deadline < self.now)) | old_breach
        sla_ids = self._alloc("crm_ext_ticket_sla", len(t))
        ongoing = status == "ongoing"
        # the ticket's summary: earliest ongoing deadline, any failed line
        sla_deadline = np.full(n, nat)
        if ongoing.any():
            frame = pd.DataFrame({"t": t[ongoing], "d": deadline[ongoing]}).groupby("t")["d"].min()
            sla_deadline[frame.index.to_numpy()] = frame.to_numpy().astype("datetime64[s]")
        sla_failed = np.zeros(n, dtype=bool)
        sla_failed[t[status == "failed"]] = True
        self._copy(
            "crm_ext_ticket",
            {
                "id": ids,
                "number": numbers,
                "name": subjects,
                "partner_id": partner,
                "commercial_partner_id": partner,
                "team_id": team,
                "user_id": user,
                "stage_id": stage,
                "is_closed": ~is_open,
                "closed_date": _datetimes(np.where(is_open, nat, closed_at)),
                "priority": priority,
                "channel": channels,
                "company_id": co_ids[company],
                "color": 0,
                "sla_deadline": _datetimes(sla_deadline),
                "sla_failed": sla_failed,
                "first_response_date": _datetimes(np.where(has_answer, answered, nat)),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(created),
                "write_date": self.now_str,
            },
        )
        self._copy(
            "crm_ext_ticket_sla",
            {
                "id": sla_ids,
                "ticket_id": ids[t],
                "policy_id": pol,
                "sla_type": p_type,
                "company_id": co_ids[company[t]],
                "team_id": team[t],
                "status": status,
                "deadline": _datetimes(deadline),
                "reached_date": _datetimes(reached),
                "warned": warned,
                "escalated": escalated,
                "remaining_hours": 0.0,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": _datetimes(created[t]),
                "write_date": self.now_str,
            },
        )
        self._ticket_stage_history(ids, created, answered, closed_at, is_open, stage, user)
        self.ticket_ids = ids
        self.ticket_sla_ids = sla_ids
        self.ticket_backlog = int((ongoing & (deadline < self.now)).sum())

    def _ticket_stage_history(self, ids, created, answered, closed_at, is_open, stage, user):
        """The stage changes of the tickets as Odoo tracks them: one chatter message with one
        tracking value per change. A ticket starts in the first open stage; an answered one
        moves to its current open stage, or to the working stage then to its closing stage."""
        env = self.env
        Stage = env["crm_ext.ticket.stage"].with_context(lang="en_US")
        open_stages = Stage.search(
            [("is_closed", "=", False), ("team_ids", "=", False)], order="sequence, id"
        )
        self.ticket_stage_messages = 0
        if not open_stages:
            return
        first = open_stages[0].id
        working = open_stages[1].id if len(open_stages) > 1 else first
        names = {s.id: s.name for s in Stage.with_context(active_test=False).search([])}
        moved = np.flatnonzero(~is_open | (stage != first))
        to_first = np.where(is_open[moved], stage[moved], working)
        keep = to_first != first
        moved, to_first = moved[keep], to_first[keep]
        first_at = np.maximum(np.minimum(answered[moved], self.now), created[moved] + np.timedelta64(60, "s"))
        # a closed ticket was answered before it was closed (see _service), so the order holds
        closed = np.flatnonzero(~is_open)
        closed_at_ = closed_at[closed]
        if working == first:  # a single open stage: closed tickets left it once, to their closing stage
            keep = ~is_open[moved]
            moved, to_first, first_at = moved[~keep], to_first[~keep], first_at[~keep]
        ticket = np.concatenate([moved, closed])
        old = np.concatenate([np.full(len(moved), first), np.full(len(closed), working)]).astype(np.int64)
        new = np.concatenate([to_first, stage[closed]]).astype(np.int64)
        when = np.concatenate([first_at, closed_at_]).astype("datetime64[s]")
        n = len(ticket)
        if not n:
            return
        field_id = env["ir.model.fields"]._get("crm_ext.ticket", "stage_id").id
        note = env.ref("mail.mt_note").id
        user_ids = np.unique(user)
        partner_of = dict(
            zip(
                user_ids.tolist(),
                env["res.users"].browse(user_ids.tolist()).mapped("partner_id.id"),
                strict=True,
            )
        )
        authors = np.array([partner_of[u] for u in user[ticket].tolist()], dtype=np.int64)
        message_ids = self._alloc_by_date("mail_message", when)
        dates = _datetimes(when)
        self._copy(
            "mail_message",
            {
                "id": message_ids,
                "model": "crm_ext.ticket",
                "res_id": ids[ticket],
                "message_type": "notification",
                "subtype_id": note,
                "body": "",
                "author_id": authors,
                "is_internal": True,
                "date": dates,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": dates,
                "write_date": dates,
            },
        )
        self._copy(
            "mail_tracking_value",
            {
                "id": self._alloc("mail_tracking_value", n),
                "field_id": field_id,
                "mail_message_id": message_ids,
                "old_value_integer": old,
                "new_value_integer": new,
                "old_value_char": [names.get(v, "") for v in old.tolist()],
                "new_value_char": [names.get(v, "") for v in new.tolist()],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": dates,
                "write_date": dates,
            },
        )
        self.ticket_stage_messages = n

    def _ticket_numbers(self, created):
        """Ticket numbers from the ticket sequence, in the order given (the sequence advances)."""
        seq = self.env["ir.sequence"].search([("code", "=", "crm_ext.ticket")], limit=1)
        n = len(created)
        if not seq:
            return np.array([f"TCK/BENCH/{k + 1:06d}" for k in range(n)], dtype=object)
        if seq.implementation == "standard":
            self.cr.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [f"ir_sequence_{seq.id:03d}", n]
            )
            values = [row[0] for row in self.cr.fetchall()]
        else:
            self.cr.execute(
                "UPDATE ir_sequence SET number_next = number_next + %s WHERE id = %s"
                " RETURNING number_next - %s",
                [n * seq.number_increment, seq.id, n * seq.number_increment],
            )
            first = self.cr.fetchone()[0]
            values = [first + k * seq.number_increment for k in range(n)]
            seq.invalidate_recordset(["number_next"])
        years = np.asarray(created).astype("datetime64[Y]").astype(np.int64) + 1970
        affixes = {}
        out = np.empty(n, dtype=object)
        for k, (value, year) in enumerate(zip(values, years, strict=True)):
            if year not in affixes:
                affixes[year] = seq._get_prefix_suffix(date=date(int(year), 6, 30))
            prefix, suffix = affixes[year]
            out[k] = f"{prefix}{value:0{seq.padding}d}{suffix}"
        return out

    def _finalize(self):
        cr = self.cr
        self._restore_foreign_keys()
        # customer rank = number of posted customer invoices, as Odoo increments it
        IV, OD = self.IV, self.OD
        counts = np.bincount(OD["cust"][IV["order"]], minlength=len(self.cust_ids))
        has = counts > 0
        cr.execute(
            """
            UPDATE res_partner p SET customer_rank = p.customer_rank + v.n
              FROM unnest(%s::int[], %s::int[]) AS v(id, n)
             WHERE p.id = v.id
            """,
            [self.cust_ids[has].tolist(), counts[has].tolist()],
        )
        self._finalize_tables()

    def _finalize_tables(self):
        cr = self.cr
        # id sequences past every id written (they were reserved with nextval/setval)
        for table in sorted(self.rows):
            if table.endswith("_rel") or table == "account_move__account_payment":
                continue
            cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cr.fetchone()[0]
            if not seq:
                continue
            cr.execute(
                f'SELECT setval(%s, GREATEST((SELECT COALESCE(MAX(id), 1) FROM "{table}"),'
                f" (SELECT last_value FROM {seq})))",
                [seq],
            )
        for table in sorted(self.rows):
            cr.execute(f'ANALYZE "{table}"')
        self.env.invalidate_all()
        self.env.registry.clear_cache()

    # ------------------------------------------------------------------
    # summary
    # ------------------------------------------------------------------

    def _summary(self):
        IV, IL, R, RL, P, OD = self.IV, self.IL, self.R, self.RL, self.P, self.OD
        co_ids = [c["id"] for c in self.co]
        revenue = {}
        for ci, cid in enumerate(co_ids):
            inv = int(IL["balance"][IV["company"][IL["doc"]] == ci].sum())
            ref = int(RL["balance"][R["company"][RL["doc"]] == ci].sum())
            revenue[cid] = (inv - ref) / 100.0
        # open receivable per customer and company (company currency)
        inv_partner = OD["partner_id"][IV["order"]]
        frames = [
            pd.DataFrame(
                {
                    "partner_id": inv_partner,
                    "company_id": np.array(co_ids)[IV["company"]],
                    "cents": IV["residual_bal"],
                }
            ),
            pd.DataFrame(
                {
                    "partner_id": P["partner_id"][~P["applied"]],
                    "company_id": np.array(co_ids)[P["company"][~P["applied"]]],
                    "cents": -P["balance"][~P["applied"]],
                }
            ),
        ]
        open_df = (
            pd.concat(frames, ignore_index=True)
            .groupby(["partner_id", "company_id"], as_index=False)["cents"]
            .sum()
        )
        open_df["amount"] = open_df["cents"] / 100.0
        states = {s: IV["ids"][IV["state"] == s] for s in ("not_paid", "partial", "paid", "reversed")}
        return {
            "seed": self.seed,
            "params": dict(self.p),
            "company_ids": co_ids,
            "currency_ids": [c["currency_id"] for c in self.co] + [self.eur.id],
            "customer_ids": self.cust_ids,
            "contact_ids": self.contact_ids,
            "product_ids": self.product_ids,
            "lead_ids": self.lead_ids,
            "order_ids": OD["ids"],
            "invoice_ids": IV["ids"],
            "refund_ids": R["ids"],
            "payment_ids": P["ids"],
            "payment_move_ids": P["move_ids"],
            "move_ids": np.r_[IV["ids"], R["ids"], P["move_ids"]],
            "invoice_payment_states": states,
            "foreign_invoice_ids": IV["ids"][IV["foreign"]],
            "revenue_by_company": revenue,
            "mailing_ids": self.mailing_ids,
            "trace_ids": self.trace_ids,
            "ticket_ids": self.ticket_ids,
            "ticket_sla_ids": self.ticket_sla_ids,
            "ticket_backlog": self.ticket_backlog,
            "ticket_stage_messages": self.ticket_stage_messages,
            "open_balances": open_df[["partner_id", "company_id", "amount"]],
            "rows": dict(self.rows),
            "timings": dict(self.timings),
            "seconds": self.timings.get("total"),
        }
