"""A working day on crm_ext, for Locust: the web client's JSON-RPC and the portal's pages.

Run through ``scripts/load.sh`` (``make load``), which prepares the database
(``tests/load/prepare.py`` writes the users and record pools to the JSON file named by
``CRM_EXT_LOAD_DATA``), starts the server configuration and reads the results. Every
user logs in as a person does (``/web/login`` with its CSRF token, then the session
cookie) and calls what the web client calls (``/web/action/load``, ``get_views`` once,
then ``web_search_read``, ``web_read_group``, ``read_group``, ``web_read``,
``web_save``, buttons through ``/web/dataset/call_button``), so the read-only ones go
to the replica exactly as in a browser.

Statistics: every JSON-RPC or page request under its own name, and one entry per
user-visible step, type ``PAGE`` (a read page: all the calls of one screen, timed
together) or ``WRITE`` (an action that writes: create, post, pay, ...). Every write
carries a marker (``LOAD-<run>-<n>``) and is recorded with its outcome in the ledger
(``CRM_EXT_LOAD_LEDGER``), which ``tests/load/count.py`` checks against the database.

Weights (a working day): sales reps 40, service agents 25, portal customers 15,
accountants 10, marketing 10.
"""

import ast
import itertools
import json
import os
import random
import re
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import gevent
from gevent.pool import Pool
from locust import HttpUser, between, events, task
from webclient import (  # noqa: F401
    calendar_spec,
    default_filters_domain,
    field_spec,
    groups_to_open,
    progress_bar,
    report_groups,
)

DATA = json.load(open(os.environ["CRM_EXT_LOAD_DATA"]))
RUN = os.environ.get("CRM_EXT_LOAD_RUN", str(int(time.time())))
LEDGER_PATH = os.environ.get("CRM_EXT_LOAD_LEDGER")
WAIT = [float(x) for x in os.environ.get("CRM_EXT_LOAD_WAIT", "1,4").split(",")]
ATTACHMENT = b"crm_ext load test attachment\n" * 40  # about 1 KB

BROWSER_CONNECTIONS = 6  # a browser's parallel HTTP/1.1 connections to one host
_sequence = itertools.count(1)
_rpc_ids = itertools.count(1)
LEDGER = []  # (kind, marker, outcome, detail)
PAGES_PATH = os.environ.get("CRM_EXT_LOAD_PAGES")
PAGES = []  # (start, seconds, kind, name, failed): every user-visible step, for tests/load/jobs.py


def marker():
    return f"LOAD-{RUN}-{next(_sequence)}"


@events.quitting.add_listener
def _write_ledger(environment, **_kwargs):
    if LEDGER_PATH:
        with open(LEDGER_PATH, "w") as ledger:
            json.dump(LEDGER, ledger)
    if PAGES_PATH:
        with open(PAGES_PATH, "w") as pages:
            json.dump(PAGES, pages)


class RpcError(Exception):
    pass


def pool_take(name):
    """A record of a consumed pool (each order is invoiced once, each invoice paid once)."""
    pool = DATA["pools"].get(name) or []
    return pool.pop() if pool else None


def literal(text, default):
    try:
        return ast.literal_eval(text) if isinstance(text, str) else (text if text is not None else default)
    except (ValueError, SyntaxError):
        return default


