"""The isolation matrix (issue 13): every cell of tests/isolation/matrix.py checked through the ORM.

Two companies, in each two portal customers and a user of every role, and a record of every model
the four add-ons define or extend with data (tests/isolation/fixtures.py). Every user of company A
tries, on the record of its own company and on the other company's, to read (search + read),
create (the values of that company), write (one field, its own value again) and delete (a fresh
copy of the record, so that nothing else depends on it), each in a savepoint rolled back after;
the users of company B check the reads (the other operations are the same code, and the runtime
counts). The cells listed in PENDING (matrix.py) are expected to fail until other fixes land. A cell that
allows must work; a cell that refuses must raise AccessError (or, for a read, find no row and
refuse the read). A model the add-ons define or extend that has no row fails the test.

Run alone: scripts/dev_test.sh --db crm_ext_<name> tests/test_isolation_matrix.py
(ISOLATION_DUMP=file writes what the server does today as a table, to compare with the policy.)
"""

import contextlib
import logging
import os
import re
import time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger
from tests.isolation import fixtures
from tests.isolation.matrix import OPERATIONS, PENDING, ROLES, WRITE_FIELDS, parse

_logger = logging.getLogger(__name__)
MODULES = ("crm_ext_sales", "crm_ext_marketing", "crm_ext_service", "crm_ext_analytics")


def covered_models(env):
    """The models the four add-ons define, or extend with stored fields (abstract ones aside)."""
    names = set()
    for name in env.registry:
        Model = env[name]
        # Odoo's Settings form is a wizard of the administrators (base.group_system); what it
        # holds is stored on the company (res.company's row) or in ir.config_parameter
        if Model._abstract or name == "res.config.settings":
            continue
        if Model._original_module in MODULES or any(
            field._module in MODULES and field.store for field in Model._fields.values()
        ):
            names.add(name)
    return names


def write_values(record, fname):
    field = record._fields[fname]
    value = record.sudo()[fname]
    if field.type == "many2one":
        value = value.id
    elif field.type in ("one2many", "many2many"):
        value = [Command.set(value.ids)]
    return {fname: value}


def write_field(record):
    if record._name in WRITE_FIELDS:
        return WRITE_FIELDS[record._name]
    name = record._rec_name
    if name and name in record._fields and record._fields[name].store:
        return name
    return next(f.name for f in record._fields.values() if f.store and f.type in ("char", "integer"))


