import pandas as pd

from odoo import _, models
from odoo.tools import SQL

from ..engine.forecast import revenue_forecast


class CrmExtAnalyticsRun(models.Model):
    """The revenue-forecast stage: monthly invoiced revenue of the company and of each sales team
    forecast with intervals and a backtest, beside the weighted pipeline."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _analytics_stages(self):
        return [*super()._analytics_stages(), ("forecast", _("Revenue forecast"), self._stage_forecast)]

    def _stage_forecast(self):
        """Monthly revenue forecast of the company and of each sales team, replaced in bulk."""
        self.ensure_one()
        monthly = self._read_monthly_revenue()
        company_rows = monthly.assign(key=0)
        team_rows = monthly[monthly["team_id"].notna()].assign(
            key=lambda frame: frame["team_id"].astype("int64")
        )
        revenue = pd.concat([company_rows, team_rows], ignore_index=True)[["key", "date", "amount"]]
        known, used = self._previous_kept("forecast_backtests") or {}, {}
        frame, backtest = revenue_forecast(
            revenue,
            horizon=self.company_id.crm_ext_forecast_horizon,
            known_backtests=known,
            used_backtests=used,
        )
        # this run's backtests, for the next run (only those of this run's series: the others'
        # months will not come back)
        self._keep("forecast_backtests", used)
        pipeline = self._read_weighted_pipeline()
        self._write_forecast(frame, pipeline)
        teams = self.env["crm.team"].browse([key for key in backtest if key]).exists()
        names = {team.id: team.name for team in teams}
        lines = []
        for key, (method, mape) in backtest.items():
            label = names.get(key, str(key)) if key else _("Company")
            error = _("backtest MAPE %(mape).1f%%", mape=mape) if mape is not None else _("no backtest")
            lines.append(f"  {label}: {method}, {error}")
        if reused := len(set(used) & set(known)):
            lines.append(_("  backtests reused from the previous run: %(count)s", count=reused))
        return {
            "rows": len(monthly),
            "forecast_count": len(backtest),
            "log": "\n".join([_("Revenue forecast:"), *lines])
            if lines
            else _("Revenue forecast: no posted invoices."),
        }

    def _forecast_month_sql(self, day):
        """SQL: the month of ``day`` that the forecast counts in: its Gregorian month, or for a
        company with *Jalali Months in Analytics* the proxy of its Jalali month (crm_ext_sales's
        ``crm_ext.jalali.month``), turned back into the Jalali month when written."""
        if self.company_id.crm_ext_date_analytics_jalali:
            return self.env["crm_ext.jalali.month"]._gregorian_proxy_sql(day)
        return SQL("date_trunc('month', %s)::date", day)

    def _read_monthly_revenue(self):
        """Posted invoices net of credit notes of the company, per month and sales team."""
        self.env["account.move"].flush_model(
            ["state", "move_type", "company_id", "invoice_date", "team_id", "amount_untaxed_signed"]
        )
        rows = self._read_rows(
            SQL(
                """
                SELECT team_id, %s AS month, SUM(amount_untaxed_signed) AS amount
                  FROM (SELECT team_id, invoice_date, amount_untaxed_signed
                          FROM account_move
                         WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                           AND company_id = %s AND invoice_date IS NOT NULL
                        %s) documents
              GROUP BY team_id, month
                """,
                self._forecast_month_sql(SQL.identifier("invoice_date")),
                self.company_id.id,
                self._history_team_amounts(),
            )
        )
        return pd.DataFrame(rows, columns=["team_id", "date", "amount"])

    def _read_weighted_pipeline(self):
        """Open opportunities' expected revenue times probability, per closing month, for the
        company (key 0) and each team (key = team id)."""
        self.env["crm.lead"].flush_model(
            ["type", "active", "company_id", "crm_ext_forecast_month", "team_id", "prorated_revenue"]
        )
        rows = self._read_rows(
            SQL(
                """
                SELECT team_id, %s AS month, SUM(prorated_revenue)
                  FROM crm_lead
                 WHERE type = 'opportunity' AND active AND company_id = %s
                   AND crm_ext_forecast_month IS NOT NULL AND COALESCE(probability, 0) < 100
              GROUP BY team_id, month
                """,
                # an open opportunity's forecast month is the month of its expected closing
                self._forecast_month_sql(SQL("COALESCE(date_deadline, crm_ext_forecast_month)"))
                if self.company_id.crm_ext_date_analytics_jalali
                else SQL.identifier("crm_ext_forecast_month"),
                self.company_id.id,
            )
        )
        pipeline = {}
        for team_id, month, amount in rows:
            # key 0 is the whole company, other keys are teams
            for key in {0, team_id or 0}:
                pipeline[(key, month)] = pipeline.get((key, month), 0.0) + amount
        return pipeline

    def _write_forecast(self, frame, pipeline):
        Forecast = self.env["crm_ext.revenue.forecast"]
        Forecast.flush_model()
        cr, company_id = self.env.cr, self.company_id.id
        cr.execute(SQL("DELETE FROM crm_ext_revenue_forecast WHERE company_id = %s", company_id))
        if not frame.empty:
            months = pd.to_datetime(frame["month"]).dt.date
            keys = frame["key"].tolist()
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_ext_revenue_forecast (
                        company_id, team_id, run_id, month, is_forecast, method, actual, forecast,
                        lower_80, upper_80, lower_95, upper_95, weighted_pipeline, amount,
                        create_uid, create_date, write_uid, write_date)
                    SELECT %(company)s, NULLIF(src.team_id, 0), %(run)s, src.month, src.is_forecast,
                           src.method, src.actual, src.forecast, src.lower_80, src.upper_80,
                           src.lower_95, src.upper_95, src.pipeline,
                           CASE WHEN src.is_forecast THEN src.forecast ELSE src.actual END,
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM unnest(%(teams)s::int[], %(months)s::date[], %(is_forecast)s::bool[],
                                  %(methods)s::varchar[], %(actual)s::float8[], %(forecast)s::float8[],
                                  %(lower_80)s::float8[], %(upper_80)s::float8[], %(lower_95)s::float8[],
                                  %(upper_95)s::float8[], %(pipeline)s::float8[])
                        AS src(team_id, month, is_forecast, method, actual, forecast, lower_80,
                               upper_80, lower_95, upper_95, pipeline)
                    """,
                    company=company_id,
                    run=self.id,
                    uid=self.env.uid,
                    teams=[int(key) for key in keys],
                    months=[self.env["crm_ext.jalali.month"]._from_gregorian_proxy(month) for month in months]
                    if self.company_id.crm_ext_date_analytics_jalali
                    else months.tolist(),
                    is_forecast=frame["actual"].isna().tolist(),
                    methods=frame["method"].tolist(),
                    **{
                        column: [None if pd.isna(value) else float(value) for value in frame[column]]
                        for column in ("actual", "forecast", "lower_80", "upper_80", "lower_95", "upper_95")
                    },
                    pipeline=[
                        pipeline.get((key, month), 0.0) for key, month in zip(keys, months, strict=True)
                    ],
                )
            )
        Forecast.invalidate_model()
