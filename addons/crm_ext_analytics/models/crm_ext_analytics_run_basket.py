import pandas as pd

from odoo import _, fields, models
from odoo.tools import SQL

from ..engine.basket import association_rules, next_best_offers
from ..tools import bulk


class CrmExtAnalyticsRun(models.Model):
    """The market-basket stage: product association rules of the company's confirmed orders and
    each customer's next best offers."""

    # one file per part of the run (see crm_ext_analytics_run.py)
    _inherit = "crm_ext.analytics.run"  # pylint: disable=consider-merging-classes-inherited

    def _analytics_stages(self):
        return [*super()._analytics_stages(), ("basket", _("Market basket"), self._stage_basket)]

    def _stage_basket(self):
        """Association rules and next best offers of the company, replaced in bulk; kept as they
        are while fewer orders than the company's setting were confirmed since they were
        computed."""
        self.ensure_one()
        company = self.company_id
        kept = self._basket_kept(company)
        if kept:
            return kept
        # the orders confirmed after the run's start are for the next computation
        computed_at = self.date_start or fields.Datetime.now()
        lines = self._read_order_lines()
        rules, offers = self._basket_rules_and_offers(lines)
        self._write_basket_results(rules, offers)
        # the run's bookkeeping on its company: whoever may run the analytics (checked when the
        # run was created and started) records when its rules were computed
        company.sudo().crm_ext_basket_computed_at = computed_at
        orders = lines["basket_id"].nunique()
        return {
            "rows": len(lines),
            "order_count": orders,
            "rule_count": len(rules),
            "offer_count": len(offers),
            "log": _(
                "Market basket: %(orders)s confirmed orders, %(rules)s rules, "
                "%(offers)s offers to %(customers)s customers.",
                orders=orders,
                rules=len(rules),
                offers=len(offers),
                customers=offers["partner_id"].nunique() if len(offers) else 0,
            ),
        }

    def _basket_kept(self, company):
        """The basket stage's result when the company's rules are kept (too few orders confirmed
        since they were computed, by the company's setting; a run asked to recompute everything
        never keeps them), else None. The customers who confirmed one of those orders get their
        offers again from the kept rules: an offer of what they just bought goes away."""
        threshold = company.crm_ext_basket_min_new_orders
        since = company.crm_ext_basket_computed_at
        if not threshold or not since or self.full_run:
            return None
        self.env["sale.order"].flush_model(["state", "company_id", "date_order", "partner_id"])
        rows = self._read_rows(
            SQL(
                """SELECT COUNT(*), array_agg(DISTINCT partner.commercial_partner_id)
                     FROM sale_order so JOIN res_partner partner ON partner.id = so.partner_id
                    WHERE so.state = 'sale' AND so.company_id = %s AND so.date_order >= %s""",
                company.id,
                since,
            )
        )
        new, partner_ids = rows[0][0], rows[0][1] or []
        if new >= threshold:
            return None
        lines = self._read_order_lines(partner_ids) if partner_ids else None
        if lines is not None:
            purchases = lines[["partner_id", "product_id"]].drop_duplicates()
            offers = next_best_offers(purchases, self._read_stored_rules(), top=company.crm_ext_offer_count)
            self._write_offers(offers, partner_ids)
            self.env["crm_ext.customer.offer"].invalidate_model()
        domain = [("company_id", "=", company.id)]
        return {
            "rows": 0 if lines is None else len(lines),
            "order_count": 0,
            "rule_count": self.env["crm_ext.product.rule"].search_count(domain),
            "offer_count": self.env["crm_ext.customer.offer"].search_count(domain),
            "log": _(
                "Market basket: rules kept, %(new)s orders confirmed since they were computed "
                "(%(threshold)s needed); offers of the %(customers)s customers with those orders "
                "computed again from them.",
                new=new,
                threshold=threshold,
                customers=len(partner_ids),
            ),
        }

    def _read_stored_rules(self):
        """The company's stored rules as the engine gives them (``antecedents`` and
        ``consequents`` as sorted tuples of product ids, ``confidence``, ``lift``)."""
        self.env["crm_ext.product.rule"].flush_model()
        # the run's own results: read on the primary, whatever the run reads its inputs from
        self.env.cr.execute(
            SQL(
                """
                SELECT rule.confidence::float8, rule.lift::float8,
                       ARRAY(SELECT rel.product_id FROM crm_ext_product_rule_antecedent_rel rel
                              WHERE rel.rule_id = rule.id ORDER BY rel.product_id),
                       ARRAY(SELECT rel.product_id FROM crm_ext_product_rule_consequent_rel rel
                              WHERE rel.rule_id = rule.id ORDER BY rel.product_id)
                  FROM crm_ext_product_rule rule
                 WHERE rule.company_id = %s
              ORDER BY rule.id
                """,
                self.company_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        return pd.DataFrame(
            {
                "antecedents": [tuple(row[2]) for row in rows],
                "consequents": [tuple(row[3]) for row in rows],
                "confidence": [row[0] for row in rows],
                "lift": [row[1] for row in rows],
            }
        )

    def _read_order_lines(self, partner_ids=None):
        """Products of the company's confirmed orders (of the customers ``partner_ids`` only when
        given), one row per order and product."""
        self.env["sale.order.line"].flush_model(["order_id", "product_id", "display_type"])
        self.env["sale.order"].flush_model(["state", "company_id", "partner_id"])
        lines = self._read_large(
            SQL(
                """
                SELECT sol.order_id, sol.product_id, partner.commercial_partner_id
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state = 'sale' AND so.company_id = %s
                   AND sol.product_id IS NOT NULL AND sol.display_type IS NULL
                   %s
                %s
                """,
                self.company_id.id,
                bulk.partner_filter(SQL("partner.commercial_partner_id"), partner_ids),
                self._history_baskets(partner_ids),
            ),
            {"basket_id": "int64", "product_id": "int64", "partner_id": "int64"},
        )
        # a product on several lines of an order is in the basket once (faster here than DISTINCT)
        return lines.drop_duplicates(["basket_id", "product_id"], ignore_index=True)

    def _basket_rules_and_offers(self, lines):
        """The engine's rules and next best offers for ``lines`` (``_read_order_lines``), with the
        company's thresholds."""
        company = self.company_id
        rules = association_rules(
            lines[["basket_id", "product_id"]],
            min_support=company.crm_ext_basket_min_support,
            min_confidence=company.crm_ext_basket_min_confidence,
            min_lift=company.crm_ext_basket_min_lift,
            max_len=company.crm_ext_basket_max_len,
        )
        purchases = lines[["partner_id", "product_id"]].drop_duplicates()
        return rules, next_best_offers(purchases, rules, top=company.crm_ext_offer_count)

    def _write_basket_results(self, rules, offers):
        """Replaces the company's rules (and their products): one statement per table; brings
        the offers to ``offers`` (``_write_offers``)."""
        Rule = self.env["crm_ext.product.rule"]
        Offer = self.env["crm_ext.customer.offer"]
        Rule.flush_model()
        Offer.flush_model()
        cr, company_id = self.env.cr, self.company_id.id
        cr.execute(SQL("DELETE FROM crm_ext_product_rule WHERE company_id = %s", company_id))
        now = SQL("NOW() AT TIME ZONE 'UTC'")
        if len(rules):
            cr.execute(
                SQL(
                    """
                    INSERT INTO crm_ext_product_rule (
                        company_id, run_id, item_count, basket_count, support, confidence, lift,
                        create_uid, create_date, write_uid, write_date)
                    SELECT %(company)s, %(run)s, src.items, src.baskets, src.support, src.confidence,
                           src.lift, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM unnest(%(items)s::int[], %(baskets)s::int[], %(support)s::float8[],
                                  %(confidence)s::float8[], %(lift)s::float8[]) WITH ORDINALITY
                        AS src(items, baskets, support, confidence, lift, position)
                  ORDER BY src.position
                 RETURNING id
                    """,
                    company=company_id,
                    run=self.id,
                    uid=self.env.uid,
                    now=now,
                    items=(rules["antecedents"].map(len) + rules["consequents"].map(len)).tolist(),
                    baskets=rules["count"].astype("int64").tolist(),
                    support=rules["support"].astype("float64").tolist(),
                    confidence=rules["confidence"].astype("float64").tolist(),
                    lift=rules["lift"].astype("float64").tolist(),
                )
            )
            # ids come back in insertion order, which is the rules' order
            rule_ids = sorted(row[0] for row in cr.fetchall())
            for column, table in (
                ("antecedents", "crm_ext_product_rule_antecedent_rel"),
                ("consequents", "crm_ext_product_rule_consequent_rel"),
            ):
                sizes = rules[column].map(len)
                cr.execute(
                    SQL(
                        "INSERT INTO %s (rule_id, product_id) SELECT * FROM unnest(%s::int[], %s::int[])",
                        SQL.identifier(table),
                        [
                            rule_id
                            for rule_id, size in zip(rule_ids, sizes, strict=True)
                            for _i in range(size)
                        ],
                        [int(product) for products in rules[column] for product in products],
                    )
                )
        self._write_offers(offers)
        Rule.invalidate_model()
        Offer.invalidate_model()

    def _write_offers(self, offers, partner_ids=None):
        """Brings the company's next best offers (of the customers ``partner_ids`` only, when
        given) to ``offers`` (``partner_id``, ``product_id``,
        ``rank``, ``score``), writing only what changed, whatever the number of customers: the
        company's offers read in one query and compared in pandas, then one DELETE of the offers
        gone, COPY of the new ones and, for those whose rank or score changed, COPY into a
        temporary table and one UPDATE. ``run_id`` is the run that last changed an offer."""
        cr, company_id = self.env.cr, self.company_id.id
        self.env["crm_ext.customer.offer"].flush_model()
        cr.execute(
            SQL(
                """SELECT id, partner_id, product_id, rank, score FROM crm_ext_customer_offer
                    WHERE company_id = %s %s""",
                company_id,
                bulk.partner_filter(SQL("partner_id"), partner_ids),
            )
        )
        current = pd.DataFrame(cr.fetchall(), columns=["id", "partner_id", "product_id", "rank", "score"])
        new = offers[["partner_id", "product_id", "rank", "score"]].astype(
            {"partner_id": "int64", "product_id": "int64", "rank": "int64", "score": "float64"}
        )
        new["score"] = new["score"].round(6)
        merged = new.merge(
            current, on=["partner_id", "product_id"], how="outer", suffixes=("", "_old"), indicator=True
        )
        gone = merged.loc[merged["_merge"] == "right_only", "id"]
        if len(gone):
            cr.execute(
                SQL("DELETE FROM crm_ext_customer_offer WHERE id = ANY(%s)", gone.astype(int).tolist())
            )
        added = merged[merged["_merge"] == "left_only"]
        columns = ["partner_id", "company_id", "product_id", "run_id", "rank", "score"]
        if len(added):
            self._copy_rows(
                "crm_ext_customer_offer",
                added.assign(company_id=company_id, run_id=self.id)[columns].astype(
                    {"partner_id": "int64", "product_id": "int64", "rank": "int64"}
                ),
            )
        both = merged[merged["_merge"] == "both"]
        changed = both[
            (both["rank"] != both["rank_old"])
            | ((both["score"] - both["score_old"].astype("float64")).abs() > 1e-6)
        ]
        if len(changed):
            bulk.update_from_rows(
                cr,
                "crm_ext_customer_offer",
                company_id,
                "id",
                {"rank": "int", "score": "double precision"},
                changed.astype({"id": "int64", "rank": "int64"}),
                SQL("rank = src.rank, score = src.score, run_id = %s", self.id),
            )
