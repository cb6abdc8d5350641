"""pytest hooks shared by every test run of the project."""

import logging

import pytest


class _TestModeImportFilter(logging.Filter):
    """Drops Odoo's "Importing test framework ... when not running in test mode" ERROR.

    pytest-odoo imports ``odoo.tests`` while it sets Odoo up, before it turns Odoo's
    test mode on around each test module (turning it on earlier would make Odoo run
    every at_install test when it loads the registry). The record is a false alarm
    in a test run, so it is dropped here and only here; every other record of the
    logger goes through.
    """

    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_TestModeImportFilter())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser tour that was skipped (no Chromium, no websocket-client) fails."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    instance = getattr(item, "instance", None)
    try:
        from odoo.tests.common import HttpCase
    except ImportError:
        return
    if isinstance(instance, HttpCase):
        report.outcome = "failed"
        report.longrepr = f"browser test {item.nodeid} was skipped ({report.longrepr}); tours must run"


@pytest.fixture(scope="session", autouse=True)
def _odoo_statics_preloaded():
    """Reads every add-on's manifest once, before the browser tours start the HTTP threads.

    Odoo reads them lazily (``odoo.http.root.statics``) on the first HTTP request; when
    Chromium's first requests arrive together, several threads parse manifests at once
    and CPython 3.11 can fail with "SystemError: AST constructor recursion depth mismatch"
    (an interpreter race, logged as an ERROR by odoo.http). Parsed once here, in one
    thread, they are cached for the whole run.
    """
    try:
        import odoo.http
    except ImportError:
        yield
        return
    odoo.http.root.statics  # noqa: B018 - a lazy property: reading it loads and caches the manifests
    yield
