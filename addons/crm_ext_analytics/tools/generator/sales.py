"""Opportunities, quotations and sale orders with their lines, written with ``COPY``."""

from __future__ import annotations

import numpy as np

from .arrays import (
    SECONDS_PER_DAY,
    dates,
    datetimes,
    money,
    nullable,
    rank_within,
    round_half_away,
    sum_by,
    to_company,
)
from .vocabulary import CATEGORY_NAMES, OPEN_STAGE_PROBABILITY


class SalesMixin:
    """Orders are drawn first (arrays only), then the leads they come from, then both are written."""

    # ------------------------------------------------------------------
    # orders (arrays only; written after the leads they point to)
    # ------------------------------------------------------------------

    def _orders(self):
        rng = self.rng
        p = self.p
        n_c = len(self.cust_ids)
        n = int(p["orders"])
        window = (self.cust_active_to - self.cust_active_from).astype(np.int64) + 1
        weight = np.exp(rng.normal(0.0, 1.0, n_c)) * window
        cust = rng.choice(n_c, n, p=weight / weight.sum())
        offset = rng.random(n) * window[cust] * SECONDS_PER_DAY
        if p["seasonality"] or p["growth"]:
            offset = self._seasonal_offsets(cust, offset / (window[cust] * SECONDS_PER_DAY), window)
        date_order = self.cust_active_from[cust].astype("datetime64[s]") + offset.astype(np.int64).astype(
            "timedelta64[s]"
        )
        date_order = np.minimum(date_order, self.now - np.timedelta64(3600, "s"))
        order = np.argsort(date_order, kind="stable")
        cust = cust[order]
        date_order = date_order[order]
        company = self.cust_home[cust].copy()
        cross = rng.random(n) < p["cross_company_share"]
        company[cross] = 1 - company[cross]
        foreign = (company == 0) & (rng.random(n) < p["foreign_currency_share"])
        order_day = date_order.astype("datetime64[D]")
        month = self._month_index(order_day)
        # doc currency: main company currency, or EUR (foreign for the main company)
        is_eur = (company == 1) | foreign
        self.OD = {
            "n": n,
            "cust": cust,
            "partner_id": self.cust_ids[cust],
            "date": date_order,
            "day": order_day,
            "company": company,
            "foreign": foreign,
            "is_eur": is_eur,
            "rate": np.where(foreign, self.eur_rate[month], 1.0),
        }
        self._order_states()
        self.L = self._order_lines(n, month, is_eur, company)
        self.OD["untaxed"] = sum_by(self.L["order"], self.L["subtotal"], n)
        self.OD["tax"] = sum_by(self.L["order"], self.L["tax"], n)
        self.OD["ids"] = self._alloc("sale_order", n)
        self.L["ids"] = self._alloc("sale_order_line", self.L["n"])

    def _seasonal_offsets(self, cust, fraction, window):
        """Seconds from the customer's first active day for orders placed at ``fraction`` (0-1)
        of their activity window, when orders follow a yearly cycle and a growth instead of a
        uniform rate: the inverse of the rate's cumulative distribution over each window. It
        draws no random number, so the other draws stay as they are."""
        p = self.p
        first = int(self.cust_active_from.min().astype(np.int64))
        days = np.arange(first, int(self.today64.astype(np.int64)) + 2)
        years = (days - int(self.today64.astype(np.int64))) / 365.25
        as_days = days.astype("datetime64[D]")
        day_of_year = (as_days - as_days.astype("datetime64[Y]")).astype(np.int64)
        # peak at the end of the year, trough in mid-year
        rate = (1.0 + p["seasonality"] * np.cos(2 * np.pi * (day_of_year - 350) / 365.25)) * np.power(
            1.0 + p["growth"], years
        )
        cumulative = np.r_[0.0, np.cumsum(rate)]  # cumulative[i]: the rate summed before day i
        start = self.cust_active_from[cust].astype(np.int64) - first
        end = start + window[cust]
        target = cumulative[start] + fraction * (cumulative[end] - cumulative[start])
        day = np.interp(target, cumulative, np.arange(len(cumulative), dtype=float))
        return np.clip(day - start, 0.0, window[cust] - 1e-6) * SECONDS_PER_DAY

    def _order_states(self):
        """Quotation, cancelled or confirmed; delivery and invoicing dates; warehouse; salesperson."""
        rng = self.rng
        p = self.p
        OD = self.OD
        n, date_order, order_day, company = OD["n"], OD["date"], OD["day"], OD["company"]
        recent = order_day > self.today64 - 30
        r = rng.random(n)
        quotation = r < np.where(recent, 0.35, p["quotation_share"])
        cancel = (~quotation) & (r < np.where(recent, 0.35, p["quotation_share"]) + p["cancel_share"])
        confirmed = ~quotation & ~cancel
        pending = confirmed & (date_order > self.now - np.timedelta64(3 * SECONDS_PER_DAY, "s"))
        delivered = confirmed & ~pending
        delivery_dt = date_order + (rng.uniform(0.3, 4.0, n) * SECONDS_PER_DAY).astype(np.int64).astype(
            "timedelta64[s]"
        )
        delivery_dt = np.minimum(delivery_dt, self.now - np.timedelta64(600, "s"))
        invoice_day = delivery_dt.astype("datetime64[D]") + rng.integers(0, 4, n).astype("timedelta64[D]")
        invoice_day = np.minimum(invoice_day, self.today64)
        invoiced = delivered & (rng.random(n) < 0.98)
        state = np.where(
            confirmed, "sale", np.where(cancel, "cancel", np.where(rng.random(n) < 0.5, "draft", "sent"))
        )
        wh = np.zeros(n, dtype=np.int64)
        for comp in (0, 1):
            mask = company == comp
            wh[mask] = rng.integers(0, len(self.co[comp]["warehouses"]), mask.sum())
        salesperson = self.cust_salesperson[OD["cust"]]
        OD.update(
            {
                "state": state,
                "confirmed": confirmed,
                "pending": pending,
                "delivered": delivered,
                "invoiced": invoiced,
                "delivery_dt": delivery_dt,
                "invoice_day": invoice_day,
                "wh": wh,
                "user_id": self.user_ids[salesperson],
                "team_id": self.user_team_ids[salesperson],
            }
        )

    def _order_lines(self, n, month, is_eur, company):
        """Lines: products mostly from one theme (category) per order, quantities, prices, taxes."""
        rng = self.rng
        p = self.p
        n_lines = np.clip(1 + rng.poisson(p["lines_per_order"] - 1, n), 1, 40)
        self.OD["n_lines"] = n_lines
        line_order = np.repeat(np.arange(n), n_lines)
        n_l = len(line_order)
        theme = rng.integers(0, len(self.cat_products), n)
        product = rng.choice(len(self.product_ids), n_l, p=self.product_pop)
        themed = rng.random(n_l) < 0.7
        line_theme = theme[line_order]
        for c, members in enumerate(self.cat_products):
            mask = themed & (line_theme == c)
            if members.size and mask.any():
                w = self.product_pop[members]
                product[mask] = rng.choice(members, mask.sum(), p=w / w.sum())
        serial = self.product_serial[product]
        qty = np.where(serial, rng.integers(1, 4, n_l), np.clip(rng.geometric(0.35, n_l), 1, 50)).astype(
            np.int64
        )
        line_month = month[line_order]
        # price in the order currency: EUR prices follow the EUR rate of the order month
        price = np.where(
            is_eur[line_order],
            round_half_away(self.product_list_cents[product] * self.eur_rate[line_month]),
            self.product_list_cents[product],
        )
        discount = np.where(rng.random(n_l) < 0.2, rng.choice([5, 10, 15, 20], n_l), 0).astype(np.int64)
        # discounted prices are multiples of 20 cents so that subtotals are exact cents
        price = np.where(discount > 0, np.maximum(20, (price // 20) * 20), price)
        subtotal = qty * price * (100 - discount) // 100
        line_company = company[line_order]
        tax_class = self.product_tax[product]
        pct = np.where(
            line_company == 0,
            np.array([t["pct"] for t in self.co[0]["taxes"]])[tax_class],
            np.array([t["pct"] for t in self.co[1]["taxes"]])[tax_class],
        )
        return {
            "n": n_l,
            "order": line_order,
            "product": product,
            "serial": serial,
            "qty": qty,
            "price": price,
            "discount": discount,
            "subtotal": subtotal,
            "tax": (subtotal * pct + 50) // 100,
            "tax_class": tax_class,
            "company": line_company,
            "seq": rank_within(line_order),
        }

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

    # ------------------------------------------------------------------
    # sale orders and lines
    # ------------------------------------------------------------------

    def _write_orders(self):
        OD = self.OD
        OD["names"] = self._order_names(OD["n"])
        co_ids = np.array([self.co[0]["id"], self.co[1]["id"]])
        OD["currency_id"] = np.where(
            OD["is_eur"], self.eur.id, np.array([c["currency_id"] for c in self.co])[OD["company"]]
        )
        width = max(len(c["warehouses"]) for c in self.co)
        wh_ids = np.array(
            [[w["id"] for w in c["warehouses"]] + [0] * (width - len(c["warehouses"])) for c in self.co]
        )
        OD["warehouse_id"] = wh_ids[OD["company"], OD["wh"]]
        OD["company_id"] = co_ids[OD["company"]]
        confirmed = OD["confirmed"]
        OD["group_ids"] = np.zeros(OD["n"], dtype=np.int64)
        OD["group_ids"][confirmed] = self._alloc("procurement_group", int(confirmed.sum()))
        self._copy(
            "procurement_group",
            {
                "id": OD["group_ids"][confirmed],
                "name": OD["names"][confirmed],
                "partner_id": OD["partner_id"][confirmed],
                "move_type": "direct",
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(OD["date"][confirmed]),
                "write_date": self.now_str,
            },
        )
        self._copy("sale_order", self._sale_order_columns())
        self._write_order_lines()
        # procurement groups were written before the orders (orders point to them): link back
        if confirmed.any():
            self.cr.execute(
                """
                UPDATE procurement_group g SET sale_id = o.id
                  FROM sale_order o
                 WHERE o.procurement_group_id = g.id AND g.id BETWEEN %s AND %s
                """,
                [int(OD["group_ids"][confirmed].min()), int(OD["group_ids"][confirmed].max())],
            )

    def _order_names(self, n):
        """Names from the sale order sequence, which advances past them."""
        seq = self.env["ir.sequence"].search(
            [("code", "=", "sale.order"), ("company_id", "in", [False, self.co[0]["id"]])],
            order="company_id",
            limit=1,
        )
        first = seq.number_next_actual if seq else 1
        prefix = (seq.prefix or "S") if seq else "S"
        padding = seq.padding if seq else 5
        if "%(" in prefix:
            prefix = "S"
        names = np.array([f"{prefix}{x:0{padding}d}" for x in range(first, first + n)], dtype=object)
        if seq:
            seq.sudo().write({"number_next": first + n})
        return names

    def _sale_order_columns(self):
        OD = self.OD
        confirmed = OD["confirmed"]
        pricelist = np.where(
            OD["foreign"],
            self.eur_pricelist.id,
            np.array([c["pricelist_id"] for c in self.co])[OD["company"]],
        )
        invoice_status = np.where(OD["invoiced"], "invoiced", np.where(OD["delivered"], "to invoice", "no"))
        delivery_status = np.where(OD["delivered"], "full", np.where(OD["pending"], "pending", None)).astype(
            object
        )
        delivery_status[~confirmed] = None
        has = OD["campaign_id"] > 0
        return {
            "id": OD["ids"],
            "name": OD["names"],
            "company_id": OD["company_id"],
            "partner_id": OD["partner_id"],
            "partner_invoice_id": OD["partner_id"],
            "partner_shipping_id": OD["partner_id"],
            "pricelist_id": pricelist,
            "currency_id": OD["currency_id"],
            "currency_rate": OD["rate"],
            "payment_term_id": self.payment_term.id,
            "user_id": OD["user_id"],
            "team_id": OD["team_id"],
            "state": OD["state"],
            "invoice_status": invoice_status,
            "date_order": datetimes(OD["date"]),
            "validity_date": dates(OD["day"] + np.timedelta64(30, "D")),
            "amount_untaxed": money(OD["untaxed"]),
            "amount_tax": money(OD["tax"]),
            "amount_total": money(OD["untaxed"] + OD["tax"]),
            "locked": False,
            "require_signature": np.array([c["require_signature"] for c in self.co])[OD["company"]],
            "require_payment": np.array([c["require_payment"] for c in self.co])[OD["company"]],
            "prepayment_percent": np.array([c["prepayment_percent"] for c in self.co])[OD["company"]],
            "picking_policy": "direct",
            "warehouse_id": OD["warehouse_id"],
            "procurement_group_id": nullable(OD["group_ids"], confirmed),
            "delivery_status": delivery_status,
            "effective_date": datetimes(np.where(OD["delivered"], OD["delivery_dt"], np.datetime64("NaT"))),
            "opportunity_id": nullable(OD["lead_id"], OD["lead_id"] > 0),
            "campaign_id": nullable(OD["campaign_id"], has),
            "medium_id": nullable(OD["medium_id"], has & (OD["medium_id"] > 0)),
            "source_id": nullable(OD["source_id"], has & (OD["source_id"] > 0)),
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": datetimes(OD["date"]),
            "write_date": self.now_str,
        }

    def _write_order_lines(self):
        OD, L = self.OD, self.L
        lo = L["order"]
        qty = L["qty"]
        delivered = OD["delivered"][lo]
        invoiced = OD["invoiced"][lo]
        total = L["subtotal"] + L["tax"]
        tax_ids = np.array([[t["id"] for t in c["taxes"]] for c in self.co])[L["company"], L["tax_class"]]
        L["tax_id"] = tax_ids
        self._copy(
            "sale_order_line",
            {
                "id": L["ids"],
                "order_id": OD["ids"][lo],
                "sequence": 10 + L["seq"],
                "company_id": OD["company_id"][lo],
                "currency_id": OD["currency_id"][lo],
                "order_partner_id": OD["partner_id"][lo],
                "salesman_id": OD["user_id"][lo],
                "product_id": self.product_ids[L["product"]],
                "product_uom": self.uom_unit.id,
                "state": OD["state"][lo],
                "qty_delivered_method": "stock_move",
                "invoice_status": np.where(invoiced, "invoiced", np.where(delivered, "to invoice", "no")),
                "name": self.product_names[L["product"]],
                "product_uom_qty": qty,
                "price_unit": money(L["price"]),
                "technical_price_unit": money(L["price"]),
                "discount": L["discount"].astype(np.float64),
                "price_subtotal": money(L["subtotal"]),
                "price_tax": money(L["tax"]),
                "price_total": money(total),
                "price_reduce_taxexcl": money(round_half_away(L["subtotal"] / qty)),
                "price_reduce_taxinc": money(round_half_away(total / qty)),
                "qty_delivered": np.where(delivered, qty, 0),
                "qty_invoiced": np.where(invoiced, qty, 0),
                "qty_to_invoice": np.where(delivered & ~invoiced, qty, 0),
                "untaxed_amount_invoiced": money(np.where(invoiced, L["subtotal"], 0)),
                "untaxed_amount_to_invoice": money(np.where(delivered & ~invoiced, L["subtotal"], 0)),
                "is_downpayment": False,
                "is_expense": False,
                "customer_lead": 0.0,
                "product_packaging_qty": 0.0,
                "warehouse_id": OD["warehouse_id"][lo],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(OD["date"][lo]),
                "write_date": self.now_str,
            },
        )
        self._copy(
            "account_tax_sale_order_line_rel", {"sale_order_line_id": L["ids"], "account_tax_id": tax_ids}
        )
