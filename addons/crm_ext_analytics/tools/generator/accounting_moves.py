"""Accounting entries: invoice, credit note and payment moves, account.payment rows and the
ids of every journal item and reconciliation, written with ``COPY``; the journal items
themselves are in ``accounting_lines``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .arrays import dates, datetimes, money, nullable


class AccountingMovesMixin:
    """Names follow the journals' sequences; ids follow the dates inside each kind of document."""

    def _write_accounting(self):
        A = self._accounting_ids()
        self._reconciliation_ids(A)
        self._write_payments(A)
        self._write_document_moves(A, "out_invoice")
        self._write_document_moves(A, "out_refund")
        self._write_payment_moves(A)
        self._write_document_lines(A, "out_invoice")
        self._write_document_lines(A, "out_refund")
        self._write_payment_lines(A)
        self._write_partials(A)
        self.co_cur = np.array([c["currency_id"] for c in self.co])

    def _accounting_ids(self):
        """Ids and names of the moves and payments, ids of their journal items."""
        IV, IL, R, RL, P = self.IV, self.IL, self.R, self.RL, self.P
        co = self.co
        A = SimpleNamespace()
        A.co_ids = np.array([c["id"] for c in co])
        A.sale_journal = np.array([c["sale_journal"].id for c in co])
        A.bank_journal = np.array([c["bank_journal"].id for c in co])
        inv_fmt = {c["sale_journal"].id: c["sale_journal"].code + "/{year}/" for c in co}
        ref_fmt = {
            c["sale_journal"].id: ("R" if c["sale_journal"].refund_sequence else "")
            + c["sale_journal"].code
            + "/{year}/"
            for c in co
        }
        pay_fmt = {
            c["bank_journal"].id: ("P" if c["bank_journal"].payment_sequence else "")
            + c["bank_journal"].code
            + "/{year}/"
            for c in co
        }
        # ids follow the dates inside each kind of document (documents are not sorted by date)
        IV["ids"] = self._alloc_by_date("account_move", IV["day"])
        R["ids"] = self._alloc_by_date("account_move", R["day"])
        P["move_ids"] = self._alloc_by_date("account_move", P["day"])
        P["ids"] = self._alloc_by_date("account_payment", P["day"])
        IV["names"], A.inv_prefix, A.inv_num = self._names(A.sale_journal[IV["company"]], inv_fmt, IV["day"])
        R["names"], A.ref_prefix, A.ref_num = self._names(A.sale_journal[R["company"]], ref_fmt, R["day"])
        P["names"], A.pay_prefix, A.pay_num = self._names(A.bank_journal[P["company"]], pay_fmt, P["day"])
        A.inv_pl_ids = self._alloc("account_move_line", IL["n"])
        A.inv_tl_ids = self._alloc("account_move_line", len(IV["tax_lines"]["doc"]))
        A.inv_term_ids = self._alloc("account_move_line", IV["n"])
        A.ref_pl_ids = self._alloc("account_move_line", RL["n"])
        A.ref_tl_ids = self._alloc("account_move_line", len(R["tax_lines"]["doc"]))
        A.ref_term_ids = self._alloc("account_move_line", R["n"])
        A.pay_liq_ids = self._alloc("account_move_line", P["n"])
        A.pay_cp_ids = self._alloc("account_move_line", P["n"])
        return A

    def _reconciliation_ids(self, A):
        """Partial reconciles (credit notes first, then payments), full reconciles of the settled
        invoices, and the matching numbers they give the receivable lines."""
        IV, R, P = self.IV, self.R, self.P
        n_i, n_r = IV["n"], R["n"]
        A.applied = np.flatnonzero(P["applied"])
        A.part_ids = self._alloc("account_partial_reconcile", n_r + len(A.applied))
        first_partial = np.zeros(n_i, dtype=np.int64)
        A.pay_inv = np.maximum(P["inv"], 0)
        first_partial[A.pay_inv[A.applied]] = A.part_ids[n_r:]
        first_partial[R["inv"]] = A.part_ids[:n_r]  # lower ids: the credit note partial comes first
        settled = np.flatnonzero(IV["settled"])
        full_ids = self._alloc("account_full_reconcile", len(settled))
        A.inv_full = np.zeros(n_i, dtype=np.int64)
        A.inv_full[settled] = full_ids
        A.matching = np.array(
            [
                f"{f}" if f else (f"P{p}" if p else None)
                for f, p in zip(A.inv_full, first_partial, strict=True)
            ],
            dtype=object,
        )
        self._copy("account_full_reconcile", {"id": full_ids, **self._audit()})

    def _write_payments(self, A):
        """account.payment rows (their move_id is set once the moves exist)."""
        IV, P = self.IV, self.P
        co = self.co
        pay_state = np.where(
            P["applied"],
            np.where(IV["state"][A.pay_inv] == "paid", "paid", "in_process"),
            "in_process",
        )
        A.memo = np.where(P["applied"], IV["names"][A.pay_inv], None).astype(object)
        pay_company = P["company"]
        self._copy(
            "account_payment",
            {
                "id": P["ids"],
                "journal_id": A.bank_journal[pay_company],
                "company_id": A.co_ids[pay_company],
                "payment_method_line_id": np.array([c["method_line_id"] for c in co])[pay_company],
                "payment_method_id": np.array([c["method_id"] for c in co])[pay_company],
                "currency_id": P["currency_id"],
                "partner_id": P["partner_id"],
                "outstanding_account_id": np.array([c["outstanding_id"] for c in co])[pay_company],
                "destination_account_id": np.array([c["receivable_id"] for c in co])[pay_company],
                "name": P["names"],
                "state": pay_state,
                "payment_type": "inbound",
                "partner_type": "customer",
                "memo": A.memo,
                "date": dates(P["day"]),
                "amount": money(P["amount"]),
                "amount_company_currency_signed": money(P["balance"]),
                "is_reconciled": P["applied"],
                "is_matched": False,
                "is_sent": False,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(P["day"]),
                "write_date": self.now_str,
            },
        )

    def _write_document_moves(self, A, kind):
        """The invoices (``out_invoice``) or the credit notes: posted, with their amounts, residual
        and payment state; a credit note reverses its invoice and is settled by it."""
        OD = self.OD
        invoice = kind == "out_invoice"
        D = self.IV if invoice else self.R
        order = D["order"]
        partner = OD["partner_id"][order]
        if invoice:
            due = D["day"] + np.timedelta64(self.payment_term_days, "D")
            residual, residual_bal, payment_state = D["residual"], D["residual_bal"], D["state"]
            has_campaign = OD["campaign_id"][order] > 0
            medium, source = OD["medium_id"][order], OD["source_id"][order]
            extra = {
                "delivery_date": dates(OD["delivery_dt"][order]),
                "invoice_payment_term_id": self.payment_term.id,
                "payment_reference": D["names"],
                "campaign_id": nullable(OD["campaign_id"][order], has_campaign),
                "medium_id": nullable(medium, has_campaign & (medium > 0)),
                "source_id": nullable(source, has_campaign & (source > 0)),
            }
        else:
            due = D["day"]
            residual = residual_bal = np.zeros(D["n"], np.int64)
            payment_state = np.full(D["n"], "paid", dtype=object)
            A.ref_refs = np.array([f"Reversal of: {x}" for x in self.IV["names"][D["inv"]]], dtype=object)
            extra = {
                "delivery_date": dates(D["day"]),
                "invoice_payment_term_id": None,
                "reversed_entry_id": self.IV["ids"][D["inv"]],
                "ref": A.ref_refs,
            }
        self._copy(
            "account_move",
            self._move_columns(
                ids=D["ids"],
                kind=kind,
                company=D["company"],
                journal=A.sale_journal[D["company"]],
                currency=D["currency_id"],
                names=D["names"],
                prefix=A.inv_prefix if invoice else A.ref_prefix,
                number=A.inv_num if invoice else A.ref_num,
                day=D["day"],
                partner=partner,
                partner_name=self.cust_names[OD["cust"][order]],
                D=D,
                residual=residual,
                residual_bal=residual_bal,
                payment_state=payment_state,
                extra={
                    "invoice_date": dates(D["day"]),
                    "invoice_date_due": dates(due),
                    "invoice_origin": OD["names"][order],
                    "invoice_user_id": OD["user_id"][order],
                    "team_id": OD["team_id"][order],
                    "partner_shipping_id": partner,
                    "invoice_currency_rate": np.array([f"{x:.6f}" for x in D["rate"]], dtype=object),
                    **extra,
                },
            ),
        )

    def _write_payment_moves(self, A):
        P = self.P
        n_p = P["n"]
        self._copy(
            "account_move",
            {
                "id": P["move_ids"],
                "move_type": "entry",
                "state": "posted",
                "auto_post": "no",
                "journal_id": A.bank_journal[P["company"]],
                "company_id": A.co_ids[P["company"]],
                "currency_id": P["currency_id"],
                "partner_id": P["partner_id"],
                "commercial_partner_id": P["partner_id"],
                "invoice_partner_display_name": self.cust_names[P["cust"]],
                "origin_payment_id": P["ids"],
                "name": P["names"],
                "sequence_prefix": A.pay_prefix,
                "sequence_number": A.pay_num,
                "ref": A.memo,
                "date": dates(P["day"]),
                "invoice_date_due": dates(P["day"]),
                "payment_state": "not_paid",
                "invoice_currency_rate": 0.0,
                "amount_untaxed": 0.0,
                "amount_tax": 0.0,
                "amount_total": money(P["amount"]),
                "amount_residual": 0.0,
                "amount_untaxed_signed": 0.0,
                "amount_untaxed_in_currency_signed": 0.0,
                "amount_tax_signed": 0.0,
                "amount_total_signed": money(P["balance"]),
                "amount_total_in_currency_signed": money(P["amount"]),
                "amount_residual_signed": 0.0,
                **self._posted_move_flags(always_tax_exigible=True),
                "create_date": datetimes(P["day"]),
                "write_date": self.now_str,
            },
        )
        self.cr.execute(
            """
            UPDATE account_payment p SET move_id = m.id
              FROM account_move m
             WHERE m.origin_payment_id = p.id AND p.id BETWEEN %s AND %s
            """,
            [int(P["ids"].min()) if n_p else 0, int(P["ids"].max()) if n_p else -1],
        )

    def _posted_move_flags(self, always_tax_exigible):
        """The columns every posted move written here has alike."""
        return {
            "is_storno": False,
            "always_tax_exigible": always_tax_exigible,
            "checked": True,
            "posted_before": True,
            "made_sequence_gap": False,
            "is_manually_modified": False,
            "is_move_sent": False,
            "create_uid": self.uid,
            "write_uid": self.uid,
        }

    def _move_columns(
        self,
        ids,
        kind,
        company,
        journal,
        currency,
        names,
        prefix,
        number,
        day,
        partner,
        partner_name,
        D,
        residual,
        residual_bal,
        payment_state,
        extra,
    ):
        co_ids = np.array([c["id"] for c in self.co])
        # invoices: direction sign -1 (amounts positive from negative product lines); refunds +1
        if kind == "out_invoice":
            untaxed_signed, tax_signed, total_signed = D["untaxed_bal"], D["tax_bal"], D["total_bal"]
            untaxed_cur_signed, total_cur_signed = D["untaxed"], D["total"]
            residual_signed = residual_bal
        else:
            untaxed_signed, tax_signed, total_signed = -D["untaxed_bal"], -D["tax_bal"], -D["total_bal"]
            untaxed_cur_signed, total_cur_signed = -D["untaxed"], -D["total"]
            residual_signed = -residual_bal
        cols = {
            "id": ids,
            "move_type": kind,
            "state": "posted",
            "auto_post": "no",
            "journal_id": journal,
            "company_id": co_ids[company],
            "currency_id": currency,
            "partner_id": partner,
            "commercial_partner_id": partner,
            "invoice_partner_display_name": partner_name,
            "name": names,
            "sequence_prefix": prefix,
            "sequence_number": number,
            "date": dates(day),
            "payment_state": payment_state,
            "amount_untaxed": money(D["untaxed"]),
            "amount_tax": money(D["tax"]),
            "amount_total": money(D["total"]),
            "amount_residual": money(residual),
            "amount_untaxed_signed": money(untaxed_signed),
            "amount_untaxed_in_currency_signed": money(untaxed_cur_signed),
            "amount_tax_signed": money(tax_signed),
            "amount_total_signed": money(total_signed),
            "amount_total_in_currency_signed": money(total_cur_signed),
            "amount_residual_signed": money(residual_signed),
            **self._posted_move_flags(always_tax_exigible=False),
            "create_date": datetimes(
                np.asarray(day).astype("datetime64[s]") + np.timedelta64(10 * 3600, "s")
            ),
            "write_date": self.now_str,
        }
        cols.update(extra)
        return cols
