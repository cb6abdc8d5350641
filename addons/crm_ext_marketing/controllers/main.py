import ipaddress
import logging
import re
from datetime import timedelta

from lxml import html as lxml_html
from markupsafe import Markup

from odoo import _, fields, http, tools
from odoo.http import request
from odoo.tools import config

_logger = logging.getLogger(__name__)

PHONE = re.compile(r"^\+?[0-9 ()./-]{6,20}$")
TEXT_FIELDS = ("contact_name", "partner_name", "email", "phone", "description")
UTM_FIELDS = {"utm_campaign": "utm.campaign", "utm_source": "utm.source", "utm_medium": "utm.medium"}
HONEYPOT = "website_url"


def _plain(value, limit=255, multiline=False):
    """User text without any markup: sanitised (scripts dropped), then reduced to its text."""
    value = (value or "").strip()
    if not value:
        return ""
    cleaned = tools.html_sanitize(value, strip_style=True, strip_classes=True) or ""
    text = lxml_html.fromstring(f"<div>{cleaned}</div>").text_content() if cleaned.strip() else ""
    if multiline:
        text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    else:
        text = " ".join(text.split())
    return text.strip()[:limit]


class LeadFormController(http.Controller):
    """The public lead form: no website module needed."""

    def _render(self, values, errors=None, status=200):
        params = {
            "values": values,
            "errors": errors or {},
            "utm": {key: values.get(key, "") for key in UTM_FIELDS},
            "honeypot": HONEYPOT,
        }
        return request.render("crm_ext_marketing.lead_form_page", params, status=status)

    @http.route("/crm_ext/lead", type="http", auth="public", methods=["GET"], sitemap=False)
    def lead_form(self, **kwargs):
        values = {key: _plain(kwargs.get(key), 64) for key in UTM_FIELDS}
        return self._render(values)

    def _validate(self, post):
        values = {key: _plain(post.get(key)) for key in TEXT_FIELDS if key != "description"}
        values["description"] = _plain(post.get("description"), 4000, multiline=True)
        values.update({key: _plain(post.get(key), 64) for key in UTM_FIELDS})
        errors = {}
        if not values["contact_name"]:
            errors["contact_name"] = _("Please give your name.")
        if not values["email"]:
            errors["email"] = _("Please give your email address.")
        elif not tools.email_normalize(values["email"]):
            errors["email"] = _("“%(email)s” is not a valid email address.", email=values["email"])
        if values["phone"] and not PHONE.match(values["phone"]):
            errors["phone"] = _("“%(phone)s” is not a valid phone number.", phone=values["phone"])
        return values, errors

    def _client_address(self):
        """The visitor's network address, which the rate limit counts by.

        Behind a reverse proxy every request comes from the proxy: with ``proxy_mode`` on, Odoo's
        ProxyFix replaces the address with the one in X-Forwarded-For, but only when the proxy
        also sends X-Forwarded-Host. Without that header, the address the proxy appended (the last
        of X-Forwarded-For) is taken here. Without ``proxy_mode`` the header is ignored: anybody
        could forge it to reset their counter."""
        httprequest = request.httprequest
        if config["proxy_mode"] and "werkzeug.proxy_fix.orig" not in httprequest.environ:
            forwarded = httprequest.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            try:
                return str(ipaddress.ip_address(forwarded))
            except ValueError:
                _logger.debug("No address in X-Forwarded-For %r: counting the proxy's", forwarded)
        return httprequest.remote_addr or ""

    def _too_many(self, ip_address):
        """Rate limit stored in the database: leads sent from this address lately."""
        ICP = request.env["ir.config_parameter"].sudo()
        limit = int(ICP.get_param("crm_ext_marketing.web_form_limit", 5))
        minutes = int(ICP.get_param("crm_ext_marketing.web_form_minutes", 10))
        since = fields.Datetime.now() - timedelta(minutes=minutes)
        recent = (
            request.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("crm_ext_web_form_ip", "=", ip_address), ("create_date", ">=", since)])
        )
        return recent >= limit

    def _utm_values(self, values):
        """The UTM records named in the link the visitor followed. Sources and media are shared by
        every company; a campaign is taken only from the form's company (or shared by all): the
        name of another company's campaign must not attach the lead to it."""
        utm = {}
        company = request.env.company
        for key, model in UTM_FIELDS.items():
            if values.get(key):
                domain = [("name", "=", values[key])]
                if model == "utm.campaign":
                    domain.append(("company_id", "in", [False, company.id]))
                record = request.env[model].sudo().search(domain, limit=1)
                if record:
                    utm[key.replace("utm_", "") + "_id"] = record.id
        return utm

    # CSRF is checked here rather than by the route so that a stale form gets a
    # readable page instead of a bare "400 Bad Request" (and no server warning).
    @http.route(
        "/crm_ext/lead/submit",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        sitemap=False,
    )
    def lead_submit(self, **post):
        if not request.validate_csrf(post.get("csrf_token")):
            return self._render({}, {"form": _("Your session expired: please send the form again.")}, 400)
        if post.get(HONEYPOT):
            # a robot filled the hidden field: thank it and keep nothing
            return request.render("crm_ext_marketing.lead_form_thanks", {})
        ip_address = self._client_address()
        values, errors = self._validate(post)
        if errors:
            return self._render(values, errors, 400)
        if self._too_many(ip_address):
            errors = {"form": _("Too many requests from your address: please try again later.")}
            return self._render(values, errors, 429)
        env = request.env(su=True, context=dict(request.env.context, mail_create_nosubscribe=True))
        name = values["partner_name"] or values["contact_name"]
        description = values["description"]
        lead = (
            env["crm.lead"]
            .with_context(mail_create_nolog=True)
            .create(
                {
                    "name": _("Web form: %(name)s", name=name),
                    "type": "lead",
                    "contact_name": values["contact_name"],
                    "partner_name": values["partner_name"],
                    "email_from": values["email"],
                    "phone": values["phone"],
                    "description": tools.plaintext2html(description) if description else False,
                    "crm_ext_web_form_ip": ip_address,
                    "user_id": False,
                    **self._utm_values(values),
                }
            )
        )
        env["crm_ext.interaction"].create(
            {
                "summary": _("Web form sent by %(name)s", name=values["contact_name"]),
                "channel": "web",
                "direction": "inbound",
                "lead_id": lead.id,
                "partner_id": lead.partner_id.id,
                "user_id": False,
                "company_id": (lead.company_id or env.company).id,
                "note": Markup("<p>%s</p>") % values["email"],
            }
        )
        return request.render("crm_ext_marketing.lead_form_thanks", {"lead": lead})
