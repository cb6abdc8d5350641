import re

from markupsafe import Markup

from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.osv import expression
from odoo.tools import plaintext2html

from odoo.addons.mail.controllers.attachment import AttachmentController
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools.portal_uploads import PORTAL_FILES_PER_TICKET, portal_upload_mimetype

SUBJECT_MAX = 200
DESCRIPTION_MAX = 10000
ATTACHMENTS_MAX = 5
_SCRIPT_BLOCKS = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")


def plain_text(value):
    """What a customer typed, without any markup: script and style blocks go with their content."""
    text = _SCRIPT_BLOCKS.sub("", value or "")
    return _TAGS.sub("", text).replace("\x00", "").strip()


class ServicePortal(CustomerPortal):
    """The customer's service pages: tickets, installed base, contracts and the knowledge base."""

    # ------------------------------------------------------------------ helpers

    def _service_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _ticket_domain(self):
        return [("commercial_partner_id", "=", self._service_partner().id)]

    def _equipment_domain(self):
        return [("partner_id", "=", self._service_partner().id)]

    def _contract_domain(self):
        return [("partner_id", "=", self._service_partner().id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        counted = {
            "service_ticket_count": ("crm_ext.ticket", self._ticket_domain),
            "service_equipment_count": ("crm_ext.equipment", self._equipment_domain),
            "service_contract_count": ("crm_ext.service.contract", self._contract_domain),
        }
        for key, (model, domain) in counted.items():
            if key in counters:
                Model = request.env[model]
                values[key] = Model.search_count(domain()) if Model.has_access("read") else 0
        return values

    def _portal_orders(self):
        """The customer's confirmed orders, to pick the one a new ticket is about."""
        return (
            request.env["sale.order"]
            .sudo()
            .search(
                [("partner_id", "child_of", self._service_partner().id), ("state", "=", "sale")],
                order="date_order desc",
                limit=50,
            )
        )

    # ------------------------------------------------------------------ tickets

    def _ticket_searchbar(self):
        sortings = {
            "date": {"label": _("Newest"), "order": "create_date desc, id desc"},
            "name": {"label": _("Subject"), "order": "name, id"},
            "stage": {"label": _("Stage"), "order": "stage_id, id desc"},
        }
        filters = {
            "open": {"label": _("Open"), "domain": [("is_closed", "=", False)]},
            "closed": {"label": _("Closed"), "domain": [("is_closed", "=", True)]},
            "all": {"label": _("All"), "domain": []},
        }
        inputs = {
            "all": {"input": "all", "label": _("Search in subject and number")},
        }
        return sortings, filters, inputs

    @http.route(["/my/tickets", "/my/tickets/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_tickets(self, page=1, sortby="date", filterby="open", search=None, search_in="all", **kw):
        Ticket = request.env["crm_ext.ticket"]
        sortings, filters, inputs = self._ticket_searchbar()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "open"
        domain = expression.AND([self._ticket_domain(), filters[filterby]["domain"]])
        if search:
            domain = expression.AND([domain, ["|", ("name", "ilike", search), ("number", "ilike", search)]])
        pager = portal_pager(
            url="/my/tickets",
            url_args={"sortby": sortby, "filterby": filterby, "search": search, "search_in": search_in},
            total=Ticket.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        tickets = Ticket.search(
            domain, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"]
        )
        request.session["my_service_tickets_history"] = tickets.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "tickets": tickets.sudo(),
                "page_name": "service_ticket",
                "pager": pager,
                "default_url": "/my/tickets",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
                "searchbar_inputs": inputs,
                "search_in": search_in,
                "search": search,
            }
        )
        return request.render("crm_ext_service.portal_my_tickets", values)

    @http.route(["/my/tickets/<int:ticket_id>"], type="http", auth="public", website=True)
    def portal_my_ticket(self, ticket_id, access_token=None, **kw):
        try:
            ticket_sudo = self._document_check_access("crm_ext.ticket", ticket_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        order = ticket_sudo.sale_order_id
        values.update(
            {
                "ticket": ticket_sudo,
                "page_name": "service_ticket",
                "order": order,
                "order_url": order.get_portal_url() if order else False,
                "deliveries": order.picking_ids.filtered(lambda p: p.picking_type_code == "outgoing")
                if order
                else order,
                "invoice": ticket_sudo.invoice_id,
                "invoice_url": ticket_sudo.invoice_id.get_portal_url() if ticket_sudo.invoice_id else False,
                "returns": ticket_sudo.return_line_ids.filtered(lambda line: line.state == "done"),
                "visits": ticket_sudo.field_order_ids.filtered(lambda o: o.state != "cancel"),
            }
        )
        values = self._get_page_view_values(
            ticket_sudo, access_token, values, "my_service_tickets_history", False, **kw
        )
        return request.render("crm_ext_service.portal_my_ticket", values)

    def _new_ticket_values(self, post, errors):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "service_ticket_new",
                "errors": errors,
                "post": post,
                "orders": self._portal_orders(),
                "equipment_list": request.env["crm_ext.equipment"].search(self._equipment_domain()).sudo(),
                "categories": self._portal_categories(),
                "upload_hint": _(
                    "At most %(count)s files of up to %(mb)s MB each: pictures (PNG, JPEG, GIF, WebP), "
                    "PDF, text or office documents.",
                    count=ATTACHMENTS_MAX,
                    mb=self._attachment_limit_mb(),
                ),
            }
        )
        return values

    def _portal_categories(self):
        company = request.env.user.partner_id.company_id or request.env.company
        return (
            request.env["crm_ext.ticket.category"].sudo().search([("company_id", "in", (False, company.id))])
        )

    def _attachment_limit_mb(self):
        return request.env.company.sudo().crm_ext_service_portal_attachment_mb or 10

    def _pick(self, model, raw_id, allowed, errors, key, message):
        """The record of `model` the customer chose, only if it is one of `allowed`."""
        if not raw_id:
            return request.env[model]
        try:
            record = request.env[model].sudo().browse(int(raw_id))
        except (TypeError, ValueError):
            record = request.env[model]
        if not record or record not in allowed:
            errors[key] = message
            return request.env[model]
        return record

    def _validate_new_ticket(self, post):
        errors = {}
        subject = plain_text(post.get("name"))
        description = plain_text(post.get("description"))
        if not subject:
            errors["name"] = _("Tell us in a few words what the problem is.")
        elif len(subject) > SUBJECT_MAX:
            errors["name"] = _("Keep the subject under %s characters.", SUBJECT_MAX)
        if len(description) > DESCRIPTION_MAX:
            errors["description"] = _("Keep the description under %s characters.", DESCRIPTION_MAX)
        values = {"name": subject, "description": plaintext2html(description) if description else False}
        values["sale_order_id"] = self._pick(
            "sale.order", post.get("sale_order_id"), self._portal_orders(), errors, "sale_order_id",
            _("Choose one of your orders."),
        ).id  # fmt: skip
        equipment = request.env["crm_ext.equipment"].search(self._equipment_domain()).sudo()
        values["equipment_id"] = self._pick(
            "crm_ext.equipment", post.get("equipment_id"), equipment, errors, "equipment_id",
            _("Choose one of your pieces of equipment."),
        ).id  # fmt: skip
        categories = self._portal_categories()
        values["category_id"] = self._pick(
            "crm_ext.ticket.category", post.get("category_id"), categories, errors, "category_id",
            _("Choose one of the listed categories."),
        ).id  # fmt: skip
        files = [f for f in request.httprequest.files.getlist("attachments") if f.filename]
        attachments = []
        if len(files) > ATTACHMENTS_MAX:
            errors["attachments"] = _(
                "Attach at most %(count)s files to a ticket (you sent %(sent)s).",
                count=ATTACHMENTS_MAX,
                sent=len(files),
            )
            files = []
        limit = self._attachment_limit_mb() * 1024 * 1024
        for upload in files:
            name = plain_text(upload.filename)[:200] or "attachment"
            data = upload.read(limit + 1)
            if len(data) > limit:
                errors["attachments"] = _(
                    "%(file)s is larger than %(mb)s MB.", file=upload.filename, mb=self._attachment_limit_mb()
                )
                break
            mimetype = portal_upload_mimetype(name, data)
            if not mimetype:
                errors["attachments"] = request.env["crm_ext.ticket"]._file_type_refused(name)
                break
            attachments.append((name, data, mimetype))
        return values, attachments, errors

    @http.route(["/my/tickets/new"], type="http", auth="user", methods=["GET", "POST"], website=True)
    def portal_new_ticket(self, **post):
        """A form to open a ticket; Odoo checks the CSRF token of every POST on this route."""
        if request.httprequest.method != "POST":
            return request.render("crm_ext_service.portal_new_ticket", self._new_ticket_values(post, {}))
        values, attachments, errors = self._validate_new_ticket(post)
        if errors:
            return request.render("crm_ext_service.portal_new_ticket", self._new_ticket_values(post, errors))
        ticket = self._create_portal_ticket(values, attachments)
        return request.redirect(ticket.access_url)

    def _create_portal_ticket(self, values, attachments):
        partner = request.env.user.partner_id
        company = partner.company_id or request.env.company
        team = company.sudo().crm_ext_service_portal_team_id
        ticket = (
            request.env["crm_ext.ticket"]
            .sudo()
            .with_company(company)
            .create(
                {
                    **values,
                    "partner_id": partner.id,
                    "channel": "portal",
                    "team_id": team.id,
                    "company_id": company.id,
                }
            )
        )
        ticket.message_subscribe(partner_ids=partner.ids)
        if attachments:
            # stored with the type read from their content, never one guessed from the name
            files = (
                request.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {"name": name, "raw": data, "mimetype": mimetype, "res_model": "mail.compose.message"}
                        for name, data, mimetype in attachments
                    ]
                )
            )
            ticket.message_post(
                body=Markup("<p>%s</p>") % _("Files attached by the customer."),
                attachment_ids=files.ids,
                author_id=partner.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return ticket

    # ------------------------------------------------------------------ installed base and contracts

    @http.route(["/my/equipment"], type="http", auth="user", website=True)
    def portal_my_equipment(self, **kw):
        values = self._prepare_portal_layout_values()
        equipment = request.env["crm_ext.equipment"].search(self._equipment_domain())
        values.update({"equipment_list": equipment.sudo(), "page_name": "service_equipment"})
        return request.render("crm_ext_service.portal_my_equipment", values)

    @http.route(["/my/contracts"], type="http", auth="user", website=True)
    def portal_my_contracts(self, **kw):
        values = self._prepare_portal_layout_values()
        contracts = request.env["crm_ext.service.contract"].search(self._contract_domain())
        values.update({"contracts": contracts.sudo(), "page_name": "service_contract"})
        return request.render("crm_ext_service.portal_my_contracts", values)

    # ------------------------------------------------------------------ knowledge base

    @http.route(["/my/knowledge"], type="http", auth="user", website=True)
    def portal_knowledge(self, search=None, **kw):
        Article = request.env["crm_ext.kb.article"]
        domain = [("is_published", "=", True)]
        if search:
            domain = expression.AND([domain, ["|", ("name", "ilike", search), ("body", "ilike", search)]])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "articles": Article.search(domain, limit=100).sudo(),
                "page_name": "service_knowledge",
                "search": search,
            }
        )
        return request.render("crm_ext_service.portal_knowledge", values)

    @http.route(["/my/knowledge/<int:article_id>"], type="http", auth="user", website=True)
    def portal_knowledge_article(self, article_id, **kw):
        article = request.env["crm_ext.kb.article"].browse(article_id)
        try:
            article.check_access("read")
            if not article.exists() or not article.sudo().is_published:
                raise MissingError(_("This article does not exist."))
        except (AccessError, MissingError):
            return request.redirect("/my/knowledge")
        values = self._prepare_portal_layout_values()
        values.update({"article": article.sudo(), "page_name": "service_knowledge"})
        return request.render("crm_ext_service.portal_knowledge_article", values)


