"""Tables from Locust's CSV statistics: per user-visible step and per run.

    python -m tests.load.report RESULT_DIR

``RESULT_DIR`` holds one ``<config>-u<users>_stats.csv`` per run (``locust --csv``), as
``scripts/load.sh`` writes them. Prints, in Markdown: per run, every read page (``PAGE``)
and write (``WRITE``) with its count, p50/p95/p99 in ms and errors; then one line per run
(requests per second over every HTTP request, the slowest page's and write's p95, the error
rate) and the ratio of each configuration's figures to the first configuration's at the
same number of users; the CPU time per kind of process (``cpu``) and the pages during the
analytics job against the others of the same run (``jobs``).
"""

import csv
import re
import sys
from pathlib import Path

try:
    from tests.load import cpu, jobs
except ImportError:  # run from tests/load
    import cpu
    import jobs

RUN_NAME = re.compile(r"(?P<config>.+)-u(?P<users>\d+)_stats\.csv$")
CONFIG_ORDER = [
    "workers0", "workers2", "workers2-replica", "workers2-replica-primary", "workers4", "workers4-replica",
    "two-instances",
]  # fmt: skip


def read_stats(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(row, key):
    try:
        return float(row.get(key) or 0)
    except ValueError:
        return 0.0


def step_table(rows):
    head = ("kind", "step", "count", "p50 ms", "p95 ms", "p99 ms", "errors")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in sorted(rows, key=lambda r: (r["Type"], r["Name"])):
        if row["Type"] not in ("PAGE", "WRITE"):
            continue
        lines.append(
            f"| {row['Type']} | {row['Name']} | {row['Request Count']} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {row['Failure Count']} |"
        )
    return "\n".join(lines)


def exceptions(stats_path):
    """Python exceptions in the users' code (Locust counts them apart from failed requests)."""
    path = Path(str(stats_path).replace("_stats.csv", "_exceptions.csv"))
    if not path.exists():
        return 0
    with open(path, newline="") as f:
        return sum(int(row.get("Count") or 0) for row in csv.DictReader(f))


def smoke(stats_path, count_status):
    """``make test``'s smoke line; True when it passes."""
    rows = read_stats(stats_path)
    f = summary(rows)
    errors = int(f["error_rate"] * f["requests"] + 0.5) + f["step_errors"] + exceptions(stats_path)
    writes = sum(int(number(r, "Request Count")) for r in rows if r["Type"] == "WRITE")
    stored = "yes" if count_status == "0" else "NO"
    print(
        f"smoke: {f['requests']} requests ({f['rps']:.1f}/s), {errors} errors, {f['steps']} steps "
        f"({writes} writes), slowest page p95 {f['page_p95']:.0f} ms, "
        f"slowest write p95 {f['write_p95']:.0f} ms; "
        f"writes stored exactly once: {stored}"
    )
    return errors == 0 and f["requests"] > 0 and count_status == "0"


def summary(rows):
    http = [r for r in rows if r["Type"] not in ("PAGE", "WRITE") and r["Name"] != "Aggregated"]
    requests = sum(number(r, "Request Count") for r in http)
    failures = sum(number(r, "Failure Count") for r in http)
    rps = sum(number(r, "Requests/s") for r in http)
    pages = [r for r in rows if r["Type"] == "PAGE"]
    writes = [r for r in rows if r["Type"] == "WRITE"]
    steps = pages + writes
    return {
        "rps": rps,
        "requests": int(requests),
        "error_rate": failures / requests if requests else 0.0,
        "page_p95": max((number(r, "95%") for r in pages), default=0.0),
        "write_p95": max((number(r, "95%") for r in writes), default=0.0),
        "steps": int(sum(number(r, "Request Count") for r in steps)),
        "step_errors": int(sum(number(r, "Failure Count") for r in steps)),
    }


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    if argv[0] == "--smoke":
        return 0 if smoke(argv[1], argv[2]) else 1
    result_dir = Path(argv[0])
    runs = {}
    raised = {}
    for path in sorted(result_dir.glob("*_stats.csv")):
        match = RUN_NAME.search(path.name)
        if match:
            runs[(match["config"], int(match["users"]))] = read_stats(path)
            raised[(match["config"], int(match["users"]))] = exceptions(path)
    if not runs:
        print(f"no Locust statistics in {result_dir}")
        return 1

    def order(key):
        config, users = key
        rank = CONFIG_ORDER.index(config) if config in CONFIG_ORDER else len(CONFIG_ORDER)
        return users, rank, config

    for key in sorted(runs, key=order):
        print(f"\n#### {key[0]}, {key[1]} users\n")
        print(step_table(runs[key]))

    print("\n#### Per run\n")
    head = (
        "users",
        "configuration",
        "req/s",
        "requests",
        "error rate",
        "exceptions",
        "slowest page p95 ms",
        "slowest write p95 ms",
        "req/s ratio",
        "page p95 ratio",
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    figures = {key: summary(rows) for key, rows in runs.items()}
    for key in sorted(runs, key=order):
        config, users = key
        f = figures[key]
        base_key = min((k for k in runs if k[1] == users), key=order)
        base = figures[base_key]
        rps_ratio = f"{f['rps'] / base['rps']:.2f}" if base["rps"] else "-"
        p95_ratio = f"{f['page_p95'] / base['page_p95']:.2f}" if base["page_p95"] else "-"
        print(
            f"| {users} | {config} | {f['rps']:.1f} | {f['requests']} | {100 * f['error_rate']:.2f} % | "
            f"{raised[key]} | "
            f"{f['page_p95']:.0f} | {f['write_p95']:.0f} | {rps_ratio} | {p95_ratio} |"
        )
    samples = [result_dir / f"{config}-u{users}.cpu.json" for config, users in sorted(runs, key=order)]
    samples = [path for path in samples if path.exists()]
    if samples:
        print("\n#### CPU time per kind of process (tests/load/cpu.py)\n")
        print(cpu.table(samples))
    job_table = jobs.table(result_dir, [f"{config}-u{users}" for config, users in sorted(runs, key=order)])
    if job_table:
        print(
            "\n#### The read pages during the analytics job and outside it, same run (tests/load/jobs.py)\n"
        )
        print(job_table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
