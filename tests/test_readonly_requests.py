"""crm_ext is replica-safe: the web client's reads of every crm_ext action on a read-only cursor.

With ``db_replica_host`` set, Odoo 18 serves read-only requests (``/web/action/load``, and
``/web/dataset/call_kw`` for the ``@api.readonly`` methods: ``get_views``,
``web_search_read``, ``web_read``, ``web_read_group``, ``read_group``, ``read_progress_bar``,
``search_count``, ``name_search``; the ``/report`` routes; ``/my/counters``) on a cursor of
the streaming replica, where PostgreSQL refuses every write. A compute or a read that
writes makes each such request fail there, be logged as a WARNING and run again on the
primary: twice the work, and no use of the replica.

These tests replay, for every window action of the four modules (and the Odoo actions
whose forms and lists crm_ext extends), the calls the web client makes to show it: the
action, its views, the list/kanban/calendar records with the view's fields, the groups of
its pivot, graph and grouped kanban/list views, the kanban progress bars, and a record of
its form view with the form's fields (x2many sub-fields included) - each inside a
read-only transaction (``SET TRANSACTION READ ONLY`` in a savepoint, the ORM's pending
writes and pre-commit hooks flushed inside it, as at the end of a request), and fail on
any write.
"""

import contextlib
import datetime
import json

import psycopg2
from lxml import etree

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import dateutil, safe_eval, time
from tests.load.webclient import calendar_spec, field_spec, progress_bar, report_groups

from odoo.addons.crm_ext_analytics.tests.common import forget_progress_after

MODULES = ("crm_ext_sales", "crm_ext_marketing", "crm_ext_service", "crm_ext_analytics")
# Odoo's own actions whose views and models crm_ext extends (Customer 360 on the partner
# and the opportunity, invoice and order links, ...): their reads run crm_ext's computes.
EXTENDED_ACTIONS = (
    "crm.crm_lead_action_pipeline",
    "crm.crm_lead_all_leads",
    "base.action_partner_form",
    "sale.action_orders",
    "sale.action_quotations_with_onboarding",
    "account.action_move_out_invoice_type",
    "account.action_move_out_refund_type",
    "utm.utm_campaign_action",
)
PAGE = 80  # the list view's page size
COUNTERS = ["ticket_count", "equipment_count", "contract_count", "invoice_count", "order_count"]


@contextlib.contextmanager
def read_only_transaction(env):
    """Runs the block as a read-only request on the replica would: a write raises
    ``psycopg2.errors.ReadOnlySqlTransaction``; everything is rolled back after."""
    with contextlib.closing(env.cr.savepoint()):  # flushes first; closing() rolls back
        env.cr.execute("SET TRANSACTION READ ONLY")
        yield
        env.cr.flush()  # ORM writes left pending and pre-commit hooks, as at commit


