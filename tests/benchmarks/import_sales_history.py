"""Benchmark of the sales history import (crm_ext_sales, issue 17): a file of a million rows
through the wizard, then the same file again. Prints figures; it is not a timed test.

    .venv/bin/python -m tests.benchmarks.import_sales_history --database crm_ext_dev [--rows 1000000]

Needs a database with crm_ext_sales installed. Prepares (not timed) ``--customers`` customers
of the main company and ``--products`` products with ORM creates, writes a CSV file of
``--rows`` lines (documents of 1-7 lines over five years, two currencies; customers named by
reference, e-mail or name, and ``--new-customers`` customers the import creates), then times the
wizard's import (``_import_run``, what the scheduled action runs for a file this big; its steps
too) and a second import of the same file (nothing may be added). Everything is rolled back at
the end unless ``--commit``.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import os
import resource
import time
from datetime import date, timedelta

import numpy as np

from tests.benchmarks.odoo_env import add_odoo_arguments, odoo_environment

STEPS = (
    "_history_copy",
    "_history_parse",
    "_history_match_customers",
    "_history_match_products",
    "_history_check_documents",
    "_history_rejected",
    "_history_create_customers",
    "_history_write",
)


def _timed_steps(Wizard, timings):
    """Wraps the wizard's steps to record their seconds (on the registry class, restored after)."""
    cls = type(Wizard)
    originals = {}
    for name in STEPS:
        original = getattr(cls, name)
        originals[name] = original

        @functools.wraps(original)
        def timed(self, *args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(self, *args, **kwargs)
            finally:
                timings[_name] = timings.get(_name, 0.0) + time.perf_counter() - start

        setattr(cls, name, timed)
    return originals


def _backend_cpu(cr):
    """CPU seconds (user + system) the database backend of ``cr`` has used, from /proc (the
    database runs on this machine), or None."""
    cr.execute("SELECT pg_backend_pid()")
    try:
        with open(f"/proc/{cr.fetchone()[0]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _print_slow_statements(cr, seconds):
    execute = cr.execute

    def timed(query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return execute(query, params, log_exceptions)
        finally:
            spent = time.perf_counter() - start
            if spent > seconds:
                text = " ".join(str(getattr(query, "code", query)).split())
                print(f"    {spent:.1f} s: {text[:150]}")

    cr.execute = timed


def _prepare(env, customers, products, seed):
    Partner = env["res.partner"].with_context(mail_create_nolog=True, tracking_disable=True)
    partners = Partner.browse()
    for start in range(0, customers, 2000):
        partners |= Partner.create(
            [
                {
                    "name": f"Bench history customer {i}",
                    "ref": f"BH-{i}",
                    "email": f"bench.history.{i}@example.com",
                    "is_company": True,
                }
                for i in range(start, min(customers, start + 2000))
            ]
        )
    Product = env["product.product"]
    made = Product.create(
        [{"name": f"Bench history product {i}", "default_code": f"BHP-{i}"} for i in range(products)]
    )
    env.flush_all()
    return partners, made


def _csv(rows, customers, new_customers, products, seed):
    """The file's text: documents of 1-7 lines until ``rows`` lines."""
    rng = np.random.default_rng(seed)
    buffer = io.StringIO()
    buffer.write("date,document,customer,customer_ref,customer_email,product,quantity,amount,currency\n")
    first = date.today() - timedelta(days=5 * 365)
    written, number = 0, 0
    lines_per_doc = rng.integers(1, 8, size=rows)
    who = rng.integers(0, customers + new_customers, size=rows)
    how = rng.integers(0, 10, size=rows)  # 0-5 reference, 6-7 e-mail, 8-9 name
    days = rng.integers(0, 5 * 365, size=rows)
    eur = rng.random(size=rows) < 0.1
    while written < rows:
        number += 1
        count = min(int(lines_per_doc[number % rows]), rows - written)
        customer = int(who[number % rows])
        way = int(how[number % rows])
        doc_date = (first + timedelta(days=int(days[number % rows]))).isoformat()
        currency = "EUR" if eur[number % rows] else "USD"
        if customer >= customers:
            # a customer of the former system only: the import creates it (found by reference)
            ident = f"Bench new customer {customer},BN-{customer},"
        elif way < 6:
            ident = f"Whatever {customer},BH-{customer},"
        elif way < 8:
            ident = f"Whatever {customer},,bench.history.{customer}@example.com"
        else:
            ident = f"Bench history customer {customer},,"
        quantities = rng.integers(1, 20, size=count)
        prices = rng.integers(5, 500, size=count)
        items = rng.integers(0, products + products // 5, size=count)  # some free labels
        for k in range(count):
            item = int(items[k])
            product = f"BHP-{item}" if item < products else f"Service {item}"
            buffer.write(
                f"{doc_date},BENCH-{number},{ident},{product},{quantities[k]},"
                f"{int(quantities[k]) * int(prices[k])}.50,{currency}\n"
            )
        written += count
    return buffer.getvalue().encode(), number


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_odoo_arguments(parser)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--new-customers", type=int, default=500)
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--commit", action="store_true", help="keep the data (default: roll back)")
    parser.add_argument("--slow", type=float, default=0, help="print the statements slower than this (s)")
    args = parser.parse_args()

    with odoo_environment(args) as env:
        cr = env.cr
        cr.execute("SHOW server_version")
        print(f"PostgreSQL {cr.fetchone()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()}")
        start = time.perf_counter()
        _prepare(env, args.customers, args.products, args.seed)
        data, documents = _csv(args.rows, args.customers, args.new_customers, args.products, args.seed)
        print(
            f"prepared {args.customers} customers, {args.products} products and a CSV of {args.rows} rows "
            f"({documents} documents, {len(data) / 1e6:.0f} MB) "
            f"in {time.perf_counter() - start:.1f} s (not timed)"
        )
        History = env["crm_ext.sales.history"]
        Wizard = env["crm_ext.sales.history.import"]
        if args.slow:
            _print_slow_statements(cr, args.slow)
        cr.execute("SELECT COUNT(*) FROM crm_ext_sales_history")
        before = cr.fetchone()[0]
        for attempt in ("first import", "same file again"):
            timings = {}
            originals = _timed_steps(Wizard, timings)
            load = os.getloadavg()
            backend_before = _backend_cpu(cr)
            cpu_before = time.process_time()
            start = time.perf_counter()
            try:
                wizard = Wizard.create({"file": base64.b64encode(data), "filename": "bench.csv"})
                created = time.perf_counter() - start
                # what the scheduled action runs for a file this big (the Import button queues it)
                wizard._import_run()
                env.flush_all()
            finally:
                for name, original in originals.items():
                    setattr(type(Wizard), name, original)
            seconds = time.perf_counter() - start
            python_cpu = time.process_time() - cpu_before
            backend_after = _backend_cpu(cr)
            database_cpu = backend_after - backend_before if backend_before is not None else float("nan")
            cr.execute("SELECT COUNT(*) FROM crm_ext_sales_history")
            stored = cr.fetchone()[0] - before
            print(
                f"{attempt}: {wizard.row_count} rows in {seconds:.1f} s "
                f"({wizard.row_count / seconds:,.0f} rows/s); "
                f"imported {wizard.imported_count} (new {wizard.new_count}, updated {wizard.updated_count}), "
                f"rejected {wizard.rejected_count}, customers created {wizard.created_partner_count}; "
                f"rows stored {stored}; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
            )
            print(
                f"  CPU time: Odoo process {python_cpu:.1f} s, database backend {database_cpu:.1f} s "
                f"(together {python_cpu + database_cpu:.1f} s: the import's own work, whatever the load)"
            )
            print(
                f"  upload (wizard create with the file) {created:.1f} s; "
                + ", ".join(
                    f"{name.removeprefix('_history_')} {value:.1f} s" for name, value in timings.items()
                )
            )
            if wizard.state != "done" or wizard.rejected_count:
                print(wizard.report[:2000])
                break
        if stored != args.rows:
            print(f"WARNING: {stored} rows stored for {args.rows} in the file")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:.0f} MiB")
        History.invalidate_model()
        if args.commit:
            cr.commit()


if __name__ == "__main__":
    main()
