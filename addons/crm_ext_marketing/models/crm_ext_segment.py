from ast import literal_eval

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

MEMBER_TABLE = "crm_ext_segment_member_rel"


def author_env(env, author):
    """``env`` as the author of a set of rules: their access rights (never superuser, even from a
    cron), in the companies they work in. Segments and lead scoring rules are evaluated in it."""
    return env(user=author, su=False, context=dict(env.context, allowed_company_ids=author.company_ids.ids))


class CrmExtSegment(models.Model):
    """A named set of customers defined by rules on the partner and on its behaviour.

    Members are computed in SQL for the whole segment at once and stored in the
    ``crm_ext_segment_member_rel`` table; every refresh adds a dated row to the
    segment's size history.
    """

    _name = "crm_ext.segment"
    _description = "Customer Segment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text()
    partner_domain = fields.Char(
        string="Customer Rules",
        default="[]",
        required=True,
        tracking=True,
        help="Conditions on the customer's fields and tags.",
    )
    rule_ids = fields.One2many(
        "crm_ext.segment.rule",
        "segment_id",
        string="Behaviour Rules",
        copy=True,
        help="Conditions on what the customer did; all of them must hold (AND).",
    )
    member_ids = fields.Many2many(
        "res.partner",
        MEMBER_TABLE,
        "segment_id",
        "partner_id",
        string="Member Contacts",
        readonly=True,
        copy=False,
    )
    member_count = fields.Integer(string="Members", readonly=True, copy=False, aggregator="sum")
    last_refresh_date = fields.Datetime(string="Last Refresh", readonly=True, copy=False)
    history_ids = fields.One2many("crm_ext.segment.history", "segment_id", string="Size History")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    rules_user_id = fields.Many2one(
        "res.users",
        string="Rules Evaluated As",
        default=lambda self: self.env.user,
        readonly=True,
        copy=False,
        help="Whoever last changed the customer rules: the rules are evaluated with their access "
        "rights (the nightly refresh too), so members are only customers they may see, matched on "
        "what they may read.",
    )

    def write(self, vals):
        if "partner_domain" in vals:
            vals = {**vals, "rules_user_id": self.env.uid}
        return super().write(vals)

    # ------------------------------------------------------------------
    # rules
    # ------------------------------------------------------------------

    def _parsed_domain(self):
        self.ensure_one()
        try:
            domain = literal_eval(self.partner_domain or "[]")
            expression.expression(domain, self.env["res.partner"])
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise ValidationError(
                _(
                    "The rules of segment “%(name)s” are not a valid domain: %(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        return domain

    def _members_domain(self):
        """The partner domain of the segment, restricted to its company."""
        self.ensure_one()
        company_domain = ["|", ("company_id", "=", False), ("company_id", "=", self.company_id.id)]
        return expression.AND([self._parsed_domain(), company_domain])

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for segment in self:
            segment._parsed_domain()

    # ------------------------------------------------------------------
    # SQL of the behaviour rules: the extension point
    # ------------------------------------------------------------------

    @api.model
    def _segment_rule_types(self):
        """The available behaviour rule types, as ``(key, label)`` pairs.

        Modules adding rule types (crm_ext_analytics: RFM class, lifetime value,
        churn risk) extend this list and ``_segment_rule_sql``.
        """
        return [
            ("last_order", _("Last confirmed order")),
            ("last_invoice", _("Last invoice")),
            ("revenue", _("Invoiced revenue (net of credit notes)")),
            ("order_count", _("Number of confirmed orders")),
            ("open_opportunity", _("Has an open opportunity")),
            ("category", _("Bought a product category")),
        ]

    def _segment_rule_sql(self, rule):
        """The ids of the commercial partners satisfying ``rule``, as one ``SQL`` query.

        The query selects one column of ``res_partner`` ids (commercial entities);
        a member is any partner of the domain whose commercial entity is selected.
        Values are always passed as parameters. Extend this method (call ``super``
        for the types you do not handle) to add rule types.
        """
        self.ensure_one()
        builder = {
            "last_order": self._rule_sql_last_order,
            "last_invoice": self._rule_sql_last_invoice,
            "revenue": self._rule_sql_revenue,
            "order_count": self._rule_sql_order_count,
            "open_opportunity": self._rule_sql_open_opportunity,
            "category": self._rule_sql_category,
        }.get(rule.rule_type)
        if not builder:
            raise UserError(_("The rule type “%(type)s” is not known to this database.", type=rule.rule_type))
        return builder(rule)

    def _readable_sql(self, model_name, alias):
        """SQL condition: the row ``alias`` of ``model_name`` is one the rules' author may read
        (their access rights and record rules, e.g. a salesperson's own orders only)."""
        records = self._rules_env()[model_name].with_context(active_test=False)._search([])
        return SQL("%s IN %s", SQL.identifier(alias, "id"), records.subselect())

    @staticmethod
    def _commercial_not_in(subquery):
        """Commercial entities *not* selected by ``subquery`` (for "less than" rules)."""
        return SQL(
            "SELECT p.id FROM res_partner p WHERE p.id = p.commercial_partner_id AND p.id NOT IN (%s)",
            subquery,
        )

    def _rule_sql_confirmed_orders(self, rule, having):
        return SQL(
            """
            SELECT cp.commercial_partner_id
              FROM sale_order so
              JOIN res_partner cp ON cp.id = so.partner_id
             WHERE so.state = 'sale' AND so.company_id = %(company)s AND %(readable)s
             GROUP BY cp.commercial_partner_id
            HAVING %(having)s
            """,
            company=self.company_id.id,
            readable=self._readable_sql("sale.order", "so"),
            having=having,
        )

    def _rule_sql_last_order(self, rule):
        operator = SQL("<") if rule.operator == "before" else SQL(">=")
        return self._rule_sql_confirmed_orders(
            rule, SQL("MAX(so.date_order::date) %s %s", operator, rule._reference_date())
        )

    def _rule_sql_order_count(self, rule):
        counted = SQL(
            """
            SELECT cp.commercial_partner_id
              FROM sale_order so
              JOIN res_partner cp ON cp.id = so.partner_id
             WHERE so.state = 'sale' AND so.company_id = %s AND so.date_order::date >= %s AND %s
             GROUP BY cp.commercial_partner_id
            HAVING COUNT(*) >= %s
            """,
            self.company_id.id,
            rule._reference_date(),
            self._readable_sql("sale.order", "so"),
            rule.order_count,
        )
        return counted if rule.operator == "at_least" else self._commercial_not_in(counted)

    def _rule_sql_last_invoice(self, rule):
        operator = SQL("<") if rule.operator == "before" else SQL(">=")
        return SQL(
            """
            SELECT am.commercial_partner_id
              FROM account_move am
             WHERE am.move_type = 'out_invoice' AND am.state = 'posted'
               AND am.company_id = %s AND am.commercial_partner_id IS NOT NULL AND %s
             GROUP BY am.commercial_partner_id
            HAVING MAX(am.invoice_date) %s %s
            """,
            self.company_id.id,
            self._readable_sql("account.move", "am"),
            operator,
            rule._reference_date(),
        )

    def _rule_sql_revenue(self, rule):
        reached = SQL(
            """
            SELECT am.commercial_partner_id
              FROM account_move am
             WHERE am.move_type IN ('out_invoice', 'out_refund') AND am.state = 'posted'
               AND am.company_id = %s AND am.commercial_partner_id IS NOT NULL
               AND am.invoice_date >= %s AND %s
             GROUP BY am.commercial_partner_id
            HAVING SUM(am.amount_untaxed_signed) >= %s
            """,
            self.company_id.id,
            rule._reference_date(),
            self._readable_sql("account.move", "am"),
            rule.amount,
        )
        return reached if rule.operator == "at_least" else self._commercial_not_in(reached)

    def _rule_sql_open_opportunity(self, rule):
        return SQL(
            """
            SELECT DISTINCT cp.commercial_partner_id
              FROM crm_lead l
              JOIN res_partner cp ON cp.id = l.partner_id
             WHERE l.type = 'opportunity' AND l.active AND COALESCE(l.probability, 0) < 100
               AND (l.company_id IS NULL OR l.company_id = %s) AND %s
            """,
            self.company_id.id,
            self._readable_sql("crm.lead", "l"),
        )

    def _rule_sql_category(self, rule):
        return SQL(
            """
            SELECT DISTINCT cp.commercial_partner_id
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner cp ON cp.id = so.partner_id
              JOIN product_product pp ON pp.id = sol.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN product_category pc ON pc.id = pt.categ_id
             WHERE so.state = 'sale' AND so.company_id = %s AND so.date_order::date >= %s
               AND pc.parent_path LIKE %s AND %s
            """,
            self.company_id.id,
            rule._reference_date(),
            f"{rule.categ_id.parent_path}%",
            self._readable_sql("sale.order", "so"),
        )

    def _rules_env(self):
        """The environment the customer rules are evaluated in: their author's access rights, in
        the companies the author works in (never superuser, even from the cron)."""
        self.ensure_one()
        return author_env(self.env, self.rules_user_id or self.create_uid)

    def _members_sql(self):
        """One ``SELECT`` of the member partner ids: the domain intersected with every rule."""
        self.ensure_one()
        partners = self._rules_env()["res.partner"].with_context(active_test=True)
        domain_query = partners._search(self._members_domain())
        conditions = [SQL("rp.id IN %s", domain_query.subselect())]
        for rule in self.rule_ids:
            conditions.append(SQL("rp.commercial_partner_id IN (%s)", self._segment_rule_sql(rule)))
        return SQL(
            "SELECT rp.id FROM res_partner rp WHERE %s",
            SQL(" AND ").join(conditions),
        )

    # ------------------------------------------------------------------
    # refresh
    # ------------------------------------------------------------------

    def action_refresh_members(self):
        """Recomputes the members of the segments, writes them in bulk and logs their sizes."""
        if not self:
            return True
        self.check_access("write")
        segments = self.sudo()
        self.env.flush_all()
        cr = self.env.cr
        # one refresh of a segment at a time: a second one waits here, then fails to serialize
        # (the first updated the segment's row) and Odoo retries it on the committed members
        cr.execute(
            SQL(
                "SELECT id FROM crm_ext_segment WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
                tuple(self.ids),
            )
        )
        counts = {}
        for segment in segments:
            # only what changed is written: the members who left are deleted, the new ones
            # inserted (a refresh rewrote every member before: 3.5 s for 160,000 members)
            cr.execute(
                SQL(
                    """
                    WITH target AS MATERIALIZED (%(members)s),
                    deleted AS (
                        DELETE FROM %(table)s member
                         WHERE member.segment_id = %(segment)s
                           AND NOT EXISTS (SELECT 1 FROM target WHERE target.id = member.partner_id)
                        RETURNING 1
                    ),
                    inserted AS (
                        INSERT INTO %(table)s (segment_id, partner_id)
                        SELECT %(segment)s, target.id FROM target
                         WHERE NOT EXISTS (SELECT 1 FROM %(table)s member
                                            WHERE member.segment_id = %(segment)s
                                              AND member.partner_id = target.id)
                        RETURNING 1
                    )
                    SELECT (SELECT COUNT(*) FROM target), (SELECT COUNT(*) FROM deleted),
                           (SELECT COUNT(*) FROM inserted)
                    """,
                    table=SQL.identifier(MEMBER_TABLE),
                    segment=segment.id,
                    members=segment._members_sql(),
                )
            )
            counts[segment.id] = cr.fetchone()[0]
        now = fields.Datetime.now()
        cr.execute(
            SQL(
                """
                UPDATE crm_ext_segment s
                   SET member_count = v.member_count, last_refresh_date = %s,
                       write_date = %s, write_uid = %s
                  FROM unnest(%s::int[], %s::int[]) AS v(id, member_count)
                 WHERE s.id = v.id
                """,
                now,
                now,
                self.env.uid,
                list(counts),
                list(counts.values()),
            )
        )
        segments.invalidate_recordset(["member_ids", "member_count", "last_refresh_date", "write_date"])
        self.env["res.partner"].invalidate_model(["crm_ext_segment_ids"])
        self.env["crm_ext.segment.history"].sudo().create(
            [
                {"segment_id": segment.id, "date": now, "member_count": counts[segment.id]}
                for segment in segments
            ]
        )
        return True

    @api.model
    def _cron_refresh_segments(self):
        segments = self.sudo().search([("active", "=", True)])
        for company, company_segments in segments.grouped("company_id").items():
            company_segments.with_company(company).action_refresh_members()

    def action_view_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Members of %(segment)s", segment=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("crm_ext_segment_ids", "in", self.ids)],
        }

    def action_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_ext_marketing.crm_ext_segment_history_action"
        )
        action["domain"] = [("segment_id", "=", self.id)]
        action["context"] = {"default_segment_id": self.id}
        return action
