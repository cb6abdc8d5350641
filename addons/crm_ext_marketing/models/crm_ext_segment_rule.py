from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

DATE_RULES = ("last_order", "last_invoice")


class CrmExtSegmentRule(models.Model):
    """One behaviour condition of a segment; the rules of a segment are combined with AND."""

    _name = "crm_ext.segment.rule"
    _description = "Segment Behaviour Rule"
    _order = "segment_id, sequence, id"

    segment_id = fields.Many2one("crm_ext.segment", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="segment_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Condition", compute="_compute_name")
    rule_type = fields.Selection(
        selection="_selection_rule_type", string="Rule", required=True, default="last_order"
    )
    operator = fields.Selection(
        [
            ("before", "Before"),
            ("after", "On or after"),
            ("at_least", "At least"),
            ("less_than", "Less than"),
        ],
        compute="_compute_operator",
        store=True,
        readonly=False,
        help="Dates: before / on or after the reference date. "
        "Revenue and orders: at least / less than the amount or count.",
    )
    date_mode = fields.Selection(
        [("days_ago", "Days ago"), ("date", "Fixed date")],
        string="Reference",
        required=True,
        default="days_ago",
        help="The reference date of a date rule, or the start of the period of a revenue, "
        "order or category rule.",
    )
    days = fields.Integer(string="Days Ago", default=365)
    date = fields.Date(string="Reference Date")
    currency_id = fields.Many2one(related="segment_id.company_id.currency_id")
    amount = fields.Monetary(currency_field="currency_id")
    order_count = fields.Integer(string="Orders", default=1)
    categ_id = fields.Many2one("product.category", string="Product Category", ondelete="restrict")

    operator_kind = fields.Selection(
        [("date", "Date"), ("threshold", "Threshold")],
        compute="_compute_rule_traits",
        help="How the rule compares: before / on or after a date, or at least / less than a value.",
    )
    uses_period = fields.Boolean(
        compute="_compute_rule_traits", help="The rule has a reference date or the start of a period."
    )

    @api.model
    def _selection_rule_type(self):
        return self.env["crm_ext.segment"]._segment_rule_types()

    @api.model
    def _rule_traits(self):
        """``{rule type: (comparison, uses a period)}``. The comparison is "date" (before / on
        or after the reference date), "threshold" (at least / less than a value) or False.
        Modules adding rule types add theirs here too."""
        return {
            "last_order": ("date", True),
            "last_invoice": ("date", True),
            "revenue": ("threshold", True),
            "order_count": ("threshold", True),
            "category": (False, True),
            "open_opportunity": (False, False),
        }

    @api.depends("rule_type")
    def _compute_rule_traits(self):
        traits = self._rule_traits()
        for rule in self:
            rule.operator_kind, rule.uses_period = traits.get(rule.rule_type, (False, False))

    @api.depends("rule_type")
    def _compute_operator(self):
        for rule in self:
            if rule.operator_kind == "date" and rule.operator not in ("before", "after"):
                rule.operator = "after"
            elif rule.operator_kind == "threshold" and rule.operator not in ("at_least", "less_than"):
                rule.operator = "at_least"
            elif not rule.operator_kind:
                rule.operator = False

    def _reference_date(self):
        """The date the rule compares to (date rules) or its period starts at (the others)."""
        self.ensure_one()
        if self.date_mode == "date":
            return self.date
        return fields.Date.context_today(self) - timedelta(days=self.days)

    @api.depends("rule_type", "operator", "date_mode", "days", "date", "amount", "order_count", "categ_id")
    def _compute_name(self):
        types = dict(self._fields["rule_type"]._description_selection(self.env))
        operators = dict(self._fields["operator"]._description_selection(self.env))
        for rule in self:
            if rule.date_mode == "date":
                since = fields.Date.to_string(rule.date) if rule.date else "?"
            else:
                since = _("%(days)s days ago", days=rule.days)
            label = types.get(rule.rule_type, rule.rule_type or "")
            operator = operators.get(rule.operator, "")
            if rule.rule_type in DATE_RULES:
                rule.name = f"{label} {operator.lower()} {since}"
            elif rule.rule_type == "revenue":
                rule.name = _(
                    "%(label)s %(operator)s %(amount)s since %(since)s",
                    label=label,
                    operator=operator.lower(),
                    amount=rule.amount,
                    since=since,
                )
            elif rule.rule_type == "order_count":
                rule.name = _(
                    "%(label)s %(operator)s %(count)s since %(since)s",
                    label=label,
                    operator=operator.lower(),
                    count=rule.order_count,
                    since=since,
                )
            elif rule.rule_type == "category":
                rule.name = _(
                    "%(label)s “%(category)s” since %(since)s",
                    label=label,
                    category=rule.categ_id.display_name or "?",
                    since=since,
                )
            else:
                rule.name = label

    @api.constrains("rule_type", "operator", "date_mode", "days", "date", "amount", "order_count", "categ_id")
    def _check_rule(self):
        for rule in self:
            if rule.uses_period and rule.date_mode == "date" and not rule.date:
                raise ValidationError(_("A rule with a fixed reference needs a date."))
            if rule.uses_period and rule.date_mode == "days_ago" and rule.days < 0:
                raise ValidationError(_("The number of days of a rule cannot be negative."))
            if rule.operator_kind == "date" and rule.operator not in ("before", "after"):
                raise ValidationError(_("A date rule compares with “before” or “on or after”."))
            if rule.operator_kind == "threshold" and rule.operator not in ("at_least", "less_than"):
                raise ValidationError(_("A revenue or order rule compares with “at least” or “less than”."))
            if rule.rule_type == "order_count" and rule.order_count < 0:
                raise ValidationError(_("The number of orders of a rule cannot be negative."))
            if rule.rule_type == "category" and not rule.categ_id:
                raise ValidationError(_("A product category rule needs a category."))
