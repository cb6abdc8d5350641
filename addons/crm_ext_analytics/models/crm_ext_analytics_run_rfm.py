import numpy as np
import pandas as pd

from odoo import _, fields, models
from odoo.tools import SQL

from ..engine.rfm import score_rfm
from ..tools import bulk
from .crm_ext_customer_rfm import SEGMENT_SELECTION

# the names of the RFM cells (e.g. "534"), by their number
RFM_CELLS = np.array([str(number) for number in range(556)], dtype=object)
# the invoice fields the runs read with SQL (flushed first)
INVOICE_FIELDS = [
    "state", "move_type", "company_id", "commercial_partner_id", "invoice_date", "amount_untaxed_signed",
]  # fmt: skip


class CrmExtAnalyticsRun(models.Model):
    """The RFM stage: recency, frequency and monetary scores and segments of the company's
    customers, from their posted invoices and credit notes."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _analytics_stages(self):
        return [*super()._analytics_stages(), ("rfm", _("RFM"), self._stage_rfm)]

    def _stage_rfm(self):
        as_of = fields.Date.context_today(self)
        scores, invoices_read, rows_read = self._rfm_scores(as_of)
        if scores.empty:
            log = _(
                "No posted customer invoices in %(company)s: nothing to score.", company=self.company_id.name
            )
        else:
            self._write_rfm_results(scores, as_of)
            sizes = scores["segment"].value_counts().sort_index()
            log = "\n".join(f"{segment}: {count}" for segment, count in sizes.items())
        self._customer_stage_done("rfm")
        return {
            "invoice_count": invoices_read,
            "customer_count": len(scores),
            "rows": rows_read,
            "log": log,
        }

    def _rfm_scores(self, as_of):
        """The company's RFM scores (``engine.rfm.score_rfm``), the invoices and the rows read: on
        a full run from one aggregate over the invoices; on an incremental one from the same
        aggregate over the changed customers' invoices and the others' stored figures."""
        changed = self._changed_partner_ids()
        summary, invoices_read = self._read_rfm_summary(changed)
        rows_read = invoices_read
        if changed is not None:
            # the customers without new invoices keep the figures the previous runs stored
            stored = self._read_stored_inputs(["last_purchase_date", "frequency", "monetary"])
            stored = stored[~stored["partner_id"].isin(changed)].rename(
                columns={"last_purchase_date": "last_date"}
            )
            stored.insert(0, "company_id", self.company_id.id)
            rows_read += len(stored)
            summary = pd.concat([summary, stored], ignore_index=True) if len(stored) else summary
        return score_rfm(summary, as_of), invoices_read, rows_read

    def _read_rfm_summary(self, partner_ids=None):
        """Per customer of the company: last purchase, purchases and net revenue (the columns of
        ``engine.rfm.rfm_summary``) from posted invoices and credit notes, net, company currency,
        aggregated in one query; ``partner_ids``: only these customers. Also the invoices read.
        The sum is summed exactly (numeric) and handed over as float8, as the frame holds it; the
        rows are streamed with COPY (``_read_large``), the last purchase as days since 1970 (a
        whole number, made a date by numpy rather than parsed)."""
        self.env["account.move"].flush_model(INVOICE_FIELDS)
        frame = self._read_large(
            SQL(
                """
                SELECT company_id, commercial_partner_id,
                       COALESCE(MAX(invoice_date) FILTER (WHERE amount_untaxed_signed > 0),
                                MAX(invoice_date)) - DATE '1970-01-01',
                       COUNT(*) FILTER (WHERE amount_untaxed_signed > 0),
                       SUM(amount_untaxed_signed)::float8,
                       COUNT(*)
                  FROM (SELECT company_id, commercial_partner_id, invoice_date, amount_untaxed_signed
                          FROM account_move
                         WHERE state = 'posted'
                           AND move_type IN ('out_invoice', 'out_refund')
                           AND company_id = %s
                           AND commercial_partner_id IS NOT NULL
                           %s
                        %s) documents
              GROUP BY company_id, commercial_partner_id
                """,
                self.company_id.id,
                bulk.partner_filter(SQL.identifier("commercial_partner_id"), partner_ids),
                self._history_documents(partner_ids),
            ),
            {
                "company_id": "int64",
                "partner_id": "int64",
                "last_date": "int64",
                "frequency": "int64",
                "monetary": "float64",
                "invoices": "int64",
            },
        )
        frame["last_date"] = frame["last_date"].to_numpy().astype("datetime64[D]").astype("datetime64[s]")
        return frame.drop(columns="invoices"), int(frame["invoices"].sum())

    def _read_invoices(self, partner_ids=None):
        """Posted customer invoices and credit notes, net, in company currency."""
        self.env["account.move"].flush_model(INVOICE_FIELDS)
        rows = self._read_rows(
            SQL(
                """
                SELECT company_id, commercial_partner_id AS partner_id,
                       invoice_date, amount_untaxed_signed AS amount
                  FROM account_move
                 WHERE state = 'posted'
                   AND move_type IN ('out_invoice', 'out_refund')
                   AND company_id = %s
                   AND commercial_partner_id IS NOT NULL
                   %s
                %s
                """,
                self.company_id.id,
                bulk.partner_filter(SQL.identifier("commercial_partner_id"), partner_ids),
                self._history_documents(partner_ids),
            )
        )
        return pd.DataFrame(rows, columns=["company_id", "partner_id", "invoice_date", "amount"])

    def _write_rfm_results(self, scores, as_of):
        """The RFM stage's part of the company's customer rows (``_put_customer_results``): the
        scores of every scored customer; the customers no longer scored lose their row, a customer
        scored for the first time or moving to another segment or RFM cell gets a history row, and
        ``run_id`` is the run that last changed a row's RFM figures. The caller holds a savepoint."""
        self.ensure_one()
        keys = {label: key for key, label in SEGMENT_SELECTION}
        rows = pd.DataFrame(
            {
                "partner_id": scores["partner_id"].to_numpy("int64"),
                "last_purchase_date": (
                    pd.Timestamp(as_of) - pd.to_timedelta(scores["recency_days"].to_numpy("int64"), unit="D")
                ),
                "frequency": scores["frequency"].to_numpy("int64"),
                "monetary": scores["monetary"].to_numpy("float64").round(2),
                "r_score": scores["r_score"].to_numpy("int64"),
                "f_score": scores["f_score"].to_numpy("int64"),
                "m_score": scores["m_score"].to_numpy("int64"),
            }
        )
        rows["rfm_cell"] = RFM_CELLS[
            (rows["r_score"] * 100 + rows["f_score"] * 10 + rows["m_score"]).to_numpy()
        ]
        rows["segment"] = scores["segment"].map(keys).to_numpy()
        self._put_customer_results("rfm", rows, as_of=as_of)
