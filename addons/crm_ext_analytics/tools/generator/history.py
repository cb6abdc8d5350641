"""Sales before Odoo (crm_ext_sales' ``crm_ext.sales.history``) of long-standing customers,
written with ``COPY``."""

from __future__ import annotations

import numpy as np

from .arrays import dates, money, nullable

# lines of the former system without an Odoo product: kept as their label
FORMER_LABELS = np.array(
    ["Installation on site", "Maintenance visit", "Spare parts", "Delivery"], dtype=object
)
HISTORY_YEARS = 2  # the former system's sales cover the two years before the generated period


class HistoryMixin:
    """A share (``sales_history_share``) of the main company's customers who were already
    customers when the generated period starts get a few documents of the former system, dated
    in the two years before it, so before any of their invoices: one to five documents of one
    to four lines (products of the catalogue at list price, some free labels), about one in ten
    a credit note, in the company's currency. They draw from a random stream of their own: the
    rest of the data is the same with or without them."""

    def _sales_history(self):
        share = self.p["sales_history_share"]
        self.sales_history_ids = np.zeros(0, dtype=np.int64)
        if not share:
            return
        rng = np.random.default_rng([self.seed, 2])
        # customers of the main company since before the period (their activity starts with it)
        eligible = np.flatnonzero((self.cust_home == 0) & (self.cust_active_from <= self.start64))
        customers = eligible[rng.random(len(eligible)) < share]
        if not customers.size:
            return
        n_docs = np.clip(1 + rng.poisson(1.5, len(customers)), 1, 5)
        doc_cust = np.repeat(customers, n_docs)
        n_d = len(doc_cust)
        span = 365 * HISTORY_YEARS
        doc_day = self.start64 - rng.integers(1, span + 1, n_d).astype("timedelta64[D]")
        credit = rng.random(n_d) < 0.1
        n_lines = np.clip(1 + rng.poisson(1.0, n_d), 1, 4)
        line_doc = np.repeat(np.arange(n_d), n_lines)
        n_l = len(line_doc)
        line_no = np.arange(n_l) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
        product = rng.choice(len(self.product_ids), n_l, p=self.product_pop)
        labelled = rng.random(n_l) < 0.1
        label = FORMER_LABELS[rng.integers(0, len(FORMER_LABELS), n_l)]
        qty = np.clip(rng.geometric(0.4, n_l), 1, 20).astype(np.int64)
        cents = np.where(labelled, rng.integers(50, 400, n_l) * 100, qty * self.product_list_cents[product])
        cents = np.where(credit[line_doc], -cents, cents)
        ids = self._alloc_by_date("crm_ext_sales_history", doc_day[line_doc])
        # numbered after the id of the document's first line: unique, also when generated again
        first_id = ids[np.cumsum(n_lines) - n_lines]
        years = doc_day.astype("datetime64[Y]").astype(np.int64) + 1970
        number = np.array(
            [
                f"OLD-{'CN' if is_credit else 'INV'}-{year}-{first:06d}"
                for is_credit, year, first in zip(credit, years, first_id, strict=True)
            ],
            dtype=object,
        )
        company = self.co[0]
        amount = money(cents)
        self._copy(
            "crm_ext_sales_history",
            {
                "id": ids,
                "company_id": company["id"],
                "partner_id": self.cust_ids[doc_cust][line_doc],
                "date": dates(doc_day[line_doc]),
                "document_number": number[line_doc],
                "line": line_no,
                "product_id": nullable(self.product_ids[product], ~labelled),
                "product_label": np.where(labelled, label, None),
                "quantity": np.where(labelled, 1, qty),
                "currency_id": company["currency_id"],
                "amount": amount,
                "amount_company": amount,
                **self._audit(),
            },
        )
        self.sales_history_ids = ids
