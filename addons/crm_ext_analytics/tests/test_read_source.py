import logging
import socket
import threading
from unittest.mock import patch

import numpy as np
import pandas as pd
import psycopg2
from psycopg2.pool import PoolError

from odoo import sql_db
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tools import SQL, config

from .common import CrmExtAnalyticsCase


def unused_port():
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestReadSource(CrmExtAnalyticsCase):
    """Where a run reads its input datasets: Odoo's replica when it has one that caught up with the
    primary, else the primary; recorded on the run. The run with a real, caught-up or lagging
    replica is checked by tests/load/analytics_replica.py (the test database's rows are not
    committed: a replica never sees them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        customers = env["res.partner"].create(
            [{"name": "Replica customer A"}, {"name": "Replica customer B"}]
        )
        product = env["product.product"].create({"name": "Widget (read source test)", "list_price": 100})
        env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "invoice_date": "2026-01-15",
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": 1, "price_unit": price, "tax_ids": []}
                        )
                    ],
                }
                for partner, price in ((customers[0], 300), (customers[0], 200), (customers[1], 100))
            ]
        ).action_post()

    def _run(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        # every dataset was read: the figures of the invoices above
        self.assertEqual((run.invoice_count, run.customer_count), (3, 2))
        return run

    def _run_with_cursors(self, options, cursor):
        """A run with these server options and ``cursor`` as the registry's cursor factory; the
        run and the lines the run's logger wrote."""
        with (
            patch.dict(config.options, options),
            patch.object(Registry, "cursor", cursor),
            # logging.INFO: Odoo names its level 25 "INFO" too
            self.assertLogs(
                "odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run", logging.INFO
            ) as logs,
        ):
            run = self._run()
        return run, logs.output

    def test_no_replica_configured_reads_the_primary(self):
        opened = []
        real_cursor = Registry.cursor

        def cursor(registry, readonly=False):
            opened.append(readonly)
            return real_cursor(registry, readonly=readonly)

        run, logs = self._run_with_cursors({"db_replica_host": False}, cursor)
        self.assertEqual(run.read_source, "primary")
        self.assertIn("No replica configured", run.read_source_note)
        self.assertNotIn(True, opened)  # no read-only cursor asked for
        self.assertTrue(any("No replica configured" in line for line in logs), logs)

    def test_setting_keeps_the_reads_on_the_primary(self):
        """With a replica configured, the setting "Read the Primary Only" keeps the run off it
        (the replica is left to the users' screens); without the setting the run asks for it."""
        opened = []
        real_cursor = Registry.cursor

        def cursor(registry, readonly=False):
            opened.append(readonly)
            return real_cursor(registry, readonly=readonly)

        replica = {"db_replica_host": "127.0.0.1", "db_replica_port": unused_port()}
        settings = self.env["res.config.settings"].create({"crm_ext_analytics_read_primary": True})
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].get_param("crm_ext_analytics.read_primary"), "True")
        run, logs = self._run_with_cursors(replica, cursor)
        self.assertEqual(run.read_source, "primary")
        self.assertIn("keep the analytics runs' reads on the primary", run.read_source_note)
        self.assertNotIn(True, opened)  # the replica was not asked for
        self.assertTrue(any("reads on the primary" in line for line in logs), logs)

        self.env["res.config.settings"].create({"crm_ext_analytics_read_primary": False}).execute()
        opened.clear()
        run, logs = self._run_with_cursors(replica, cursor)
        self.assertIn(True, opened)  # asked for (nothing listens there: the primary again)
        self.assertNotIn("reads on the primary", run.read_source_note)

    def test_large_reads_binary_or_text(self):
        """``_read_large``: whole numbers of every width and float8 come in PostgreSQL's binary
        format, read as one array, with their exact values; a NULL or a float4 column sends the
        read to the text format, which gives what it always gave."""
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        formats, copy_out = [], type(run)._copy_out

        def spy(record, statement, buffer):
            formats.append("binary" if statement.endswith("(FORMAT binary)") else "text")
            return copy_out(record, statement, buffer)

        columns = {"a": "int64", "b": "int64", "c": "int64", "d": "float64"}

        def read(rows, types=("int2", "int4", "int8", "float8")):
            formats.clear()
            query = SQL(
                "SELECT a::%s, b::%s, c::%s, d::%s FROM (VALUES %s) v(a, b, c, d) WHERE a IS NOT NULL",
                *(SQL(sql_type) for sql_type in types),
                SQL(", ").join(SQL("(%s, %s, %s, %s)", *row) for row in rows),
            )
            with patch.object(type(run), "_copy_out", spy):
                return run._read_large(query, columns)

        rows = [
            (-32768, -2147483648, -9223372036854775808, -0.1),
            (32767, 2147483647, 9223372036854775807, 1e300),
            (0, 0, 0, 0.0),
        ]
        expected = pd.DataFrame(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))
        pd.testing.assert_frame_equal(read(rows), expected)
        self.assertEqual(formats, ["binary"])
        # a NULL: the text format (the rows of a binary COPY no longer have one layout)
        frame = read([*rows, (1, 2, 3, None)])
        self.assertEqual(formats, ["binary", "text"])
        pd.testing.assert_frame_equal(frame.iloc[:3], expected)
        self.assertTrue(np.isnan(frame["d"].iloc[3]))
        # float4: the text format too (its binary value of -0.1 is not the text's -0.1)
        frame = read([rows[0], rows[2]], ("int2", "int4", "int8", "float4"))
        self.assertEqual(formats, ["binary", "text"])
        pd.testing.assert_frame_equal(frame, expected.iloc[[0, 2]].reset_index(drop=True))
        # no row: an empty frame of the columns' types
        empty = read([(None, 1, 1, 1.0)])
        self.assertEqual(formats, ["binary"])
        self.assertEqual((len(empty), dict(empty.dtypes.astype(str))), (0, columns))

    def test_full_connection_pool_does_not_fail_the_run(self):
        """Under load a threaded server's pool may have no free connection for the run's extra
        cursors (its progress line, the replica's): the run reads the primary, goes on without
        showing its progress, and is done (it failed with "The Connection Pool Is Full")."""
        asked = []

        def cursor(registry, readonly=False):
            asked.append(readonly)
            raise PoolError("The Connection Pool Is Full")

        replica = {"db_replica_host": "127.0.0.1", "db_replica_port": unused_port()}
        run, logs = self._run_with_cursors(replica, cursor)
        self.assertEqual(run.read_source, "primary")
        self.assertIn("No free connection to the replica", run.read_source_note)
        self.assertIn(True, asked)  # the replica was asked for
        self.assertIn(False, asked)  # and a cursor for the progress line
        self.assertTrue(any("progress not shown" in line for line in logs), logs)

    def test_unreachable_replica_falls_back_to_the_primary(self):
        """Odoo's own fallback, for real: the replica on a port nobody listens on; Odoo's read-only
        pool fails to connect, Odoo logs a warning and hands out a primary cursor (a TransactionCase
        does not put the registry in test mode: its cursors are real); the run reads the primary."""
        registry = self.env.registry
        replica = {"db_replica_host": "127.0.0.1", "db_replica_port": unused_port()}
        with patch.dict(config.options, replica):
            unreachable = sql_db.db_connect(registry.db_name, readonly=True)
        thread = threading.current_thread()
        had_mode = hasattr(thread, "cursor_mode")
        try:
            with (
                patch.dict(config.options, replica),
                patch.object(registry, "_db_readonly", unreachable),
                patch.object(registry, "_db_readonly_failed_time", None),
                self.assertLogs("odoo.modules.registry", logging.WARNING) as logs,
            ):
                run = self._run()
        finally:
            if not had_mode and hasattr(thread, "cursor_mode"):
                del thread.cursor_mode  # Odoo marks the thread 'ro->rw' when it falls back
        self.assertIn("Failed to open a readonly cursor", logs.output[0])
        self.assertEqual(run.read_source, "primary")
        self.assertIn("did not answer", run.read_source_note)

    def test_replica_not_in_recovery_is_not_used(self):
        """A replica host that is a primary (the primary itself, or a promoted former replica that
        no longer follows ours) is no replica: here db_replica_host is the primary, and Odoo's
        read-only pool really connects to it (a read-only session, not in recovery)."""
        registry = self.env.registry
        with patch.dict(config.options, {"db_replica_host": config["db_host"] or ""}):
            to_the_primary = sql_db.db_connect(registry.db_name, readonly=True)
            with patch.object(registry, "_db_readonly", to_the_primary):
                run = self._run()
        self.assertEqual(run.read_source, "primary")
        self.assertIn("not in recovery", run.read_source_note)

    def test_replica_failing_mid_run_the_run_reads_the_primary(self):
        """The replica stops (or cancels a query on a recovery conflict) after the run chose it:
        that read and the next ones go to the primary, and the run ends as on the primary."""
        statements = []

        class StoppedReplica:
            readonly = True

            def execute(self, query, params=None, log_exceptions=True):
                statements.append(query)
                raise psycopg2.OperationalError("terminating connection due to administrator command")

            copy_expert = execute

            def close(self):
                pass

        def open_replica(run):
            run.write({"read_source": "replica", "read_source_note": "test"})
            return StoppedReplica()

        Run = type(self.env["crm_ext.analytics.run"])
        with (
            patch.object(Run, "_open_replica_cursor", open_replica),
            self.assertLogs(
                "odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run", logging.WARNING
            ) as logs,
        ):
            run = self._run()
        self.assertEqual(len(statements), 1)  # the first read failed; every read after it on the primary
        self.assertEqual(run.read_source, "both")
        self.assertIn("administrator command", run.read_source_note)
        self.assertIn("reads the primary from now on", logs.output[0])
