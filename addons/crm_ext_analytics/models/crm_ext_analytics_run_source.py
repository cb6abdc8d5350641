import io
import time

import psycopg2
from psycopg2.pool import PoolError

from odoo import _, models
from odoo.tools import SQL, config, str2bool

from ..tools import bulk
from .crm_ext_analytics_run import _logger

# the ir.config_parameter of how long a run waits for the replica to catch up, and its default
REPLICA_MAX_LAG_PARAM = "crm_ext_analytics.replica_max_lag"
REPLICA_MAX_LAG_DEFAULT = 30
# the ir.config_parameter that keeps the runs' reads on the primary although Odoo has a replica
READ_PRIMARY_PARAM = "crm_ext_analytics.read_primary"
# seconds between two looks at how far the replica has replayed the primary's WAL
REPLICA_POLL_SECONDS = 0.2


class CrmExtAnalyticsRun(models.Model):
    """Where a run reads its input datasets: Odoo's streaming replica when it has caught up with
    the primary at the run's start, else the primary (``_read_cursor``); the readers the stages
    use (``_read_rows``, ``_read_large``)."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _read_cursor(self):
        """The cursor a run reads its input datasets with (invoices, orders, leads, tickets...):
        the replica's (``_open_replica_cursor``), or the run's own on the primary. Chosen at the
        run's first read and kept for the run (one snapshot for every dataset); outside a run the
        current cursor. The results and the run's own stored inputs are read and written with
        ``self.env.cr``."""
        memo = self._memo()
        if memo is None:
            return self.env.cr
        if "read_cr" not in memo:
            memo["read_cr"] = self._open_replica_cursor()
        return memo["read_cr"] or self.env.cr

    def _read_with(self, read):
        """``read(cr)`` with ``_read_cursor()``. When the replica fails under it (stopped, or a
        query cancelled by a recovery conflict), the run reads the primary from then on, this read
        first."""
        read_cr = self._read_cursor()
        try:
            return read(read_cr)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as error:
            if read_cr is self.env.cr:
                raise
            self._memo()["read_cr"] = None
            self._close_quietly(read_cr)
            _logger.warning(
                "Analytics run %s: the replica failed (%s); the run reads the primary from now on",
                self.id,
                " ".join(str(error).split()),
            )
            self.write(
                {
                    "read_source": "both",
                    "read_source_note": _(
                        "The replica failed during the run (%(error)s): from then on the inputs were read "
                        "from the primary.",
                        error=" ".join(str(error).split()),
                    ),
                }
            )
            return read(self.env.cr)

    def _read_rows(self, query):
        """The rows of ``query`` (SQL), read with ``_read_with``."""

        def read(cr):
            cr.execute(query, log_exceptions=False)
            return cr.fetchall()

        return self._read_with(read)

    def _read_large(self, query, columns):
        """The rows of ``query`` (integer, number and date columns, named and typed by
        ``columns``) as a DataFrame, streamed with COPY: for millions of rows about twice as fast
        as fetching tuples. Whole numbers and float8 never NULL (``columns`` all ``int64`` or
        ``float64``) come in PostgreSQL's binary format, read as one numpy array; the others, or
        rows with a NULL after all, in the text format. The query's parameters are bound by
        psycopg2 (``mogrify``)."""
        if not set(columns.values()) - {"int64", "float64"}:
            data = io.BytesIO()
            self._copy_out(bulk.copy_binary_statement(self.env.cr, query), data)
            frame = bulk.frame_from_binary_copy(data.getbuffer(), columns)
            if frame is not None:
                return frame
        buffer = io.StringIO()
        self._copy_out(bulk.copy_statement(self.env.cr, query), buffer)
        return bulk.frame_from_copy(buffer, columns).astype(columns)

    def _copy_out(self, statement, buffer):
        """The output of ``statement`` (a ``COPY ... TO STDOUT``) into ``buffer``, with
        ``_read_with`` (what a failed replica streamed before failing is dropped)."""

        def read(cr):
            buffer.seek(0)
            buffer.truncate()
            cr.copy_expert(statement, buffer)

        self._read_with(read)

    @staticmethod
    def _close_quietly(cr):
        try:
            cr.close()
        except psycopg2.Error as error:  # its connection is gone: the pool drops it
            _logger.debug("Analytics run: closing a replica cursor whose connection is gone: %s", error)

    def _open_replica_cursor(self):
        """A read-only cursor on Odoo's replica (``db_replica_host``) for the run's reads, or None
        to read the primary; the choice and why on the run (``read_source``) and in the log.

        An incremental run reads the customers with invoices changed since the previous run:
        reading a replica that lags would miss the latest changes, and the next run would not look
        for them again. So the replica is used only once it has replayed the primary's WAL up to
        where it was at this point, which is past every transaction committed before the run
        started: its snapshot (taken after that) then holds all the run's own snapshot holds, and
        maybe more recent rows, which the next run reads again anyway. It is measured in WAL
        positions, not with ``now() - pg_last_xact_replay_timestamp()``, which grows on an idle
        primary while the replica is fully caught up. The run waits up to the setting
        ``crm_ext_analytics.replica_max_lag`` seconds for it, else reads the primary; so it does
        when the replica does not answer (Odoo then gives the primary and logs why) or is not
        in recovery (promoted, or the primary itself). The setting
        ``crm_ext_analytics.read_primary`` keeps the reads on the primary, e.g. where the replica
        shares its host's processors with the users' screens it serves."""
        if config["db_replica_host"] is False:  # Odoo's own test (odoo.modules.registry)
            return self._use_primary(
                _("No replica configured (db_replica_host): inputs read from the primary.")
            )
        if str2bool(self.env["ir.config_parameter"].sudo().get_param(READ_PRIMARY_PARAM, "False")):
            return self._use_primary(
                _(
                    "The settings keep the analytics runs' reads on the primary (the replica is left to "
                    "the users' screens): inputs read from the primary."
                )
            )
        max_lag = max(
            0,
            int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(REPLICA_MAX_LAG_PARAM, REPLICA_MAX_LAG_DEFAULT)
            ),
        )
        self.env.cr.execute(SQL("SELECT pg_current_wal_lsn()"))
        target = self.env.cr.fetchone()[0]
        try:
            replica = self.env.registry.cursor(readonly=True)
        except PoolError as error:  # the process's pool has no free connection: no reason to fail
            return self._use_primary(
                _("No free connection to the replica (%(error)s): inputs read from the primary.", error=error)
            )
        if not replica.readonly:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica did not answer (Odoo tries it again 20 minutes after a failure): "
                    "inputs read from the primary."
                )
            )
        started = time.monotonic()
        try:
            while True:
                replica.execute(
                    SQL(
                        """SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %(target)s::pg_lsn,
                                  pg_wal_lsn_diff(%(target)s::pg_lsn, pg_last_wal_replay_lsn())::bigint,
                                  EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::int""",
                        target=target,
                    ),
                    log_exceptions=False,
                )
                in_recovery, caught_up, behind, replayed_ago = replica.fetchone()
                waited = time.monotonic() - started
                if not in_recovery or caught_up or waited >= max_lag:
                    break
                time.sleep(min(REPLICA_POLL_SECONDS, max_lag - waited))
            # the reads get a new snapshot, taken after the replay reached the target
            replica.rollback()
        except psycopg2.Error as error:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica failed (%(error)s): inputs read from the primary.",
                    error=" ".join(str(error).split()),
                )
            )
        if not in_recovery:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica is not in recovery (promoted, or the primary itself): "
                    "inputs read from the primary."
                )
            )
        if not caught_up:
            self._close_quietly(replica)
            return self._use_primary(
                _(
                    "The replica was %(bytes)s bytes of WAL behind the primary's position at the run's "
                    "start after %(seconds)s s (allowed lag: %(max)s s): inputs read from the primary.",
                    bytes=behind,
                    seconds=round(waited, 1),
                    max=max_lag,
                )
            )
        # closed with the run's transaction, when the results are committed (or rolled back)
        self.env.cr.postcommit.add(lambda: self._close_quietly(replica))
        self.env.cr.postrollback.add(lambda: self._close_quietly(replica))
        note = _(
            "The replica had replayed the primary's WAL up to the run's start after %(seconds)s s: "
            "inputs read from the replica.",
            seconds=round(waited, 1),
        )
        _logger.info("Analytics run %s: %s (last replayed transaction %s s old)", self.id, note, replayed_ago)
        self.write({"read_source": "replica", "read_source_note": note})
        return replica

    def _use_primary(self, note):
        _logger.info("Analytics run %s: %s", self.id, note)
        self.write({"read_source": "primary", "read_source_note": note})
        return None
