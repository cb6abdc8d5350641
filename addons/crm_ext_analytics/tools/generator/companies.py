"""Setup with the ORM (a few records): the second company, currency rates, taxes, warehouses,
salespeople, campaigns, pipeline stages, product categories and products."""

from __future__ import annotations

from datetime import date

import numpy as np

from odoo import Command, fields

from .arrays import round_half_away
from .vocabulary import CAMPAIGN_NAMES, CATEGORY_NAMES, FIRST_NAMES, LAST_NAMES


class CompaniesMixin:
    """Companies, their accounting and stock setup, the sales organisation and the products."""

    def _setup(self):
        env = self.env
        c1 = env.company
        eur = env.ref("base.EUR")
        if not eur.active:
            eur.active = True
        c2 = env["res.company"].search([("name", "=", self.p["second_company_name"])], limit=1)
        if not c2:
            c2 = env["res.company"].create({"name": self.p["second_company_name"], "currency_id": eur.id})
            template = env["account.chart.template"]
            if env.registry.loaded:
                template.try_loading("generic_coa", c2, install_demo=False)
            else:
                # called from a module's demo data (the registry is still loading): the
                # account models are loaded already; try_loading would only add a warning
                template._load("generic_coa", c2, install_demo=False)
            if c2.currency_id != eur:
                c2.currency_id = eur
        admin = env.ref("base.user_admin", raise_if_not_found=False)
        if admin and c2 not in admin.company_ids:
            admin.write({"company_ids": [Command.link(c2.id)]})
        if c1.currency_id == eur:
            raise ValueError("the main company must not use EUR: the generator needs two currencies")
        self.companies = [c1, c2]
        self.eur = eur
        self._setup_rates(c1, c2, eur)
        self.co = [self._company_info(c) for c in self.companies]
        self.eur_pricelist = self._pricelist(eur, False, "Bench EUR")
        self._setup_crm()
        self.uom_unit = env.ref("uom.product_uom_unit")
        self.customer_location = env.ref("stock.stock_location_customers")
        self.payment_term = env.ref("account.account_payment_term_30days")
        self.payment_term_days = int(max(self.payment_term.line_ids.mapped("nb_days") or [30]))
        self.lang = env["res.lang"]._lang_get(env.lang or "en_US") or env.ref("base.lang_en")
        self.lang_code = self.lang.code or "en_US"

    def _setup_rates(self, c1, c2, eur):
        """Monthly EUR rates for the main company and the inverse USD rates for the second."""
        months = np.arange(self.start64.astype("datetime64[M]") - 1, self.today64.astype("datetime64[M]") + 1)
        self.rate_month0 = months[0]
        walk = np.cumsum(self.rng.normal(0.0, 0.012, len(months)))
        eur_per_c1 = np.round(0.92 * np.exp(walk - walk.mean()), 4)
        Rate = self.env["res.currency.rate"]
        c1_other = c1.currency_id
        for company, currency, values in (
            (c1, eur, eur_per_c1),
            (c2, c1_other, np.round(1.0 / eur_per_c1, 6)),
        ):
            existing = set(
                Rate.search([("company_id", "=", company.id), ("currency_id", "=", currency.id)]).mapped(
                    "name"
                )
            )
            vals = [
                {
                    "name": str(month) + "-01",
                    "rate": float(value),
                    "currency_id": currency.id,
                    "company_id": company.id,
                }
                for month, value in zip(months, values, strict=True)
                if fields.Date.to_date(str(month) + "-01") not in existing
            ]
            Rate.create(vals)
        # the rates Odoo will use (months that already had a rate keep it): EUR per unit of
        # the main company currency, one per month
        Currency = self.env["res.currency"]
        self.eur_rate = np.array(
            [
                Currency._get_conversion_rate(
                    c1.currency_id, eur, c1, fields.Date.to_date(str(month) + "-01")
                )
                for month in months
            ]
        )

    def _pricelist(self, currency, company, name):
        Pricelist = self.env["product.pricelist"]
        domain = [("currency_id", "=", currency.id)]
        domain += [("company_id", "in", [False, company.id])] if company else [("company_id", "=", False)]
        pricelist = Pricelist.search(domain, limit=1)
        if not pricelist:
            pricelist = Pricelist.create(
                {"name": name, "currency_id": currency.id, "company_id": company.id if company else False}
            )
        return pricelist

    def _company_info(self, company):
        env = self.env
        Journal = env["account.journal"]
        sale_journal = Journal.search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        bank_journal = Journal.search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
        if not sale_journal or not bank_journal:
            raise ValueError(f"company {company.name} has no sale or bank journal (no chart of accounts?)")
        receivable = (
            env["res.partner"].with_company(company).new({"name": "x"}).property_account_receivable_id
        )
        category = env.ref("product.product_category_all").with_company(company)
        income = category.property_account_income_categ_id or sale_journal.default_account_id
        outstanding = (
            env["account.chart.template"]
            .with_context(allowed_company_ids=company.root_id.ids)
            .ref("account_journal_payment_debit_account_id", raise_if_not_found=False)
        ) or company.transfer_account_id
        method_line = bank_journal.inbound_payment_method_line_ids[:1]
        taxes = self._taxes(company)
        warehouses = self._warehouses(company)
        inventory_location = (
            env["ir.default"]._get("product.template", "property_stock_inventory", company_id=company.id)
            or env["stock.location"]
            .search(
                [
                    ("usage", "=", "inventory"),
                    ("company_id", "=", company.id),
                    ("scrap_location", "=", False),
                ],
                limit=1,
            )
            .id
        )
        pricelist = self._pricelist(company.currency_id, company, f"Bench {company.currency_id.name}")
        return {
            "id": company.id,
            "name": company.name,
            "currency_id": company.currency_id.id,
            "sale_journal": sale_journal,
            "bank_journal": bank_journal,
            "receivable_id": receivable.id,
            "income_id": income.id,
            "outstanding_id": outstanding.id,
            "method_line_id": method_line.id,
            "method_id": method_line.payment_method_id.id,
            "method_name": method_line.name or "Manual Payment",
            "taxes": taxes,
            "warehouses": warehouses,
            "inventory_location_id": inventory_location,
            "pricelist_id": pricelist.id,
            "require_signature": bool(company.portal_confirmation_sign),
            "require_payment": bool(company.portal_confirmation_pay),
            "prepayment_percent": company.prepayment_percent or 1.0,
            "inventory_date": self._next_inventory_date(company),
        }

    def _next_inventory_date(self, company):
        month = int(company.annual_inventory_month or 12)
        day = int(company.annual_inventory_day or 31)
        year = self.today.year
        for _attempt in range(2):
            for d in range(day, 27, -1):
                try:
                    candidate = date(year, month, d)
                    break
                except ValueError:
                    continue
            if candidate >= self.today:
                return candidate
            year += 1
        return candidate

    def _taxes(self, company):
        """The company's 15% sale tax and a 5% copy of it; repartition data for SQL."""
        Tax = self.env["account.tax"]
        base = Tax.search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("price_include_override", "in", [False, "tax_excluded"]),
                ("amount", ">", 0),
            ],
            order="amount desc, id",
            limit=1,
        )
        if not base:
            raise ValueError(f"company {company.name} has no percent sale tax")
        reduced = Tax.search(
            [("company_id", "=", company.id), ("type_tax_use", "=", "sale"), ("name", "=", "5% (bench)")],
            limit=1,
        )
        if not reduced:
            reduced = base.copy({"name": "5% (bench)", "amount": 5.0})
        result = []
        for tax in (base, reduced):
            inv = tax.invoice_repartition_line_ids.filtered(lambda r: r.repartition_type == "tax")[:1]
            ref = tax.refund_repartition_line_ids.filtered(lambda r: r.repartition_type == "tax")[:1]
            result.append(
                {
                    "id": tax.id,
                    "pct": round(tax.amount),
                    "name": tax.name,
                    "group_id": tax.tax_group_id.id,
                    "inv_rep_id": inv.id,
                    "inv_account_id": inv.account_id.id,
                    "ref_rep_id": ref.id,
                    "ref_account_id": ref.account_id.id,
                }
            )
        return result

    def _warehouses(self, company):
        Warehouse = self.env["stock.warehouse"]
        warehouses = Warehouse.search([("company_id", "=", company.id)], order="id")
        if not warehouses:
            warehouses = Warehouse.create(
                {"name": f"{company.name} WH", "code": "BEU", "company_id": company.id}
            )
        if company == self.companies[0] and len(warehouses) < 2:
            warehouses |= Warehouse.create({"name": "Bench East", "code": "BEAST", "company_id": company.id})
        result = []
        for wh in warehouses:
            out_type = wh.out_type_id
            rule = wh.delivery_route_id.rule_ids.filtered(
                lambda r, wh=wh: r.location_src_id == wh.lot_stock_id and r.action in ("pull", "pull_push")
            )[:1]
            result.append(
                {
                    "id": wh.id,
                    "code": wh.code,
                    "lot_stock_id": wh.lot_stock_id.id,
                    "out_type_id": out_type.id,
                    "sequence": out_type.sequence_id,
                    "rule_id": rule.id or None,
                }
            )
        return result

    def _setup_crm(self):
        """Salespeople in the sales teams, campaigns, stages, lost reasons, industries."""
        self._setup_salespeople()
        self._setup_pipeline()

    def _setup_salespeople(self):
        env = self.env
        companies = self.companies
        teams = env["crm.team"].search(
            [("use_opportunities", "=", True), ("company_id", "in", [False])], order="id"
        )
        if not teams:
            teams = env["crm.team"].create({"name": "Bench Sales", "use_opportunities": True})
        Users = env["res.users"].with_context(no_reset_password=True)
        group = env.ref("sales_team.group_sale_salesman")
        users = Users.search([("login", "=like", "bench.sales%@example.com")], order="id")
        missing = self.p["salespeople"] - len(users)
        if missing > 0:
            start = len(users)
            users |= Users.create(
                [
                    {
                        "name": f"{FIRST_NAMES[(start + k) % 20]} {LAST_NAMES[(start + k * 7) % 20]} (bench)",
                        "login": f"bench.sales{start + k + 1}@example.com",
                        "email": f"bench.sales{start + k + 1}@example.com",
                        "company_id": companies[0].id,
                        "company_ids": [Command.set([c.id for c in companies])],
                        "groups_id": [Command.link(group.id)],
                    }
                    for k in range(missing)
                ]
            )
        users = users[: self.p["salespeople"]]
        # salespeople made by an earlier run for another second company (the demo history's)
        lacking = users.filtered(lambda user: not set(self.companies) <= set(user.company_ids))
        if lacking:
            lacking.write({"company_ids": [Command.link(c.id) for c in companies]})
        Member = env["crm.team.member"]
        for k, user in enumerate(users):
            team = teams[k % len(teams)]
            if not Member.search_count([("crm_team_id", "=", team.id), ("user_id", "=", user.id)]):
                Member.create({"crm_team_id": team.id, "user_id": user.id})
        self.user_ids = np.array(users.ids, dtype=np.int64)
        self.user_team_ids = np.array([teams[k % len(teams)].id for k in range(len(users))], dtype=np.int64)

    def _setup_pipeline(self):
        env = self.env
        Campaign = env["utm.campaign"]
        names = [
            CAMPAIGN_NAMES[k % len(CAMPAIGN_NAMES)]
            + (f" {k // len(CAMPAIGN_NAMES) + 1}" if k >= len(CAMPAIGN_NAMES) else "")
            for k in range(self.p["campaigns"])
        ]
        campaigns = Campaign.search([("name", "in", names)], order="id")
        missing = [name for name in names if name not in set(campaigns.mapped("name"))]
        if missing:
            campaigns |= Campaign.create([{"name": name} for name in missing])
        self.campaign_ids = np.array(campaigns.ids[: self.p["campaigns"]], dtype=np.int64)
        self.medium_ids = np.array(env["utm.medium"].search([], order="id").ids or [0], dtype=np.int64)
        self.source_ids = np.array(env["utm.source"].search([], order="id").ids or [0], dtype=np.int64)
        stages = env["crm.stage"].search([], order="sequence, id")
        won = stages.filtered("is_won")[:1]
        if not won:
            won = env["crm.stage"].create({"name": "Won", "is_won": True, "sequence": 70})
        self.won_stage_id = won.id
        self.open_stage_ids = np.array((stages - stages.filtered("is_won")).ids or [won.id], dtype=np.int64)
        reasons = env["crm.lost.reason"].search([], order="id")
        if not reasons:
            reasons = env["crm.lost.reason"].create({"name": "Too expensive"})
        self.lost_reason_ids = np.array(reasons.ids, dtype=np.int64)
        self.industry_ids = np.array(
            env["res.partner.industry"].search([], order="id").ids or [0], dtype=np.int64
        )

    def _products(self):
        env = self.env
        rng = self.rng
        n = self.p["products"]
        n_cat = max(1, min(self.p["categories"], len(CATEGORY_NAMES)))
        parent = env.ref("product.product_category_all")
        Category = env["product.category"]
        categories = Category.browse()
        for name in CATEGORY_NAMES[:n_cat]:
            cat = Category.search([("name", "=", f"Bench {name}"), ("parent_id", "=", parent.id)], limit=1)
            categories |= cat or Category.create({"name": f"Bench {name}", "parent_id": parent.id})
        self.category_ids = np.array(categories.ids, dtype=np.int64)
        cat_idx = rng.integers(0, n_cat, n)
        list_cents = np.maximum(100, round_half_away(np.exp(rng.normal(4.0, 1.1, n)) * 100))
        cost_ratio = rng.uniform(0.45, 0.8, n)
        serial = rng.random(n) < self.p["serial_share"]
        tax_class = (rng.random(n) < 0.2).astype(np.int64)  # 0: standard 15% rate, 1: reduced 5%
        self.cr.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM product_template")
        tag = self.cr.fetchone()[0]
        vals = []
        for i in range(n):
            vals.append(
                {
                    "name": f"{CATEGORY_NAMES[cat_idx[i]]} item {i + 1}",
                    "default_code": f"B{tag}-{i + 1:05d}",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial" if serial[i] else "none",
                    "categ_id": int(self.category_ids[cat_idx[i]]),
                    "list_price": float(list_cents[i]) / 100.0,
                    "invoice_policy": "delivery",
                    "sale_ok": True,
                    "purchase_ok": True,
                    "uom_id": self.uom_unit.id,
                    "uom_po_id": self.uom_unit.id,
                    "taxes_id": [Command.set([co["taxes"][tax_class[i]]["id"] for co in self.co])],
                }
            )
        templates = env["product.template"].create(vals)
        self.product_ids = np.array([t.product_variant_id.id for t in templates], dtype=np.int64)
        self.product_names = np.array([f"[{t.default_code}] {t.name}" for t in templates], dtype=object)
        self.product_cat = cat_idx
        self.product_list_cents = list_cents
        self.product_serial = serial
        self.product_tax = tax_class
        self._set_product_costs(list_cents, cost_ratio)
        # popularity (Zipf-like) used to pick order lines
        weights = 1.0 / np.power(rng.permutation(n) + 1.0, 0.8)
        self.product_pop = weights / weights.sum()
        self.cat_products = [np.flatnonzero(cat_idx == c) for c in range(n_cat)]
        self.rows["product_template"] = n
        self.env.invalidate_all()

    def _set_product_costs(self, list_cents, cost_ratio):
        """Company-specific standard costs (the second company's in EUR), written in SQL."""
        cost_c1 = round_half_away(list_cents * cost_ratio)
        cost_c2 = round_half_away(cost_c1 * float(self.eur_rate[-1]))
        self.product_cost = np.vstack([cost_c1, cost_c2])
        self.env.flush_all()
        self.cr.execute(
            """
            UPDATE product_product p
               SET standard_price = jsonb_build_object(%s, v.c1, %s, v.c2)
              FROM unnest(%s::int[], %s::numeric[], %s::numeric[]) AS v(id, c1, c2)
             WHERE p.id = v.id
            """,
            [
                str(self.co[0]["id"]),
                str(self.co[1]["id"]),
                self.product_ids.tolist(),
                (cost_c1 / 100.0).tolist(),
                (cost_c2 / 100.0).tolist(),
            ],
        )
