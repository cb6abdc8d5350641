"""The records the isolation matrix is checked on: one world per company.

Each company gets two customers (A and B, each with a portal user), a user of every role of
``matrix.ROLES`` and one record of every model of ``matrix.TABLE``, made as the superuser with
minimal valid values. The relations the table's cells rely on (see the notes in matrix.py):

- customer A owns the company's ticket, equipment, contract, order, invoice, opportunity;
- the company's sales manager is the salesperson of its opportunity, order, invoice and
  interaction (so a salesman "own documents" does not own them, a salesman "all" sees them);
- the company's technician is assigned the field order of the company's ticket;
- the company's agent is a member of the company's service team, which holds the ticket.

``create_values(world, model)`` gives values a user of that company would create a record with;
the matrix test uses them for the create cells (the other company's values for "other").
"""

import base64
import datetime
import itertools

from odoo import Command, fields
from odoo.tests import new_test_user

from .matrix import ROLES

QUIET = {
    "mail_create_nolog": True,
    "mail_notrack": True,
    "tracking_disable": True,
    "no_reset_password": True,
    "mail_notify_force_send": False,
}


class World:
    """Everything made for one company; attributes named after what they are."""

    def __init__(self, env, company, key):
        self.env = env(context=dict(env.context, **QUIET, allowed_company_ids=[company.id]))
        self.company = company
        self.key = key
        self.users = {}
        self.records = {}


def ensure_chart(env, company):
    if not env["account.journal"].search_count([("company_id", "=", company.id), ("type", "=", "sale")]):
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)


