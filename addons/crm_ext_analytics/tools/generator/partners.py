"""Customers (companies) and their contacts, written with ``COPY``."""

from __future__ import annotations

import numpy as np

from .arrays import datetimes, nullable
from .vocabulary import (
    ADJECTIVES,
    C1_COUNTRIES,
    C2_COUNTRIES,
    CITIES,
    FIRST_NAMES,
    JOBS,
    LAST_NAMES,
    LEGAL,
    NOUNS,
)


class PartnersMixin:
    """The customers' lives (home company, activity window, churn, payment habits) and records."""

    def _partners(self):
        rng = self.rng
        n = self.p["customers"]
        n_contacts = np.clip(rng.poisson(self.p["contacts_per_customer"], n), 0, 5)
        k = int(n_contacts.sum())
        ids = self._alloc("res_partner", n + k)
        cust_ids = ids[:n]
        contact_ids = ids[n:]
        contact_parent = np.repeat(np.arange(n), n_contacts)
        life = self._customer_lives(n)
        names = self._partner_names(cust_ids, contact_ids, contact_parent)
        cols = self._partner_columns(ids, n, contact_parent, life, names)
        self._copy("res_partner", cols)
        self.cust_ids = cust_ids
        self.cust_names = names["names"]
        self.cust_home = life["home"]
        self.cust_country = life["country"]
        self.cust_active_from = life["active_from"]
        self.cust_active_to = life["active_to"]
        self.cust_salesperson = life["salesperson"]
        self.cust_emails = names["cust_emails"]
        self.cust_phones = names["phones"][:n]
        self.contact_ids = contact_ids
        # payment behaviour: mean days to pay and bad payers
        self.cust_pay_delay = rng.choice(
            [3, 10, 20, 30, 45, 60, 90], n, p=[0.08, 0.17, 0.2, 0.25, 0.15, 0.1, 0.05]
        )
        self.cust_bad_payer = rng.random(n) < 0.05

    def _customer_lives(self, n):
        """Home company and country, creation, activity window (some churn) and salesperson."""
        env = self.env
        rng = self.rng
        home = (rng.random(n) < self.p["second_company_share"]).astype(np.int64)
        country = np.zeros(n, dtype=np.int64)
        for comp, table in ((0, C1_COUNTRIES), (1, C2_COUNTRIES)):
            mask = home == comp
            refs = [env.ref(x).id for x, _w in table]
            w = np.array([w for _x, w in table])
            country[mask] = rng.choice(refs, mask.sum(), p=w / w.sum())
        # the customer's life: created before or during the period, some churn
        period_days = int((self.today64 - self.start64).astype(int))
        created = np.where(
            rng.random(n) < 0.6,
            self.start64 - rng.integers(1, 365, n).astype("timedelta64[D]"),
            self.start64 + rng.integers(0, max(1, period_days - 30), n).astype("timedelta64[D]"),
        )
        active_from = np.maximum(created, self.start64)
        churn = rng.random(n) < 0.25
        span = (self.today64 - active_from).astype(np.int64)
        churn_at = active_from + (np.minimum(90, span) + rng.random(n) * np.maximum(0, span - 90)).astype(
            "timedelta64[D]"
        )
        active_to = np.where(churn, churn_at, self.today64)
        salesperson = rng.integers(0, len(self.user_ids), n)
        return {
            "home": home,
            "country": country,
            "created": created,
            "active_from": active_from,
            "active_to": active_to,
            "salesperson": salesperson,
        }

    def _partner_names(self, cust_ids, contact_ids, contact_parent):
        """Company names, their domains and emails, contact names and emails, phones, addresses."""
        rng = self.rng
        n, k = len(cust_ids), len(contact_ids)
        adj = rng.integers(0, len(ADJECTIVES), n)
        noun = rng.integers(0, len(NOUNS), n)
        legal = rng.integers(0, len(LEGAL), n)
        names = np.array(
            [
                f"{ADJECTIVES[a]} {NOUNS[b]} {c_ + 1} {LEGAL[d]}"
                for a, b, c_, d in zip(adj, noun, cust_ids, legal, strict=True)
            ],
            dtype=object,
        )
        domains = np.array(
            [
                f"{ADJECTIVES[a].lower()}{NOUNS[b].lower()}{c_}.example.com"
                for a, b, c_ in zip(adj, noun, cust_ids, strict=True)
            ],
            dtype=object,
        )
        first = rng.integers(0, len(FIRST_NAMES), k)
        last = rng.integers(0, len(LAST_NAMES), k)
        contact_names = np.array(
            [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)], dtype=object
        )
        contact_emails = np.array(
            [
                f"{FIRST_NAMES[a].lower()}.{LAST_NAMES[b].lower()}{j}@{domains[p_]}"
                for a, b, j, p_ in zip(first, last, contact_ids, contact_parent, strict=True)
            ],
            dtype=object,
        )
        return {
            "names": names,
            "domains": domains,
            "contact_names": contact_names,
            "contact_emails": contact_emails,
            "cust_emails": np.array([f"info@{d}" for d in domains], dtype=object),
            "phones": np.array(
                [f"+1555{int(x) % 10_000_000:07d}" for x in np.r_[cust_ids, contact_ids]], dtype=object
            ),
            "cities": np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), n)],
            "zips": np.array([f"{x:05d}" for x in rng.integers(1000, 99999, n)], dtype=object),
            "streets": np.array([f"{x} Main Street" for x in rng.integers(1, 999, n)], dtype=object),
        }

    def _partner_columns(self, ids, n, contact_parent, life, names):
        """The res_partner columns of the customers then their contacts."""
        rng = self.rng
        k = len(contact_parent)
        cust_ids = ids[:n]
        company_names, domains = names["names"], names["domains"]
        is_company = np.r_[np.ones(n, bool), np.zeros(k, bool)]
        parent_idx = np.r_[np.arange(n), contact_parent]
        complete = np.r_[
            company_names,
            np.array(
                [
                    f"{company_names[p_]}, {c_}"
                    for p_, c_ in zip(contact_parent, names["contact_names"], strict=True)
                ],
                dtype=object,
            ),
        ]
        emails = np.r_[names["cust_emails"], names["contact_emails"]]
        created_all = np.r_[life["created"], life["created"][contact_parent]].astype(
            "datetime64[s]"
        ) + np.timedelta64(9 * 3600, "s")
        phones = names["phones"]
        return {
            "id": ids,
            "name": np.r_[company_names, names["contact_names"]],
            "complete_name": complete,
            "type": "contact",
            "parent_id": nullable(cust_ids[parent_idx], ~is_company),
            "commercial_partner_id": cust_ids[parent_idx],
            "commercial_company_name": company_names[parent_idx],
            "is_company": is_company,
            "active": True,
            "partner_share": True,
            "employee": False,
            "lang": self.lang_code,
            "color": 0,
            "email": emails,
            "email_normalized": emails,
            "phone": phones,
            "phone_sanitized": phones,
            "street": names["streets"][parent_idx],
            "city": names["cities"][parent_idx],
            "zip": names["zips"][parent_idx],
            "country_id": life["country"][parent_idx],
            "website": np.r_[
                np.array([f"https://www.{d}" for d in domains], dtype=object), np.full(k, None, dtype=object)
            ],
            "function": np.r_[
                np.full(n, None, dtype=object), np.array(JOBS, dtype=object)[rng.integers(0, len(JOBS), k)]
            ],
            "ref": np.r_[
                np.array([f"BC{x}" for x in cust_ids], dtype=object), np.full(k, None, dtype=object)
            ],
            "user_id": self.user_ids[life["salesperson"][parent_idx]],
            "industry_id": nullable(
                self.industry_ids[rng.integers(0, len(self.industry_ids), n + k)],
                is_company & (self.industry_ids[0] > 0),
            ),
            "customer_rank": 0,
            "supplier_rank": 0,
            "autopost_bills": "ask",
            "invoice_warn": "no-message",
            "picking_warn": "no-message",
            "sale_warn": "no-message",
            "message_bounce": 0,
            "create_uid": self.uid,
            "write_uid": self.uid,
            "create_date": datetimes(created_all),
            "write_date": self.now_str,
        }

    def _load_existing(self):
        env = self.env
        c2 = env["res.company"].search([("name", "=", self.p["second_company_name"])], limit=1)
        if not c2:
            raise ValueError("no benchmark data in this database: run generate() first")
        self.companies = [env.company, c2]
        self._setup_crm()
        self.cr.execute(
            """
            SELECT p.id, p.email, p.create_date::date, c.code
              FROM res_partner p
              LEFT JOIN res_country c ON c.id = p.country_id
             WHERE p.is_company AND p.ref = 'BC' || p.id
          ORDER BY p.id
            """
        )
        rows = self.cr.fetchall()
        c2_codes = {xmlid.split(".")[1].upper() for xmlid, _w in C2_COUNTRIES}
        self.cust_ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.cust_emails = np.array([r[1] for r in rows], dtype=object)
        created = np.array([r[2] for r in rows], dtype="datetime64[D]")
        self.cust_active_from = np.maximum(created, self.start64)
        self.cust_active_to = np.full(len(rows), self.today64)
        self.cust_home = np.array([1 if r[3] in c2_codes else 0 for r in rows], dtype=np.int64)
