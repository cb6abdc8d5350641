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
)


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