def make_users(world, prefix="iso"):
    env, company = world.env, world.company
    for index, customer_key in enumerate(("a", "b")):
        partner = env["res.partner"].create(
            {
                "name": f"Customer {customer_key.upper()} of {company.name}",
                "email": f"customer{customer_key}.{world.key}@example.com",
                "company_id": company.id,
            }
        )
        setattr(world, f"customer_{customer_key}", partner)
        world.users[("portal_a", "portal_b")[index]] = new_test_user(
            env,
            login=f"{prefix}_{world.key}_portal_{customer_key}",
            groups="base.group_portal",
            partner_id=partner.id,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
    for role, spec in ROLES.items():
        if role in world.users:
            continue
        world.users[role] = new_test_user(
            env,
            login=f"{prefix}_{world.key}_{role}",
            name=f"{spec['name']} ({world.key})",
            groups=",".join(spec["groups"]),
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )


def make_records(world):
    """One record of every model of the table, as the superuser, in the world's company."""
    env, company, users, rec = world.env, world.company, world.users, world.records
    today = fields.Date.context_today(env["res.partner"])

    def make(model):
        rec[model] = env[model].create(create_values(world, model))
        return rec[model]

    customer = world.customer_a
    product = env["product.product"].create(
        {"name": f"Isolation product {world.key}", "type": "consu", "list_price": 100.0, "company_id": False}
    )
    world.product = product
    team = env["crm.team"].create(
        {"name": f"Isolation sales {world.key}", "company_id": company.id, "user_id": users["sales_mgr"].id}
    )
    world.sales_team = team
    # sales
    lead = env["crm.lead"].create(
        {
            "name": f"Opportunity {world.key}",
            "type": "opportunity",
            "partner_id": customer.id,
            "user_id": users["sales_mgr"].id,
            "team_id": team.id,
            "company_id": company.id,
            "expected_revenue": 1000.0,
            "date_deadline": today + datetime.timedelta(days=20),
        }
    )
    # a stage change with tracking, for the stage conversion report
    next_stage = env["crm.stage"].search([("id", "!=", lead.stage_id.id)], order="sequence", limit=1)
    old_stage = lead.stage_id
    lead.stage_id = next_stage
    lead._message_log(
        body="",
        tracking_value_ids=[
            Command.create(
                {
                    "field_id": env["ir.model.fields"]._get("crm.lead", "stage_id").id,
                    "old_value_integer": old_stage.id,
                    "new_value_integer": next_stage.id,
                    "old_value_char": old_stage.name,
                    "new_value_char": next_stage.name,
                }
            )
        ],
    )
    rec["crm.lead"] = lead
    won = lead.copy({"name": f"Won opportunity {world.key}"})
    won.action_set_won()
    rec["crm.stage"] = lead.stage_id
    rec["crm_ext.opportunity.line"] = env["crm_ext.opportunity.line"].create(
        {"lead_id": lead.id, "product_id": product.id, "product_uom_qty": 1, "price_unit": 100.0}
    )
    make("crm_ext.interaction")
    make("crm_ext.forecast.adjustment")
    make("crm_ext.territory")
    make("crm_ext.sales.target")
    make("crm_ext.sales.history")
    rec["crm_ext.jalali.month"] = env["crm_ext.jalali.month"].search([("date_start", "<=", today)], limit=1)
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "user_id": users["sales_mgr"].id,
            "team_id": team.id,
            "company_id": company.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})],
        }
    )
    order.action_confirm()
    for move in order.picking_ids.move_ids:
        move.quantity = move.product_uom_qty
    order.picking_ids.button_validate()
    world.order = order
    invoice = order._create_invoices()
    invoice.invoice_user_id = users["sales_mgr"]
    invoice.crm_ext_opportunity_id = lead
    invoice.action_post()
    # the confirmed order, its delivery and its posted invoice (the d cells delete fresh drafts:
    # Odoo refuses to delete confirmed or posted ones to everybody)
    rec["sale.order"] = order
    rec["account.move"] = invoice
    rec["stock.picking"] = order.picking_ids[:1]
    rec["res.partner"] = customer
    rec["res.company"] = company
    rec["res.users"] = users["employee"]
    make("product.template")
    # marketing
    campaign = env["utm.campaign"].create(
        {"name": f"Campaign {world.key}", "company_id": company.id, "user_id": users["mkt_mgr"].id}
    )
    rec["utm.campaign"] = campaign
    world.campaign = campaign
    segment = env["crm_ext.segment"].create({"name": f"Segment {world.key}", "company_id": company.id})
    segment.member_ids = customer  # the partner's segments are marketing's (res.partner's w cell)
    world.segment = segment
    rec["crm_ext.segment"] = segment
    make("crm_ext.segment.rule")
    make("crm_ext.segment.history")
    make("crm_ext.lead.scoring.rule")
    step = make("crm_ext.campaign.step")
    world.step = step
    make("crm_ext.campaign.target")
    processed = env["crm_ext.campaign.target"].create(
        {**create_values(world, "crm_ext.campaign.target"), "partner_id": world.customer_b.id}
    )
    processed.write({"state": "processed", "date": fields.Datetime.now()})
    rec["mailing.mailing"] = env["mailing.mailing"].create(
        {
            "subject": f"Mailing {world.key}",
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "crm_ext_segment_id": segment.id,
            "campaign_id": campaign.id,
        }
    )
    # service
    service_team = make("crm_ext.service.team")
    world.service_team = service_team
    make("crm_ext.ticket.stage")
    make("crm_ext.ticket.tag")
    make("crm_ext.ticket.category")
    make("crm_ext.sla.policy")
    ticket = make("crm_ext.ticket")
    world.ticket = ticket
    make("crm_ext.ticket.sla")
    make("crm_ext.ticket.assignment.rule")
    make("crm_ext.kb.article")
    make("crm_ext.equipment")
    make("crm_ext.service.contract")
    field_order = make("crm_ext.field.order")
    world.field_order = field_order
    make("crm_ext.field.order.line")
    world.return_reason = env["crm_ext.return.reason"].create({"name": f"Broken {world.key}"})
    rec["crm_ext.return.reason"] = world.return_reason
    make("crm_ext.return.line")
    done = env["crm_ext.return.line"].create(create_values(world, "crm_ext.return.line"))
    env.cr.execute("UPDATE crm_ext_return_line SET state = 'done' WHERE id = %s", [done.id])
    done.invalidate_recordset(["state"])
    ticket.lead_id = lead
    # analytics
    run = env["crm_ext.analytics.run"].create({"company_id": company.id})
    world.run = run
    rec["crm_ext.analytics.run"] = run
    make("crm_ext.analytics.run.stage")
    make("crm_ext.analytics.run.progress")
    for model in (
        "crm_ext.customer.rfm",
        "crm_ext.customer.rfm.history",
        "crm_ext.product.rule",
        "crm_ext.customer.offer",
        "crm_ext.revenue.forecast",
    ):
        make(model)
    # wizards: one made by the superuser (nobody else may read it)
    for model in ("crm_ext.interaction.import", "crm_ext.lead.import", "crm_ext.sales.target.adjust",
                  "crm_ext.sales.history.import", "crm_ext.ticket.merge"):  # fmt: skip
        make(model)
    env.flush_all()
    # the SQL views: the row of the records above
    views = {
        "crm_ext.forecast.report": [("lead_id", "=", lead.id)],
        "crm_ext.sales.target.report": [("target_id", "=", rec["crm_ext.sales.target"].id)],
        "crm_ext.win.loss.report": [("lead_id", "=", won.id)],
        "crm_ext.stage.conversion.report": [("lead_id", "=", lead.id)],
        "crm_ext.campaign.funnel.report": [("step_id", "=", step.id)],
        "crm_ext.service.report": [("ticket_id", "=", ticket.id)],
        "crm_ext.return.report": [("ticket_id", "=", ticket.id)],
        "crm_ext.cohort.report": [],
        "account.invoice.report": [("move_id", "=", invoice.id)],
    }
    for model, domain in views.items():
        rec[model] = env[model].search([("company_id", "=", company.id), *domain], limit=1)


