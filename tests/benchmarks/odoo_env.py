"""Start Odoo as a library for the benchmark command lines (no HTTP server)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ODOO_ADDONS = "/opt/odoo/18.0/addons"


def default_addons_path():
    paths = [DEFAULT_ODOO_ADDONS]
    own = REPO / "addons"
    if own.is_dir():
        paths.append(str(own))
    return ",".join(paths)


def add_odoo_arguments(parser, database_required=True):
    parser.add_argument("--database", "-d", required=database_required, help="database name")
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--db-port", default=os.environ.get("PGPORT", "5432"))
    parser.add_argument("--db-user", default="odoo")
    parser.add_argument("--db-password", default=os.environ.get("PGPASSWORD"))
    parser.add_argument(
        "--addons-path",
        default=None,
        help=f"Odoo addons path (default: {DEFAULT_ODOO_ADDONS} plus the repository's addons/)",
    )
    parser.add_argument("--log-level", default="warn", help="Odoo log level (default: warn)")


@contextlib.contextmanager
def odoo_environment(args):
    """Yield a superuser ``env`` on ``args.database``; the cursor is closed on exit (no commit)."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    options = [
        "--database",
        args.database,
        "--db_host",
        args.db_host,
        "--db_port",
        str(args.db_port),
        "--db_user",
        args.db_user,
        "--addons-path",
        args.addons_path or default_addons_path(),
        "--log-level",
        args.log_level,
        "--no-http",
    ]
    if args.db_password:
        options += ["--db_password", args.db_password]
    odoo.tools.config.parse_config(options)
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            yield env
        finally:
            cr.rollback()
