from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

COVERAGE_FIELDS = ("cover_parts", "cover_labour", "cover_onsite")


class CrmExtServiceContract(models.Model):
    """A customer's entitlement to service: a sold contract or a product's warranty."""

    _name = "crm_ext.service.contract"
    _description = "Service Contract or Warranty"
    _inherit = ["mail.thread"]
    _order = "end_date desc, id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    contract_type = fields.Selection(
        [("contract", "Service Contract"), ("warranty", "Warranty")],
        string="Type",
        required=True,
        default="contract",
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
    )
    product_id = fields.Many2one("product.product", required=True, index=True)
    start_date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    end_date = fields.Date(required=True, tracking=True)
    state = fields.Selection(
        [("active", "Active"), ("expired", "Expired"), ("future", "Not Started")],
        string="Status",
        compute="_compute_state",
        search="_search_state",
    )
    cover_parts = fields.Boolean(string="Parts", default=True, tracking=True)
    cover_labour = fields.Boolean(string="Labour", default=True, tracking=True)
    cover_onsite = fields.Boolean(string="On-site", tracking=True)
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Sale Order Line",
        index="btree_not_null",
        copy=False,
        groups="base.group_user",
    )
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", store=True, index="btree_not_null")
    lot_ids = fields.Many2many("stock.lot", string="Serial Numbers", copy=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    note = fields.Text(groups="base.group_user")

    @api.depends("start_date", "end_date")
    @api.depends_context("date")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for contract in self:
            if contract.start_date and contract.start_date > today:
                contract.state = "future"
            elif contract.end_date and contract.end_date < today:
                contract.state = "expired"
            else:
                contract.state = "active"

    def _search_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise NotImplementedError(_("Unsupported search on the contract status."))
        today = fields.Date.context_today(self)
        domains = {
            "active": [("start_date", "<=", today), ("end_date", ">=", today)],
            "expired": [("end_date", "<", today)],
            "future": [("start_date", ">", today)],
        }
        states = {value} if isinstance(value, str) else set(value)
        if operator in ("!=", "not in"):
            states = set(domains) - states
        if not states:
            return [(0, "=", 1)]
        domain = ["|"] * (len(states) - 1)
        for state in sorted(states):
            domain += ["&", *domains[state]] if len(domains[state]) == 2 else domains[state]
        return domain

    @api.constrains("start_date", "end_date")
    def _check_dates(self):
        for contract in self:
            if contract.end_date < contract.start_date:
                raise ValidationError(
                    _("Contract %(contract)s cannot end before it starts.", contract=contract.name)
                )

    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for contract in self:
            if contract.partner_id.company_id and contract.partner_id.company_id != contract.company_id:
                raise ValidationError(
                    _(
                        "Contract %(contract)s belongs to %(company)s but its customer to %(other)s.",
                        contract=contract.name,
                        company=contract.company_id.name,
                        other=contract.partner_id.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("crm_ext.service.contract")
                    or "/"
                )
        return super().create(vals_list)

    @api.model
    def _values_from_sale_line(self, line):
        template = line.product_id.product_tmpl_id
        start = fields.Date.context_today(self, line.order_id.date_order)
        return {
            "contract_type": "contract" if template.service_contract else "warranty",
            "partner_id": line.order_id.partner_id.commercial_partner_id.id,
            "product_id": line.product_id.id,
            "start_date": start,
            "end_date": start + relativedelta(months=template.service_duration_months, days=-1),
            "cover_parts": template.service_cover_parts,
            "cover_labour": template.service_cover_labour,
            "cover_onsite": template.service_cover_onsite,
            "sale_line_id": line.id,
            "company_id": line.order_id.company_id.id,
        }

    def _covers(self, on_date):
        """The contracts of self in force on the given date."""
        return self.filtered(lambda c: c.start_date <= on_date <= c.end_date)
