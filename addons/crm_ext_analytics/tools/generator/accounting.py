"""Invoices, credit notes and payments as arrays (amounts in integer cents, Odoo's rounding);
``accounting_moves`` and ``accounting_lines`` write them."""

from __future__ import annotations

import numpy as np

from .arrays import group_index, rank_within, round_half_away, sum_by, to_company


class AccountingMixin:
    """What is invoiced, refunded and paid, and when."""

    def _invoices(self):
        """An invoice per invoiced order with the order's lines, then the credit notes."""
        OD, L = self.OD, self.L
        inv_orders = np.flatnonzero(OD["invoiced"])
        n_i = len(inv_orders)
        inv_day = OD["invoice_day"][inv_orders]
        company = OD["company"][inv_orders]
        foreign = OD["foreign"][inv_orders]
        rate = np.where(foreign, self.eur_rate[self._month_index(inv_day)], 1.0)
        # invoice lines = lines of invoiced orders (orders and their lines are both sorted)
        il = np.flatnonzero(OD["invoiced"][L["order"]])
        il_inv = np.searchsorted(inv_orders, L["order"][il])
        IV = {
            "n": n_i,
            "order": inv_orders,
            "day": inv_day,
            "company": company,
            "foreign": foreign,
            "rate": rate,
            "currency_id": OD["currency_id"][inv_orders],
        }
        IL = self._doc_lines(il, il_inv, L["qty"][il], rate)
        self.IV, self.IL = IV, IL
        self._doc_totals(IV, IL)
        self._credit_notes()

    def _credit_notes(self):
        """Credit notes for part of an invoice (some lines, some quantities), a few in full."""
        rng = self.rng
        IV, IL = self.IV, self.IL
        n_i = IV["n"]
        inv_day, company, foreign, rate = IV["day"], IV["company"], IV["foreign"], IV["rate"]
        inv_orders = IV["order"]
        eligible = inv_day < self.today64 - 5
        refunded = np.flatnonzero(eligible & (rng.random(n_i) < self.p["refund_share"]))
        n_r = len(refunded)
        full = rng.random(n_r) < 0.1
        r_day = inv_day[refunded] + rng.integers(3, 60, n_r).astype("timedelta64[D]")
        month_end = (inv_day[refunded].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        r_day = np.where(foreign[refunded], np.minimum(r_day, month_end), r_day)
        r_day = np.minimum(r_day, self.today64)
        is_refunded = np.zeros(n_i, bool)
        is_refunded[refunded] = True
        ref_pos = np.full(n_i, -1)
        ref_pos[refunded] = np.arange(n_r)
        cand = np.flatnonzero(is_refunded[IL["doc"]])
        cand_r = ref_pos[IL["doc"][cand]]
        pick = full[cand_r] | (rng.random(len(cand)) < 0.3)
        first_line = np.r_[True, IL["doc"][cand][1:] != IL["doc"][cand][:-1]]
        pick |= first_line
        rl = cand[pick]
        rl_doc = ref_pos[IL["doc"][rl]]
        src_qty = IL["qty"][rl]
        r_qty = np.where(full[rl_doc], src_qty, rng.integers(1, src_qty + 1))
        R = {
            "n": n_r,
            "inv": refunded,
            "order": inv_orders[refunded],
            "day": r_day,
            "company": company[refunded],
            "foreign": foreign[refunded],
            "rate": rate[refunded],
            "currency_id": IV["currency_id"][refunded],
        }
        RL = self._doc_lines(IL["line"][rl], rl_doc, r_qty, rate[refunded])
        self._doc_totals(R, RL)
        self.R, self.RL = R, RL

    def _doc_lines(self, line_idx, doc, qty, doc_rate):
        """Product lines of invoices/credit notes from sale order lines ``line_idx``."""
        L = self.L
        price = L["price"][line_idx]
        discount = L["discount"][line_idx]
        subtotal = qty * price * (100 - discount) // 100
        pct = np.where(
            L["company"][line_idx] == 0,
            np.array([t["pct"] for t in self.co[0]["taxes"]])[L["tax_class"][line_idx]],
            np.array([t["pct"] for t in self.co[1]["taxes"]])[L["tax_class"][line_idx]],
        )
        tax = (subtotal * pct + 50) // 100
        return {
            "n": len(line_idx),
            "line": line_idx,
            "doc": doc,
            "product": L["product"][line_idx],
            "qty": qty,
            "price": price,
            "discount": discount,
            "subtotal": subtotal,
            "tax": tax,
            "tax_class": L["tax_class"][line_idx],
            "balance": to_company(subtotal, doc_rate[doc]),
            "seq": rank_within(doc),
        }

    def _doc_totals(self, D, DL):
        """Tax lines (one per document and tax) and document totals, in both currencies."""
        n = D["n"]
        key = DL["doc"] * 2 + DL["tax_class"]
        uniq, inverse = group_index(key)
        tax_ac = sum_by(inverse, DL["tax"], len(uniq))
        base_bal = sum_by(inverse, DL["balance"], len(uniq))
        t_doc = uniq // 2
        D["tax_lines"] = {
            "doc": t_doc,
            "tax_class": uniq % 2,
            "amount": tax_ac,
            "balance": to_company(tax_ac, D["rate"][t_doc]),
            "base": base_bal,
        }
        D["untaxed"] = sum_by(DL["doc"], DL["subtotal"], n)
        D["untaxed_bal"] = sum_by(DL["doc"], DL["balance"], n)
        D["tax"] = sum_by(t_doc, tax_ac, n)
        D["tax_bal"] = sum_by(t_doc, D["tax_lines"]["balance"], n)
        D["total"] = D["untaxed"] + D["tax"]
        D["total_bal"] = D["untaxed_bal"] + D["tax_bal"]

    def _payments(self):
        """Customer payments of the invoices (in full or in part, after the customer's usual
        delay; bad payers leave some open), and a few advance payments."""
        rng = self.rng
        IV, R = self.IV, self.R
        OD = self.OD
        n_i = IV["n"]
        # residual after the credit note
        res_ac = IV["total"].copy()
        res_bal = IV["total_bal"].copy()
        np.subtract.at(res_ac, R["inv"], R["total"])
        np.subtract.at(res_bal, R["inv"], R["total_bal"])
        cust = OD["cust"][IV["order"]]
        delay = np.maximum(
            0, round_half_away(rng.normal(self.cust_pay_delay[cust], self.cust_pay_delay[cust] * 0.3 + 1))
        )
        pay_day = IV["day"] + delay.astype("timedelta64[D]")
        refund_day = np.full(n_i, np.datetime64("NaT"), dtype="datetime64[D]")
        refund_day[R["inv"]] = R["day"]
        pay_day = np.where(np.isnat(refund_day), pay_day, np.maximum(pay_day, refund_day))
        month_end = (IV["day"].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        pay_day = np.where(IV["foreign"], np.minimum(pay_day, month_end), pay_day)
        never = self.cust_bad_payer[cust] & (rng.random(n_i) < 0.5)
        paid = (res_ac > 0) & (pay_day <= self.today64) & ~never
        partial = paid & (res_ac >= 100) & (rng.random(n_i) < 0.08)
        frac = rng.uniform(0.2, 0.8, n_i)
        pay_ac = np.where(partial, np.floor(res_ac * frac).astype(np.int64), res_ac)
        pay_bal = np.where(partial, to_company(pay_ac, IV["rate"]), res_bal)
        paid_idx = np.flatnonzero(paid)
        adv = self._advance_payments()
        n_adv = adv["n"]
        self.P = {
            "n": len(paid_idx) + n_adv,
            "inv": np.r_[paid_idx, np.full(n_adv, -1)],
            "applied": np.r_[np.ones(len(paid_idx), bool), np.zeros(n_adv, bool)],
            "day": np.r_[pay_day[paid_idx], adv["day"]],
            "company": np.r_[IV["company"][paid_idx], adv["company"]],
            "currency_id": np.r_[
                IV["currency_id"][paid_idx], np.array([c["currency_id"] for c in self.co])[adv["company"]]
            ],
            "partner_id": np.r_[OD["partner_id"][IV["order"][paid_idx]], self.cust_ids[adv["cust"]]],
            "amount": np.r_[pay_ac[paid_idx], adv["amount"]],
            "balance": np.r_[pay_bal[paid_idx], adv["amount"]],
            "cust": np.r_[cust[paid_idx], adv["cust"]],
        }
        self._invoice_payment_states(
            res_ac - np.where(paid, pay_ac, 0), res_bal - np.where(paid, pay_bal, 0), paid
        )
        IV["paid_amount"] = np.where(paid, pay_ac, 0)

    def _advance_payments(self):
        """Unapplied advance payments of a few customers, in their home company's currency."""
        rng = self.rng
        n_adv = round(len(self.cust_ids) * self.p["advance_payment_share"])
        adv_cust = rng.choice(len(self.cust_ids), n_adv, replace=False) if n_adv else np.zeros(0, np.int64)
        return {
            "n": n_adv,
            "cust": adv_cust,
            "day": self.today64 - rng.integers(1, 300, n_adv).astype("timedelta64[D]"),
            "amount": round_half_away(np.exp(rng.normal(6.5, 0.8, n_adv)) * 100),
            "company": self.cust_home[adv_cust],
        }

    def _invoice_payment_states(self, residual, residual_bal, paid):
        """Residuals and payment state of the invoices after their credit note and payment."""
        IV = self.IV
        IV["residual"] = residual
        IV["residual_bal"] = residual_bal
        IV["has_payment"] = paid
        IV["has_refund"] = np.zeros(IV["n"], bool)
        IV["has_refund"][self.R["inv"]] = True
        settled = (IV["residual"] == 0) & (IV["residual_bal"] == 0)
        IV["state"] = np.where(
            settled,
            np.where(paid, "paid", "reversed"),
            np.where(paid | IV["has_refund"], "partial", "not_paid"),
        )
        IV["settled"] = settled & (paid | IV["has_refund"])

    def _names(self, journal_ids, prefixes_fmt, days):
        """Sequence names per (journal, year), numbered by date, after existing ones."""
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        n = len(days)
        names = np.empty(n, dtype=object)
        prefixes = np.empty(n, dtype=object)
        numbers = np.zeros(n, dtype=np.int64)
        for journal_id in np.unique(journal_ids):
            jmask = journal_ids == journal_id
            for year in np.unique(years[jmask]):
                mask = jmask & (years == year)
                idx = np.flatnonzero(mask)
                idx = idx[np.argsort(days[idx], kind="stable")]
                prefix = prefixes_fmt[int(journal_id)].format(year=int(year))
                self.cr.execute(
                    "SELECT COALESCE(MAX(sequence_number), 0) FROM account_move"
                    " WHERE journal_id = %s AND sequence_prefix = %s",
                    [int(journal_id), prefix],
                )
                start = self.cr.fetchone()[0] + 1
                nums = np.arange(start, start + len(idx))
                numbers[idx] = nums
                prefixes[idx] = prefix
                names[idx] = [f"{prefix}{x:05d}" for x in nums]
        return names, prefixes, numbers
