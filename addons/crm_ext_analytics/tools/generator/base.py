"""The generator's machinery: ids reserved from the tables' sequences, bulk ``COPY``, steps timed."""

from __future__ import annotations

import io
import logging
import time

import numpy as np
import pandas as pd

from odoo import fields, models
from odoo.tools import SQL

from .arrays import datetimes, raw_cursor

_logger = logging.getLogger(__name__)


class GeneratorBase:
    """State shared by the domain parts of the generator (see ``generator.Generator``)."""

    def __init__(self, env, profile):
        params = profile.params()
        seed = profile.seed
        self.env = env(
            context=dict(
                env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
                no_reset_password=True,
            )
        )
        self.cr = env.cr
        self.p = params
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # marketing and service data draw from their own stream: adding them leaves the rest as it was
        self.xrng = np.random.default_rng([seed, 1])
        self.rows = {}
        self.timings = {}
        self.uid = env.uid
        self.today = fields.Date.context_today(env.user)
        self.now = np.datetime64(fields.Datetime.now().replace(microsecond=0), "s")
        self.today64 = np.datetime64(self.today, "D")
        self.start64 = self.today64 - np.timedelta64(365 * params["years"], "D")
        self.now_str = str(self.now).replace("T", " ")
        fast = params["fast_load"]
        self.fast_load = params["orders"] >= 50_000 if fast is None else bool(fast)
        self._dropped_fks = {}

    def _run_steps(self, steps):
        """Runs ``(name, method)`` steps in order, each timed in ``self.timings``."""
        t0 = time.perf_counter()
        self.env.flush_all()
        for name, func in steps:
            self._step(name, func)
        self.timings["total"] = round(time.perf_counter() - t0, 3)

    def _step(self, name, func):
        t0 = time.perf_counter()
        func()
        self.timings[name] = round(time.perf_counter() - t0, 3)
        _logger.info("benchmark data: %s done in %.1fs", name, self.timings[name])

    def _alloc(self, table, n):
        """Reserve ``n`` consecutive ids from the table's id sequence."""
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        self.cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        seq = self.cr.fetchone()[0]
        self.cr.execute("SELECT nextval(%s)", [seq])
        first = self.cr.fetchone()[0]
        self.cr.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
        return first + np.arange(n, dtype=np.int64)

    def _alloc_by_date(self, table, days):
        """Reserve ids for records dated ``days``: the earliest record gets the lowest id."""
        ids = self._alloc(table, len(days))
        result = np.empty_like(ids)
        result[np.argsort(days, kind="stable")] = ids
        return result

    def _copy(self, table, columns):
        """COPY the columns (dict name -> array or scalar) into ``table``."""
        frame = pd.DataFrame(columns)
        n = len(frame)
        if not n:
            return 0
        if self.fast_load:
            self._drop_foreign_keys(table)
        raw = raw_cursor(self.cr)
        names = ", ".join(f'"{c}"' for c in frame.columns)
        sql = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '')"
        chunk = self.p["copy_chunk_rows"]
        for start in range(0, n, chunk):
            buf = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(buf, index=False, header=False, na_rep="")
            buf.seek(0)
            raw.copy_expert(sql, buf)
        self.rows[table] = self.rows.get(table, 0) + n
        return n

    def _drop_foreign_keys(self, table):
        if table in self._dropped_fks:
            return
        self.cr.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        definitions = self.cr.fetchall()
        for name, _definition in definitions:
            self.cr.execute(
                SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name))
            )
        self._dropped_fks[table] = definitions

    def _restore_foreign_keys(self):
        """Add back the dropped foreign keys: PostgreSQL checks every loaded row."""
        for table, definitions in self._dropped_fks.items():
            for name, definition in definitions:
                # definition: PostgreSQL's own text of the constraint (pg_get_constraintdef)
                self.cr.execute(
                    SQL(
                        "ALTER TABLE %s ADD CONSTRAINT %s %s",
                        SQL.identifier(table),
                        SQL.identifier(name),
                        SQL(definition),  # pylint: disable=sql-injection
                    )
                )
        self._dropped_fks = {}

    def _write_tracking_messages(self, model, field, res_ids, users, old, new, when, names, subtypes):
        """One chatter message per change of the many2one ``field`` of ``model``'s records
        ``res_ids``, by the users ``users`` at ``when``, with its tracking value (old and new
        ids, their names from ``names``), as Odoo's tracking writes them. ``subtypes``: the
        messages' subtype, one record for all or an array of ids (internal as the subtype)."""
        env = self.env
        n = len(res_ids)
        field_id = env["ir.model.fields"]._get(model, field).id
        if isinstance(subtypes, models.BaseModel):
            subtypes = np.full(n, subtypes.id, dtype=np.int64)
        internal = {
            s.id: s.internal for s in env["mail.message.subtype"].browse(np.unique(subtypes).tolist())
        }
        message_ids = self._alloc_by_date("mail_message", when)
        stamps = datetimes(when)
        self._copy(
            "mail_message",
            {
                "id": message_ids,
                "model": model,
                "res_id": res_ids,
                "message_type": "notification",
                "subtype_id": subtypes,
                "body": "",
                "author_id": self._user_partners(users),
                "is_internal": [internal[s] for s in subtypes.tolist()],
                "date": stamps,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": stamps,
                "write_date": stamps,
            },
        )
        self._copy(
            "mail_tracking_value",
            {
                "id": self._alloc("mail_tracking_value", n),
                "field_id": field_id,
                "mail_message_id": message_ids,
                "old_value_integer": old,
                "new_value_integer": new,
                "old_value_char": [names.get(v, "") for v in old.tolist()],
                "new_value_char": [names.get(v, "") for v in new.tolist()],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": stamps,
                "write_date": stamps,
            },
        )

    def _user_partners(self, users):
        """The partners of the users ``users`` (an array of user ids), as an array."""
        user_ids = np.unique(users)
        partner_of = dict(
            zip(
                user_ids.tolist(),
                self.env["res.users"].browse(user_ids.tolist()).mapped("partner_id.id"),
                strict=True,
            )
        )
        return np.array([partner_of[u] for u in np.asarray(users).tolist()], dtype=np.int64)

    def _audit(self):
        """The create/write uid/date columns shared by every table."""
        return {
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": self.now_str,
            "write_date": self.now_str,
        }

    def _month_index(self, days):
        months = np.asarray(days).astype("datetime64[M]")
        return (months - self.rate_month0).astype(np.int64)

    def _finalize_tables(self):
        cr = self.cr
        # id sequences past every id written (they were reserved with nextval/setval)
        for table in sorted(self.rows):
            if table.endswith("_rel") or table == "account_move__account_payment":
                continue
            cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cr.fetchone()[0]
            if not seq:
                continue
            cr.execute(
                SQL(
                    "SELECT setval(%s, GREATEST((SELECT COALESCE(MAX(id), 1) FROM %s),"
                    " (SELECT last_value FROM %s)))",
                    seq,
                    SQL.identifier(table),
                    SQL.identifier(*seq.split(".", 1)),
                )
            )
        for table in sorted(self.rows):
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        self.env.invalidate_all()
        self.env.registry.clear_cache()
