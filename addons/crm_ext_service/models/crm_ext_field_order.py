from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

FIELD_ORDER_STATES = [
    ("draft", "Draft"),
    ("scheduled", "Scheduled"),
    ("in_progress", "In Progress"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
]


class CrmExtFieldOrder(models.Model):
    """A technician's visit to the customer for a ticket, with the parts brought along."""

    _name = "crm_ext.field.order"
    _description = "Field Service Order"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "scheduled_start desc, id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    ticket_id = fields.Many2one(
        "crm_ext.ticket", required=True, index=True, ondelete="restrict", tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="The address the technician visits.",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    equipment_id = fields.Many2one(related="ticket_id.equipment_id")
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True, precompute=True)
    user_id = fields.Many2one(
        "res.users",
        string="Technician",
        tracking=True,
        index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    scheduled_start = fields.Datetime(tracking=True)
    duration = fields.Float(string="Planned Hours", default=1.0)
    scheduled_end = fields.Datetime(compute="_compute_scheduled_end", store=True)
    state = fields.Selection(FIELD_ORDER_STATES, default="draft", required=True, tracking=True, copy=False)
    line_ids = fields.One2many("crm_ext.field.order.line", "order_id", string="Parts", copy=True)
    picking_id = fields.Many2one("stock.picking", string="Parts Delivery", readonly=True, copy=False)
    picking_state = fields.Selection(related="picking_id.state", string="Parts Delivery Status")
    hours_worked = fields.Float(tracking=True)
    report = fields.Html(string="Technician Report", sanitize=True)
    signature = fields.Image(max_width=1024, max_height=1024, copy=False, attachment=True)
    signed_by = fields.Char(copy=False)
    signed_on = fields.Datetime(copy=False, readonly=True)
    cover_parts = fields.Boolean(
        string="Parts Covered",
        readonly=True,
        copy=False,
        help="Set on completion from the ticket's coverage.",
    )
    cover_labour = fields.Boolean(string="Labour Covered", readonly=True, copy=False)
    invoice_id = fields.Many2one("account.move", readonly=True, copy=False, index="btree_not_null")
    invoice_state = fields.Selection(related="invoice_id.state", string="Invoice Status")
    currency_id = fields.Many2one(related="company_id.currency_id")
    parts_amount = fields.Monetary(compute="_compute_amounts", store=True, currency_field="currency_id")
    labour_amount = fields.Monetary(compute="_compute_amounts", store=True, currency_field="currency_id")
    color = fields.Integer()

    @api.depends("ticket_id")
    def _compute_partner_id(self):
        for order in self:
            order.partner_id = order.ticket_id.partner_id or order.partner_id

    @api.depends("scheduled_start", "duration")
    def _compute_scheduled_end(self):
        for order in self:
            start = order.scheduled_start
            order.scheduled_end = start and start + timedelta(hours=order.duration)

    @api.depends("line_ids.price_subtotal", "hours_worked", "company_id")
    def _compute_amounts(self):
        for order in self:
            order.parts_amount = sum(order.line_ids.mapped("price_subtotal"))
            order.labour_amount = order.hours_worked * order.company_id._service_labour_product().lst_price

    @api.constrains("hours_worked", "duration")
    def _check_hours(self):
        for order in self:
            if order.hours_worked < 0 or order.duration < 0:
                raise ValidationError(
                    _("Hours cannot be negative on field order %(order)s.", order=order.name)
                )

    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for order in self:
            if order.partner_id.company_id and order.partner_id.company_id != order.company_id:
                raise ValidationError(
                    _(
                        "Field order %(order)s belongs to %(company)s but its customer to %(other)s.",
                        order=order.name,
                        company=order.company_id.name,
                        other=order.partner_id.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        Ticket = self.env["crm_ext.ticket"]
        Ticket.browse(vals["ticket_id"] for vals in vals_list if vals.get("ticket_id"))._check_link_access()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = Ticket.browse(vals.get("ticket_id")).company_id or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code("crm_ext.field.order") or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        if "signature" in vals:
            vals = {**vals, "signed_on": vals["signature"] and fields.Datetime.now()}
        locked = self.filtered(lambda o: o.state in ("done", "cancel"))
        if locked and {"hours_worked", "ticket_id"} & set(vals):
            raise UserError(_("A completed or cancelled field order cannot be changed."))
        # the technician of an order reads its ticket: whoever links an order to a ticket, or
        # gives an order to a technician, must read that ticket before the link opens it
        if vals.get("ticket_id"):
            self.env["crm_ext.ticket"].browse(vals["ticket_id"])._check_link_access()
        if "user_id" in vals:
            self.ticket_id._check_link_access()
        return super().write(vals)

    # ------------------------------------------------------------------ workflow

    def action_schedule(self):
        for order in self:
            if order.state != "draft":
                raise UserError(_("Only a draft field order can be scheduled."))
            if not order.user_id or not order.scheduled_start:
                raise UserError(
                    _("Field order %(order)s needs a technician and a start time.", order=order.name)
                )
        self.state = "scheduled"
        self._create_parts_picking()

    def action_start(self):
        if any(order.state not in ("draft", "scheduled") for order in self):
            raise UserError(_("Only a draft or scheduled field order can start."))
        if any(not order.user_id for order in self):
            raise UserError(_("Assign a technician before starting the field order."))
        drafts = self.filtered(lambda o: o.state == "draft")
        # starting on site without an appointment: the visit starts now
        drafts.filtered(lambda o: not o.scheduled_start).scheduled_start = fields.Datetime.now()
        drafts.action_schedule()
        self.state = "in_progress"

    def action_done(self):
        for order in self:
            if order.state not in ("scheduled", "in_progress"):
                raise UserError(_("Field order %(order)s is not under way.", order=order.name))
            if not order.user_id:
                raise UserError(_("Field order %(order)s has no technician.", order=order.name))
        for order in self:
            order._validate_parts_picking()
            order.write(
                {
                    "state": "done",
                    "cover_parts": order.ticket_id.cover_parts,
                    "cover_labour": order.ticket_id.cover_labour,
                }
            )
            order._create_invoice()

    def action_cancel(self):
        if any(order.state == "done" for order in self):
            raise UserError(_("A completed field order cannot be cancelled."))
        self.picking_id.sudo().filtered(lambda p: p.state != "done").action_cancel()
        self.state = "cancel"

    def action_draft(self):
        if any(order.state != "cancel" for order in self):
            raise UserError(_("Only a cancelled field order can be reset to draft."))
        self.write({"state": "draft", "picking_id": False})

    # ------------------------------------------------------------------ parts

    def _check_parts_editable(self):
        for order in self:
            if order.state in ("done", "cancel") or (order.picking_id and order.picking_state != "cancel"):
                raise UserError(
                    _(
                        "The parts of %(order)s are on their way (or the order is closed): cancel the "
                        "order and reset it to draft to change them.",
                        order=order.name,
                    )
                )

    def _parts_warehouse(self):
        self.ensure_one()
        warehouse = (
            self.env["stock.warehouse"].sudo().search([("company_id", "=", self.company_id.id)], limit=1)
        )
        if not warehouse:
            raise UserError(
                _("Company %(company)s has no warehouse to take parts from.", company=self.company_id.name)
            )
        return warehouse

    def _create_parts_picking(self):
        """A delivery from the warehouse to the customer for the parts, confirmed and reserved."""
        for order in self.filtered(lambda o: o.line_ids and not o.picking_id):
            picking_type = order._parts_warehouse().out_type_id
            source = picking_type.default_location_src_id
            destination = order.partner_id.property_stock_customer or self.env.ref(
                "stock.stock_location_customers"
            )
            picking = (
                self.env["stock.picking"]
                .sudo()
                .with_company(order.company_id)
                .create(
                    {
                        "picking_type_id": picking_type.id,
                        "partner_id": order.partner_id.id,
                        "origin": order.name,
                        "crm_ext_ticket_id": order.ticket_id.id,
                        "location_id": source.id,
                        "location_dest_id": destination.id,
                        "company_id": order.company_id.id,
                        "move_ids": [
                            fields.Command.create(
                                {
                                    "name": line.product_id.display_name,
                                    "product_id": line.product_id.id,
                                    "product_uom_qty": line.quantity,
                                    "product_uom": line.product_uom_id.id,
                                    "location_id": source.id,
                                    "location_dest_id": destination.id,
                                    "company_id": order.company_id.id,
                                }
                            )
                            for line in order.line_ids
                        ],
                    }
                )
            )
            picking.action_confirm()
            picking.action_assign()
            order.picking_id = picking

    def _validate_parts_picking(self):
        """The parts brought were used: the delivery is validated with what it reserved."""
        self.ensure_one()
        picking = self.picking_id.sudo()
        if not picking or picking.state in ("done", "cancel"):
            return
        if picking.state != "assigned" or any(m.state != "assigned" for m in picking.move_ids):
            raise UserError(
                _(
                    "The parts of %(order)s are not all reserved in stock: validate or adjust delivery "
                    "%(picking)s first.",
                    order=self.name,
                    picking=picking.name,
                )
            )
        if any(m.has_tracking != "none" for m in picking.move_ids):
            raise UserError(
                _(
                    "Parts delivery %(picking)s has tracked parts: validate it with their serials first.",
                    picking=picking.name,
                )
            )
        picking.move_ids.picked = True
        picking._action_done()

    # ------------------------------------------------------------------ billing

    def _invoice_line_values(self):
        """Parts not covered by parts coverage, labour not covered by labour coverage."""
        self.ensure_one()
        lines = []
        if not self.cover_parts:
            lines += [
                fields.Command.create(
                    {
                        "product_id": line.product_id.id,
                        "quantity": line.quantity,
                        "product_uom_id": line.product_uom_id.id,
                        "price_unit": line.price_unit,
                    }
                )
                for line in self.line_ids
                if line.quantity
            ]
        labour = self.company_id._service_labour_product()
        if not self.cover_labour and self.hours_worked:
            if not labour:
                raise UserError(_("Set the labour product in the Service settings to invoice field work."))
            lines.append(
                fields.Command.create(
                    {
                        "product_id": labour.id,
                        "name": _("Labour: %(order)s", order=self.name),
                        "quantity": self.hours_worked,
                        "product_uom_id": labour.uom_id.id,
                        "price_unit": labour.lst_price,
                    }
                )
            )
        return lines

    def _create_invoice(self):
        self.ensure_one()
        lines = self._invoice_line_values()
        if not lines:
            return self.env["account.move"]
        values = {
            "move_type": "out_invoice",
            "partner_id": self.partner_id.commercial_partner_id.id,
            "company_id": self.company_id.id,
            "invoice_origin": f"{self.name} ({self.ticket_id.number})",
            "ref": self.ticket_id.name,
            "crm_ext_ticket_id": self.ticket_id.id,
            "invoice_line_ids": lines,
        }
        if self.ticket_id.lead_id:
            values["crm_ext_opportunity_id"] = self.ticket_id.lead_id.id
        invoice = self.env["account.move"].sudo().with_company(self.company_id).create(values)
        self.invoice_id = invoice
        self.message_post(body=_("Billable work invoiced on %(invoice)s.", invoice=invoice._get_html_link()))
        return invoice

    # ------------------------------------------------------------------ smart buttons

    def action_view_picking(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "view_mode": "form",
            "res_id": self.picking_id.id,
        }

    def action_view_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "res_id": self.invoice_id.id,
        }
