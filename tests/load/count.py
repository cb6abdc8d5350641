"""What the load sent against what the database stored: every write exactly once.

    python -m tests.load.count --database DB --ledger FILE [--run RUN]

The ledger (written by ``locustfile.py``) holds one entry per write: kind, marker
(``LOAD-<run>-<n>``), and whether the user saw it succeed. Each kind's records are looked
up by their marker. A write the user saw succeed must be stored exactly once; one that
failed must be stored at most once (it may have committed before its response was lost,
e.g. when the worker was killed right after the commit: listed). Exit code 1 when a
succeeded write is missing or any write is stored twice.
"""

import argparse
import collections
import json
import re
import sys

import psycopg2

# kind -> SQL returning (marker text, count) for the markers of one run (LIKE pattern %s)
QUERIES = {
    "interaction": "SELECT summary, count(*) FROM crm_ext_interaction WHERE summary LIKE %s GROUP BY 1",
    "lead": "SELECT name, count(*) FROM crm_lead WHERE name LIKE %s GROUP BY 1",
    "quotation": """SELECT client_order_ref, count(*) FROM sale_order
                      WHERE client_order_ref LIKE %s GROUP BY 1""",
    "portal ticket": "SELECT name, count(*) FROM crm_ext_ticket WHERE name LIKE %s GROUP BY 1",
    "invoice": """SELECT ref, count(*) FROM account_move
                   WHERE ref LIKE %s AND move_type = 'out_invoice' AND state = 'posted' GROUP BY 1""",
    "payment": "SELECT memo, count(*) FROM account_payment WHERE memo LIKE %s GROUP BY 1",
    "credit note": """SELECT ref, count(*) FROM account_move
                       WHERE ref LIKE '%%' || %s AND move_type = 'out_refund' GROUP BY 1""",
    "ticket answer": """SELECT body, count(*) FROM mail_message
                         WHERE model = 'crm_ext.ticket' AND body LIKE '%%' || %s GROUP BY 1""",
}
MARKER = re.compile(r"LOAD-[0-9A-Za-z_]+-[0-9]+")


def stored_counts(cr, run):
    """{kind: Counter(marker -> rows)} for the markers of ``run``."""
    stored = {}
    for kind, sql in QUERIES.items():
        counts = collections.Counter()
        cr.execute(sql, [f"LOAD-{run}-%"])
        for text, count in cr.fetchall():
            found = MARKER.search(text or "")
            if found:
                counts[found.group(0)] += count
        stored[kind] = counts
    return stored


def check(ledger, stored):
    """Rows of (kind, sent, succeeded, failed, stored once, missing, twice, failed but stored)."""
    rows = []
    problems = []
    by_kind = collections.defaultdict(list)
    for kind, mark, outcome, detail in ledger:
        by_kind[kind.split(":")[0]].append((mark, outcome, detail))
    for kind, entries in sorted(by_kind.items()):
        counts = stored.get(kind, collections.Counter())
        ok = [m for m, outcome, _d in entries if outcome == "ok"]
        failed = [m for m, outcome, _d in entries if outcome != "ok"]
        missing = [m for m in ok if counts[m] == 0]
        twice = [m for m, _o, _d in entries if counts[m] > 1]
        failed_stored = [m for m in failed if counts[m] == 1]
        rows.append(
            (
                kind,
                len(entries),
                len(ok),
                len(failed),
                sum(1 for m in ok if counts[m] == 1),
                len(missing),
                len(twice),
                len(failed_stored),
            )
        )
        problems += [f"{kind} {m}: succeeded but not stored" for m in missing]
        problems += [f"{kind} {m}: stored {counts[m]} times" for m in twice]
    return rows, problems


def table(rows):
    head = (
        "write",
        "sent",
        "succeeded",
        "failed",
        "stored once",
        "missing",
        "stored twice",
        "failed but stored",
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--ledger", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--dsn", default="host=127.0.0.1 port=5432 user=odoo")
    args = parser.parse_args(argv)
    with open(args.ledger) as f:
        ledger = json.load(f)
    with psycopg2.connect(f"{args.dsn} dbname={args.database}") as cnx, cnx.cursor() as cr:
        stored = stored_counts(cr, args.run)
    rows, problems = check(ledger, stored)
    print(table(rows) if rows else "(no write was sent)")
    for problem in problems[:20]:
        print("  " + problem)
    print(
        f"writes: {sum(r[1] for r in rows)} sent, {sum(r[2] for r in rows)} succeeded, "
        f"{sum(r[5] for r in rows)} missing, {sum(r[6] for r in rows)} stored twice"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
