from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmExtEquipment(models.Model):
    """An item of the customer's installed base: a delivered serial or a device bought elsewhere."""

    _name = "crm_ext.equipment"
    _description = "Customer Equipment"
    _inherit = ["mail.thread"]
    _order = "partner_id, name, id"
    _rec_names_search = ["name", "serial_number"]

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, tracking=True)
    product_id = fields.Many2one(
        "product.product", index="btree_not_null", help="Empty for equipment bought elsewhere."
    )
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial", index="btree_not_null", copy=False)
    serial_number = fields.Char(
        compute="_compute_serial_number", store=True, readonly=False, precompute=True, copy=False
    )
    origin = fields.Selection(
        [("delivery", "Delivered by us"), ("manual", "Bought elsewhere")],
        required=True,
        default="manual",
        readonly=True,
    )
    delivery_date = fields.Date(tracking=True)
    move_id = fields.Many2one(
        "stock.move", string="Delivery Move", readonly=True, copy=False, groups="base.group_user"
    )
    picking_id = fields.Many2one(related="move_id.picking_id", string="Delivery", groups="base.group_user")
    warranty_end_date = fields.Date(
        compute="_compute_warranty_end_date",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="From the product's warranty months after the delivery date, or entered.",
    )
    warranty_parts = fields.Boolean(string="Warranty Covers Parts", default=True)
    warranty_labour = fields.Boolean(string="Warranty Covers Labour", default=True)
    under_warranty = fields.Boolean(compute="_compute_under_warranty", search="_search_under_warranty")
    contract_ids = fields.Many2many(
        "crm_ext.service.contract", compute="_compute_contract_ids", string="Contracts"
    )
    ticket_ids = fields.One2many("crm_ext.ticket", "equipment_id", string="Tickets", groups="base.group_user")
    ticket_count = fields.Integer(compute="_compute_ticket_count", groups="base.group_user")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    note = fields.Text(groups="base.group_user")

    _sql_constraints = [
        ("lot_company_uniq", "UNIQUE (lot_id, company_id)", "A serial number is one piece of equipment."),
    ]

    @api.depends("lot_id")
    def _compute_serial_number(self):
        for equipment in self:
            if equipment.lot_id:
                equipment.serial_number = equipment.lot_id.name

    @api.depends("delivery_date", "product_id")
    def _compute_warranty_end_date(self):
        for equipment in self:
            template = equipment.product_id.product_tmpl_id
            if equipment.delivery_date and template.crm_ext_service_warranty:
                equipment.warranty_end_date = equipment.delivery_date + relativedelta(
                    months=template.crm_ext_service_duration_months, days=-1
                )
            else:
                equipment.warranty_end_date = equipment.warranty_end_date

    @api.depends("warranty_end_date")
    @api.depends_context("date")
    def _compute_under_warranty(self):
        today = fields.Date.context_today(self)
        for equipment in self:
            equipment.under_warranty = bool(
                equipment.warranty_end_date and equipment.warranty_end_date >= today
            )

    def _search_under_warranty(self, operator, value):
        if operator not in ("=", "!="):
            raise NotImplementedError(_("Unsupported search on the warranty."))
        today = fields.Date.context_today(self)
        positive = (operator == "=") == bool(value)
        if positive:
            return [("warranty_end_date", ">=", today)]
        return ["|", ("warranty_end_date", "=", False), ("warranty_end_date", "<", today)]

    @api.depends("lot_id")
    def _compute_contract_ids(self):
        Contract = self.env["crm_ext.service.contract"]
        contracts = Contract.search([("lot_ids", "in", self.lot_id.ids)]) if self.lot_id else Contract
        for equipment in self:
            equipment.contract_ids = contracts.filtered(lambda c, lot=equipment.lot_id: lot in c.lot_ids)

    def _compute_ticket_count(self):
        counts = dict(
            self.env["crm_ext.ticket"]._read_group(
                [("equipment_id", "in", self.ids)], ["equipment_id"], ["__count"]
            )
        )
        for equipment in self:
            equipment.ticket_count = counts.get(equipment, 0)

    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for equipment in self:
            if equipment.partner_id.company_id and equipment.partner_id.company_id != equipment.company_id:
                raise ValidationError(
                    _(
                        "Equipment %(equipment)s belongs to %(company)s but its customer to %(other)s.",
                        equipment=equipment.name,
                        company=equipment.company_id.name,
                        other=equipment.partner_id.company_id.name,
                    )
                )

    @api.model
    def _register_returns(self, moves):
        """Archives the equipment whose serials came back into our stock, with a note on each."""
        lots = moves.move_line_ids.lot_id
        equipment = self.sudo().search([("lot_id", "in", lots.ids)])
        if not equipment:
            return equipment
        equipment.active = False
        pickings = {ml.lot_id: ml.picking_id for ml in moves.move_line_ids if ml.lot_id}
        for item in equipment:
            picking = pickings.get(item.lot_id)
            item.message_post(
                body=_("Returned to our stock by %(picking)s.", picking=picking.name if picking else "-"),
                subtype_xmlid="mail.mt_note",
            )
        return equipment

    def _register_deliveries(self, moves):
        """Creates (or moves to the new customer) the equipment of the serials delivered by done
        outgoing moves, in bulk; links the serials to the contracts of the moves' order lines."""
        Equipment = self.sudo().with_context(active_test=False)
        rows = {}
        move_lines = (
            self.env["stock.move.line"]
            .sudo()
            .search_fetch([("move_id", "in", moves.ids), ("lot_id", "!=", False)], ["lot_id", "move_id"])
        )
        for move_line in move_lines:
            move = move_line.move_id
            partner = (move.picking_id.partner_id or move.partner_id).commercial_partner_id
            if partner:
                rows[move_line.lot_id] = (move, partner)
        if not rows:
            return Equipment
        lots = self.env["stock.lot"].union(*rows)
        existing = {e.lot_id: e for e in Equipment.search([("lot_id", "in", lots.ids)])}
        to_create = []
        to_write = defaultdict(lambda: Equipment)
        for lot, (move, partner) in rows.items():
            values = {
                "partner_id": partner.id,
                "delivery_date": fields.Date.context_today(self, move.date),
                "move_id": move.id,
                "active": True,
            }
            if lot in existing:
                to_write[tuple(values.items())] |= existing[lot]
                continue
            to_create.append(
                {
                    **values,
                    "name": lot.product_id.display_name,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    "origin": "delivery",
                    "company_id": move.company_id.id,
                    "warranty_parts": lot.product_id.crm_ext_service_cover_parts,
                    "warranty_labour": lot.product_id.crm_ext_service_cover_labour,
                }
            )
        contracts = (
            self.env["crm_ext.service.contract"]
            .sudo()
            .search([("sale_line_id", "in", moves.sale_line_id.ids)])
        )
        for contract in contracts:
            lots_of_line = lots.filtered(lambda lot, c=contract: rows[lot][0].sale_line_id == c.sale_line_id)
            if lots_of_line:
                contract.lot_ids = [fields.Command.link(lot.id) for lot in lots_of_line]
        for values, equipment in to_write.items():
            equipment.write(dict(values))
        created = Equipment.with_context(mail_create_nolog=True).create(to_create)
        return created | Equipment.browse([e.id for e in existing.values()])

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_ticket_action")
        action["domain"] = [("equipment_id", "=", self.id)]
        action["context"] = {"default_equipment_id": self.id, "default_partner_id": self.partner_id.id}
        return action
