from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CrmExtBehaviourCase


@tagged("post_install", "-at_install")
class TestSegmentRules(CrmExtBehaviourCase):
    def _segment(self, rules, **vals):
        return self.env["crm_ext.segment"].create(
            {
                "name": "Behaviour (test)",
                "partner_domain": f"[('category_id', 'in', [{self.behaviour_tag.id}])]",
                "rule_ids": [(0, 0, rule) for rule in rules],
                **vals,
            }
        )

    # the naive definition, one partner and one rule at a time, with the ORM
    def _naive_match(self, partner, rule):
        env, company = self.env, rule.segment_id.company_id
        commercial = partner.commercial_partner_id
        ref = rule._reference_date()
        orders = env["sale.order"].search(
            [
                ("partner_id", "child_of", commercial.id),
                ("state", "=", "sale"),
                ("company_id", "=", company.id),
            ]
        )
        if rule.rule_type == "last_order":
            if not orders:
                return False
            last = max(orders.mapped("date_order")).date()
            return last < ref if rule.operator == "before" else last >= ref
        if rule.rule_type == "order_count":
            count = len(orders.filtered(lambda o: o.date_order.date() >= ref))
            return count >= rule.order_count if rule.operator == "at_least" else count < rule.order_count
        moves = env["account.move"].search(
            [
                ("commercial_partner_id", "=", commercial.id),
                ("state", "=", "posted"),
                ("company_id", "=", company.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
        )
        if rule.rule_type == "last_invoice":
            invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
            if not invoices:
                return False
            last = max(invoices.mapped("invoice_date"))
            return last < ref if rule.operator == "before" else last >= ref
        if rule.rule_type == "revenue":
            total = sum(moves.filtered(lambda m: m.invoice_date >= ref).mapped("amount_untaxed_signed"))
            return total >= rule.amount if rule.operator == "at_least" else total < rule.amount
        if rule.rule_type == "open_opportunity":
            return bool(
                env["crm.lead"].search_count(
                    [
                        ("partner_id", "child_of", commercial.id),
                        ("type", "=", "opportunity"),
                        ("probability", "<", 100),
                    ]
                )
            )
        if rule.rule_type == "category":
            return any(
                order.date_order.date() >= ref
                and any(
                    line.product_id.categ_id.parent_path.startswith(rule.categ_id.parent_path)
                    for line in order.order_line
                )
                for order in orders
            )
        raise AssertionError(rule.rule_type)

    def _naive_members(self, segment):
        candidates = self.env["res.partner"].search(segment._members_domain())
        return candidates.filtered(lambda p: all(self._naive_match(p, rule) for rule in segment.rule_ids))

    def test_sql_members_equal_naive_check(self):
        c = self.customers
        cases = {
            "recent order": ([{"rule_type": "last_order", "operator": "after", "days": 30}], c[0] | c[2]),
            "no order for a year": ([{"rule_type": "last_order", "operator": "before", "days": 365}], c[1]),
            "last invoice before": (
                [{"rule_type": "last_invoice", "operator": "before", "days": 50}],
                c[1],
            ),
            "invoiced lately": ([{"rule_type": "last_invoice", "operator": "after", "days": 50}], c[0]),
            "revenue net of refunds >= 1000": (
                [{"rule_type": "revenue", "operator": "at_least", "amount": 1000, "days": 365}],
                c[1],
            ),
            "revenue below 1000": (
                [{"rule_type": "revenue", "operator": "less_than", "amount": 1000, "days": 365}],
                c[0] | c[2] | c[3] | c[4] | c[5],
            ),
            "3 orders in 60 days": (
                [{"rule_type": "order_count", "operator": "at_least", "order_count": 3, "days": 60}],
                c[2],
            ),
            "fewer than 1 order in a year": (
                [{"rule_type": "order_count", "operator": "less_than", "order_count": 1, "days": 365}],
                c[1] | c[3] | c[4] | c[5],
            ),
            "open opportunity": ([{"rule_type": "open_opportunity"}], c[4]),
            "bought garden (child category)": (
                [{"rule_type": "category", "categ_id": self.parent_categ.id, "days": 30}],
                c[0],
            ),
            "fixed date and AND of two rules": (
                [
                    {
                        "rule_type": "last_order",
                        "operator": "after",
                        "date_mode": "date",
                        "date": self.today - timedelta(days=100),
                    },
                    {"rule_type": "category", "categ_id": self.other_categ.id, "days": 365},
                ],
                c[0] | c[2],
            ),
        }
        for label, (rules, expected_companies) in cases.items():
            with self.subTest(case=label):
                segment = self._segment(rules)
                segment.action_refresh_members()
                naive = self._naive_members(segment)
                self.assertEqual(segment.member_ids, naive, "SQL and per-partner check differ")
                # the contact of customer 0 follows its company
                expected = expected_companies | (self.contact if c[0] in expected_companies else c[0][:0])
                self.assertEqual(segment.member_ids, expected)
                self.assertEqual(segment.member_count, len(expected))

    def test_refresh_stores_members_count_and_history(self):
        segment = self._segment([{"rule_type": "last_order", "operator": "after", "days": 30}])
        self.assertFalse(segment.member_ids)
        self.assertFalse(segment.last_refresh_date)
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 3)
        self.assertTrue(segment.last_refresh_date)
        self.assertEqual(self.contact.crm_ext_segment_ids, segment)
        # behaviour changes: customer 1 orders today
        self._order(self.customers[1], self.paper, days_ago=0)
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 4)
        self.assertIn(self.customers[1], segment.member_ids)
        self.assertEqual(segment.history_ids.sorted("id").mapped("member_count"), [3, 4])
        action = segment.action_view_members()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), segment.member_ids)
        history = segment.action_view_history()
        self.assertEqual(self.env["crm_ext.segment.history"].search(history["domain"]), segment.history_ids)

    def test_refresh_query_count_independent_of_members(self):
        small = self._segment([{"rule_type": "revenue", "operator": "less_than", "amount": 1, "days": 30}])
        many = self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "category_id": [(4, self.behaviour_tag.id)]} for i in range(60)]
        )
        big = self._segment(
            [{"rule_type": "revenue", "operator": "less_than", "amount": 1, "days": 30}],
            partner_domain=f"[('category_id', 'in', [{self.behaviour_tag.id}])]",
        )
        many.flush_recordset()
        small.partner_domain = f"[('id', 'in', {self.customers[1:3].ids})]"
        small.flush_recordset()
        # warm up (access rights, rules, caches), then measure both sizes the same way
        (small | big).action_refresh_members()
        counts = []
        for segment in (small, big):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            segment.action_refresh_members()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1], "the refresh costs the same whatever the size")
        # measured 11: reads of the segment and its rules, access check, the rules' author and
        # their companies (the rules are evaluated with their rights), delete, one insert ... select
        # of the members, count update, history insert: whatever the size
        self.env.invalidate_all()
        with self.assertQueryCount(11):
            big.action_refresh_members()
        self.assertEqual(small.member_count, 2)
        # customer 0 and its contact invoiced 500 net in the period
        self.assertEqual(big.member_count, 60 + 5)

    def test_cron_refreshes_every_segment(self):
        segment = self._segment([{"rule_type": "open_opportunity"}])
        self.env["crm_ext.segment"]._cron_refresh_segments()
        self.assertEqual(segment.member_ids, self.customers[4])
        self.assertTrue(segment.history_ids)

    def test_bad_rules_refused(self):
        bad_rules = {
            "category without category": {"rule_type": "category", "days": 10},
            "fixed date without date": {"rule_type": "last_order", "operator": "after", "date_mode": "date"},
            "negative days": {"rule_type": "last_order", "operator": "after", "days": -1},
            "date operator on revenue": {"rule_type": "revenue", "operator": "before", "amount": 5},
        }
        for label, rule in bad_rules.items():
            with self.subTest(rule=label), self.assertRaises(ValidationError):
                self._segment([rule])

    def test_extension_point(self):
        segment = self._segment([{"rule_type": "open_opportunity"}])
        types = dict(self.env["crm_ext.segment"]._segment_rule_types())
        self.assertLessEqual(
            {"last_order", "last_invoice", "revenue", "order_count", "open_opportunity", "category"},
            set(types),
        )
        query = segment._segment_rule_sql(segment.rule_ids)
        self.assertIsInstance(query, SQL)
        self.env.cr.execute(query)
        self.assertEqual(
            {row[0] for row in self.env.cr.fetchall()} & set(self.customers.ids), {self.customers[4].id}
        )
