import math

import numpy as np
import pandas as pd

from odoo import _, fields, models
from odoo.tools import SQL

from ..engine.churn import churn_risk, events_needed_since, new_purchases, usable_model
from ..tools.amounts import amount_formatter

# the churn label's window: no purchase within this many days
CHURN_HORIZON_DAYS = 90


class CrmExtAnalyticsRun(models.Model):
    """The churn-risk stage: each customer's probability of not buying within 90 days, its level
    and its reasons in words."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _analytics_stages(self):
        return [*super()._analytics_stages(), ("churn", _("Churn risk"), self._stage_churn)]

    def _stage_churn(self):
        as_of = fields.Date.context_today(self)
        purchases = self._read_purchase_days()
        kept, kept_log = self._churn_kept_model(purchases)
        events = self._read_churn_events(
            events_needed_since(as_of, CHURN_HORIZON_DAYS, training=kept is None)
        )
        overdue = self._read_overdue()
        rows_read = len(purchases) + len(overdue) + sum(len(frame) for frame in events.values())
        frame, info = churn_risk(
            purchases, as_of, horizon_days=CHURN_HORIZON_DAYS, events=events, overdue=overdue, model=kept
        )
        if info["model"]:
            self._keep("churn_model", info["model"])
        if frame.empty:
            self._customer_stage_done("churn")
            return {"rows": rows_read, "churn_auc": 0.0, "log": _("Churn risk: no customer with a purchase.")}
        frame["risk"] = pd.cut(
            frame["probability"], [-1, 0.3, 0.6, 2], right=False, labels=["low", "medium", "high"]
        )
        templates = self._churn_reason_templates()
        frame["reasons"] = self._churn_reason_texts(frame, templates)
        self._write_churn_results(frame)
        self._customer_stage_done("churn")
        if info["kept"]:
            log = _("Churn risk (model): %(message)s; %(why)s", message=info["message"], why=kept_log)
        elif info["method"] == "model":
            log = _("Churn risk (model): %(message)s", message=info["message"])
        else:
            log = _("Churn risk, fallback: %(message)s", message=info["message"])
        return {"rows": rows_read, "churn_auc": info["auc"] or 0.0, "log": log}

    def _churn_kept_model(self, purchases):
        """``(model, why)``: the churn model of the company's last run to apply again, with a line
        for the log, or ``(None, "")`` to train one. An incremental run keeps it while the
        purchases made since it was trained stay under the company's share of the customers it
        learned from; a full run (asked for, the first, or the periodic one) always trains, and a
        model older than the full-run period (a full run since fell back to the rules) is not
        applied."""
        share = self.company_id.crm_ext_churn_retrain_percent
        if self.mode != "incremental" or not share:
            return None, ""
        model = self._previous_kept("churn_model")
        if not model or not usable_model(model):
            return None, ""
        age = fields.Date.context_today(self) - fields.Date.to_date(model["trained_on"])
        if age.days > self.company_id.crm_ext_analytics_full_days:
            return None, ""
        new = new_purchases(purchases, model["trained_on"])
        needed = max(1, math.ceil(share / 100 * model["test_size"]))
        if new >= needed:
            return None, ""
        return model, _(
            "%(new)s purchases since it was trained, %(needed)s retrain it", new=new, needed=needed
        )

    def _read_churn_events(self, since=None):
        """Dated events per customer, one query each: tickets (complaints), returns, SLA breaches,
        interactions and campaign engagement (e-mails opened or clicked); ``since``: per kind, the
        first day the churn model can count (``engine.churn.events_needed_since``), older events
        are not read (none: all)."""
        since = since or {}

        def from_day(day_sql, name):
            return SQL("AND %s >= %s", day_sql, since[name]) if since.get(name) else SQL()

        for model in ("crm_ext.ticket", "crm_ext.ticket.sla", "crm_ext.return.line", "crm_ext.interaction",
                      "mailing.trace", "mailing.mailing", "utm.campaign", "res.users"):  # fmt: skip
            self.env[model].flush_model()
        company = self.company_id.id
        return {
            "complaints": self._read_dated(
                SQL(
                    """SELECT commercial_partner_id, create_date::date FROM crm_ext_ticket
                        WHERE company_id = %s AND commercial_partner_id IS NOT NULL
                          AND merged_into_id IS NULL %s""",
                    company,
                    from_day(SQL("create_date::date"), "complaints"),
                )
            ),
            "returns": self._read_dated(
                SQL(
                    """SELECT partner_id, processed_date::date FROM crm_ext_return_line
                        WHERE company_id = %s AND state = 'done' %s""",
                    company,
                    from_day(SQL("processed_date::date"), "returns"),
                )
            ),
            "sla_breaches": self._read_dated(
                SQL(
                    """SELECT ticket.commercial_partner_id, sla.deadline::date
                         FROM crm_ext_ticket_sla sla JOIN crm_ext_ticket ticket ON ticket.id = sla.ticket_id
                        WHERE sla.company_id = %s AND sla.status = 'failed'
                          AND ticket.commercial_partner_id IS NOT NULL %s""",
                    company,
                    from_day(SQL("sla.deadline::date"), "sla_breaches"),
                )
            ),
            "interactions": self._read_dated(
                SQL(
                    """SELECT commercial_partner_id, date::date FROM crm_ext_interaction
                        WHERE company_id = %s AND commercial_partner_id IS NOT NULL %s""",
                    company,
                    from_day(SQL("date::date"), "interactions"),
                )
            ),
            # the company's own mailings: a mailing is its campaign's company's, else its
            # responsible user's company's (the company Odoo sends it for)
            "engagement": self._read_dated(
                SQL(
                    """SELECT partner.commercial_partner_id,
                              COALESCE(trace.links_click_datetime, trace.open_datetime)::date
                         FROM mailing_trace trace
                         JOIN res_partner partner ON partner.id = trace.res_id
                         JOIN mailing_mailing mailing ON mailing.id = trace.mass_mailing_id
                    LEFT JOIN utm_campaign campaign ON campaign.id = mailing.campaign_id
                    LEFT JOIN res_users sender ON sender.id = mailing.user_id
                        WHERE trace.model = 'res.partner'
                          AND COALESCE(campaign.company_id, sender.company_id) = %s
                          AND (trace.open_datetime IS NOT NULL OR trace.links_click_datetime IS NOT NULL)
                          %s""",
                    company,
                    from_day(
                        SQL("COALESCE(trace.links_click_datetime, trace.open_datetime)::date"), "engagement"
                    ),
                )
            ),
        }

    def _read_dated(self, query):
        rows = self._read_rows(query)
        return pd.DataFrame(rows, columns=["partner_id", "date"])

    def _read_overdue(self):
        """The company's customer invoices still unpaid, with their due dates (company currency)."""
        self.env["account.move"].flush_model()
        rows = self._read_rows(
            SQL(
                """
                SELECT commercial_partner_id, invoice_date_due, amount_residual_signed
                  FROM account_move
                 WHERE state = 'posted' AND move_type = 'out_invoice' AND company_id = %s
                   AND payment_state IN ('not_paid', 'partial') AND commercial_partner_id IS NOT NULL
                   AND invoice_date_due IS NOT NULL
                """,
                self.company_id.id,
            )
        )
        return pd.DataFrame(rows, columns=["partner_id", "due_date", "amount"])

    def _churn_reason_templates(self):
        """The reasons' sentences, translated once per run (``_`` called here, in the method)."""
        return {
            "recency_days": _("no purchase for %(days)s days"),
            "frequency": _("only %(count)s purchases"),
            "spend_last_6m": _("low spending over the last 6 months"),
            "spend_prev_6m": _("spent more in the 6 months before"),
            "spend_trend": _("spending down over the last 6 months"),
            "overdue_amount": _("%(amount)s overdue"),
            "overdue_days": _("an invoice overdue for %(days)s days"),
            "complaints": _("%(count)s complaints this year"),
            "returns": _("%(count)s returns this year"),
            "sla_breaches": _("%(count)s service deadlines missed"),
            "days_since_interaction": _("no contact for %(days)s days"),
            "engagement": _("engaged with our campaigns"),
        }

    def _churn_reason_texts(self, frame, templates):
        """Each customer's reasons, in words, with their own figures: per reason slot and kind of
        reason one vectorised pass over the customers concerned (a sentence with a number is the
        template's text before and after it around the numbers as text; only amounts are
        formatted one by one, for the few customers with an invoice overdue)."""
        figures = {
            "recency_days": ("days", "recency_days"),
            "frequency": ("count", "frequency"),
            "overdue_days": ("days", "overdue_days"),
            "complaints": ("count", "complaints"),
            "returns": ("count", "returns"),
            "sla_breaches": ("count", "sla_breaches"),
            "days_since_interaction": ("days", "days_since_interaction"),
        }
        format_amount = amount_formatter(self.env, self.company_id.currency_id)
        joined = None
        for slot in ("reason_1", "reason_2", "reason_3"):
            texts = np.full(len(frame), "", dtype=object)
            reasons = frame[slot].to_numpy()
            for reason, template in templates.items():
                mask = reasons == reason
                if not mask.any():
                    continue
                if reason == "overdue_amount":
                    amounts = frame["overdue_amount"].to_numpy()[mask]
                    texts[mask] = [template % {"amount": format_amount(value)} for value in amounts]
                elif reason in figures:
                    name, column = figures[reason]
                    sentence = (template % {name: "\x00"}).split("\x00", 1)
                    if len(sentence) == 1:  # a translation without the number
                        texts[mask] = sentence[0]
                        continue
                    numbers = frame[column].to_numpy()[mask].astype("int64").astype(str).astype(object)
                    texts[mask] = sentence[0] + numbers + sentence[1]
                else:
                    texts[mask] = template
            if joined is None:
                joined = texts
            else:
                # "; " between the slots that have a text, as "; ".join of the non-empty ones
                joined = np.where(texts == "", joined, np.where(joined == "", texts, joined + "; " + texts))
        return joined.tolist()

    def _write_churn_results(self, frame):
        """The churn stage's part of the customers' rows (``_put_customer_results``)."""
        rows = pd.DataFrame(
            {
                "partner_id": frame["partner_id"].astype("int64"),
                "churn_probability": frame["probability"].astype("float64").round(4),
                "churn_risk": frame["risk"].astype(str),
                # the reasons are our own words and numbers; tabs, newlines and backslashes cannot occur
                "churn_reasons": frame["reasons"].str.replace(r"[\t\n\\]", " ", regex=True),
            }
        )
        self._put_customer_results("churn", rows)