SERIAL = itertools.count(1)


def create_values(world, model, user=None):
    """Minimal valid values of a new `model` record in the world's company, owned by `user` where the
    model has an owner (default: the company's sales manager). Unique names get a serial number."""
    env, company, users = world.env, world.company, world.users
    today = fields.Date.context_today(env["res.partner"])
    serial = next(SERIAL)
    key = f"{world.key}{serial}"
    owner = user or users["sales_mgr"]

    def new_customer():
        return env["res.partner"].create({"name": f"Customer {key}", "company_id": company.id}).id

    values = {
        "crm_ext.interaction": lambda: {
            "summary": f"Call {key}",
            "partner_id": world.customer_a.id,
            "user_id": owner.id,
            "company_id": company.id,
        },
        "crm_ext.opportunity.line": lambda: {
            "lead_id": world.records["crm.lead"].id,
            "product_id": world.product.id,
            "product_uom_qty": 1,
        },
        "crm_ext.forecast.adjustment": lambda: {
            "team_id": world.sales_team.id,
            "period": today,
            "amount": 10.0,
            "reason": "Isolation",
            "company_id": company.id,
        },
        "crm_ext.territory": lambda: {
            "name": f"Territory {key}",
            "team_id": world.sales_team.id,
            "company_id": company.id,
        },
        "crm_ext.sales.target": lambda: {
            "user_id": users["sales_mgr"].id,
            "amount": 1000.0,
            "company_id": company.id,
        },
        "crm_ext.jalali.month": lambda: {
            "date_start": datetime.date(2300 + next(SERIAL), 3, 21),
            "quarter_start": datetime.date(2300, 3, 21),
            "year_start": datetime.date(2300, 3, 21),
            "jalali_year": 1679,
            "jalali_month": 1,
        },
        "crm.lead": lambda: {
            "name": f"Lead {key}",
            "company_id": company.id,
            "partner_id": world.customer_a.id,
        },
        "crm.stage": lambda: {"name": f"Stage {key}"},
        "sale.order": lambda: {"partner_id": world.customer_a.id, "company_id": company.id},
        "account.move": lambda: {
            "move_type": "out_invoice",
            "partner_id": world.customer_a.id,
            "company_id": company.id,
        },
        "stock.picking": lambda: {
            "partner_id": world.customer_a.id,
            "picking_type_id": world.order.picking_ids[:1].picking_type_id.id,
            "company_id": company.id,
        },
        "res.partner": lambda: {"name": f"New partner {key}", "company_id": company.id},
        "res.company": lambda: {"name": f"New company {key}"},
        "res.users": lambda: {
            "name": f"New user {key}",
            "login": f"new_user_{key}",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
        },
        "product.template": lambda: {"name": f"Product {key}", "company_id": company.id},
        "utm.campaign": lambda: {"name": f"New campaign {key}", "company_id": company.id},
        "mailing.mailing": lambda: {
            "subject": f"New mailing {key}",
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "campaign_id": world.campaign.id,
        },
        "crm_ext.segment": lambda: {"name": f"New segment {key}", "company_id": company.id},
        "crm_ext.segment.rule": lambda: {"segment_id": world.segment.id, "days": 30},
        "crm_ext.segment.history": lambda: {"segment_id": world.segment.id, "member_count": 1},
        "crm_ext.lead.scoring.rule": lambda: {"name": f"Rule {key}", "points": 5, "company_id": company.id},
        "crm_ext.campaign.step": lambda: {
            "name": f"Step {key}",
            "campaign_id": world.campaign.id,
            "channel": "email",
            "subject": "Hello",
        },
        "crm_ext.campaign.target": lambda: {"step_id": world.step.id, "partner_id": new_customer()},
        "crm_ext.service.team": lambda: {
            "name": f"Service team {key}",
            "company_id": company.id,
            "user_id": users["svc_mgr"].id,
            "member_ids": [Command.set(users["agent"].ids)],
        },
        "crm_ext.ticket.stage": lambda: {"name": f"Ticket stage {key}", "sequence": 99},
        "crm_ext.ticket.tag": lambda: {"name": f"Tag {key}"},
        "crm_ext.ticket.category": lambda: {"name": f"Category {key}", "company_id": company.id},
        "crm_ext.sla.policy": lambda: {
            "name": f"SLA {key}",
            "company_id": company.id,
            "team_id": world.service_team.id,
            "sla_type": "first_response",
        },
        "crm_ext.ticket": lambda: {
            "name": f"Ticket of customer A {key}",
            "partner_id": world.customer_a.id,
            "team_id": world.service_team.id,
            "company_id": company.id,
        },
        "crm_ext.ticket.sla": lambda: {
            "ticket_id": world.ticket.id,
            "policy_id": env["crm_ext.sla.policy"].create(create_values(world, "crm_ext.sla.policy")).id,
        },
        "crm_ext.ticket.assignment.rule": lambda: {
            "name": f"Assign {key}",
            "team_id": world.service_team.id,
            "user_ids": [Command.set(users["agent"].ids)],
        },
        "crm_ext.kb.article": lambda: {
            "name": f"Article {key}",
            "body": "<p>How to</p>",
            "is_published": True,
            "company_id": company.id,
        },
        "crm_ext.equipment": lambda: {
            "name": f"Equipment of customer A {key}",
            "partner_id": world.customer_a.id,
            "product_id": world.product.id,
            "company_id": company.id,
        },
        "crm_ext.service.contract": lambda: {
            "partner_id": world.customer_a.id,
            "product_id": world.product.id,
            "end_date": today + datetime.timedelta(days=365),
            "company_id": company.id,
        },
        "crm_ext.field.order": lambda: {"ticket_id": world.ticket.id, "user_id": users["technician"].id},
        "crm_ext.field.order.line": lambda: {
            "order_id": world.field_order.id,
            "product_id": world.product.id,
            "quantity": 1,
        },
        "crm_ext.return.reason": lambda: {"name": f"Reason {key}"},
        "crm_ext.return.line": lambda: {
            "ticket_id": world.ticket.id,
            "sale_line_id": world.order.order_line[:1].id,
            "quantity": 1,
            "reason_id": world.return_reason.id,
        },
        "crm_ext.analytics.run": lambda: {"company_id": company.id},
        "crm_ext.analytics.run.stage": lambda: {"run_id": world.run.id, "key": "rfm", "name": "RFM"},
        "crm_ext.analytics.run.progress": lambda: {"run_ref": 10**6 + serial, "company_ref": company.id},
        "crm_ext.customer.rfm": lambda: {
            "partner_id": new_customer(),
            "company_id": company.id,
            "segment": "champions",
        },
        "crm_ext.customer.rfm.history": lambda: {
            "partner_id": world.customer_a.id,
            "company_id": company.id,
            "segment": "champions",
            "date": today,
        },
        "crm_ext.product.rule": lambda: {
            "company_id": company.id,
            "antecedent_ids": [Command.set(world.product.ids)],
            "consequent_ids": [Command.set(world.product.ids)],
        },
        # one offer per customer, company and product: customer A's is the world's record, the
        # offers made later (create and delete cells) are for new customers
        "crm_ext.customer.offer": lambda: {
            "partner_id": (
                new_customer() if "crm_ext.customer.offer" in world.records else world.customer_a.id
            ),
            "company_id": company.id,
            "product_id": world.product.id,
        },
        # months no analytics run writes, one per record (one forecast row per company, team and month)
        "crm_ext.revenue.forecast": lambda: {
            "company_id": company.id,
            "month": datetime.date(2000 + serial // 12, 1 + serial % 12, 1),
        },
        "crm_ext.interaction.import": lambda: {"file": base64.b64encode(b"summary\n"), "filename": "i.csv"},
        "crm_ext.lead.import": lambda: {"file": base64.b64encode(b"name\n"), "filename": "l.csv"},
        "crm_ext.sales.history": lambda: {
            "partner_id": world.customer_a.id,
            "date": today,
            "document_number": f"OLD-{key}",
            "currency_id": company.currency_id.id,
            "amount": 100.0,
            "amount_company": 100.0,
            "company_id": company.id,
        },
        "crm_ext.sales.history.import": lambda: {"file": base64.b64encode(b"date\n"), "filename": "h.csv"},
        "crm_ext.sales.target.adjust": lambda: {
            "target_id": world.records["crm_ext.sales.target"].id,
            "amount": 5.0,
            "reason": "Isolation",
        },
        "crm_ext.ticket.merge": lambda: {"ticket_ids": [Command.set(world.ticket.ids)]},
    }
    return values[model]() if model in values else {}
