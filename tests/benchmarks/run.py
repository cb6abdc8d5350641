"""Command line: run benchmarks on a database filled by ``tests.benchmarks.generate``.

    python -m tests.benchmarks.run --database DB [NAME ...] [--list] [--sample N]

Without NAME every benchmark runs (baselines run with the benchmark that names them).
One line per benchmark: rows processed, seconds, peak memory (resident set size growth
of this process during the benchmark, sampled every 5 ms with psutil), SQL queries
(Odoo's ``odoo.sql_db.sql_counter`` delta) and the ratio of the baseline's seconds to the
benchmark's, both measured in this run. Nothing is written: the transaction is rolled back.
Before each benchmark, tables with dead rows (left by the previous benchmark's rolled-back
writes, or by anything before) are vacuumed and analysed, as autovacuum would have done
between two nightly jobs, so that a benchmark does not pay for its predecessor's dead rows
(``--no-vacuum`` to skip).
Exit status 1 if a benchmark fails (an error, or its check against its baseline); the
others still run.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
import traceback

import psutil

from tests.benchmarks.odoo_env import add_odoo_arguments, odoo_environment
from tests.benchmarks.registry import Context, discover


class PeakRss:
    """Peak resident set size growth of this process while the block runs (psutil)."""

    def __init__(self, interval=0.005):
        self.interval = interval
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        gc.collect()
        self.start = self.process.memory_info().rss
        self.peak = self.start
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        self.delta = self.peak - self.start
        return False


def measure(bench, env, options, shared):
    """Run one benchmark; return a dict of measures."""
    import odoo.sql_db

    ctx = Context(env=env, options=options, shared=shared)
    if bench.prepare:
        ctx.prepared = bench.prepare(ctx)
    env.invalidate_all()
    env.cr.execute("SELECT 1")  # the connection is warm, the cache is cold
    with PeakRss() as rss:
        queries_before = odoo.sql_db.sql_counter
        started = time.perf_counter()
        result = bench.func(ctx)
        seconds = time.perf_counter() - started
        queries = odoo.sql_db.sql_counter - queries_before
    return {
        "name": bench.name,
        "result": result,
        "measured_seconds": seconds,
        "seconds": seconds * result.scale,
        "queries": queries * result.scale,
        "measured_queries": queries,
        "rss": rss.delta,
        "rows": result.rows * result.scale,
    }


def format_line(m, baseline=None):
    result = m["result"]
    scaled = result.scale != 1.0
    rows = f"{m['rows']:>12,.0f}"
    parts = [
        f"{m['name']:<34}",
        f"rows {rows}{'*' if scaled else ' '}",
        f"{m['seconds']:>10.3f} s{'*' if scaled else ' '}",
        f"peak RSS +{m['rss'] / 2**20:>8.1f} MiB",
        f"queries {m['queries']:>9,.0f}{'*' if scaled else ' '}",
    ]
    if baseline is not None:
        ratio = baseline["seconds"] / m["seconds"] if m["seconds"] else float("inf")
        parts.append(f"ratio {ratio:>9.1f}x vs {baseline['name']}")
    elif scaled:
        parts.append(
            f"* scaled x{result.scale:.1f} from a measured sample: {m['measured_seconds']:.3f} s,"
            f" {m['measured_queries']} queries ({result.note})"
        )
    elif result.note:
        parts.append(result.note)
    return "  ".join(parts)


def _ratio_text(m, baseline, target):
    ratio = baseline["seconds"] / m["seconds"] if m["seconds"] else float("inf")
    text = f"ratio {ratio:>9.1f}x vs {baseline['name']}"
    if target is not None:
        wanted = f">= {target:g}x" if target >= 1 else f"<= {1 / target:g}x slower"
        text += f" (target {wanted}: {'met' if ratio >= target else 'MISSED'})"
    return text


def run_one(bench, registry, env, args, shared):
    """Run a benchmark after its baselines, print their lines; return 1 if a check fails."""
    baselines = []
    for name in bench.baselines:
        baselines.append(measure(registry[name], env, args, shared))
        print(format_line(baselines[-1]), flush=True)
    measured = measure(bench, env, args, shared)
    print(format_line(measured), flush=True)
    failed = 0
    for baseline in baselines:
        name = baseline["name"]
        print(f"{'':<34}  {_ratio_text(measured, baseline, bench.targets.get(name))}", flush=True)
        check = bench.check_for(name)
        if not check:
            continue
        try:
            message = check(measured["result"].value, baseline["result"].value)
        except AssertionError as error:
            print(f"{'':<34}  check vs {name} FAILED: {error}", flush=True)
            failed = 1
            continue
        print(f"{'':<34}  check vs {name} OK: {message}", flush=True)
    return failed


def vacuum_dead_tables(env, threshold=1000):
    """VACUUM ANALYZE every table of the database with more than ``threshold`` dead rows,
    through a connection of its own in autocommit mode (VACUUM cannot run in a transaction).
    Returns the tables vacuumed."""
    import odoo.sql_db

    connection = odoo.sql_db.db_connect(env.cr.dbname)
    with connection.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("SELECT relname FROM pg_stat_user_tables WHERE n_dead_tup > %s", (threshold,))
        tables = [row[0] for row in cr.fetchall()]
        for table in tables:
            cr.execute(f'VACUUM ANALYZE "{table}"')  # a name read from the catalogue
    return tables


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--sample", type=int, default=200, help="sample size of slow baselines (default 200)")
    parser.add_argument("--traceback", action="store_true", help="print the traceback of a failing benchmark")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="do not vacuum tables with dead rows before each benchmark"
    )
    add_odoo_arguments(parser, database_required=False)
    args = parser.parse_args(argv)
    registry = discover()
    if args.list:
        for bench in registry.values():
            kind = "baseline" if bench.baseline_only else "benchmark"
            extra = f" (baselines: {', '.join(bench.baselines)})" if bench.baselines else ""
            print(f"{bench.name:<34} {kind:<9} {bench.description}{extra}")
        return 0
    if not args.database:
        parser.error("the following arguments are required: --database")
    unknown = [n for n in args.names if n not in registry]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; see --list")
    names = args.names or [b.name for b in registry.values() if not b.baseline_only]
    failures = 0
    print(
        "rows: rows processed; s: wall seconds; peak RSS: growth of this process's resident memory"
        " (psutil, sampled every 5 ms); queries: odoo.sql_db.sql_counter delta;"
        " ratio: baseline seconds / benchmark seconds, same run"
    )
    with odoo_environment(args) as env:
        shared = {}
        for name in names:
            bench = registry[name]
            wanted = set(bench.requires)
            for baseline in bench.baselines:
                wanted |= set(registry[baseline].requires)
            installed = set(
                env["ir.module.module"]
                .search([("name", "in", list(wanted)), ("state", "=", "installed")])
                .mapped("name")
            )
            if wanted - installed:
                print(
                    f"{name:<34}  SKIPPED: needs {', '.join(sorted(wanted - installed))} installed",
                    flush=True,
                )
                continue
            if not args.no_vacuum:
                vacuum_dead_tables(env)
            try:
                failures += run_one(bench, registry, env, args, shared)
            except Exception as error:  # one broken benchmark does not stop the others
                failures += 1
                print(f"{name:<34}  ERROR: {type(error).__name__}: {error}", flush=True)
                if args.traceback:
                    traceback.print_exc()
            env.cr.rollback()
            env.invalidate_all()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