class OdooUser(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    role = ""
    accounts = ()

    def on_start(self):
        account = DATA["users"][self.role][next(self._accounts) % len(DATA["users"][self.role])]
        self.login_name = account["login"]
        self.uid = account["id"]
        self.company_id = account["company_id"]
        self.odoo_context = {
            "lang": "en_US",
            "tz": "UTC",
            "uid": self.uid,
            "allowed_company_ids": [self.company_id],
        }
        self.views = {}
        self.search_defaults = True  # the search filters an action turns on (search_default_*)
        self.session_lost = False
        self.login()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._accounts = itertools.count()

    # ------------------------------------------------------------------ transport

    def csrf_token(self, path, name):
        response = self.client.get(path, name=name)
        found = re.search(r'name="csrf_token"\s+value="([^"]+)"', response.text) or re.search(
            r'csrf_token:\s*"([^"]+)"', response.text
        )
        return found.group(1) if found else ""

    def login(self):
        with self.page("login", "WRITE"):  # /web/login writes (login date, session)
            token = self.csrf_token("/web/login", "GET /web/login")
            with self.client.post(
                "/web/login",
                data={
                    "login": self.login_name,
                    "password": self.login_name,
                    "csrf_token": token,
                    "redirect": "",
                },
                name="POST /web/login",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code not in (302, 303) or "/web/login" in response.headers.get(
                    "Location", ""
                ):
                    response.failure(f"login of {self.login_name} refused ({response.status_code})")
                    self.session_lost = True  # tried again before the next step
                    raise RpcError("login refused")

    def json(self, path, params, name):
        payload = {"jsonrpc": "2.0", "method": "call", "params": params, "id": next(_rpc_ids)}
        with self.client.post(path, json=payload, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                raise RpcError(f"{name}: HTTP {response.status_code}")
            try:
                data = response.json()
            except ValueError:
                response.failure("not JSON")
                raise RpcError(f"{name}: not JSON") from None
            if "error" in data:
                message = data["error"].get("data", {}).get("message") or data["error"].get("message")
                response.failure(message)
                if data["error"].get("data", {}).get("name") == "odoo.http.SessionExpiredException":
                    self.session_lost = True  # logged in again before the next step, as a person would
                raise RpcError(f"{name}: {message}")
            return data.get("result")

    def call(self, model, method, *args, button=False, **kwargs):
        kwargs.setdefault("context", self.odoo_context)
        route = "call_button" if button else "call_kw"
        return self.json(
            f"/web/dataset/{route}/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            f"{model}.{method}",
        )

    def call_caught(self, model, method, *args, **kwargs):
        """``call`` for a parallel branch of a page: its error returned, not raised (counted by
        ``json`` as the request's failure, raised by the page once every branch has ended)."""
        try:
            return self.call(model, method, *args, **kwargs)
        except RpcError as exc:
            return exc

    @contextmanager
    def page(self, name, kind="PAGE"):
        """One user-visible step, timed as a whole, in the statistics as ``kind``."""
        if self.session_lost and name != "login":
            self.session_lost = False
            self.login()
        started, wall = time.perf_counter(), time.time()
        error = None
        try:
            yield
        except RpcError as exc:
            error = exc
        finally:
            seconds = time.perf_counter() - started
            events.request.fire(
                request_type=kind,
                name=f"{self.role}: {name}",
                response_time=seconds * 1000,
                response_length=0,
                exception=error,
                context={},
            )
            PAGES.append((wall, seconds, kind, f"{self.role}: {name}", error is not None))

    def record(self, kind, mark, fn):
        """A write with its marker in the ledger: ok, or error with the message."""
        try:
            result = fn()
        except RpcError as exc:
            LEDGER.append((kind, mark, "error", str(exc)[:300]))
            raise
        LEDGER.append((kind, mark, "ok", ""))
        return result

    # ------------------------------------------------------------------ web client steps

    def action(self, xmlid):
        """``/web/action/load`` and, the first time, ``get_views`` (the browser caches them)."""
        action = self.json(
            "/web/action/load", {"action_id": xmlid, "context": self.odoo_context}, "/web/action/load"
        )
        if xmlid not in self.views:
            views = [list(v) for v in action["views"]] + [
                [action.get("search_view_id") and action["search_view_id"][0], "search"]
            ]
            result = self.call(
                action["res_model"], "get_views", views=views, options={"load_filters": True, "toolbar": True}
            )
            fields = result["models"][action["res_model"]]["fields"]
            archs = {vtype: ET.fromstring(view["arch"]) for vtype, view in result["views"].items()}
            self.views[xmlid] = (fields, result["models"], archs)
        domain = literal(action.get("domain"), [])
        domain = domain if isinstance(domain, list) else []
        if self.search_defaults:
            # the filters the action turns on when the view opens, as the web client does
            context = literal(action.get("context"), {})
            if isinstance(context, dict) and "search" in self.views[xmlid][2]:
                domain = domain + default_filters_domain(self.views[xmlid][2]["search"], context, self.uid)
        return action, domain, *self.views[xmlid]

    def open_list(self, xmlid, domain=None, view_type="list"):
        action, action_domain, fields, models, archs = self.action(xmlid)
        spec = field_spec(archs[view_type], fields, models)
        result = self.call(
            action["res_model"],
            "web_search_read",
            domain=(domain or []) + action_domain,
            specification=spec,
            offset=0,
            limit=80,
            order="",
            count_limit=10001,
        )
        return [record["id"] for record in result["records"]]

    def open_kanban(self, xmlid, groupby, domain=None):
        """A grouped kanban as Odoo 18's web client loads it: ``read_progress_bar`` sent beside
        ``web_read_group`` (``useProgressBar``'s ``onWillLoadRoot``), then the records of the
        groups it opens (``webclient.groups_to_open``) all at once (``_loadGroupedList``'s
        ``Promise.all``), at most ``BROWSER_CONNECTIONS`` at a time (a browser's connections to one
        host over HTTP/1.1): the page takes as long as its slowest branch, as in a browser."""
        action, action_domain, fields, models, archs = self.action(xmlid)
        model = action["res_model"]
        domain = (domain or []) + action_domain
        arch = archs["kanban"]
        spec = field_spec(arch, fields, models)
        bar = progress_bar(arch, lambda text: literal(text, {}))
        browser = Pool(BROWSER_CONNECTIONS)
        calls = []
        if bar:
            calls.append(
                browser.spawn(
                    self.call_caught,
                    model,
                    "read_progress_bar",
                    domain=domain,
                    group_by=groupby,
                    progress_bar=bar,
                )
            )
        groups = self.call(
            model,
            "web_read_group",
            domain=domain,
            fields=[],
            groupby=[groupby],
            limit=80,
            offset=0,
            orderby="",
            lazy=True,
        )["groups"]
        opened = groups_to_open(groups, groupby)
        calls += [
            browser.spawn(
                self.call_caught,
                model,
                "web_search_read",
                domain=group["__domain"],
                specification=spec,
                offset=0,
                limit=40,
                order="",
                count_limit=10001,
            )
            for group in opened
        ]
        gevent.joinall(calls)
        for call in calls:
            if isinstance(call.value, RpcError):
                raise call.value

    def open_report(self, xmlid):
        action, domain, fields, _models, archs = self.action(xmlid)
        view_type = "pivot" if "pivot" in archs else "graph"
        groupbys, measures = report_groups(archs[view_type], fields)
        model = action["res_model"]
        if view_type == "pivot":
            self.call(model, "read_group", domain=domain, fields=measures, groupby=groupbys[:1], lazy=False)
            self.call(model, "read_group", domain=domain, fields=measures, groupby=[], lazy=False)
        else:
            self.call(
                model, "web_read_group", domain=domain, fields=measures, groupby=groupbys[:1], lazy=False
            )

    def open_form(self, xmlid, record_id):
        action, _domain, fields, models, archs = self.action(xmlid)
        spec = field_spec(archs["form"], fields, models)
        return self.call(action["res_model"], "web_read", [record_id], specification=spec)[0]


class SalesRep(OdooUser):
    weight = 40
    role = "sales"

    @task(3)
    def pipeline(self):
        with self.page("pipeline kanban"):  # "My Pipeline", as the action opens it
            self.open_kanban("crm.crm_lead_action_pipeline", "stage_id")

    @task(1)
    def pipeline_everyone(self):
        with self.page("pipeline kanban, whole company (filter removed)"):
            self.search_defaults = False
            try:
                self.open_kanban("crm.crm_lead_action_pipeline", "stage_id")
            finally:
                self.search_defaults = True

    @task(3)
    def opportunity(self):
        with self.page("opportunity form (Customer 360)"):
            self.open_form("crm.crm_lead_action_pipeline", random.choice(DATA["pools"]["opportunities"]))

    @task(2)
    def report(self):
        xmlid = random.choice(DATA["reports"]["sales"])
        with self.page("sales pivot report"):
            self.open_report(xmlid)

    @task(2)
    def log_interaction(self):
        mark = marker()
        lead_id = random.choice(DATA["pools"]["opportunities"])
        partner_id = DATA["lead_partner"][str(lead_id)]
        values = {
            "summary": mark,
            "channel": "phone",
            "direction": "outbound",
            "partner_id": partner_id,
            "lead_id": lead_id,
            "duration": 0.25,
        }
        with self.page("log an interaction", "WRITE"):
            self.record(
                "interaction",
                mark,
                lambda: self.call("crm_ext.interaction", "web_save", [], values, specification={}),
            )

    @task(1)
    def create_lead(self):
        mark = marker()
        values = {"name": mark, "type": "lead", "contact_name": "Load Test", "email_from": "load@example.com"}
        with self.page("create a lead", "WRITE"):
            self.record("lead", mark, lambda: self.call("crm.lead", "web_save", [], values, specification={}))

    @task(1)
    def quotation(self):
        mark = marker()
        lead_id = random.choice(DATA["pools"]["opportunities"])
        values = {
            "partner_id": DATA["lead_partner"][str(lead_id)],
            "opportunity_id": lead_id,
            "client_order_ref": mark,
            "order_line": [
                [0, 0, {"product_id": random.choice(DATA["pools"]["products"]), "product_uom_qty": 2}]
            ],
        }
        with self.page("make a quotation", "WRITE"):
            self.record(
                "quotation",
                mark,
                lambda: self.call("sale.order", "web_save", [], values, specification={"name": {}}),
            )


class ServiceAgent(OdooUser):
    weight = 25
    role = "service"

    @task(4)
    def tickets(self):
        with self.page("ticket list"):
            self.open_list("crm_ext_service.crm_ext_ticket_action", [("is_closed", "=", False)])

    @task(2)
    def sla(self):
        with self.page("SLA status"):
            self.open_list("crm_ext_service.crm_ext_ticket_sla_action")

    @task(2)
    def answer_and_close(self):
        ticket_id = pool_take("tickets")
        if not ticket_id:
            return
        mark = marker()

        def answer():
            self.open_form("crm_ext_service.crm_ext_ticket_action", ticket_id)
            self.call(
                "crm_ext.ticket",
                "message_post",
                [ticket_id],
                body=f"<p>{mark}</p>",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            self.call(
                "crm_ext.ticket", "web_save", [ticket_id], {"stage_id": DATA["close_stage"]}, specification={}
            )

        with self.page("answer and close a ticket", "WRITE"):
            self.record(f"ticket answer:{ticket_id}", mark, answer)


class PortalCustomer(OdooUser):
    weight = 15
    role = "portal"

    @task(3)
    def my_tickets(self):
        with (
            self.page("/my/tickets"),
            self.client.get("/my/tickets", name="GET /my/tickets", catch_response=True) as r,
        ):
            if r.status_code != 200 or "/web/login" in r.url:
                r.failure(f"{r.status_code} {r.url}")
                self.session_lost = "/web/login" in r.url
                raise RpcError("my tickets")

    @task(2)
    def open_invoice(self):
        invoices = DATA["portal_invoices"].get(self.login_name) or []
        if not invoices:
            return
        path = f"/my/invoices/{random.choice(invoices)}"
        with (
            self.page("open an invoice"),
            self.client.get(path, name="GET /my/invoices/<id>", catch_response=True) as r,
        ):
            if r.status_code != 200 or "/web/login" in r.url:
                r.failure(f"{r.status_code} {r.url}")
                self.session_lost = "/web/login" in r.url
                raise RpcError("invoice")

    @task(1)
    def new_ticket(self):
        mark = marker()

        def post():
            token = self.csrf_token("/my/tickets/new", "GET /my/tickets/new")
            with self.client.post(
                "/my/tickets/new",
                data={"csrf_token": token, "name": mark, "description": "Posted by the load test."},
                files={"attachments": ("load.txt", ATTACHMENT, "text/plain")},
                name="POST /my/tickets/new",
                allow_redirects=False,
                catch_response=True,
            ) as r:
                if r.status_code not in (302, 303) or "/my/tickets/" not in r.headers.get("Location", ""):
                    r.failure(f"ticket not created ({r.status_code})")
                    raise RpcError("new ticket")

        with self.page("post a ticket with an attachment", "WRITE"):
            self.record("portal ticket", mark, post)


class Accountant(OdooUser):
    weight = 10
    role = "accounting"

    def wizard(self, model, values, method, invoice_id):
        """A wizard opened on an invoice (payment, reversal): saved, then its button."""
        context = {**self.odoo_context, "active_model": "account.move", "active_ids": [invoice_id]}
        record = self.call(model, "web_save", [], values, specification={}, context=context)[0]["id"]
        return self.call(model, method, [record], button=True, context=context)

    @task(3)
    def invoices(self):
        with self.page("invoice list"):
            self.open_list("account.action_move_out_invoice_type")

    @task(2)
    def invoice_order(self):
        order_id = pool_take("orders_to_invoice")
        if not order_id:
            return
        mark = marker()
        context = {
            **self.odoo_context,
            "active_model": "sale.order",
            "active_ids": [order_id],
            "active_id": order_id,
        }

        def invoice():
            wizard = self.call(
                "sale.advance.payment.inv",
                "web_save",
                [],
                {"advance_payment_method": "delivered"},
                specification={},
                context=context,
            )[0]["id"]
            action = self.call(
                "sale.advance.payment.inv", "create_invoices", [wizard], button=True, context=context
            )
            invoice_id = action.get("res_id")
            if not invoice_id:
                raise RpcError("no invoice made")
            self.call("account.move", "web_save", [invoice_id], {"ref": mark}, specification={})
            self.call("account.move", "action_post", [invoice_id], button=True)

        with self.page("post an invoice from an order", "WRITE"):
            self.record("invoice", mark, invoice)

    @task(2)
    def register_payment(self):
        invoice_id = pool_take("invoices_to_pay")
        if not invoice_id:
            return
        mark = marker()

        def pay():
            self.wizard(
                "account.payment.register", {"communication": mark}, "action_create_payments", invoice_id
            )

        with self.page("register a payment", "WRITE"):
            self.record("payment", mark, pay)

    @task(1)
    def credit_note(self):
        invoice_id = pool_take("invoices_to_refund")
        if not invoice_id:
            return
        mark = marker()

        def refund():
            values = {"reason": mark, "journal_id": DATA["sale_journal"]}
            self.wizard("account.move.reversal", values, "refund_moves", invoice_id)

        with self.page("make a credit note", "WRITE"):
            self.record("credit note", mark, refund)


class Marketer(OdooUser):
    weight = 10
    role = "marketing"

    @task(3)
    def funnel(self):
        with self.page("campaign funnel"):
            self.open_report("crm_ext_marketing.crm_ext_campaign_funnel_report_action")

    @task(2)
    def segments(self):
        with self.page("segment list"):
            self.open_list("crm_ext_marketing.crm_ext_segment_action")

    @task(1)
    def refresh_segment(self):
        segment_id = random.choice(DATA["pools"]["segments"])
        with self.page("refresh a segment", "WRITE"):
            self.call("crm_ext.segment", "action_refresh_members", [segment_id], button=True)
