"""The generator: the domain parts put together, and its entry points."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from odoo import SUPERUSER_ID, api

from .accounting import AccountingMixin
from .accounting_lines import AccountingLinesMixin
from .accounting_moves import AccountingMovesMixin
from .base import GeneratorBase
from .companies import CompaniesMixin
from .history import HistoryMixin
from .leads import LeadsMixin
from .marketing import MarketingMixin
from .partners import PartnersMixin
from .profile import Profile
from .sales import SalesMixin
from .service import ServiceMixin
from .stock import StockMixin


def generate(env, size="small", seed=42, **overrides):
    """Fill the database of ``env`` with benchmark data; return a summary dict.

    :param env: an Odoo environment, or a cursor (then the superuser's environment on it);
        nothing is committed.
    :param size: "small" (about 1,000 customers, used by the tests), "large" (100,000
        customers, about 200,000 orders and 2 million invoice lines), or a ``Profile`` (then
        ``seed`` and ``overrides`` are not used: the profile has them).
    :param seed: seed of the numpy random generators; the same seed on the same database
        gives the same data.
    :param overrides: any field of ``Profile`` (e.g. ``customers=300``).

    The summary holds the ids created, the rows written per table, the seconds spent
    per step and, computed from the generator's own arrays (not read back from the
    database): ``revenue_by_company`` (net invoiced revenue in company currency,
    invoices minus credit notes), ``open_balances`` (receivable residual per customer
    and company) and the invoices per payment state.
    """
    profile = size if isinstance(size, Profile) else Profile.of(size, seed=seed, **overrides)
    return Generator(_environment(env), profile).run()


def generate_extras(env, seed=42, **overrides):
    """Add the marketing (mailings, traces) and service (tickets, SLAs) data to a database
    already filled by ``generate``; return a summary dict like ``generate``'s (those ids only).

    ``generate`` writes them too; this is for databases generated before they existed. The
    customers are read back (``ref`` ``BC<id>``); their home company is the second company
    for the European countries; their activity window runs from their creation (or the
    start of the period) to today.
    """
    profile = Profile.with_overrides(seed=seed, **overrides)
    profile = dataclasses.replace(profile, orders=profile.orders or 1, fast_load=False)
    return Generator(_environment(env), profile).run_extras()


def _environment(env_or_cursor):
    if isinstance(env_or_cursor, api.Environment):
        return env_or_cursor
    return api.Environment(env_or_cursor, SUPERUSER_ID, {})


class Generator(
    CompaniesMixin,
    PartnersMixin,
    SalesMixin,
    LeadsMixin,
    StockMixin,
    AccountingMixin,
    AccountingMovesMixin,
    AccountingLinesMixin,
    MarketingMixin,
    ServiceMixin,
    HistoryMixin,
    GeneratorBase,
):
    """One run of the generator: ``run()`` writes everything, ``run_extras()`` the marketing
    and service data of a database generated before they existed."""

    def run(self):
        self._run_steps(
            [
                ("setup (ORM)", self._setup),
                ("products (ORM batch)", self._products),
                ("partners", self._partners),
                ("orders (arrays)", self._orders),
                ("leads", self._leads),
                ("sale orders", self._write_orders),
                ("stock", self._stock),
                ("invoices and credit notes (arrays)", self._invoices),
                ("payments (arrays)", self._payments),
                ("accounting", self._write_accounting),
                ("mailings and traces", self._marketing),
                ("tickets and SLAs", self._service),
                ("sales history before Odoo", self._sales_history),
                ("finalize", self._finalize),
            ]
        )
        return self._summary()

    def run_extras(self):
        self._run_steps(
            [
                ("read the generated customers", self._load_existing),
                ("mailings and traces", self._marketing),
                ("tickets and SLAs", self._service),
                ("finalize", self._finalize_tables),
            ]
        )
        return {
            "company_ids": [c.id for c in self.companies],
            "customer_ids": self.cust_ids,
            "revenue_by_company": {},
            **self._summary_of_run(),
        }

    def _summary_of_run(self):
        """The summary's entries that ``run`` and ``run_extras`` share."""
        return {
            "seed": self.seed,
            "mailing_ids": self.mailing_ids,
            "trace_ids": self.trace_ids,
            "campaign_target_ids": self.campaign_target_ids,
            "ticket_ids": self.ticket_ids,
            "ticket_sla_ids": self.ticket_sla_ids,
            "ticket_backlog": self.ticket_backlog,
            "ticket_stage_messages": self.ticket_stage_messages,
            "ticket_rating_ids": self.ticket_rating_ids,
            "field_order_ids": self.field_order_ids,
            "rows": dict(self.rows),
            "timings": dict(self.timings),
            "seconds": self.timings.get("total"),
        }

    def _finalize(self):
        cr = self.cr
        self._restore_foreign_keys()
        # customer rank = number of posted customer invoices, as Odoo increments it
        IV, OD = self.IV, self.OD
        counts = np.bincount(OD["cust"][IV["order"]], minlength=len(self.cust_ids))
        has = counts > 0
        cr.execute(
            """
            UPDATE res_partner p SET customer_rank = p.customer_rank + v.n
              FROM unnest(%s::int[], %s::int[]) AS v(id, n)
             WHERE p.id = v.id
            """,
            [self.cust_ids[has].tolist(), counts[has].tolist()],
        )
        self._finalize_tables()

    def _summary(self):
        IV, IL, R, RL, P, OD = self.IV, self.IL, self.R, self.RL, self.P, self.OD
        co_ids = [c["id"] for c in self.co]
        revenue = {}
        for ci, cid in enumerate(co_ids):
            inv = int(IL["balance"][IV["company"][IL["doc"]] == ci].sum())
            ref = int(RL["balance"][R["company"][RL["doc"]] == ci].sum())
            revenue[cid] = (inv - ref) / 100.0
        open_df = self._open_balances(co_ids)
        states = {s: IV["ids"][IV["state"] == s] for s in ("not_paid", "partial", "paid", "reversed")}
        return {
            "params": dict(self.p),
            "company_ids": co_ids,
            "currency_ids": [c["currency_id"] for c in self.co] + [self.eur.id],
            "customer_ids": self.cust_ids,
            "contact_ids": self.contact_ids,
            "product_ids": self.product_ids,
            "lead_ids": self.lead_ids,
            "order_ids": OD["ids"],
            "invoice_ids": IV["ids"],
            "refund_ids": R["ids"],
            "payment_ids": P["ids"],
            "payment_move_ids": P["move_ids"],
            "move_ids": np.r_[IV["ids"], R["ids"], P["move_ids"]],
            "invoice_payment_states": states,
            "foreign_invoice_ids": IV["ids"][IV["foreign"]],
            "revenue_by_company": revenue,
            "open_balances": open_df[["partner_id", "company_id", "amount"]],
            "sales_history_ids": self.sales_history_ids,
            "lead_stage_messages": self.lead_stage_messages,
            **self._summary_of_run(),
        }

    def _open_balances(self, co_ids):
        """Open receivable per customer and company (company currency), from the arrays."""
        IV, P, OD = self.IV, self.P, self.OD
        inv_partner = OD["partner_id"][IV["order"]]
        frames = [
            pd.DataFrame(
                {
                    "partner_id": inv_partner,
                    "company_id": np.array(co_ids)[IV["company"]],
                    "cents": IV["residual_bal"],
                }
            ),
            pd.DataFrame(
                {
                    "partner_id": P["partner_id"][~P["applied"]],
                    "company_id": np.array(co_ids)[P["company"][~P["applied"]]],
                    "cents": -P["balance"][~P["applied"]],
                }
            ),
        ]
        open_df = (
            pd.concat(frames, ignore_index=True)
            .groupby(["partner_id", "company_id"], as_index=False)["cents"]
            .sum()
        )
        open_df["amount"] = open_df["cents"] / 100.0
        return open_df
