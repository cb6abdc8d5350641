"""How the machine's CPU time was shared during a load run, per kind of process.

    .venv/bin/python -m tests.load.cpu --out FILE.json [--interval 2] [--replica-dir DIR]

Started by ``scripts/load.sh`` beside each Locust run and stopped (SIGTERM) when the run
ends. Every ``--interval`` seconds it reads every process's user + system CPU time
(``psutil``) and adds what each process used since the last sample to its kind. A process
that ends between two samples loses at most one interval of its time (PostgreSQL backends of
Odoo's pools live as long as the workers). Writes, on SIGTERM::

    {"seconds": wall clock, "cores": N, "kinds": {kind: CPU seconds}}

``python -m tests.load.cpu --table FILE.json ...`` prints them as a Markdown table: CPU
seconds per kind and its share of what the cores could give over the run.

Kinds: ``locust`` (the simulated users), ``nginx``, ``odoo cron worker`` (the prefork
master's child that Odoo made nice 10), ``odoo gevent``, ``odoo HTTP`` (the master, its HTTP
workers, or the threaded server), ``postgres replica`` (the processes of the cluster in
``--replica-dir``), ``postgres primary`` (every other PostgreSQL process), ``other`` (the
rest: the system, and any Odoo that ``scripts/prod.sh`` did not start).
"""

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import psutil

KINDS = (
    "locust",
    "nginx",
    "odoo HTTP",
    "odoo cron worker",
    "odoo gevent",
    "postgres primary",
    "postgres replica",
    "other",
)


def replica_postmaster(replica_dir):
    pid_file = Path(replica_dir) / "postmaster.pid" if replica_dir else None
    try:
        return int(pid_file.read_text().split()[0]) if pid_file else None
    except (OSError, ValueError, IndexError):
        return None


def kind_of(process, replica_pid):
    """The kind of a process (psutil.Process), from its name, command line, parent and nice."""
    with process.oneshot():
        name = process.name()
        cmdline = " ".join(process.cmdline())
        ppid = process.ppid()
        nice = process.nice()
    if "locust" in cmdline:
        return "locust"
    if name == "nginx":
        return "nginx"
    if name in ("postgres", "postmaster") or cmdline.startswith("postgres"):
        return "postgres replica" if replica_pid in (process.pid, ppid) else "postgres primary"
    if "odoo" in cmdline and "/.state/prod/odoo-" in cmdline:  # scripts/prod.sh's instances
        if "gevent" in cmdline:
            return "odoo gevent"
        return "odoo cron worker" if nice == 10 else "odoo HTTP"
    return "other"


class Sampler:
    def __init__(self, replica_dir):
        self.replica_dir = replica_dir
        self.seen = {}  # pid -> (create time, cpu seconds at the last sample, kind)
        self.kinds = dict.fromkeys(KINDS, 0.0)
        self.started = time.monotonic()

    def sample(self):
        replica_pid = replica_postmaster(self.replica_dir)
        for process in psutil.process_iter():
            try:
                created = process.create_time()
                times = process.cpu_times()
                used = times.user + times.system
                known = self.seen.get(process.pid)
                if known and known[0] == created:
                    kind, before = known[2], known[1]
                else:  # new since the last sample (or the first sample): count from now on
                    kind, before = kind_of(process, replica_pid), None
                self.seen[process.pid] = (created, used, kind)
                if before is not None:
                    self.kinds[kind] += max(0.0, used - before)
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue

    def result(self):
        return {
            "seconds": time.monotonic() - self.started,
            "cores": psutil.cpu_count(),
            "kinds": {kind: round(seconds, 2) for kind, seconds in self.kinds.items()},
        }


def table(paths):
    """A Markdown table of one or more samples' JSON files (one column per file)."""
    results = [
        (Path(path).name.replace(".cpu.json", ""), json.loads(Path(path).read_text())) for path in paths
    ]
    head = ["kind"] + [f"{name}: CPU s (share)" for name, _r in results]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind in KINDS:
        cells = []
        for _name, result in results:
            capacity = result["seconds"] * result["cores"]
            seconds = result["kinds"].get(kind, 0.0)
            cells.append(f"{seconds:.0f} ({100 * seconds / capacity:.0f} %)" if capacity else "-")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    totals = []
    for _name, result in results:
        capacity = result["seconds"] * result["cores"]
        used = sum(result["kinds"].values())
        totals.append(f"{used:.0f} of {capacity:.0f} ({100 * used / capacity:.0f} %)" if capacity else "-")
    lines.append("| all (of the cores' capacity over the run) | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out")
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--replica-dir")
    parser.add_argument("--table", nargs="+", help="print the table of these JSON files and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(table(args.table))
        return 0
    if not args.out:
        parser.error("--out is required")
    sampler = Sampler(args.replica_dir)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_a: stop.append(1))
    sampler.sample()
    while not stop:
        time.sleep(args.interval)
        sampler.sample()
    Path(args.out).write_text(json.dumps(sampler.result()))
    return 0


if __name__ == "__main__":
    os.nice(5)  # the sampler must not take the CPU it measures from the others
    sys.exit(main())
