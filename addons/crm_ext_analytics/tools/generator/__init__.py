"""Benchmark data generator: a consistent CRM, sales, stock and accounting history.

``generate(env, size="small", seed=42, **overrides)`` (or ``generate(env, profile)`` with a
``Profile``) fills the database behind ``env`` with, over the last ``years`` years (three by
default) and in two companies (the main company and a second one in EUR with its own generic
chart of accounts):

- customers (companies) and their contacts (``partners``),
- storable products (some tracked by serial number), warehouses, stock on hand
  (``companies``, ``stock``),
- opportunities in every stage, won and lost, linked to the quotations and orders (with
  ``lead_stage_history``, off by default, their stage changes as Odoo tracks them),
- quotations and confirmed sale orders with lines (``sales``),
- deliveries (done pickings, stock moves, move lines, serial numbers, quants and
  valuation layers) (``stock``),
- posted customer invoices and credit notes with product, tax and receivable lines,
  partly in a foreign currency (EUR invoices of the USD company),
- customer payments reconciled against part of the invoices (partial and full
  reconciliation, matching numbers) and a few unapplied advance payments
  (``accounting``, ``accounting_moves``, ``accounting_lines``),
- mass mailings and their traces (``marketing``; with ``campaign_targets``, off by default,
  as the launched e-mail steps of their campaigns with their targets),
- service tickets with SLA lines (``service``);
  with ``ticket_rating_share``, ``ticket_working_hours`` and ``field_order_share`` (off by
  default), the customers' ratings, the working hours to the first answer and to the closing,
  and completed field orders of the tickets,
- with ``sales_history_share`` (0 by default), sales made before Odoo of some long-standing
  customers of the main company, dated before the period (``history``; crm_ext_sales'
  ``crm_ext.sales.history``).

Setup records (second company, currency rates, taxes, warehouses, salespeople,
campaigns, categories, products) use the ORM in batches; every high-volume table is
written with PostgreSQL ``COPY`` from CSV built with numpy/pandas, never with the ORM.
Stored computed fields that Odoo's reports read (amounts, residuals, payment states,
matching numbers, sale order totals and invoice status...) are computed here, with the
same rounding rules as Odoo (per line, half away from zero). Ids are reserved from the
tables' own sequences; the ORM cache is invalidated at the end.

All money is handled as integer cents to keep every entry exactly balanced.

The package needs only numpy, pandas and Odoo (its imports are relative), and its entry
points take an environment or a cursor and a ``Profile``: a module's post-install hook can
call ``generate(env, Profile(customers=300, years=2))``.
"""

from .generator import Generator, generate, generate_extras
from .profile import DEFAULTS, SIZES, Profile
from .vocabulary import SECOND_COMPANY_NAME
