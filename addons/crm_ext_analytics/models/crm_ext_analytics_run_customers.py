import io
import time

import numpy as np
import pandas as pd

from odoo import fields, models
from odoo.tools import SQL

from ..tools import bulk
from .crm_ext_analytics_run import _logger

# the columns of crm_ext_customer_rfm a run writes, by kind, per stage (``run_id``: the run that
# last changed the customer's RFM figures)
RFM_COLUMNS = {
    "last_purchase_date": "date", "frequency": "int", "monetary": "numeric", "r_score": "int",
    "f_score": "int", "m_score": "int", "rfm_cell": "varchar", "segment": "varchar",
}  # fmt: skip
CLV_COLUMNS = {
    "margin": "numeric", "clv_predicted": "numeric", "clv_p_alive": "numeric",
    "clv_expected_purchases": "numeric", "clv_decile": "int", "clv_first_date": "date",
    "clv_last_date": "date", "clv_repeat": "int", "clv_repeat_value": "numeric",
}  # fmt: skip
CHURN_COLUMNS = {"churn_probability": "numeric", "churn_risk": "varchar", "churn_reasons": "varchar"}
CUSTOMER_COLUMNS = {"run_id": "int", **RFM_COLUMNS, **CLV_COLUMNS, **CHURN_COLUMNS}
# how ``_read_customer_rows`` reads each kind of column (numbers as float8, dates parsed after)
READ_DTYPES = {"int": "Int64", "numeric": "float64", "date": "object", "varchar": "object"}
# the stages whose results are columns of a customer's row, written together once per run
CUSTOMER_PARTS = ("rfm", "clv", "churn")


def _as_copy_rows(frame):
    """``frame`` (columns of crm_ext_customer_rfm) as ``_copy_rows`` writes them: whole numbers
    without a decimal point, dates as ISO dates, missing values empty (NULL)."""
    out = frame.copy()
    for name in out.columns:
        kind = CUSTOMER_COLUMNS.get(name, "int")
        if kind == "int":
            out[name] = out[name].astype("Int64")
        elif kind == "date":
            out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d")
    return out