@tagged("post_install", "-at_install")
class TestReadOnlyRequests(TransactionCase):
    @classmethod
    def setUpClass(cls):
        # registered first, so run last: the run's progress lines are committed apart
        cls.addClassCleanup(lambda: forget_progress_after(cls.registry, cls._last_progress_id))
        super().setUpClass()
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_ext_analytics_run_progress")
        cls._last_progress_id = cls.env.cr.fetchone()[0]
        cls.admin = cls.env.ref("base.user_admin")
        cls.uenv = cls.env(user=cls.admin, context={"lang": "en_US", "tz": "UTC"})
        # the analytics results (RFM, basket rules, offers, forecasts) have rows to read
        runs = cls.uenv["crm_ext.analytics.run"].create([{"company_id": cls.admin.company_id.id}])
        runs._execute()

    def _eval_context(self):
        return {
            "uid": self.admin.id,
            "user": self.admin,
            "context_today": datetime.date.today,
            "datetime": safe_datetime,
            "relativedelta": dateutil.relativedelta.relativedelta,
            "time": time,
            "allowed_company_ids": self.admin.company_ids.ids,
            "active_id": False,
            "active_ids": [],
            "current_company_id": self.admin.company_id.id,
        }

    def _actions(self):
        data = self.env["ir.model.data"].search(
            [("module", "in", MODULES), ("model", "=", "ir.actions.act_window")], order="module, name"
        )
        actions = [(f"{d.module}.{d.name}", self.env["ir.actions.act_window"].browse(d.res_id)) for d in data]
        actions += [(xmlid, self.env.ref(xmlid)) for xmlid in EXTENDED_ACTIONS]
        return actions

    def _read_action(self, action, step):
        """Makes every read the web client makes to show ``action``, calling ``step(label)``
        before each; returns the number of calls."""
        env = self.uenv
        calls = 0

        def call(label, method, *args, **kwargs):
            nonlocal calls
            step(label)
            calls += 1
            result = method(*args, **kwargs)
            env.cr.flush()  # a write the call left pending fails here, under its own label
            return result

        evaluation = self._eval_context()
        context = dict(safe_eval(action.context or "{}", evaluation))
        domain = safe_eval(action.domain or "[]", evaluation)
        Model = env[action.res_model].with_context(
            **{key: value for key, value in context.items() if not key.startswith("search_default_")}
        )
        call("/web/action/load", env["ir.actions.act_window"].sudo().browse(action.id)._get_action_dict)
        view_types = [v for v in action.view_mode.split(",") if v]
        views = [(view.view_id.id, view.view_mode) for view in action.view_ids]
        listed = {mode for _view, mode in views}
        default_view = action.view_id
        views += [
            (default_view.id if default_view.type == t else False, t) for t in view_types if t not in listed
        ]
        views.append((action.search_view_id.id or False, "search"))
        result = call("get_views", Model.get_views, views, {"load_filters": True, "toolbar": True})
        models = result["models"]
        fields = models[action.res_model]["fields"]

        groupby = context.get("group_by") or []
        groupby = [groupby] if isinstance(groupby, str) else list(groupby)
        search = etree.fromstring(result["views"]["search"]["arch"])
        for name, value in context.items():
            node = (
                search.xpath(f"//filter[@name='{name[15:]}']") if name.startswith("search_default_") else []
            )
            if not (value and node):
                continue
            filter_context = safe_eval(node[0].get("context") or "{}", evaluation)
            if filter_context.get("group_by"):
                groupby.append(filter_context["group_by"])
            if node[0].get("domain"):
                domain = domain + safe_eval(node[0].get("domain"), evaluation)

        record_ids = call("search (first record)", Model.search, domain, limit=1).ids
        for view_type in view_types:
            if view_type not in result["views"]:
                continue
            arch = etree.fromstring(result["views"][view_type]["arch"])
            spec = (calendar_spec if view_type == "calendar" else field_spec)(arch, fields, models)
            if view_type in ("list", "kanban", "calendar"):
                view_groupby = groupby or [g for g in [arch.get("default_group_by")] if g]
                if view_groupby and view_type != "calendar":
                    groups = call(
                        f"{view_type} web_read_group {view_groupby[:1]}",
                        Model.web_read_group,
                        domain,
                        [],
                        view_groupby[:1],
                        limit=80,
                        lazy=True,
                    )["groups"]
                    for group in groups[:3]:
                        call(
                            f"{view_type} web_search_read of a group",
                            Model.web_search_read,
                            group["__domain"],
                            spec,
                            limit=PAGE,
                            count_limit=10001,
                        )
                    bar = progress_bar(arch, safe_eval)
                    if bar:
                        call(
                            "kanban read_progress_bar", Model.read_progress_bar, domain, view_groupby[0], bar
                        )
                else:
                    call(
                        f"{view_type} web_search_read",
                        Model.web_search_read,
                        domain,
                        spec,
                        limit=PAGE,
                        count_limit=10001,
                    )
                call(f"{view_type} search_count", Model.search_count, domain)
            elif view_type in ("pivot", "graph"):
                rows, measures = report_groups(arch, fields)
                for group in (groupby[:1] + rows[:1], groupby + rows, []):
                    if view_type == "pivot":
                        call(
                            f"pivot read_group {group}", Model.read_group, domain, measures, group, lazy=False
                        )
                    else:
                        call(
                            f"graph web_read_group {group}",
                            Model.web_read_group,
                            domain,
                            measures,
                            group,
                            lazy=False,
                        )
            elif view_type == "form" and record_ids:
                call("form web_read", Model.browse(record_ids).web_read, spec)
        return calls

    def test_actions_read_on_a_read_only_cursor(self):
        actions = self._actions()
        self.assertGreaterEqual(len(actions), 40)
        checked = 0
        writes = []
        for xmlid, action in actions:
            if self.env[action.res_model].is_transient():
                continue  # wizards: default_get and onchange are read/write requests
            steps = []
            try:
                with read_only_transaction(self.uenv):
                    checked += self._read_action(action, steps.append)
            except psycopg2.errors.ReadOnlySqlTransaction as error:
                writes.append(f"{xmlid} ({action.res_model}), {steps[-1]}: {error.pgerror.strip()}")
        self.assertFalse(writes, "writes inside read-only requests:\n" + "\n".join(writes))
        self.assertGreater(checked, 200)

    def test_read_only_transaction_refuses_a_write(self):
        """The harness itself: a write in the block fails; the block leaves nothing behind."""
        partner = self.env["res.partner"].create({"name": "Before"})
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.ReadOnlySqlTransaction),
            read_only_transaction(self.env),
        ):
            partner.name = "After"
        self.assertEqual(partner.name, "Before")
        self.env.cr.execute("SHOW transaction_read_only")
        self.assertEqual(self.env.cr.fetchone()[0], "off")

    def test_campaign_letter_report_renders_read_only(self):
        """/report/<html|pdf>/... is a read-only route: rendering the campaign letters writes nothing."""
        report = self.env.ref("crm_ext_marketing.action_report_campaign_letter", raise_if_not_found=False)
        if report is None:
            report = self.env["ir.actions.report"].search(
                [("model", "like", "crm_ext"), ("report_type", "like", "qweb")], limit=1
            )
        self.assertTrue(report, "crm_ext_marketing ships a letter report")
        records = self.env[report.model].search([], limit=3)
        self.assertTrue(records, f"no {report.model} record to print")
        with read_only_transaction(self.uenv):
            html, _kind = self.uenv["ir.actions.report"]._render_qweb_html(report.id, records.ids)
        self.assertTrue(html)


@tagged("post_install", "-at_install")
class TestReadOnlyPortal(HttpCase):
    """The portal's read-only route /my/counters (the home page's document counts, tickets
    included) runs on the replica: it must not write (a write there is logged as a WARNING
    and the request run again on the primary)."""

    def test_portal_counters_read_only(self):
        portal = self.env["res.users"].search([("share", "=", True), ("login", "=", "portal")], limit=1)
        self.assertTrue(portal, "demo portal user")
        self.authenticate(portal.login, portal.login)
        with self.assertNoLogs("odoo.http", "WARNING"):
            response = self.url_open(
                "/my/counters",
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {"counters": COUNTERS}}),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("error", response.json(), response.text)
