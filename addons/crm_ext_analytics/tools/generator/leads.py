"""Opportunities (leads won, open, lost or without an order) with their stage history,
outcomes, campaign attribution and forecast columns, written with ``COPY``; the orders they
lead to are drawn first (``sales.py``)."""

from __future__ import annotations

import numpy as np

from .arrays import (
    SECONDS_PER_DAY,
    dates,
    datetimes,
    money,
    nullable,
    round_half_away,
    to_company,
)
from .vocabulary import CATEGORY_NAMES, OPEN_STAGE_PROBABILITY


class LeadsMixin:
    """The leads of the orders drawn by ``SalesMixin._orders`` and of no order at all."""

    # ------------------------------------------------------------------
    # leads / opportunities
    # ------------------------------------------------------------------

    def _leads(self):
        """Won opportunities for half of the confirmed orders, open ones for quotations, lost ones
        for half of the cancelled quotations, and opportunities without an order."""
        lead = self._lead_rows()
        self._lead_outcomes(lead)
        self._lead_attribution(lead)
        columns = self._lead_columns(lead)
        self._copy("crm_lead", columns)
        self._link_orders_to_leads(lead)
        self._lead_stage_history(lead, columns["user_id"])
        self.lead_ids = lead["ids"]
        self.lead_status = lead["status"]

    def _lead_stage_history(self, lead, users):
        """With ``lead_stage_history`` (off by default), the stage changes of the opportunities
        as Odoo tracks them: an opportunity starts in the first stage and moves one stage at a
        time to its own (won ones to the won stage at their closing), the moves spread between
        its creation and its closing (open ones: a few weeks, up to now, which is then their
        last stage update). Draws from a random stream of its own."""
        self.lead_stage_messages = 0
        if not self.p["lead_stage_history"]:
            return
        rng = np.random.default_rng([self.seed, 4])
        path = np.r_[self.open_stage_ids, self.won_stage_id]
        rank = {stage: k for k, stage in enumerate(path.tolist())}
        steps = np.array([rank[s] for s in lead["stage"].tolist()], dtype=np.int64)
        created, status = lead["created"], lead["status"]
        span_open = (
            (rng.uniform(5, 60, lead["n"]) * SECONDS_PER_DAY).astype(np.int64).astype("timedelta64[s]")
        )
        end = np.where(status == 0, np.minimum(created + span_open, self.now), lead["closed"])
        moved = np.flatnonzero(steps > 0)
        counts = steps[moved]
        row = np.repeat(moved, counts)
        k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)  # 0-based step
        # each move at a random share of the opportunity's time, in order; a won one's last at its closing
        share = rng.random(len(row))
        share = np.sort(share + row) - row  # sorted within each opportunity (rows are in order)
        last = k == steps[row] - 1
        share = np.where(last & (status[row] == 1), 1.0, share)
        span = (end[row] - created[row]).astype(np.int64)
        when = created[row] + np.maximum((share * span).astype(np.int64), 60).astype("timedelta64[s]")
        Stage = self.env["crm.stage"].with_context(lang="en_US")
        names = {stage.id: stage.name for stage in Stage.browse(path.tolist())}
        won_subtype = self.env.ref("crm.mt_lead_won").id
        stage_subtype = self.env.ref("crm.mt_lead_stage").id
        new = path[k + 1]
        self._write_tracking_messages(
            "crm.lead",
            "stage_id",
            lead["ids"][row],
            users[row],
            path[k],
            new,
            when,
            names,
            np.where(new == self.won_stage_id, won_subtype, stage_subtype),
        )
        # the open ones' last stage update is their last move
        opened = np.flatnonzero(last & (status[row] == 0))
        self.cr.execute(
            "UPDATE crm_lead l SET date_last_stage_update = v.moved"
            "  FROM unnest(%s::int[], %s::timestamp[]) AS v(id, moved) WHERE l.id = v.id",
            [lead["ids"][row[opened]].tolist(), datetimes(when[opened]).tolist()],
        )
        self.lead_stage_messages = len(row)

    def _lead_rows(self):
        """Which orders have an opportunity, the others' customers; creation dates and status."""
        rng = self.rng
        OD = self.OD
        n_o = OD["n"]
        state = OD["state"]
        won = OD["confirmed"] & (rng.random(n_o) < 0.5)
        proposal = np.isin(state, ["draft", "sent"]) & (rng.random(n_o) < 0.6)
        lost_linked = (state == "cancel") & (rng.random(n_o) < 0.5)
        linked = won | proposal | lost_linked
        linked_orders = np.flatnonzero(linked)
        n_extra = round(n_o * self.p["extra_lead_share"])
        n = len(linked_orders) + n_extra
        ids = self._alloc("crm_lead", n)
        extra_cust = rng.integers(0, len(self.cust_ids), n_extra)
        window = (self.cust_active_to - self.cust_active_from).astype(np.int64) + 1
        extra_created = self.cust_active_from[extra_cust].astype("datetime64[s]") + (
            rng.random(n_extra) * window[extra_cust] * SECONDS_PER_DAY
        ).astype(np.int64).astype("timedelta64[s]")
        extra_created = np.minimum(extra_created, self.now - np.timedelta64(3600, "s"))
        lead_days = rng.integers(3, 45, len(linked_orders)).astype("timedelta64[D]").astype("timedelta64[s]")
        linked_created = OD["date"][linked_orders] - lead_days
        created = np.r_[linked_created, extra_created]
        # status: 0 open, 1 won, 2 lost
        status = np.r_[
            np.where(won[linked_orders], 1, np.where(lost_linked[linked_orders], 2, 0)),
            np.where(rng.random(n_extra) < 0.55, 2, 0),
        ]
        age_days = (self.now - created).astype(np.int64) / SECONDS_PER_DAY
        # old extra opportunities are closed (lost) rather than left open
        status[len(linked_orders) :][
            (age_days[len(linked_orders) :] > 180) & (status[len(linked_orders) :] == 0)
        ] = 2
        return {
            "n": n,
            "n_extra": n_extra,
            "ids": ids,
            "linked_orders": linked_orders,
            "proposal": proposal,
            "cust": np.r_[OD["cust"][linked_orders], extra_cust],
            "company": np.r_[OD["company"][linked_orders], self.cust_home[extra_cust]],
            "created": created,
            "extra_created": extra_created,
            "status": status,
        }

    def _lead_outcomes(self, lead):
        """Stage, probability, closing date and expected revenue (company currency)."""
        rng = self.rng
        OD = self.OD
        n, n_extra, status, created = lead["n"], lead["n_extra"], lead["status"], lead["created"]
        linked_orders = lead["linked_orders"]
        open_stage = np.where(
            np.r_[lead["proposal"][linked_orders], np.zeros(n_extra, bool)],
            len(self.open_stage_ids) - 1,
            rng.integers(0, len(self.open_stage_ids), n),
        )
        prob_open = np.array(OPEN_STAGE_PROBABILITY + [90.0] * 10)[open_stage]
        probability = np.where(status == 1, 100.0, np.where(status == 2, 0.0, prob_open))
        closed = np.where(
            status == 1,
            np.r_[OD["date"][linked_orders], lead["extra_created"]],
            created + (rng.uniform(5, 60, n) * SECONDS_PER_DAY).astype(np.int64).astype("timedelta64[s]"),
        )
        closed = np.minimum(closed, self.now - np.timedelta64(60, "s"))
        closed = np.where(status == 0, np.datetime64("NaT"), closed)
        # expected revenue in company currency: the order's untaxed amount, else a guess
        expected = np.r_[
            to_company(OD["untaxed"][linked_orders], OD["rate"][linked_orders]),
            round_half_away(np.exp(rng.normal(7.0, 1.0, n_extra)) * 100),
        ]
        last_update = np.where(status == 0, created + np.timedelta64(SECONDS_PER_DAY, "s"), closed)
        lead.update(
            {
                "stage": np.where(status == 1, self.won_stage_id, self.open_stage_ids[open_stage]),
                "probability": probability,
                "closed": closed,
                "expected": expected,
                "prorated": round_half_away(expected * probability / 100.0),
                "day_close": np.where(
                    status == 0,
                    np.nan,
                    np.floor(
                        (closed - created).astype("timedelta64[s]").astype(np.float64) / SECONDS_PER_DAY
                    ),
                ),
                "last_update": np.minimum(last_update, self.now),
            }
        )

    def _lead_attribution(self, lead):
        """30% of the opportunities come from a bench campaign, with a medium and a source."""
        rng = self.rng
        n = lead["n"]
        campaign = np.where(rng.random(n) < 0.3, rng.integers(0, len(self.campaign_ids), n), -1)
        lead.update(
            {
                "campaign": campaign,
                "has_campaign": campaign >= 0,
                "medium": self.medium_ids[rng.integers(0, len(self.medium_ids), n)],
                "source": self.source_ids[rng.integers(0, len(self.source_ids), n)],
            }
        )

    def _lead_columns(self, lead):
        rng = self.rng
        OD = self.OD
        n, cust, status, created = lead["n"], lead["cust"], lead["status"], lead["created"]
        n_link = len(lead["linked_orders"])
        deadline = created.astype("datetime64[D]") + rng.integers(20, 90, n).astype("timedelta64[D]")
        ahead = self.p["open_deadline_days_ahead"]
        if ahead:
            # open ones expected to close over the coming months (a random stream of its own)
            days = np.random.default_rng([self.seed, 5]).integers(3, ahead + 1, n).astype("timedelta64[D]")
            deadline = np.where(status == 0, self.now.astype("datetime64[D]") + days, deadline)
        names = self.cust_names[cust]
        cat_names = np.array(CATEGORY_NAMES, dtype=object)[rng.integers(0, len(self.cat_products), n)]
        salesperson = self.cust_salesperson[cust]
        has_campaign, medium, source = lead["has_campaign"], lead["medium"], lead["source"]
        emails = self.cust_emails[cust]
        return {
            "id": lead["ids"],
            "name": np.array(
                [f"{c} - {a} needs" for a, c in zip(names, cat_names, strict=True)], dtype=object
            ),
            "type": "opportunity",
            "active": status != 2,
            "partner_id": self.cust_ids[cust],
            "partner_name": names,
            "email_from": emails,
            "email_normalized": emails,
            "email_domain_criterion": np.array(["@" + e.split("@", 1)[1] for e in emails], dtype=object),
            "email_state": "correct",
            "phone": self.cust_phones[cust],
            "phone_sanitized": self.cust_phones[cust],
            "country_id": self.cust_country[cust],
            "lang_id": self.lang.id,
            "company_id": np.array([self.co[0]["id"], self.co[1]["id"]])[lead["company"]],
            "team_id": np.r_[OD["team_id"][lead["linked_orders"]], self.user_team_ids[salesperson[n_link:]]],
            "user_id": np.r_[OD["user_id"][lead["linked_orders"]], self.user_ids[salesperson[n_link:]]],
            "stage_id": lead["stage"],
            "priority": rng.choice(["0", "1", "2", "3"], n, p=[0.5, 0.3, 0.15, 0.05]),
            "probability": lead["probability"],
            "automated_probability": lead["probability"],
            "expected_revenue": money(lead["expected"]),
            "prorated_revenue": money(lead["prorated"]),
            "recurring_revenue": 0.0,
            "recurring_revenue_monthly": 0.0,
            "recurring_revenue_monthly_prorated": 0.0,
            "recurring_revenue_prorated": 0.0,
            "lost_reason_id": nullable(
                self.lost_reason_ids[rng.integers(0, len(self.lost_reason_ids), n)], status == 2
            ),
            "date_open": datetimes(created),
            "date_closed": datetimes(lead["closed"]),
            "date_last_stage_update": datetimes(lead["last_update"]),
            "date_deadline": dates(deadline),
            **self._lead_forecast_columns(lead, deadline),
            "day_open": 0.0,
            "day_close": lead["day_close"],
            "campaign_id": nullable(self.campaign_ids[np.maximum(lead["campaign"], 0)], has_campaign),
            "medium_id": nullable(medium, has_campaign & (medium > 0)),
            "source_id": nullable(source, has_campaign & (source > 0)),
            "color": 0,
            "message_bounce": 0,
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": datetimes(created),
            "write_date": datetimes(lead["last_update"]),
        }

    def _lead_forecast_columns(self, lead, deadline):
        """crm_ext_sales' forecast category and month, as its computes set them: lost ones
        omitted, won ones won in their closing month, open ones their stage's category in their
        expected closing month."""
        Stage = self.env["crm.stage"]
        if "crm_ext_forecast_category" not in Stage._fields:
            return {}
        stages = Stage.browse(self.open_stage_ids.tolist())
        stage_category = {stage.id: stage.crm_ext_forecast_category or "pipeline" for stage in stages}
        status, stage = lead["status"], lead["stage"]
        category = np.array([stage_category.get(s, "pipeline") for s in stage.tolist()], dtype=object)
        category[status == 1] = "won"
        category[status == 2] = "omitted"
        closing = np.where(
            status == 1, lead["closed"].astype("datetime64[D]"), deadline.astype("datetime64[D]")
        )
        return {
            "crm_ext_forecast_category": category,
            "crm_ext_forecast_month": dates(closing.astype("datetime64[M]").astype("datetime64[D]")),
        }

    def _link_orders_to_leads(self, lead):
        """The orders point to their opportunity and inherit its campaign."""
        OD = self.OD
        n_o = OD["n"]
        linked_orders, ids = lead["linked_orders"], lead["ids"]
        n_link = len(linked_orders)
        OD["lead_id"] = np.zeros(n_o, dtype=np.int64)
        OD["lead_id"][linked_orders] = ids[:n_link]
        OD["campaign_id"] = np.zeros(n_o, dtype=np.int64)
        OD["medium_id"] = np.zeros(n_o, dtype=np.int64)
        OD["source_id"] = np.zeros(n_o, dtype=np.int64)
        link_campaign = lead["has_campaign"][:n_link]
        campaign = lead["campaign"]
        OD["campaign_id"][linked_orders[link_campaign]] = self.campaign_ids[campaign[:n_link][link_campaign]]
        OD["medium_id"][linked_orders[link_campaign]] = lead["medium"][:n_link][link_campaign]
        OD["source_id"][linked_orders[link_campaign]] = lead["source"][:n_link][link_campaign]