class CrmExtAnalyticsRun(models.Model):
    """The customers' rows (crm_ext_customer_rfm) that the RFM, lifetime-value and churn stages
    fill: each stage hands its part over (``_put_customer_results``) and after the last of them
    every customer's row is written once (``_write_customer_rows``)."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _put_customer_results(self, part, rows, as_of=None):
        """Hands a stage's part of the customers' rows (``part``: one of ``CUSTOMER_PARTS``) to
        the write. In a run (``_memo``) the part is kept until the run's last customer stage is
        done (``_customer_stage_done``), and the company's rows are then written once, every
        stage's columns together; outside a run (a stage's method called on its own) it is
        written at once."""
        memo = self._memo()
        if memo is None:
            self._write_customer_rows({part: rows}, as_of)
            return
        memo.setdefault("customer_rows", {})[part] = rows
        if as_of is not None:
            memo["customer_rows_as_of"] = as_of

    def _customer_stage_done(self, key):
        """Called by the RFM, lifetime-value and churn stages when they end (whatever they found):
        after the last of those the run has, the company's customer rows are written, once."""
        memo = self._memo()
        if memo is None:
            return
        done = memo.setdefault("customer_stages_done", set())
        done.add(key)
        expected = {stage for stage, __, __ in self._analytics_stages() if stage in CUSTOMER_PARTS}
        if expected <= done and not memo.get("customer_rows_written"):
            memo["customer_rows_written"] = True
            self._write_customer_rows(memo.get("customer_rows", {}), memo.get("customer_rows_as_of"))

    def _read_stored_inputs(self, columns, required=None):
        """The inputs an earlier run stored on the company's RFM rows: ``columns`` (names of
        crm_ext.customer.rfm) per ``partner_id``, of the rows where the column ``required`` is
        set (None: every row), as the database gives them (dates as dates, numbers as numbers,
        NULL as None or NaN). In a run, taken from the rows as the run found them
        (``_current_customer_rows``, read once for the stages and the write); outside a run,
        one query."""
        memo = self._memo()
        if memo is not None:
            current = self._current_customer_rows()
            if required:
                current = current[current[required].notna()]
            stored = pd.DataFrame({"partner_id": current["partner_id"].to_numpy("int64")})
            for name in columns:
                column, kind = current[name], CUSTOMER_COLUMNS[name]
                if kind == "date":
                    values = column.dt.date.astype(object).where(column.notna(), None)
                elif kind == "int":
                    values = column.astype("int64") if column.notna().all() else column.astype(object)
                else:
                    values = column
                stored[name] = values.to_numpy()
            return stored
        self.env["crm_ext.customer.rfm"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, %s FROM crm_ext_customer_rfm WHERE company_id = %s %s",
                SQL(", ").join(SQL.identifier(name) for name in columns),
                self.company_id.id,
                SQL("AND %s IS NOT NULL", SQL.identifier(required)) if required else SQL(),
            )
        )
        return pd.DataFrame(self.env.cr.fetchall(), columns=["partner_id", *columns])

    def _current_customer_rows(self):
        """``_read_customer_rows``, read once per run (the rows do not change before the run's
        one write at the end of its customer stages); outside a run, read each time."""
        memo = self._memo()
        if memo is None:
            return self._read_customer_rows()
        if "current_customer_rows" not in memo:
            memo["current_customer_rows"] = self._read_customer_rows()
        return memo["current_customer_rows"]

    def _read_customer_rows(self, columns=None):
        """The company's rows of crm_ext_customer_rfm as they are, every column the run writes
        (or ``columns`` of them), streamed with COPY from the run's own cursor (the rows it is
        about to rewrite)."""
        Rfm = self.env["crm_ext.customer.rfm"]
        Rfm.flush_model()
        kinds = {
            "partner_id": "int",
            **{name: CUSTOMER_COLUMNS[name] for name in (columns or CUSTOMER_COLUMNS)},
        }
        select = SQL(", ").join(
            SQL("%s::float8", SQL.identifier(name)) if kind == "numeric" else SQL.identifier(name)
            for name, kind in kinds.items()
        )
        query = SQL("SELECT %s FROM crm_ext_customer_rfm WHERE company_id = %s", select, self.company_id.id)
        buffer = io.StringIO()
        self.env.cr.copy_expert(bulk.copy_statement(self.env.cr, query), buffer)
        dtypes = {name: READ_DTYPES[kind] for name, kind in kinds.items()} | {"partner_id": "int64"}
        # whole numbers parsed as float8 and made nullable integers after: read_csv's own parsing
        # of nullable integers goes through strings, four times slower than the rest of the read
        parsed = {name: "float64" if dtype == "Int64" else dtype for name, dtype in dtypes.items()}
        frame = bulk.frame_from_copy(buffer, dtypes, dtype=parsed, keep_default_na=False)
        for name, kind in kinds.items():
            if kind == "date":
                frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d")
            elif dtypes[name] == "Int64":
                frame[name] = frame[name].astype("Int64")
        return frame

    def _write_customer_rows(self, parts, as_of=None):
        """Brings the company's rows of crm_ext_customer_rfm to the run's results, each customer's
        row written at most once: ``parts`` maps ``rfm``, ``clv`` and ``churn`` to what those stages
        found (a part missing: that stage wrote nothing, e.g. no customer with a purchase, and the
        rows keep their values).

        - ``rfm``: the scored customers; new ones are inserted (COPY), those no longer scored
          deleted (one DELETE); without it the rows stay those there are.
        - ``clv``: the predictions of the customers with a purchase; the other rows get none.
        - ``churn``: the risk of the customers the stage scored; the other rows keep theirs.

        The rows are read once (COPY; in a run, the read the stages' stored inputs came from),
        compared in pandas, and only those with a value changed are updated: COPY into a
        temporary table and one UPDATE of the parts' columns, whatever the number of customers
        (an unchanged indexed column lets PostgreSQL update in place).
        """
        self.ensure_one()
        started = time.perf_counter()
        Rfm, History = self.env["crm_ext.customer.rfm"], self.env["crm_ext.customer.rfm.history"]
        History.flush_model()
        cr, company_id = self.env.cr, self.company_id.id
        rfm, clv, churn = parts.get("rfm"), parts.get("clv"), parts.get("churn")
        # the columns of the parts given: a stage's method called on its own reads and writes
        # only its own (the RFM stage alone: not the churn reasons, the widest column)
        written = [
            name
            for part, names in (
                ("rfm", ["run_id", *RFM_COLUMNS]),
                ("clv", CLV_COLUMNS),
                ("churn", CHURN_COLUMNS),
            )
            if parts.get(part) is not None
            for name in names
        ]
        if not written:
            return
        if self._memo() is not None:
            current = self._current_customer_rows()[["partner_id", *written]]
        else:
            current = self._read_customer_rows(written)
        if rfm is not None:
            # the columns only the table has (run, lifetime value, churn) come with their values
            target = rfm.merge(current, on="partner_id", how="left", suffixes=("", "_old"), indicator=True)
            new = (target["_merge"] == "left_only").to_numpy()
            # the rows as they are, in the order of ``target``
            old = target[[f"{name}_old" if name in RFM_COLUMNS else name for name in written]].set_axis(
                written, axis=1
            )
            differ = {name: bulk.differs(target[name], old[name]) for name in RFM_COLUMNS}
            moved = ~new & (differ["segment"] | differ["rfm_cell"])
            rfm_changed = ~new & np.logical_or.reduce(list(differ.values()))
            target["run_id"] = target["run_id"].astype("Int64").where(~(new | rfm_changed), self.id)
            target = target[["partner_id", *written]]
            gone = current.loc[~current["partner_id"].isin(rfm["partner_id"]), "partner_id"]
            # the run and the RFM columns differ where ``rfm_changed``: the others are compared below
            compared = [name for name in written if name != "run_id" and name not in RFM_COLUMNS]
        else:
            target, old = current.copy(), current
            new = moved = rfm_changed = np.zeros(len(target), dtype=bool)
            gone = current["partner_id"].iloc[:0]
            compared = written
        if clv is not None:
            # the customers without a purchase (no longer) get no prediction
            target = target.drop(columns=list(CLV_COLUMNS)).merge(
                clv[["partner_id", *CLV_COLUMNS]], on="partner_id", how="left"
            )
        if churn is not None:
            # the customers the stage did not score keep their risk
            found = target[["partner_id"]].merge(
                churn[["partner_id", *CHURN_COLUMNS]], on="partner_id", how="left", indicator=True
            )
            scored = (found["_merge"] == "both").to_numpy()
            for name in CHURN_COLUMNS:
                column = target[name] if name == "churn_probability" else target[name].astype(object)
                target[name] = column.where(~scored, found[name].to_numpy())
        target = target[["partner_id", *written]]
        changed = ~new & np.logical_or.reduce(
            [rfm_changed, *(bulk.differs(target[name], old[name]) for name in compared)]
        )
        if new.any():
            self._copy_rows(
                "crm_ext_customer_rfm", _as_copy_rows(target.loc[new].assign(company_id=company_id))
            )
        if (new | moved).any():
            history = target.loc[new | moved, ["partner_id", "segment", "rfm_cell"]].assign(
                company_id=company_id, run_id=self.id, date=fields.Date.to_string(as_of)
            )
            self._copy_rows("crm_ext_customer_rfm_history", history)
        if changed.any():
            names = ["partner_id", *written]
            cr.execute(
                SQL(
                    "CREATE TEMPORARY TABLE crm_ext_analytics_src ON COMMIT DROP AS"
                    " SELECT %s FROM crm_ext_customer_rfm WITH NO DATA",
                    SQL(", ").join(SQL.identifier(name) for name in names),
                )
            )
            self._copy_rows("crm_ext_analytics_src", _as_copy_rows(target.loc[changed, names]))
            if changed.sum() >= bulk.ANALYZE_ROWS:
                # the planner's row count and key statistics for the join below
                cr.execute(SQL("ANALYZE crm_ext_analytics_src"))
            cr.execute(
                SQL(
                    """
                    UPDATE crm_ext_customer_rfm current SET %s
                      FROM crm_ext_analytics_src src
                     WHERE current.company_id = %s AND current.partner_id = src.partner_id
                    """,
                    SQL(", ").join(
                        SQL("%s = src.%s", SQL.identifier(name), SQL.identifier(name)) for name in written
                    ),
                    company_id,
                )
            )
            cr.execute(SQL("DROP TABLE crm_ext_analytics_src"))
        if len(gone):
            cr.execute(
                SQL(
                    "DELETE FROM crm_ext_customer_rfm WHERE company_id = %s AND partner_id = ANY(%s)",
                    company_id,
                    gone.astype(int).tolist(),
                )
            )
        Rfm.invalidate_model()
        self._invalidate_rfm_caches()
        self.env["res.partner"].invalidate_model(
            [
                "crm_ext_rfm_clv_predicted",
                "crm_ext_rfm_clv_p_alive",
                "crm_ext_rfm_churn_probability",
                "crm_ext_rfm_churn_reasons",
            ]
        )
        _logger.info(
            "Analytics run %s, rows of %s: %s inserted, %s updated, %s deleted, %s unchanged (%.2f s)",
            self.id,
            self.company_id.name,
            int(new.sum()),
            int(changed.sum()),
            len(gone),
            int(len(target) - new.sum() - changed.sum()),
            time.perf_counter() - started,
        )

    def _invalidate_rfm_caches(self):
        """The rows changed behind the ORM's back, and so did the partners' scores."""
        self.env["crm_ext.customer.rfm"].invalidate_model()
        self.env["crm_ext.customer.rfm.history"].invalidate_model()
        self.env["res.partner"].invalidate_model(
            [
                "crm_ext_rfm_segment",
                "crm_ext_rfm_cell",
                "crm_ext_rfm_r_score",
                "crm_ext_rfm_f_score",
                "crm_ext_rfm_m_score",
            ]
        )
