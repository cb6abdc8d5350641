from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero

RETURN_FOLLOW_UPS = [
    ("return", "Return into Stock"),
    ("credit", "Return and Credit Note"),
    ("replace", "Return and Replacement"),
    ("refund", "Credit Note without Return"),
]
NEEDS_RETURN = ("return", "credit", "replace")
NEEDS_CREDIT = ("credit", "refund")


def format_quantity(value):
    """2.0 reads 2 and 1.5 reads 1.5 in messages."""
    return f"{value:g}"


class CrmExtReturnLine(models.Model):
    """A delivered order line (and serial) the customer complains about, and what we do about it.

    Lines are drafted on the ticket, then processed together: Odoo's return picking brings the goods
    back (with the exact serials), Odoo's invoice reversal credits them, an exchange delivery replaces
    them. Quantities are checked against what was delivered and invoiced before anything is created.
    """

    _name = "crm_ext.return.line"
    _description = "Ticket Return Line"
    _order = "ticket_id, id"

    ticket_id = fields.Many2one("crm_ext.ticket", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True, precompute=True)
    partner_id = fields.Many2one(
        related="ticket_id.commercial_partner_id", string="Customer", store=True, index=True, precompute=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        index=True,
        domain="[('order_id.partner_id', 'child_of', partner_id), ('company_id', '=', company_id),"
        " ('display_type', '=', False), ('qty_delivered', '>', 0)]",
    )
    order_id = fields.Many2one(related="sale_line_id.order_id", string="Sales Order", store=True, index=True)
    product_id = fields.Many2one(related="sale_line_id.product_id", store=True, index=True)
    product_tracking = fields.Selection(related="product_id.tracking")
    product_uom_id = fields.Many2one(related="sale_line_id.product_uom", string="Unit of Measure")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial",
        domain="[('product_id', '=', product_id), ('company_id', 'in', (company_id, False))]",
    )
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure", required=True)
    reason_id = fields.Many2one("crm_ext.return.reason", required=True)
    follow_up = fields.Selection(RETURN_FOLLOW_UPS, required=True, default="credit")
    note = fields.Char()
    state = fields.Selection(
        [("draft", "To Process"), ("done", "Processed")], default="draft", required=True, readonly=True
    )
    processed_date = fields.Datetime(readonly=True, copy=False)
    return_picking_id = fields.Many2one("stock.picking", string="Return", readonly=True, copy=False)
    return_state = fields.Selection(related="return_picking_id.state", string="Return Status")
    replacement_picking_id = fields.Many2one("stock.picking", string="Replacement", readonly=True, copy=False)
    invoice_id = fields.Many2one("account.move", string="Credited Invoice", readonly=True, copy=False)
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)
    currency_id = fields.Many2one(related="company_id.currency_id")
    credit_amount = fields.Monetary(
        readonly=True, copy=False, help="Untaxed amount of this line on its credit note, when processed."
    )

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            if float_compare(line.quantity, 0.0, precision_digits=6) <= 0:
                raise ValidationError(_("The quantity to return or credit must be positive."))

    @api.constrains("lot_id", "sale_line_id", "quantity")
    def _check_lot(self):
        for line in self.filtered("lot_id"):
            if line.lot_id.product_id != line.product_id:
                raise ValidationError(
                    _(
                        "Serial %(lot)s is not a %(product)s.",
                        lot=line.lot_id.name,
                        product=line.product_id.display_name,
                    )
                )
            if line.product_tracking == "serial" and float_compare(line.quantity, 1.0, precision_digits=6):
                raise ValidationError(
                    _("A serial number is one unit: return serial %s with quantity 1.", line.lot_id.name)
                )

    @api.constrains("sale_line_id", "ticket_id")
    def _check_customer(self):
        for line in self:
            if line.sale_line_id.order_id.partner_id.commercial_partner_id != line.partner_id:
                raise ValidationError(
                    _(
                        "Order %(order)s was not sold to the ticket's customer.",
                        order=line.sale_line_id.order_id.name,
                    )
                )

    @api.constrains("sale_line_id", "lot_id", "ticket_id")
    def _check_company(self):
        for line in self:
            line._company_mismatch(ValidationError)

    def _company_mismatch(self, error):
        """Raises ``error`` when the order line or the serial is of another company than the ticket."""
        self.ensure_one()
        for record, message in (
            (
                self.sale_line_id,
                _("Order line %(record)s belongs to %(company)s, but ticket %(ticket)s to %(own)s."),
            ),
            (
                self.lot_id,
                _("Serial or lot %(record)s belongs to %(company)s, but ticket %(ticket)s to %(own)s."),
            ),
        ):
            if record.company_id and record.company_id != self.company_id:
                raise error(
                    message
                    % {
                        "record": record.display_name,
                        "company": record.company_id.name,
                        "ticket": self.ticket_id.display_name,
                        "own": self.company_id.name,
                    }
                )

    @api.model_create_multi
    def create(self, vals_list):
        Ticket = self.env["crm_ext.ticket"]
        Ticket.browse(vals["ticket_id"] for vals in vals_list if vals.get("ticket_id"))._check_link_access()
        return super().create(vals_list)

    def write(self, vals):
        if self.filtered(lambda line: line.state == "done") and set(vals) - {"note"}:
            raise UserError(_("A processed return line cannot be changed."))
        if vals.get("ticket_id"):
            self.env["crm_ext.ticket"].browse(vals["ticket_id"])._check_link_access()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if self.filtered(lambda line: line.state == "done"):
            raise UserError(_("A processed return line cannot be deleted."))

    # ------------------------------------------------------------------ checks

    @staticmethod
    def _delivered_moves(sale_line):
        """Done deliveries of the order line to the customer (not returns, not returns of returns)."""
        return sale_line.move_ids.filtered(
            lambda m: (
                m.state == "done"
                and m.location_dest_id.usage == "customer"
                and m.location_id.usage != "customer"
                and not m.origin_returned_move_id
            )
        ).sorted("id", reverse=True)

    @staticmethod
    def _move_quantity(move, uom):
        quantity = move.quantity if move.state == "done" else move.product_uom_qty
        return move.product_uom._compute_quantity(quantity, uom)

    def _returned_quantity(self, move, uom):
        returns = move.returned_move_ids.filtered(lambda m: m.state != "cancel")
        return sum(self._move_quantity(m, uom) for m in returns)

    def _check_returnable(self):
        """Refuse returning more than what was delivered and not yet returned, and unknown serials."""
        to_return = self.filtered(lambda line: line.follow_up in NEEDS_RETURN)
        for sale_line, lines in to_return.grouped("sale_line_id").items():
            uom = sale_line.product_uom
            delivered = self._delivered_moves(sale_line)
            returnable = sum(self._move_quantity(m, uom) - self._returned_quantity(m, uom) for m in delivered)
            asked = sum(lines.mapped("quantity"))
            if float_compare(asked, returnable, precision_rounding=uom.rounding) > 0:
                raise UserError(
                    _(
                        "You cannot return %(asked)s %(uom)s of %(product)s from %(order)s: "
                        "only %(returnable)s were delivered and not returned yet.",
                        asked=format_quantity(asked),
                        uom=uom.name,
                        product=sale_line.product_id.display_name,
                        order=sale_line.order_id.name,
                        returnable=format_quantity(returnable),
                    )
                )
            if sale_line.product_id.tracking == "none":
                continue
            if any(not line.lot_id for line in lines):
                raise UserError(
                    _("Choose the serial or lot of %s to return.", sale_line.product_id.display_name)
                )
            delivered_lots = delivered.move_line_ids.lot_id
            returned_lots = delivered.returned_move_ids.filtered(
                lambda m: m.state != "cancel"
            ).move_line_ids.lot_id
            if sale_line.product_id.tracking == "serial":
                seen = set()
                for line in lines:
                    if (
                        line.lot_id not in delivered_lots
                        or line.lot_id in returned_lots
                        or line.lot_id in seen
                    ):
                        raise UserError(
                            _(
                                "Serial %(lot)s was not delivered on %(order)s, or is already returned.",
                                lot=line.lot_id.name,
                                order=sale_line.order_id.name,
                            )
                        )
                    seen.add(line.lot_id)
            elif lines.lot_id - delivered_lots:
                raise UserError(
                    _(
                        "Lot %(lot)s was not delivered on %(order)s.",
                        lot=(lines.lot_id - delivered_lots)[0].name,
                        order=sale_line.order_id.name,
                    )
                )

    @staticmethod
    def _invoiced_lines(sale_line):
        return sale_line.invoice_lines.filtered(
            lambda rec: rec.move_id.move_type == "out_invoice" and rec.move_id.state == "posted"
        )

    @staticmethod
    def _credited_lines(sale_line):
        return sale_line.invoice_lines.filtered(
            lambda rec: rec.move_id.move_type == "out_refund" and rec.move_id.state != "cancel"
        )

    @staticmethod
    def _line_quantity(aml, uom):
        return aml.product_uom_id._compute_quantity(aml.quantity, uom) if aml.product_uom_id else aml.quantity

    def _check_creditable(self):
        """Refuse crediting more than was invoiced (posted) and not yet credited."""
        to_credit = self.filtered(lambda line: line.follow_up in NEEDS_CREDIT)
        for sale_line, lines in to_credit.grouped("sale_line_id").items():
            uom = sale_line.product_uom
            invoiced = sum(self._line_quantity(aml, uom) for aml in self._invoiced_lines(sale_line))
            credited = sum(self._line_quantity(aml, uom) for aml in self._credited_lines(sale_line))
            asked = sum(lines.mapped("quantity"))
            if float_compare(asked, invoiced - credited, precision_rounding=uom.rounding) > 0:
                raise UserError(
                    _(
                        "You cannot credit %(asked)s %(uom)s of %(product)s from %(order)s: "
                        "only %(creditable)s were invoiced and not credited yet.",
                        asked=format_quantity(asked),
                        uom=uom.name,
                        product=sale_line.product_id.display_name,
                        order=sale_line.order_id.name,
                        creditable=format_quantity(invoiced - credited),
                    )
                )

    # ------------------------------------------------------------------ processing

    def _process(self):
        """Check every line, then create the returns, replacements and credit notes in one go."""
        lines = self.filtered(lambda line: line.state == "draft")
        if not lines:
            raise UserError(_("There is nothing to process: add the order lines to return or credit first."))
        # who may process is decided on the ticket and the lines, as the user; only then do
        # stock and accounting run as the system, on lines of the ticket's own company
        lines.ticket_id.check_access("write")
        lines.check_access("write")
        lines = lines.sudo()
        for line in lines:
            line._company_mismatch(UserError)
        lines._check_returnable()
        lines._check_creditable()
        for ticket, ticket_lines in lines.grouped("ticket_id").items():
            ticket_lines = ticket_lines.with_company(ticket.company_id)
            ticket_lines._create_returns(ticket)
            ticket_lines._create_credit_notes(ticket)
            ticket_lines.write({"state": "done", "processed_date": fields.Datetime.now()})
            ticket._post_return_summary(ticket_lines)
        return True

    def _allocate_to_moves(self):
        """{(picking, is_replacement): {move: [quantity, lots]}} for the lines that need a return."""
        allocation = defaultdict(lambda: defaultdict(lambda: [0.0, self.env["stock.lot"]]))
        line_pickings = {}
        for line in self.filtered(lambda rec: rec.follow_up in NEEDS_RETURN):
            uom = line.sale_line_id.product_uom
            moves = self._delivered_moves(line.sale_line_id)
            if line.lot_id:
                moves = moves.filtered(lambda m, lot=line.lot_id: lot in m.move_line_ids.lot_id)
            needed = line.quantity
            for move in moves:
                taken = sum(
                    quantity
                    for group in allocation.values()
                    for m, (quantity, _lots) in group.items()
                    if m == move
                )
                free = self._move_quantity(move, uom) - self._returned_quantity(move, uom) - taken
                if float_compare(free, 0.0, precision_rounding=uom.rounding) <= 0:
                    continue
                quantity = min(free, needed)
                entry = allocation[(move.picking_id, line.follow_up == "replace")][move]
                entry[0] += quantity
                entry[1] |= line.lot_id
                line_pickings[line] = (move.picking_id, line.follow_up == "replace")
                needed -= quantity
                if float_is_zero(needed, precision_rounding=uom.rounding):
                    break
        return allocation, line_pickings

    def _create_returns(self, ticket):
        allocation, line_pickings = self._allocate_to_moves()
        made = {}
        for (picking, replace), moves in allocation.items():
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_ids=picking.ids, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            for wizard_line in wizard.product_return_moves:
                wizard_line.quantity = moves.get(wizard_line.move_id, [0.0])[0]
            wizard.product_return_moves.filtered(
                lambda rec: float_is_zero(rec.quantity, precision_digits=6)
            ).unlink()
            sale_moves_before = picking.move_ids.sale_line_id.move_ids
            if replace:
                action = wizard.action_create_exchanges()
            else:
                action = wizard.action_create_returns()
            return_picking = self.env["stock.picking"].browse(action["res_id"])
            return_picking.crm_ext_ticket_id = ticket
            self._set_return_lots(return_picking, moves)
            replacement = self.env["stock.picking"]
            if replace:
                new_moves = (
                    picking.move_ids.sale_line_id.move_ids - sale_moves_before - return_picking.move_ids
                )
                replacement = new_moves.filtered(lambda m: m.location_dest_id.usage == "customer").picking_id
                replacement.crm_ext_ticket_id = ticket
            made[(picking, replace)] = (return_picking, replacement)
        for line, key in line_pickings.items():
            return_picking, replacement = made[key]
            line.write({"return_picking_id": return_picking.id, "replacement_picking_id": replacement[:1].id})

    def _set_return_lots(self, return_picking, moves):
        """Odoo proposes the first delivered serials; the customer sends back the ones chosen."""
        MoveLine = self.env["stock.move.line"]
        for move in return_picking.move_ids:
            quantity, lots = moves.get(move.origin_returned_move_id, [0.0, MoveLine.lot_id])
            if not lots:
                continue
            move.move_line_ids.unlink()
            per_lot = 1.0 if move.product_id.tracking == "serial" else quantity / len(lots)
            MoveLine.create(
                [
                    {
                        "move_id": move.id,
                        "picking_id": return_picking.id,
                        "product_id": move.product_id.id,
                        "product_uom_id": move.product_uom.id,
                        "lot_id": lot.id,
                        "quantity": per_lot,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                    for lot in lots
                ]
            )

    def _allocate_to_invoices(self, ticket):
        """{invoice: {sale_line: quantity}}: the ticket's invoice first, then the newest ones."""
        allocation = defaultdict(lambda: defaultdict(float))
        line_invoices = defaultdict(lambda: self.env["account.move"])
        for sale_line, lines in (
            self.filtered(lambda rec: rec.follow_up in NEEDS_CREDIT).grouped("sale_line_id").items()
        ):
            uom = sale_line.product_uom
            needed = sum(lines.mapped("quantity"))
            invoices = self._invoiced_lines(sale_line).move_id.sorted(
                lambda m: (
                    m != ticket.invoice_id,
                    -(m.invoice_date or fields.Date.today()).toordinal(),
                    -m.id,
                )
            )
            for invoice in invoices:
                invoiced = sum(
                    self._line_quantity(aml, uom)
                    for aml in self._invoiced_lines(sale_line).filtered(
                        lambda a, inv=invoice: a.move_id == inv
                    )
                )
                credited = sum(
                    self._line_quantity(aml, uom)
                    for aml in self._credited_lines(sale_line).filtered(
                        lambda a, inv=invoice: a.move_id.reversed_entry_id == inv
                    )
                )
                free = invoiced - credited
                if float_compare(free, 0.0, precision_rounding=uom.rounding) <= 0:
                    continue
                quantity = min(free, needed)
                allocation[invoice][sale_line] += quantity
                line_invoices[lines] |= invoice
                needed -= quantity
                if float_is_zero(needed, precision_rounding=uom.rounding):
                    break
            if not float_is_zero(needed, precision_rounding=uom.rounding):
                raise UserError(
                    _(
                        "The invoices of %(order)s do not leave %(quantity)s of %(product)s to credit.",
                        order=sale_line.order_id.name,
                        quantity=format_quantity(needed),
                        product=sale_line.product_id.display_name,
                    )
                )
        return allocation, line_invoices

    def _create_credit_notes(self, ticket):
        allocation, line_invoices = self._allocate_to_invoices(ticket)
        credit_notes = {}
        for invoice, quantities in allocation.items():
            reasons = ", ".join(
                self.filtered(lambda rec, sold=quantities: rec.sale_line_id in sold).reason_id.mapped("name")
            )
            credit_note = invoice._reverse_moves(
                [
                    {
                        "ref": _("Reversal of: %(invoice)s, %(reason)s (%(ticket)s)",
                                 invoice=invoice.name, reason=reasons, ticket=ticket.number),
                        "crm_ext_ticket_id": ticket.id,
                    }
                ]
            )  # fmt: skip
            remaining = dict(quantities)
            commands = []
            for aml in credit_note.invoice_line_ids.filtered(lambda rec: rec.display_type == "product"):
                sale_line = aml.sale_line_ids[:1]
                quantity = remaining.pop(sale_line, 0.0)
                if quantity:
                    commands.append(Command.update(aml.id, {"quantity": quantity}))
                else:
                    commands.append(Command.delete(aml.id))
            credit_note.write({"invoice_line_ids": commands})
            credit_notes[invoice] = credit_note
        for lines, invoices in line_invoices.items():
            notes = self.env["account.move"].concat(*(credit_notes[invoice] for invoice in invoices))
            amount = sum(
                notes.invoice_line_ids.filtered(
                    lambda a, sl=lines.sale_line_id: sl in a.sale_line_ids
                ).mapped("price_subtotal")
            )
            total = sum(lines.mapped("quantity"))
            for line in lines:
                line.write(
                    {
                        "invoice_id": invoices[:1].id,
                        "credit_note_id": notes[:1].id,
                        "credit_amount": amount * line.quantity / total,
                    }
                )
