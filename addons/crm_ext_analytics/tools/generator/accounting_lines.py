"""Journal items of the invoices, credit notes and payments, and the partial reconciles,
written with ``COPY`` (ids reserved by ``accounting_moves``)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .arrays import dates, money, nullable


class AccountingLinesMixin:
    """Product, tax and receivable lines per document; liquidity and receivable lines per payment."""

    def _write_document_lines(self, A, kind):
        """The journal items of the invoices (``out_invoice``) or of the credit notes."""
        invoice = kind == "out_invoice"
        D, DL = (self.IV, self.IL) if invoice else (self.R, self.RL)
        doc = SimpleNamespace(
            kind=kind,
            D=D,
            DL=DL,
            ids=D["ids"],
            names=D["names"],
            pl_ids=A.inv_pl_ids if invoice else A.ref_pl_ids,
            tl_ids=A.inv_tl_ids if invoice else A.ref_tl_ids,
            term_ids=A.inv_term_ids if invoice else A.ref_term_ids,
            ref=np.full(D["n"], None) if invoice else A.ref_refs,
            sign=-1 if invoice else 1,  # sign of product/tax lines' balance
            partner=self.OD["partner_id"][D["order"]],
            company=D["company"],
            days=dates(D["day"]),
        )
        D["term_ids"] = doc.term_ids
        self._write_product_lines(doc)
        self._write_tax_lines(doc)
        self._write_term_lines(doc, A)

    def _write_product_lines(self, doc):
        DL = doc.DL
        d = DL["doc"]
        invoice = doc.kind == "out_invoice"
        self._copy(
            "account_move_line",
            self._document_line_columns(
                doc,
                d,
                ids=doc.pl_ids,
                display="product",
                balance=doc.sign * DL["balance"],
                amount=doc.sign * DL["subtotal"],
                account=np.array([c["income_id"] for c in self.co])[doc.company[d]],
                extra={
                    "name": self.product_names[DL["product"]],
                    "product_id": self.product_ids[DL["product"]],
                    "product_uom_id": self.uom_unit.id,
                    "quantity": DL["qty"],
                    "price_unit": money(DL["price"]),
                    "discount": DL["discount"].astype(np.float64),
                    "price_subtotal": money(DL["subtotal"]),
                    "price_total": money(DL["subtotal"] + DL["tax"]),
                    "sequence": DL["seq"],
                    "tax_tag_invert": invoice,
                    "is_downpayment": False,
                    "amount_residual": 0.0,
                    "amount_residual_currency": 0.0,
                    "reconciled": False,
                    "invoice_date": doc.days[d],
                    "ref": doc.ref[d],
                },
            ),
        )
        tax_ids = np.array([[t["id"] for t in c["taxes"]] for c in self.co])[doc.company[d], DL["tax_class"]]
        self._copy(
            "account_move_line_account_tax_rel",
            {"account_move_line_id": doc.pl_ids, "account_tax_id": tax_ids},
        )
        if invoice:
            self._copy(
                "sale_order_line_invoice_rel",
                {"invoice_line_id": doc.pl_ids, "order_line_id": self.L["ids"][DL["line"]]},
            )

    def _write_tax_lines(self, doc):
        T = doc.D["tax_lines"]
        td = T["doc"]
        tc = doc.company[td]
        taxes = [[c["taxes"][k] for k in range(2)] for c in self.co]
        rep_key = "inv" if doc.kind == "out_invoice" else "ref"

        def per_tax(key, dtype=None):
            return np.array([[t[key] for t in ts] for ts in taxes], dtype=dtype)[tc, T["tax_class"]]

        self._copy(
            "account_move_line",
            self._document_line_columns(
                doc,
                td,
                ids=doc.tl_ids,
                display="tax",
                balance=doc.sign * T["balance"],
                amount=doc.sign * T["amount"],
                account=per_tax(f"{rep_key}_account_id"),
                extra={
                    "name": per_tax("name", dtype=object),
                    "tax_line_id": per_tax("id"),
                    "tax_group_id": per_tax("group_id"),
                    "tax_repartition_line_id": per_tax(f"{rep_key}_rep_id"),
                    "tax_base_amount": money(np.abs(T["base"])),
                    "quantity": 0.0,
                    "price_unit": 0.0,
                    "price_subtotal": 0.0,
                    "price_total": 0.0,
                    "discount": 0.0,
                    "sequence": 10000,
                    "tax_tag_invert": doc.kind == "out_invoice",
                    "amount_residual": 0.0,
                    "amount_residual_currency": 0.0,
                    "reconciled": False,
                    "invoice_date": doc.days[td],
                    "ref": doc.ref[td],
                },
            ),
        )

    def _write_term_lines(self, doc, A):
        """Receivable (payment term) lines, with the residual and reconciliation of the document."""
        D = doc.D
        if doc.kind == "out_invoice":
            residual, residual_bal = D["residual"], D["residual_bal"]
            term_matching, term_full = A.matching, A.inv_full
            maturity = dates(D["day"] + np.timedelta64(self.payment_term_days, "D"))
        else:
            residual = np.zeros(D["n"], np.int64)
            residual_bal = np.zeros(D["n"], np.int64)
            term_matching, term_full = A.matching[D["inv"]], A.inv_full[D["inv"]]
            maturity = doc.days
        sign = doc.sign
        self._copy(
            "account_move_line",
            self._document_line_columns(
                doc,
                slice(None),
                ids=doc.term_ids,
                display="payment_term",
                balance=-sign * D["total_bal"],
                amount=-sign * D["total"],
                account=np.array([c["receivable_id"] for c in self.co])[doc.company],
                extra={
                    "name": doc.names if doc.kind == "out_invoice" else None,
                    "date_maturity": maturity,
                    "quantity": 0.0,
                    "price_unit": 0.0,
                    "price_subtotal": 0.0,
                    "price_total": 0.0,
                    "discount": 0.0,
                    "discount_amount_currency": 0.0,
                    "discount_balance": 0.0,
                    "sequence": 12000,
                    "tax_tag_invert": False,
                    "amount_residual": money(-sign * residual_bal),
                    "amount_residual_currency": money(-sign * residual),
                    "reconciled": (residual == 0) & (residual_bal == 0),
                    "matching_number": term_matching,
                    "full_reconcile_id": nullable(term_full, term_full > 0),
                    "invoice_date": doc.days,
                    "ref": doc.ref,
                },
            ),
        )

    def _document_line_columns(self, doc, index, **columns):
        """``_line_columns`` of journal items of the documents ``doc.ids[index]``."""
        return self._line_columns(
            move=doc.ids[index],
            company=doc.company[index],
            currency=doc.D["currency_id"][index],
            partner=doc.partner[index],
            names_move=doc.names[index],
            days=doc.days[index],
            **columns,
        )

    def _write_payment_lines(self, A):
        """Per payment a liquidity line (outstanding receipts) and its receivable counterpart."""
        P = self.P
        co = self.co
        pay_company = P["company"]
        pay_days = dates(P["day"])
        label = np.array([c["method_name"] for c in co], dtype=object)[pay_company]
        pay_label = np.array(
            [f"{a}: {b}" if b else a for a, b in zip(label, A.memo, strict=True)], dtype=object
        )
        cp_matching = np.where(P["applied"], A.matching[A.pay_inv], None).astype(object)
        cp_full = np.where(P["applied"], A.inv_full[A.pay_inv], 0)
        for ids, account, sign, is_liq in (
            (A.pay_liq_ids, np.array([c["outstanding_id"] for c in co])[pay_company], 1, True),
            (A.pay_cp_ids, np.array([c["receivable_id"] for c in co])[pay_company], -1, False),
        ):
            if is_liq:
                res_bal, res_ac = P["balance"], P["amount"]
                reconciled = np.zeros(P["n"], bool)
                extra = {}
            else:
                res_bal = np.where(P["applied"], 0, -P["balance"])
                res_ac = np.where(P["applied"], 0, -P["amount"])
                reconciled = P["applied"].copy()
                extra = {"matching_number": cp_matching, "full_reconcile_id": nullable(cp_full, cp_full > 0)}
            self._copy(
                "account_move_line",
                self._line_columns(
                    ids=ids,
                    move=P["move_ids"],
                    company=pay_company,
                    currency=P["currency_id"],
                    partner=P["partner_id"],
                    names_move=P["names"],
                    days=pay_days,
                    display="product",
                    balance=sign * P["balance"],
                    amount=sign * P["amount"],
                    account=account,
                    extra={
                        "name": pay_label,
                        "ref": A.memo,
                        "payment_id": P["ids"],
                        "date_maturity": pay_days,
                        "quantity": 1.0,
                        "price_unit": 0.0,
                        "price_subtotal": money(sign * P["amount"]),
                        "price_total": money(sign * P["amount"]),
                        "discount": 0.0,
                        "sequence": 100,
                        "tax_tag_invert": False,
                        "amount_residual": money(res_bal),
                        "amount_residual_currency": money(res_ac),
                        "reconciled": reconciled,
                        **extra,
                    },
                ),
            )

    def _write_partials(self, A):
        """Partial reconciles: each credit note and each applied payment against its invoice."""
        IV, R, P = self.IV, self.R, self.P
        applied, pay_inv = A.applied, A.pay_inv
        part_inv = np.r_[R["inv"], pay_inv[applied]]
        part_day = np.r_[R["day"], P["day"][applied]]
        part_amount_cur = np.r_[R["total"], P["amount"][applied]]
        self._copy(
            "account_partial_reconcile",
            {
                "id": A.part_ids,
                "debit_move_id": np.r_[A.inv_term_ids[R["inv"]], A.inv_term_ids[pay_inv[applied]]],
                "credit_move_id": np.r_[A.ref_term_ids, A.pay_cp_ids[applied]],
                "full_reconcile_id": nullable(A.inv_full[part_inv], A.inv_full[part_inv] > 0),
                "debit_currency_id": IV["currency_id"][part_inv],
                "credit_currency_id": IV["currency_id"][part_inv],
                "company_id": A.co_ids[IV["company"][part_inv]],
                "amount": money(np.r_[R["total_bal"], P["balance"][applied]]),
                "debit_amount_currency": money(part_amount_cur),
                "credit_amount_currency": money(part_amount_cur),
                "max_date": dates(np.maximum(part_day, IV["day"][part_inv])),
                **self._audit(),
            },
        )
        self._copy(
            "account_move__account_payment",
            {"invoice_id": IV["ids"][pay_inv[applied]], "payment_id": P["ids"][applied]},
        )

    def _line_columns(
        self,
        ids,
        move,
        company,
        currency,
        partner,
        names_move,
        days,
        display,
        balance,
        amount,
        account,
        extra,
    ):
        co_ids = np.array([c["id"] for c in self.co])
        co_cur = np.array([c["currency_id"] for c in self.co])
        journal_key = "bank_journal" if "payment_id" in extra else "sale_journal"
        journal = np.array([c[journal_key].id for c in self.co])
        balance = np.asarray(balance, dtype=np.int64)
        cols = {
            "id": ids,
            "move_id": move,
            "journal_id": journal[company],
            "company_id": co_ids[company],
            "company_currency_id": co_cur[company],
            "account_id": account,
            "currency_id": currency,
            "partner_id": partner,
            "move_name": names_move,
            "parent_state": "posted",
            "display_type": display,
            "date": days,
            "debit": money(np.maximum(balance, 0)),
            "credit": money(np.maximum(-balance, 0)),
            "balance": money(balance),
            "amount_currency": money(amount),
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": self.now_str,
            "write_date": self.now_str,
        }
        cols.update(extra)
        return cols
