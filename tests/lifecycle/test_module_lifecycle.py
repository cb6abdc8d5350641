"""Install each module alone, and uninstall them in turn, in real Odoo processes.

Run by ``scripts/run_tests.py`` after the main Odoo tests, with the environment
variables it sets: ``CRM_EXT_TEST_DB`` (the installed test database, copied here,
never changed) and ``CRM_EXT_ODOO_ADDONS_PATH``. Each test makes and drops its own
databases.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from harness import bad_log_lines  # noqa: E402

ADDONS_PATH = os.environ.get("CRM_EXT_ODOO_ADDONS_PATH", "")
MAIN_DB = os.environ.get("CRM_EXT_TEST_DB", "")
LOGS = ROOT / ".state" / "logs"
DSN = {"host": "127.0.0.1", "port": 5432, "user": "odoo"}

pytestmark = pytest.mark.skipif(
    not (ADDONS_PATH and MAIN_DB), reason="needs Odoo and the test database made by scripts/run_tests.py"
)


def _sql(sql, db="postgres", params=None):
    conn = psycopg2.connect(dbname=db, **DSN)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def _odoo(db, *args, stdin=None, command=(), addons_path=None):
    log = LOGS / f"lifecycle-{db}-{uuid.uuid4().hex[:6]}.log"
    cmd = [sys.executable, "-m", "odoo", *command, "-c", str(ROOT / "odoo.conf"),
           "--addons-path", addons_path or ADDONS_PATH, "-d", db, "--db-filter", f"^{db}$",
           "--no-http", "--log-level=info", f"--logfile={log}", *args]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=1800)
    text = log.read_text() if log.exists() else ""
    assert result.returncode == 0, f"odoo exited {result.returncode}: {result.stderr[-3000:]}\n{text[-3000:]}"
    assert not bad_log_lines(text), "\n".join(bad_log_lines(text))
    return result.stdout


def _installed(db):
    rows = _sql("SELECT name FROM ir_module_module WHERE state = 'installed' AND name LIKE 'crm_ext%'", db)
    return {name for (name,) in rows}


@pytest.fixture
def scratch_db():
    # a development run may need its own prefix (as test_upgrade_renames.py)
    name = f"{os.environ.get('CRM_EXT_SCRATCH_DB_PREFIX', 'crm_ext_lc_')}{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield name
    _sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "module, expected",
    [
        ("crm_ext_sales", {"crm_ext_sales"}),
        ("crm_ext_marketing", {"crm_ext_sales", "crm_ext_marketing"}),
        ("crm_ext_service", {"crm_ext_sales", "crm_ext_service"}),
    ],
)
def test_installs_alone_with_its_dependencies(scratch_db, module, expected):
    # crm_ext_analytics alone means all four: that is the main test database's install
    _odoo(scratch_db, "-i", module, "--stop-after-init")
    assert _installed(scratch_db) == expected
    # crm's demo leads and sale's demo invoices were there before crm_ext_sales: its stored
    # computed columns were filled in SQL, without a tracking message per record
    initial_fills = _sql(
        "SELECT field.model, field.name, count(*) FROM mail_tracking_value tracking"
        " JOIN ir_model_fields field ON field.id = tracking.field_id"
        " WHERE (field.model, field.name) IN"
        "       (('crm.lead', 'crm_ext_forecast_category'), ('account.move', 'crm_ext_opportunity_id'))"
        "   AND COALESCE(tracking.old_value_char, '') = '' AND COALESCE(tracking.old_value_integer, 0) = 0"
        " GROUP BY field.model, field.name",
        scratch_db,
    )
    assert initial_fills == [], initial_fills
    assert _sql("SELECT count(*) FROM crm_lead WHERE crm_ext_forecast_category IS NULL", scratch_db) == [(0,)]


UNINSTALL = """
module = env['ir.module.module'].search([('name', 'in', {names!r})])
assert len(module) == {count}, module
module.button_immediate_uninstall()
"""

SALES_STILL_WORKS = """
partner = env['res.partner'].create({'name': 'After uninstall', 'is_company': True})
env['crm_ext.interaction'].create({'summary': 'Still logging calls', 'partner_id': partner.id})
lead = env['crm.lead'].create({'name': 'Still selling', 'partner_id': partner.id})
assert partner.crm_ext_interaction_count == 1, partner.crm_ext_interaction_count
assert lead.crm_ext_interaction_count == 0
for gone in ('crm_ext.segment', 'crm_ext.ticket', 'crm_ext.analytics.run'):
    assert gone not in env, gone
env.cr.rollback()
print('SALES-OK')
"""


def _model_tables(db, modules):
    """Tables of the non-abstract models that the given modules create (not merely extend)."""
    rows = _sql(
        "SELECT DISTINCT replace(model.model, '.', '_') FROM ir_model model"
        " JOIN ir_model_data data ON data.model = 'ir.model' AND data.res_id = model.id"
        " WHERE data.module IN %s AND model.model LIKE %s",
        db,
        (tuple(modules), "crm\\_ext.%"),
    )
    existing = {name for (name,) in _sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", db)}
    return {name for (name,) in rows} & existing


def test_uninstall_analytics_then_marketing_and_service_leaves_sales(scratch_db):
    _sql(f'CREATE DATABASE "{scratch_db}" TEMPLATE "{MAIN_DB}"')
    sales_tables = _model_tables(scratch_db, ["crm_ext_sales"])
    other_tables = _model_tables(scratch_db, ["crm_ext_marketing", "crm_ext_service", "crm_ext_analytics"])
    assert "crm_ext_interaction" in sales_tables
    assert other_tables - sales_tables, "the other modules create tables of their own"
    _odoo(scratch_db, stdin=UNINSTALL.format(names=["crm_ext_analytics"], count=1), command=("shell",))
    assert _installed(scratch_db) == {"crm_ext_sales", "crm_ext_marketing", "crm_ext_service"}
    names = ["crm_ext_marketing", "crm_ext_service"]
    _odoo(scratch_db, stdin=UNINSTALL.format(names=names, count=2), command=("shell",))
    assert _installed(scratch_db) == {"crm_ext_sales"}
    remaining = {
        name for (name,) in _sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", scratch_db)
    }
    assert not (other_tables - sales_tables) & remaining, "uninstalled modules left tables behind"
    # crm_ext_marketing's duplicate lookups' indexes on Odoo's crm_lead (its uninstall hook)
    indexes = _sql(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'crm_lead' AND indexname = ANY(%s)",
        scratch_db,
        (["crm_lead_crm_ext_email_normalized_index", "crm_lead_crm_ext_phone_key_index",
          "crm_lead_crm_ext_company_key_index"],),
    )  # fmt: skip
    assert not indexes, f"uninstalled modules left indexes on crm_lead: {indexes}"
    assert sales_tables <= remaining
    assert "SALES-OK" in _odoo(scratch_db, stdin=SALES_STILL_WORKS, command=("shell",))
