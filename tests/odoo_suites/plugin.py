"""pytest plugin of the Odoo-suites phase (scripts/odoo_suites.py): Odoo's own tests of the
modules crm_ext depends on, run by pytest-odoo on a database with everything installed.

- Runs what Odoo's runner runs by default: tests tagged ``standard`` (Odoo's ``-standard``
  tests, e.g. its long performance or external-service tests, are deselected).
- Writes one JSON object ``{test id: [outcome, message]}`` to ``$CRM_EXT_ODOO_SUITES_REPORT``,
  the test id being ``module/tests/file.py::Class::method`` (relative to Odoo's add-ons).
- Uses the project's conftest hooks (a skipped browser tour fails).
"""

import json
import os
from pathlib import Path

import pytest

from conftest import _odoo_statics_preloaded, pytest_runtest_makereport  # noqa: F401

_ids = {}
_outcomes = {}


def _test_id(item):
    path = Path(item.path)
    parts = path.parts
    # .../addons/<module>/tests/...: keep from <module> on
    index = len(parts) - 1 - parts[::-1].index("tests")
    relative = "/".join(parts[index - 1 :])
    cls = getattr(item, "cls", None)
    return "::".join([relative, *([cls.__name__] if cls else []), item.name])


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        cls = getattr(item, "cls", None)
        tags = getattr(cls, "test_tags", None) or {"standard"}
        (kept if "standard" in tags else dropped).append(item)
        _ids[item.nodeid] = _test_id(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_runtest_logreport(report):
    test_id = _ids.get(report.nodeid, report.nodeid)
    previous = _outcomes.get(test_id, ("passed", ""))
    if previous[0] == "failed":
        return
    if report.failed:
        text = str(report.longrepr or "")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        message = next((line for line in lines if line.startswith("E ")), lines[-1] if lines else "")
        _outcomes[test_id] = ("failed", f"{report.when}: {message[:300]}")
    elif report.skipped and previous[0] != "failed":
        _outcomes[test_id] = ("skipped", str(report.longrepr)[-200:])
    elif test_id not in _outcomes:
        _outcomes[test_id] = ("passed", "")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    target = os.environ.get("CRM_EXT_ODOO_SUITES_REPORT")
    if target:
        Path(target).write_text(json.dumps(_outcomes, indent=0, sort_keys=True))