@tagged("post_install", "-at_install")
class TestIsolationMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.started = time.time()
        cls.env = cls.env(context=dict(cls.env.context, **fixtures.QUIET))
        company_a = cls.env.ref("base.main_company")
        company_b = cls.env["res.company"].create({"name": "Isolation Company B"})
        fixtures.ensure_chart(cls.env, company_b)
        cls.worlds = [fixtures.World(cls.env, company_a, "a"), fixtures.World(cls.env, company_b, "b")]
        for world in cls.worlds:
            cls.env.user.company_ids |= world.company
            fixtures.make_users(world)
        for world in cls.worlds:
            fixtures.make_records(world)
        cls.matrix = parse()

    def test_every_model_has_a_row(self):
        models = covered_models(self.env)
        self.assertFalse(sorted(models - set(self.matrix)), "models of crm_ext without a row in the matrix")
        self.assertFalse(
            sorted(set(self.matrix) - models), "rows of models crm_ext neither defines nor extends"
        )

    def test_every_model_has_records(self):
        for world in self.worlds:
            for model in self.matrix:
                with self.subTest(model=model, company=world.key):
                    self.assertTrue(world.records.get(model), "no record to check the cells on")

    def test_returns_follow_ticket_teams(self):
        """An agent outside the ticket's team reads neither its return lines nor their analysis
        (the matrix's agent is in the team)."""
        world = self.worlds[0]
        outsider = new_test_user(
            self.env,
            login="iso_a_agent_outside",
            groups="crm_ext_service.group_service_user",
            company_id=world.company.id,
            company_ids=[Command.set(world.company.ids)],
        )
        for model in ("crm_ext.return.line", "crm_ext.return.report"):
            with self.subTest(model=model):
                domain = [("ticket_id", "=", world.ticket.id)]
                self.assertTrue(self._user_env(world.users["agent"])[model].search(domain))
                self.assertFalse(self._user_env(outsider)[model].search(domain))

    # ------------------------------------------------------------------ the cells

    def _user_env(self, user):
        return self.env(user=user, context=dict(fixtures.QUIET))

    def _attempt(self, action):
        """True when `action` went through, False on AccessError, the exception's text otherwise."""
        with (
            contextlib.closing(self.env.cr.savepoint()),
            mute_logger("odoo.models", "odoo.addons.base.models.ir_rule"),
        ):
            try:
                action()
                self.env.flush_all()
            except AccessError:
                return False
            except Exception as error:  # any other error is reported in the cell
                return f"{type(error).__name__}: {error}"
        return True

    def _read(self, env, record):
        """Finds the record with search and reads its data: its stored fields (for the Odoo models
        crm_ext extends, the stored fields crm_ext adds) that the user's groups give access to,
        x2many fields only when the user may read their model (the web client does the same)."""
        Model = env[record._name]
        own_model = record._original_module in MODULES
        fields = [
            name
            for name, field in Model._fields.items()
            if field.store
            and (own_model or field._module in MODULES)
            and field.is_accessible(env)
            and not (
                field.type in ("one2many", "many2many") and not env[field.comodel_name].has_access("read")
            )
        ] or ["id"]  # read([]) would read every field

        def action():
            found = Model.search([("id", "=", record.id)])
            Model.browse(record.id).read(fields)
            if not found:
                raise AccessError("read but not found by search")

        return self._attempt(action)

    def _create(self, env, world, model):
        return self._attempt(lambda: env[model].create(fixtures.create_values(world, model, env.user)))

    def _write(self, env, record):
        values = write_values(record, write_field(record))
        return self._attempt(lambda: env[record._name].browse(record.id).write(values))

    def _unlink(self, env, world, record):
        Model = env[record._name]
        if not Model._auto:
            return self._attempt(lambda: Model.browse(record.id).unlink())

        def action():
            fresh = (
                self.env[record._name]
                .sudo()
                .with_company(world.company)
                .create(fixtures.create_values(world, record._name))
            )
            Model.browse(fresh.id).unlink()

        return self._attempt(action)

    def _observe(self, user_world, role, target_world, model):
        user = user_world.users[role]
        env = self._user_env(user)
        record = target_world.records[model]
        outcome = {"r": self._read(env, record)}
        if user_world is self.worlds[0]:  # company B's users check the reads only (runtime)
            outcome["c"] = self._create(env, target_world, model)
            outcome["w"] = self._write(env, record)
            outcome["d"] = self._unlink(env, target_world, record)
        return outcome

    def _expected_matrix(self):
        if not os.environ.get("ISOLATION_DUMP"):
            return self.matrix
        # ISOLATION_DUMP=file: write what the server does today as a table, to review against it
        nobody = dict.fromkeys(ROLES, "----")
        return {
            model: {"own": nobody, "oth": nobody}
            if "company_id" in self.env[model]._fields
            else {"all": nobody}
            for model in covered_models(self.env)
        }

    def _check_cell(self, model, role, world, scope, letter, got, allowed):
        op = OPERATIONS[letter]
        pending = PENDING.get((model, role, scope, op))
        with self.subTest(model=model, role=role, company=world.key, scope=scope, op=op):
            if pending:
                self.assertNotEqual(got, allowed, f"passes now, remove it from PENDING: {pending}")
            elif isinstance(got, str):
                self.fail(f"{'allowed' if allowed else 'refused'} expected, error: {got}")
            else:
                self.assertEqual(got, allowed, "allowed" if allowed else "refused")

    def test_matrix(self):
        matrix = self._expected_matrix()
        dump = os.environ.get("ISOLATION_DUMP")
        observed = {}
        for model, scopes in sorted(matrix.items()):
            for world in self.worlds:
                other = next(w for w in self.worlds if w is not world)
                for role in ROLES:
                    for scope, expected in scopes.items():
                        outcome = self._observe(world, role, world if scope != "oth" else other, model)
                        observed[(model, role, scope, world.key)] = outcome
                        for letter, got in outcome.items():
                            allowed = expected[role]["rcwd".index(letter)] == letter
                            if not dump:
                                self._check_cell(model, role, world, scope, letter, got, allowed)
        if dump:
            self._dump(matrix, observed, dump)
        _logger.info(
            "isolation matrix: %s models, %.0f s with set-up", len(matrix), time.time() - self.started
        )

    def _dump(self, matrix, observed, path):
        lines = []
        for model, scopes in sorted(matrix.items()):
            for scope in scopes:
                cells = []
                for role in ROLES:
                    outcome = observed[(model, role, scope, "a")]
                    cells.append(
                        "".join(
                            letter if outcome[letter] is True else ("-" if outcome[letter] is False else "E")
                            for letter in "rcwd"
                        )
                    )
                    errors = {k: v for k, v in outcome.items() if isinstance(v, str)}
                    if errors:
                        lines.append(f"# {model} {role} {scope} {errors}")
                lines.append(f"{model if scope != 'oth' else '':<31} {scope}  {' '.join(cells)}")
        with open(path, "w") as out:
            out.write("\n".join(lines) + "\n")


