from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.crm_ext_sales.models.crm_ext_interaction import CHANNELS

from ..tools.portal_uploads import PORTAL_FILES_PER_TICKET, portal_upload_mimetype

TICKET_CHANNELS = [c for c in CHANNELS if c[0] in ("phone", "email", "chat", "web")] + [
    ("portal", "Portal"),
    ("opportunity", "From opportunity"),
]
TICKET_PRIORITIES = [("0", "Low"), ("1", "Normal"), ("2", "High"), ("3", "Urgent")]
# a change of these fields can change which SLA policies apply
SLA_MATCH_FIELDS = {"team_id", "priority", "category_id", "tag_ids", "partner_id", "company_id"}


class CrmExtTicket(models.Model):
    """A customer's service request."""

    _name = "crm_ext.ticket"
    _description = "Service Ticket"
    _inherit = ["portal.mixin", "rating.mixin", "mail.activity.mixin", "crm_ext.interaction.count.mixin"]
    _order = "priority desc, id desc"
    # customers who can read their ticket on the portal may also write in its chatter
    _mail_post_access = "read"
    _rec_names_search = ["number", "name"]
    _interaction_field = "ticket_id"

    number = fields.Char(string="Ticket Number", readonly=True, copy=False, default=lambda self: _("New"))
    name = fields.Char(string="Subject", required=True, tracking=True)
    description = fields.Html(sanitize=True)
    partner_id = fields.Many2one("res.partner", string="Customer", tracking=True, index=True)
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    team_id = fields.Many2one(
        "crm_ext.service.team",
        tracking=True,
        index=True,
        domain="[('company_id', '=', company_id)]",
        groups="base.group_user",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Assigned to",
        tracking=True,
        index=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    stage_id = fields.Many2one(
        "crm_ext.ticket.stage",
        tracking=True,
        index=True,
        group_expand="_read_group_expand_stage",
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        copy=False,
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]",
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True)
    closed_date = fields.Datetime(readonly=True, copy=False)
    priority = fields.Selection(TICKET_PRIORITIES, default="1", tracking=True)
    category_id = fields.Many2one(
        "crm_ext.ticket.category",
        index=True,
        tracking=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    tag_ids = fields.Many2many("crm_ext.ticket.tag", string="Tags", groups="base.group_user")
    kb_article_ids = fields.Many2many(
        "crm_ext.kb.article",
        "crm_ext_kb_article_ticket_rel",
        "ticket_id",
        "article_id",
        string="Knowledge Articles",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        groups="base.group_user",
    )
    channel = fields.Selection(TICKET_CHANNELS, default="phone", required=True, groups="base.group_user")
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", index="btree_not_null", groups="base.group_user"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    color = fields.Integer(groups="base.group_user")
    # SLA: internal figures, not shown on the portal
    sla_ids = fields.One2many("crm_ext.ticket.sla", "ticket_id", string="SLAs", groups="base.group_user")
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_summary",
        store=True,
        index=True,
        help="The earliest deadline among the ticket's SLAs still open.",
        groups="base.group_user",
    )
    sla_failed = fields.Boolean(
        string="SLA Failed", compute="_compute_sla_summary", store=True, groups="base.group_user"
    )
    first_response_date = fields.Datetime(readonly=True, copy=False, groups="base.group_user")
    first_response_hours = fields.Float(
        compute="_compute_service_hours",
        store=True,
        help="Working hours of the team's calendar from the ticket's creation to the first public reply.",
        groups="base.group_user",
    )
    resolution_hours = fields.Float(
        compute="_compute_service_hours",
        store=True,
        help="Working hours of the team's calendar from the ticket's creation to its closing.",
        groups="base.group_user",
    )
    # merging
    merged_into_id = fields.Many2one("crm_ext.ticket", readonly=True, copy=False, groups="base.group_user")
    # installed base, coverage (contracts and warranty) and field service
    equipment_id = fields.Many2one(
        "crm_ext.equipment",
        index="btree_not_null",
        tracking=True,
        domain="[('partner_id', '=', commercial_partner_id), ('company_id', '=', company_id)]",
    )
    coverage_status = fields.Selection(
        [("covered", "Covered"), ("expired", "Expired"), ("not_covered", "Not Covered")],
        string="Coverage",
        compute="_compute_coverage",
        store=True,
        help="Worked out when the ticket opens and when its customer or equipment changes.",
    )
    coverage_contract_id = fields.Many2one(
        "crm_ext.service.contract",
        string="Covering Contract",
        compute="_compute_coverage",
        store=True,
        groups="base.group_user",
    )
    coverage_note = fields.Char(compute="_compute_coverage", store=True)
    cover_parts = fields.Boolean(
        string="Parts Covered", compute="_compute_coverage", store=True, groups="base.group_user"
    )
    cover_labour = fields.Boolean(
        string="Labour Covered", compute="_compute_coverage", store=True, groups="base.group_user"
    )
    field_order_ids = fields.One2many(
        "crm_ext.field.order", "ticket_id", string="Field Orders", groups="base.group_user"
    )
    # the sale it is about: complaints and returns
    sale_order_id = fields.Many2one(
        "sale.order",
        string="Sales Order",
        index="btree_not_null",
        tracking=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), ('company_id', '=', company_id),"
        " ('state', '=', 'sale')]",
    )
    invoice_id = fields.Many2one(
        "account.move",
        index="btree_not_null",
        tracking=True,
        domain="[('commercial_partner_id', '=', commercial_partner_id), ('company_id', '=', company_id),"
        " ('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    return_line_ids = fields.One2many(
        "crm_ext.return.line", "ticket_id", string="Returns", groups="base.group_user"
    )
    return_picking_count = fields.Integer(compute="_compute_return_counts", groups="base.group_user")
    credit_note_count = fields.Integer(compute="_compute_return_counts", groups="base.group_user")
    field_order_count = fields.Integer(compute="_compute_field_order_count", groups="base.group_user")
    field_invoice_count = fields.Integer(compute="_compute_field_order_count", groups="base.group_user")

    # ------------------------------------------------------------------ computes

    @api.depends("team_id")
    def _compute_stage_id(self):
        Stage = self.env["crm_ext.ticket.stage"]
        first_stage = {}
        for ticket in self:
            stage = ticket.stage_id
            if stage and (not stage.team_ids or ticket.team_id in stage.team_ids):
                continue
            if ticket.team_id not in first_stage:
                first_stage[ticket.team_id] = Stage.search(ticket.team_id._stage_domain(), limit=1)
            ticket.stage_id = first_stage[ticket.team_id]

    @api.depends("sla_ids.deadline", "sla_ids.status")
    def _compute_sla_summary(self):
        for ticket in self:
            deadlines = [sla.deadline for sla in ticket.sla_ids if sla.status == "ongoing" and sla.deadline]
            ticket.sla_deadline = min(deadlines) if deadlines else False
            ticket.sla_failed = any(sla.status == "failed" for sla in ticket.sla_ids)

    @api.depends("create_date", "first_response_date", "closed_date")
    def _compute_service_hours(self):
        for ticket in self:
            ticket.first_response_hours = ticket._working_hours_since_creation(ticket.first_response_date)
            ticket.resolution_hours = ticket._working_hours_since_creation(ticket.closed_date)

    def _working_hours_since_creation(self, end):
        """Working hours from the ticket's creation to ``end`` in its calendar (0 when not ended)."""
        self.ensure_one()
        if not self.create_date or not end:
            return 0.0
        return self._working_hours(self.create_date, end)

    def _working_hours(self, start, end):
        """Working hours between ``start`` and ``end`` in the ticket's calendar (wall-clock
        hours without a calendar); SLA lines count their time with it too."""
        self.ensure_one()
        if end <= start:
            return 0.0
        calendar = self._sla_calendar()
        if calendar:
            return calendar.get_work_duration_data(start, end, compute_leaves=True)["hours"]
        return (end - start).total_seconds() / 3600

    @api.depends("commercial_partner_id", "equipment_id", "company_id")
    def _compute_coverage(self):
        # contracts are read as superuser: agents see a ticket's coverage, not every contract
        self.env["crm_ext.service.contract"].sudo()._compute_ticket_coverage(self)

    def _compute_field_order_count(self):
        counts = dict(
            self.env["crm_ext.field.order"]._read_group(
                [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
            )
        )
        for ticket in self:
            ticket.field_order_count = counts.get(ticket, 0)
            ticket.field_invoice_count = len(ticket.field_order_ids.invoice_id)

    @api.depends("number", "name")
    @api.depends("return_line_ids.state")
    def _compute_return_counts(self):
        for ticket in self:
            done = ticket.return_line_ids.filtered(lambda line: line.state == "done")
            ticket.return_picking_count = len(done.return_picking_id | done.replacement_picking_id)
            ticket.credit_note_count = len(done.credit_note_id)

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f"/my/tickets/{ticket.id}"
        return result

    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"{ticket.number} {ticket.name}" if ticket.number else ticket.name

    @api.model
    def _read_group_expand_stage(self, stages, domain):
        # the kanban shows the team's stages (and the shared ones) as columns
        team = self.env["crm_ext.service.team"].browse(self.env.context.get("default_team_id"))
        search_domain = team._stage_domain() if team else []
        return stages | stages.search(search_domain, order=stages._order)

    # ------------------------------------------------------------------ constraints

    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for ticket in self:
            partner_company = ticket.partner_id.company_id
            if partner_company and partner_company != ticket.company_id:
                raise ValidationError(
                    _(
                        "Ticket %(ticket)s belongs to %(company)s but its customer belongs to %(other)s.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        other=partner_company.name,
                    )
                )

    @api.constrains("team_id", "company_id")
    def _check_team_company(self):
        for ticket in self:
            if ticket.team_id and ticket.team_id.company_id != ticket.company_id:
                raise ValidationError(
                    _(
                        "Ticket %(ticket)s belongs to %(company)s but team %(team)s works for %(other)s.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        team=ticket.team_id.name,
                        other=ticket.team_id.company_id.name,
                    )
                )

    @api.constrains("sale_order_id", "invoice_id", "partner_id", "company_id")
    def _check_sale_documents(self):
        for ticket in self:
            order, invoice = ticket.sale_order_id, ticket.invoice_id
            if order and order.partner_id.commercial_partner_id != ticket.commercial_partner_id:
                raise ValidationError(
                    _("Order %(order)s was not sold to the ticket's customer.", order=order.name)
                )
            for document in (order, invoice):
                if document and document.company_id != ticket.company_id:
                    raise ValidationError(
                        _(
                            "%(document)s belongs to %(company)s, but ticket %(ticket)s to %(own)s.",
                            document=document.display_name,
                            company=document.company_id.name,
                            ticket=ticket.display_name,
                            own=ticket.company_id.name,
                        )
                    )
            if invoice and (
                invoice.commercial_partner_id != ticket.commercial_partner_id
                or invoice.move_type != "out_invoice"
            ):
                raise ValidationError(
                    _(
                        "%(invoice)s is not a customer invoice of the ticket's customer.",
                        invoice=invoice.display_name,
                    )
                )

    @api.constrains("equipment_id", "partner_id")
    def _check_equipment_customer(self):
        for ticket in self.filtered("equipment_id"):
            if ticket.equipment_id.partner_id != ticket.commercial_partner_id:
                raise ValidationError(
                    _(
                        "Equipment %(equipment)s belongs to %(owner)s, not to the ticket's customer.",
                        equipment=ticket.equipment_id.display_name,
                        owner=ticket.equipment_id.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------ ORM

    def _check_link_access(self):
        """Refuses to link a record (field order, return line) to tickets the current user may
        not read: record rules follow those links (a technician reads the tickets of their
        orders), so a link to an unreadable ticket would open it to the user."""
        if self.env.su or not self:
            return
        try:
            self.exists().check_access("read")
        except AccessError:
            raise AccessError(_("You can only link a record to a ticket you may read.")) from None

    @api.model_create_multi
    def create(self, vals_list):
        Team = self.env["crm_ext.service.team"]
        for vals in vals_list:
            if vals.get("team_id") and not vals.get("company_id"):
                vals["company_id"] = Team.browse(vals["team_id"]).company_id.id
            if vals.get("number", _("New")) == _("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["number"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "crm_ext.ticket"
                ) or _("New")
        tickets = super().create(vals_list)
        tickets.filtered(lambda t: t.team_id and not t.user_id)._assign_by_rules()
        tickets.filtered("is_closed").closed_date = fields.Datetime.now()
        tickets._sla_apply(start=fields.Datetime.now())
        return tickets

    def write(self, vals):
        track_stage = bool({"stage_id", "team_id"} & set(vals))
        old_stages = {ticket: ticket.stage_id for ticket in self} if track_stage else {}
        result = super().write(vals)
        if "team_id" in vals and not vals.get("user_id"):
            self.filtered(lambda t: t.team_id and not t.user_id and not t.is_closed)._assign_by_rules()
        if SLA_MATCH_FIELDS & set(vals):
            self._sla_apply()
        if track_stage:
            moved = self.filtered(lambda t: t.stage_id != old_stages[t])
            if moved:
                moved._on_stage_change()
        return result

    def message_post(self, **kwargs):
        if kwargs.get("attachment_ids") and len(self) == 1:
            self._check_customer_files(self.env["ir.attachment"].browse(kwargs["attachment_ids"]))
        return super().message_post(**kwargs)

    def _customer_file_count(self):
        """Files customers (portal users) added to the ticket."""
        self.ensure_one()
        return (
            self.env["ir.attachment"]
            .sudo()
            .search_count(
                [("res_model", "=", self._name), ("res_id", "=", self.id), ("create_uid.share", "=", True)]
            )
        )

    def _check_customer_files(self, attachments):
        """A customer's files (portal form or conversation): accepted types only, read from their
        content, and at most PORTAL_FILES_PER_TICKET files per ticket. Employees are not limited."""
        self.ensure_one()
        if self.env.user._is_internal():
            return
        attachments = attachments.sudo().exists()
        for attachment in attachments:
            if not portal_upload_mimetype(attachment.name, attachment.raw):
                raise UserError(self._file_type_refused(attachment.name))
        new = attachments.filtered(lambda a: (a.res_model, a.res_id) != (self._name, self.id))
        if self._customer_file_count() + len(new) > PORTAL_FILES_PER_TICKET:
            raise UserError(self._too_many_files())

    @api.model
    def _file_type_refused(self, name):
        return _(
            "%(file)s is not a file type we accept: send pictures (PNG, JPEG, GIF, WebP), PDF, "
            "text or office documents (Word, Excel, OpenDocument).",
            file=name,
        )

    @api.model
    def _too_many_files(self):
        return _(
            "A ticket takes at most %(count)s files from the customer: this one has them already.",
            count=PORTAL_FILES_PER_TICKET,
        )

    def _on_stage_change(self):
        now = fields.Datetime.now()
        closed = self.filtered(lambda t: t.is_closed and not t.closed_date)
        if closed:
            closed.closed_date = now
            closed._send_rating_requests()
        reopened = self.filtered(lambda t: not t.is_closed and t.closed_date)
        if reopened:
            reopened.closed_date = False
        self.sudo().sla_ids._on_stage_change(now)

    def _send_rating_requests(self):
        """Closing a ticket sends the stage's satisfaction survey to the customer."""
        for ticket in self.filtered(lambda t: t.partner_id and t.stage_id.rating_template_id):
            ticket.rating_send_request(ticket.stage_id.rating_template_id, force_send=False)

    # ------------------------------------------------------------------ assignment

    def _assign_by_rules(self):
        """Gives each ticket to an agent by the first matching rule of its team."""
        for ticket in self:
            rules = ticket.team_id.sudo().assignment_rule_ids
            rule = next((r for r in rules if r._applies_to(ticket)), None)
            agent = rule._pick_agent() if rule else None
            if agent:
                ticket.user_id = agent

    # ------------------------------------------------------------------ SLA

    def _sla_apply(self, start=None):
        """Adds the SLA lines of newly matching policies and drops open lines of policies
        that no longer match; reached and failed lines are kept as history."""
        Policy = self.env["crm_ext.sla.policy"].sudo()
        policies = Policy.search([("company_id", "in", self.company_id.ids)])
        to_create = []
        to_drop = self.env["crm_ext.ticket.sla"]
        for ticket in self:
            matching = policies.filtered(lambda p, t=ticket: p._matches(t))
            lines = ticket.sudo().sla_ids
            to_drop |= lines.filtered(lambda s, m=matching: s.status == "ongoing" and s.policy_id not in m)
            for policy in matching - lines.policy_id:
                to_create.append({"ticket_id": ticket.id, "policy_id": policy.id})
        to_drop.unlink()
        if to_create:
            self.env["crm_ext.ticket.sla"].sudo().create(to_create)._start(start)

    def _sla_calendar(self):
        self.ensure_one()
        return self.team_id._working_calendar() if self.team_id else self.company_id.resource_calendar_id

    # ------------------------------------------------------------------ mail

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail to a team alias opens a ticket for its sender."""
        values = dict(custom_values or {})
        if not msg_dict.get("author_id") and msg_dict.get("email_from"):
            partners = self.env["mail.thread"]._mail_find_partner_from_emails(
                [msg_dict["email_from"]], force_create=True
            )
            msg_dict["author_id"] = partners[0].id if partners and partners[0] else False
        values.setdefault("name", msg_dict.get("subject") or _("No Subject"))
        values.setdefault("partner_id", msg_dict.get("author_id"))
        values.setdefault("channel", "email")
        values.setdefault("description", msg_dict.get("body"))
        ticket = super(CrmExtTicket, self.with_context(mail_create_nolog=True)).message_new(
            msg_dict, custom_values=values
        )
        if ticket.partner_id:
            ticket.message_subscribe(partner_ids=ticket.partner_id.ids)
        return ticket

    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        for ticket in self:
            if ticket.partner_id:
                ticket._message_add_suggested_recipient(
                    recipients, partner=ticket.partner_id, reason=_("Customer")
                )
        return recipients

    def _message_post_after_hook(self, message, msg_values):
        result = super()._message_post_after_hook(message, msg_values)
        if self._is_public_reply(message):
            self._on_first_response(message.date or fields.Datetime.now())
        return result

    def _is_public_reply(self, message):
        """A comment visible to the customer, written by an employee."""
        if message.message_type != "comment" or message.subtype_id != self.env.ref("mail.mt_comment"):
            return False
        authors = message.author_id.user_ids
        return bool(authors) and not all(user.share for user in authors)

    def _on_first_response(self, when):
        first = self.filtered(lambda t: not t.first_response_date)
        if first:
            first.sudo().first_response_date = when
        self.sudo().sla_ids.filtered(lambda s: s.sla_type == "first_response")._reach(when)

    # ------------------------------------------------------------------ actions

    def action_open_merge(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_ticket_merge_action")
        action["context"] = {"active_model": self._name, "active_ids": self.ids}
        return action

    def action_new_field_order(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_field_order_action")
        action.update(
            {
                "views": [(False, "form")],
                "view_mode": "form",
                "context": {
                    "default_ticket_id": self.id,
                    "default_user_id": (self.user_id or self.env.user).id,
                },
            }
        )
        return action

    def action_view_field_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_field_order_action")
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {"default_ticket_id": self.id}
        return action

    def action_process_returns(self):
        self.ensure_one()
        self.return_line_ids._process()
        return True

    def _post_return_summary(self, lines):
        links = [
            record._get_html_link()
            for record in (lines.return_picking_id | lines.replacement_picking_id).sudo()
        ] + [record._get_html_link() for record in lines.credit_note_id.sudo()]
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            _("Returns processed:"),
            Markup().join(
                Markup("<li>%s × %s — %s</li>")
                % (line.quantity, line.product_id.display_name, line.reason_id.name)
                for line in lines
            ),
        )
        if links:
            body += Markup("<p>%s</p>") % Markup(", ").join(links)
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def action_view_return_pickings(self):
        self.ensure_one()
        done = self.return_line_ids.filtered(lambda line: line.state == "done")
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action.update(
            {
                "domain": [("id", "in", (done.return_picking_id | done.replacement_picking_id).ids)],
                "context": {"create": False},
            }
        )
        return action

    def action_view_credit_notes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_refund_type")
        action.update(
            {"domain": [("id", "in", self.return_line_ids.credit_note_id.ids)], "context": {"create": False}}
        )
        return action

    def action_view_field_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.update(
            {"domain": [("id", "in", self.field_order_ids.invoice_id.ids)], "context": {"create": False}}
        )
        return action
