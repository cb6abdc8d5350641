"""Command line: fill a database with benchmark data.

    python -m tests.benchmarks.generate --database DB --size small|large [--customers N] [--seed S]

Run from the repository root with the project's Python. The data is committed.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.benchmarks.odoo_env import add_odoo_arguments, odoo_environment


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_odoo_arguments(parser)
    parser.add_argument("--size", choices=["small", "large"], default="small")
    parser.add_argument("--customers", type=int, help="number of customers (overrides the size)")
    parser.add_argument("--products", type=int, help="number of products (overrides the size)")
    parser.add_argument("--orders", type=int, help="number of sale orders (default: 2 per customer)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--extras-only",
        action="store_true",
        help="only add the mailings and tickets to a database generated before they existed",
    )
    args = parser.parse_args(argv)

    overrides = {key: getattr(args, key) for key in ("customers", "products", "orders") if getattr(args, key)}
    started = time.perf_counter()
    with odoo_environment(args) as env:
        # the generator lives in crm_ext_analytics: importable once Odoo's addons path is set
        from tests.benchmarks.generator import Profile, generate, generate_extras

        if args.extras_only:
            summary = generate_extras(env, seed=args.seed)
        else:
            summary = generate(env, Profile.of(args.size, seed=args.seed, **overrides))
        env.cr.commit()
    elapsed = time.perf_counter() - started
    print_summary(summary, elapsed)
    return 0


def print_summary(summary, elapsed):
    rows = summary["rows"]
    width = max(len(t) for t in rows) if rows else 10
    print(f"\n{'table':<{width}}  {'rows':>12}")
    print(f"{'-' * width}  {'-' * 12}")
    for table in sorted(rows):
        print(f"{table:<{width}}  {rows[table]:>12,}")
    print(f"{'-' * width}  {'-' * 12}")
    print(f"{'total':<{width}}  {sum(rows.values()):>12,}")
    print(f"\n{'step':<40}  {'seconds':>8}")
    for step, seconds in summary["timings"].items():
        print(f"{step:<40}  {seconds:>8.1f}")
    if summary.get("ticket_ids") is not None:
        print(f"\nSLA lines breached and waiting for the escalation cron: {summary['ticket_backlog']:,}")
    revenue = ", ".join(
        f"company {cid}: {amount:,.2f}" for cid, amount in summary["revenue_by_company"].items()
    )
    print(f"\nnet invoiced revenue (company currency): {revenue}")
    print(f"generation {summary['seconds']:.1f}s, wall time including Odoo start and commit {elapsed:.1f}s")


if __name__ == "__main__":
    sys.exit(main())