@tagged("post_install", "-at_install")
class TestIsolationPortal(HttpCase):
    """Customer A, logged in on the portal, asks every /my route of crm_ext (and the Odoo pages a
    ticket links to) for customer B's records, without B's access token: a redirect, 403 or 404,
    never B's data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **fixtures.QUIET))
        company_b = cls.env["res.company"].create({"name": "Isolation Company B (portal)"})
        cls.world = fixtures.World(cls.env, cls.env.ref("base.main_company"), "p")
        cls.env.user.company_ids |= company_b
        fixtures.make_users(cls.world, prefix="isoweb")
        fixtures.make_records(cls.world)
        world, env = cls.world, cls.world.env
        customer_b = world.customer_b
        # customer B's records, in the same company as customer A
        cls.ticket_b = env["crm_ext.ticket"].create(
            {**fixtures.create_values(world, "crm_ext.ticket"), "name": "Secret ticket of B",
             "partner_id": customer_b.id}
        )  # fmt: skip
        cls.ticket_b.message_post(
            body="B's private note",
            attachments=[("secret-of-b.txt", b"Secret file of B")],
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        cls.attachment_b = env["ir.attachment"].search(
            [("res_model", "=", "crm_ext.ticket"), ("res_id", "=", cls.ticket_b.id)], limit=1
        )
        cls.equipment_b = env["crm_ext.equipment"].create(
            {**fixtures.create_values(world, "crm_ext.equipment"), "name": "Secret equipment of B",
             "partner_id": customer_b.id}
        )  # fmt: skip
        cls.contract_b = env["crm_ext.service.contract"].create(
            {**fixtures.create_values(world, "crm_ext.service.contract"), "partner_id": customer_b.id}
        )
        cls.order_b = env["sale.order"].create(
            {
                "partner_id": customer_b.id,
                "client_order_ref": "Secret order of B",
                "order_line": [Command.create({"product_id": world.product.id, "product_uom_qty": 1})],
            }
        )
        cls.order_b.action_confirm()
        cls.invoice_b = cls.order_b._create_invoices()
        cls.invoice_b.ref = "Secret invoice of B"
        cls.invoice_b.action_post()
        cls.article_hidden = env["crm_ext.kb.article"].create(
            {**fixtures.create_values(world, "crm_ext.kb.article"), "name": "Secret draft article",
             "is_published": False}
        )  # fmt: skip
        cls.article_other = cls.env["crm_ext.kb.article"].create(
            {"name": "Secret article of the other company", "is_published": True, "company_id": company_b.id}
        )
        cls.portal_a = world.users["portal_a"]

    def setUp(self):
        super().setUp()
        self.authenticate(self.portal_a.login, self.portal_a.login)

    def assertRefused(self, url, *secrets):
        response = self.url_open(url, allow_redirects=False)
        self.assertIn(response.status_code, (301, 302, 303, 403, 404), f"{url}: {response.status_code}")
        for secret in secrets:
            self.assertNotIn(secret, response.text, f"{url} shows {secret!r}")
        return response

    def test_other_customers_records_by_id(self):
        b = self
        cases = {
            f"/my/tickets/{b.ticket_b.id}": ["Secret ticket of B", "private note"],
            f"/my/tickets/{b.ticket_b.id}?access_token=wrong": ["Secret ticket of B"],
            f"/my/orders/{b.order_b.id}": ["Secret order of B", b.order_b.name],
            f"/my/invoices/{b.invoice_b.id}": ["Secret invoice of B", b.invoice_b.name],
            f"/my/invoices/{b.invoice_b.id}?report_type=pdf&download=true": [b.invoice_b.name],
            f"/web/content/{b.attachment_b.id}": ["Secret file of B"],
            f"/web/content/{b.attachment_b.id}?download=true": ["Secret file of B"],
            f"/web/content/ir.attachment/{b.attachment_b.id}/datas": ["Secret file of B"],
            f"/my/knowledge/{b.article_hidden.id}": ["Secret draft article"],
            f"/my/knowledge/{b.article_other.id}": ["Secret article of the other company"],
        }
        self.assertTrue(self.attachment_b)
        for url, secrets in cases.items():
            with self.subTest(url=url):
                self.assertRefused(url, *secrets)

    def test_lists_show_only_own_records(self):
        world = self.world
        pages = {
            "/my/tickets?filterby=all": (world.records["crm_ext.ticket"].name, "Secret ticket of B"),
            "/my/equipment": (world.records["crm_ext.equipment"].name, "Secret equipment of B"),
            "/my/contracts": (world.records["crm_ext.service.contract"].name, self.contract_b.name),
            "/my/knowledge": (world.records["crm_ext.kb.article"].name, "Secret draft article"),
            "/my/tickets/new": (world.records["crm_ext.equipment"].name, "Secret equipment of B"),
            "/my": ("Tickets", "Secret"),
        }
        for url, (own, secret) in pages.items():
            with self.subTest(url=url):
                page = self.url_open(url)
                self.assertEqual(page.status_code, 200)
                self.assertIn(own, page.text)
                self.assertNotIn(secret, page.text)
                self.assertNotIn("Secret article of the other company", page.text)

    def test_new_ticket_cannot_point_at_other_customers_records(self):
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.url_open("/my/tickets/new").text).group(1)
        Ticket = self.env["crm_ext.ticket"].sudo()
        before = Ticket.search_count([])
        for field, record in (("sale_order_id", self.order_b), ("equipment_id", self.equipment_b)):
            with self.subTest(field=field):
                response = self.url_open(
                    "/my/tickets/new",
                    data={"csrf_token": csrf, "name": f"Points at B's {field}", field: record.id},
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 200, "the form comes back with an error")
        self.assertEqual(Ticket.search_count([]), before, "a ticket was made with B's record")
