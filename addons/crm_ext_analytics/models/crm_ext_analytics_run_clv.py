import numpy as np
import pandas as pd

from odoo import _, fields, models
from odoo.tools import SQL

from ..engine.clv import customer_lifetime_value, purchase_inputs, summary_from_inputs
from ..tools import bulk


class CrmExtAnalyticsRun(models.Model):
    """The lifetime-value stage: each customer's predicted value (BG/NBD and Gamma-Gamma, or the
    historical fallback), probability of being alive and decile."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _analytics_stages(self):
        return [*super()._analytics_stages(), ("clv", _("Lifetime value"), self._stage_clv)]

    def _stage_clv(self):
        as_of = fields.Date.context_today(self)
        inputs, rows_read = self._read_clv_inputs()
        summary = summary_from_inputs(inputs, as_of)
        # the fits start from the parameters the last run found (a nightly run's change little)
        values, info = customer_lifetime_value(
            summary, horizon_weeks=52, start=self._previous_kept("clv_params")
        )
        if info.get("params"):
            self._keep("clv_params", {name: float(value) for name, value in info["params"].items()})
        if values.empty:
            self._customer_stage_done("clv")
            return {"rows": rows_read, "log": _("Lifetime value: no customer with a purchase.")}
        values = values.merge(inputs, on="partner_id", how="left")
        # deciles 1-10 of predicted value, ties by order: one vectorised step
        values["decile"] = (
            np.ceil(values["clv"].rank(method="first", pct=True) * 10).clip(1, 10).astype("int64")
        )
        self._write_clv_results(values)
        self._customer_stage_done("clv")
        method = {
            "bgnbd": _("Lifetime value (BG/NBD + Gamma-Gamma): %(message)s", message=info["message"]),
            "historical": _("Lifetime value, fallback: %(message)s", message=info["message"]),
        }.get(info["method"], info["message"])
        return {"rows": rows_read, "log": method}

    def _read_clv_inputs(self):
        """Per customer with a purchase: the inputs of ``engine.clv.purchase_inputs`` and the net
        margin; on an incremental run read again only for the customers with new invoices, the
        others' from what the previous runs stored. Also the rows read."""
        changed = self._changed_partner_ids()
        days = self._read_purchase_days(changed)
        margins = self._read_margins(changed)
        inputs = purchase_inputs(days).merge(margins, on="partner_id", how="left")
        rows_read = len(days) + len(margins)
        if changed is not None:
            stored = self._read_stored_inputs(
                ["clv_first_date", "clv_last_date", "clv_repeat", "clv_repeat_value", "monetary", "margin"],
                required="clv_first_date",
            ).rename(
                columns={
                    "clv_first_date": "first_date",
                    "clv_last_date": "last_date",
                    "clv_repeat": "repeat",
                    "clv_repeat_value": "repeat_value",
                    "monetary": "total",
                }
            )
            stored = stored[~stored["partner_id"].isin(changed)]
            rows_read += len(stored)
            if len(stored):
                inputs = pd.concat([inputs, stored], ignore_index=True) if len(inputs) else stored
        inputs["margin"] = inputs["margin"].astype("float64").fillna(0.0)
        return inputs, rows_read

    def _read_purchase_days(self, partner_ids=None):
        """Net invoiced amount per customer and invoice day (credit notes deducted), company
        currency: the invoices of ``_read_invoices`` summed per day. Every customer's days are
        read once per run (lifetime value on a full run and churn both need them)."""
        memo = self._memo() if partner_ids is None else None
        if memo is not None and "days" in memo:
            return memo["days"]
        invoices = self._read_invoices(partner_ids)
        days = invoices.groupby(["partner_id", "invoice_date"], as_index=False)["amount"].sum()
        days = days.rename(columns={"invoice_date": "date"})[["partner_id", "date", "amount"]]
        if memo is not None:
            memo["days"] = days
        return days

    def _read_margins(self, partner_ids=None):
        """Net margin per customer: invoiced lines minus their products' cost price, credit notes
        deducted, company currency."""
        self.env["account.move.line"].flush_model(
            ["move_id", "balance", "quantity", "product_id", "display_type"]
        )
        rows = self._read_rows(
            SQL(
                """
                SELECT partner_id, SUM(revenue) - SUM(cost)
                  FROM (SELECT move.commercial_partner_id AS partner_id, -line.balance AS revenue,
                               line.quantity
                               * COALESCE((product.standard_price ->> %(company)s::text)::numeric, 0)
                               * CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END AS cost
                          FROM account_move_line line
                          JOIN account_move move ON move.id = line.move_id
                     LEFT JOIN product_product product ON product.id = line.product_id
                         WHERE move.state = 'posted' AND move.move_type IN ('out_invoice', 'out_refund')
                           AND move.company_id = %(company)s AND move.commercial_partner_id IS NOT NULL
                           AND line.display_type = 'product'
                           %(partners)s
                        %(history)s) lines
              GROUP BY partner_id
                """,
                company=self.company_id.id,
                partners=bulk.partner_filter(SQL("move.commercial_partner_id"), partner_ids),
                history=self._history_margin_lines(partner_ids),
            )
        )
        return pd.DataFrame(rows, columns=["partner_id", "margin"])

    def _write_clv_results(self, values):
        """The lifetime-value stage's part of the customers' rows (``_put_customer_results``): the
        predictions, the margin and the inputs of the next incremental run of every customer with a
        purchase; the customers without one (no longer) get none."""
        rows = pd.DataFrame(
            {
                "partner_id": values["partner_id"].astype("int64"),
                "margin": values["margin"].astype("float64").round(2),
                "clv_predicted": values["clv"].astype("float64").round(2),
                "clv_p_alive": values["p_alive"].astype("float64").round(4),
                "clv_expected_purchases": values["expected_purchases"].astype("float64").round(3),
                "clv_decile": values["decile"].astype("int64"),
                "clv_first_date": pd.to_datetime(values["first_date"]),
                "clv_last_date": pd.to_datetime(values["last_date"]),
                "clv_repeat": values["repeat"].astype("int64"),
                "clv_repeat_value": values["repeat_value"].astype("float64").round(2),
            }
        )
        self._put_customer_results("clv", rows)
