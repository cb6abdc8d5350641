"""Small helpers of the test command, kept free of Odoo so they are unit-tested."""

import ast
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

# "2026-11-22 07:27:33,011 7405 WARNING dbname odoo.models: ..."
_BAD_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (WARNING|ERROR|CRITICAL) ")


def psql(sql):
    """Runs one SQL statement on the local cluster's ``postgres`` database, ignoring errors."""
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", "postgres", "-qc", sql],
        check=False,
        capture_output=True,
    )


def release_database(db, keep_db, root):
    """Drops a throw-away database and its filestore, or says it is kept."""
    if keep_db:
        print(f"  kept database {db}")
    else:
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(Path(root) / ".state" / "data" / "filestore" / db, ignore_errors=True)


def bad_log_lines(text):
    """The WARNING, ERROR and CRITICAL lines of an Odoo server log."""
    return [line for line in text.splitlines() if _BAD_LINE.match(line)]


def junit_counts(path):
    """(passed, failed, skipped) from a pytest JUnit XML report."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failed = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return tests - failed - skipped, failed, skipped


def count_test_functions(paths):
    """Test functions and methods in the given files, counted without importing them."""
    total = 0
    for path in paths:
        tree = ast.parse(Path(path).read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                total += 1
    return total


@dataclass
class Tally:
    """Passed / failed / skipped counts of the whole run, phase by phase."""

    rows: list = field(default_factory=list)

    def add(self, phase, passed=0, failed=0, skipped=0, note=""):
        self.rows.append((phase, passed, failed, skipped, note))

    @property
    def totals(self):
        return tuple(sum(row[i] for row in self.rows) for i in (1, 2, 3))

    def report(self):
        lines = ["", "phase                         passed  failed  skipped  note"]
        for phase, passed, failed, skipped, note in self.rows:
            lines.append(f"{phase:<29} {passed:>6}  {failed:>6}  {skipped:>7}  {note}")
        return "\n".join(lines)
