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
            "contract_type": "contract" if template.crm_ext_service_contract else "warranty",
            "partner_id": line.order_id.partner_id.commercial_partner_id.id,
            "product_id": line.product_id.id,
            "start_date": start,
            "end_date": start + relativedelta(months=template.crm_ext_service_duration_months, days=-1),
            "cover_parts": template.crm_ext_service_cover_parts,
            "cover_labour": template.crm_ext_service_cover_labour,
            "cover_onsite": template.crm_ext_service_cover_onsite,
            "sale_line_id": line.id,
            "company_id": line.order_id.company_id.id,
        }

    def _covers(self, on_date):
        """The contracts of self in force on the given date."""
        return self.filtered(lambda c: c.start_date <= on_date <= c.end_date)

    @api.model
    def _compute_ticket_coverage(self, tickets):
        """Sets the coverage fields of ``tickets`` from their customers' contracts."""
        contracts = (
            self.search(
                [
                    ("partner_id", "in", tickets.commercial_partner_id.ids),
                    ("company_id", "in", tickets.company_id.ids),
                ]
            )
            if tickets.commercial_partner_id
            else self
        )
        for ticket in tickets:
            on_date = fields.Date.context_today(ticket, ticket.create_date or fields.Datetime.now())
            ticket.update(contracts._ticket_coverage(ticket, on_date))

    def _ticket_coverage(self, ticket, on_date):
        """The coverage of ``ticket`` on ``on_date`` among the contracts of self: customer-wide
        ones and those holding its equipment's serial; the equipment's own warranty counts as
        well. Returns the values of the ticket's coverage fields."""
        equipment = ticket.equipment_id
        candidates = self.filtered(
            lambda c: (
                c.partner_id == ticket.commercial_partner_id
                and c.company_id == ticket.company_id
                and ((equipment.lot_id and equipment.lot_id in c.lot_ids) or not c.lot_ids)
            )
        )
        in_force = candidates._covers(on_date).sorted("end_date", reverse=True)
        warranty = equipment.warranty_end_date
        values = {"coverage_contract_id": in_force[:1].id, "cover_parts": False, "cover_labour": False}
        if in_force:
            values["cover_parts"] = any(in_force.mapped("cover_parts"))
            values["cover_labour"] = any(in_force.mapped("cover_labour"))
        if warranty and warranty >= on_date:
            values["cover_parts"] |= equipment.warranty_parts
            values["cover_labour"] |= equipment.warranty_labour
        if in_force:
            note = _(
                "%(contract)s until %(date)s", contract=in_force[0].display_name, date=in_force[0].end_date
            )
            return {**values, "coverage_status": "covered", "coverage_note": note}
        if warranty and warranty >= on_date:
            note = _(
                "Warranty of %(equipment)s until %(date)s", equipment=equipment.display_name, date=warranty
            )
            return {**values, "coverage_status": "covered", "coverage_note": note}
        expired = candidates.filtered(lambda c: c.end_date < on_date).sorted("end_date", reverse=True)
        if expired:
            note = _(
                "%(contract)s ended on %(date)s", contract=expired[0].display_name, date=expired[0].end_date
            )
            return {
                **values,
                "coverage_status": "expired",
                "coverage_contract_id": expired[0].id,
                "coverage_note": note,
            }
        if warranty:
            note = _(
                "Warranty of %(equipment)s ended on %(date)s", equipment=equipment.display_name, date=warranty
            )
            return {**values, "coverage_status": "expired", "coverage_note": note}
        return {**values, "coverage_status": "not_covered", "coverage_note": False}