class ServiceAttachmentController(AttachmentController):
    """Files a customer adds in a ticket's conversation obey the rules of the new-ticket form:
    accepted types (read from the content), size, and a number of files per ticket."""

    @http.route()
    def mail_attachment_upload(self, ufile, thread_id, thread_model, is_pending=False, **kwargs):
        if thread_model == "crm_ext.ticket" and not request.env.user._is_internal():
            error = self._customer_upload_error(ufile, thread_id, is_pending)
            if error:
                return request.make_json_response({"error": error})
        return super().mail_attachment_upload(ufile, thread_id, thread_model, is_pending=is_pending, **kwargs)

    def _customer_upload_error(self, ufile, thread_id, is_pending):
        Ticket = request.env["crm_ext.ticket"]
        limit_mb = request.env.company.sudo().crm_ext_service_portal_attachment_mb or 10
        data = ufile.read(limit_mb * 1024 * 1024 + 1)
        ufile.seek(0)
        name = ufile.filename or ""
        if len(data) > limit_mb * 1024 * 1024:
            return _("%(file)s is larger than %(mb)s MB.", file=name, mb=limit_mb)
        if not portal_upload_mimetype(name, data):
            return Ticket._file_type_refused(name)
        pending = is_pending and is_pending != "false"
        ticket = Ticket.sudo().browse(int(thread_id)).exists()
        if ticket and not pending and ticket._customer_file_count() >= PORTAL_FILES_PER_TICKET:
            return Ticket._too_many_files()
        return None
