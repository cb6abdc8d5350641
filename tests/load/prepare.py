"""Users and record pools for the load test, on the load test's own copy of a database.

    .venv/bin/python -m tests.load.prepare --database crm_ext_load_small --output FILE [--users 50]

Creates (once) users per role with their password equal to their login: ``load.sales<i>``,
``load.service<i>``, ``load.accounting<i>``, ``load.marketing<i>`` in the main company and
``load.portal<i>`` for customers that have posted invoices; picks the records the
scenarios read and consume (each order invoiced once, each invoice paid or refunded once)
and writes them as JSON for ``tests/load/locustfile.py``. Commits.
"""

import argparse
import json
import sys

from tests.benchmarks.odoo_env import add_odoo_arguments, odoo_environment

ROLES = {
    "sales": ["sales_team.group_sale_salesman_all_leads", "crm_ext_sales.group_sales_user"],
    "service": ["crm_ext_service.group_service_user", "sales_team.group_sale_salesman"],
    "accounting": [
        "account.group_account_invoice",
        "sales_team.group_sale_salesman_all_leads",
        "crm_ext_sales.group_sales_user",
    ],
    "marketing": [
        "crm_ext_marketing.group_marketing_manager",  # refreshing a segment is a manager's (issue 13)
        "sales_team.group_sale_salesman_all_leads",
        "mass_mailing.group_mass_mailing_user",
    ],
}
SALES_REPORTS = [
    "crm_ext_sales.crm_ext_win_loss_report_action",
    "crm_ext_sales.crm_ext_forecast_report_action",
    "crm_ext_sales.crm_ext_stage_conversion_report_action",
    "crm_ext_sales.crm_ext_sales_target_report_action",
]


def ensure_users(env, role, count, company):
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True, mail_notrack=True)
    groups = [env.ref(xmlid).id for xmlid in ROLES[role]] + [env.ref("base.group_user").id]
    users = Users.search([("login", "=like", f"load.{role}%")], order="id")
    for i in range(len(users), count):
        login = f"load.{role}{i + 1}"
        users |= Users.create(
            {
                "name": f"Load {role.title()} {i + 1}",
                "login": login,
                "password": login,
                # an author without an e-mail address cannot post on a ticket ("Unable to send
                # message, please configure the sender's email address")
                "email": f"{login}@load.example.com",
                "company_id": company.id,
                "company_ids": [(6, 0, [company.id])],
                "groups_id": [(6, 0, groups)],
                "tz": "UTC",
            }
        )
    for user in users.filtered(lambda u: not u.email):
        user.email = f"{user.login}@load.example.com"
    return [{"login": u.login, "id": u.id, "company_id": company.id} for u in users[:count]]


def ensure_portal_users(env, count, company):
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True, mail_notrack=True)
    users = Users.search([("login", "=like", "load.portal%")], order="id")
    if len(users) < count:
        used = users.partner_id.ids
        env.cr.execute(
            """SELECT m.partner_id FROM account_move m JOIN res_partner p ON p.id = m.partner_id
                WHERE m.move_type = 'out_invoice' AND m.state = 'posted' AND m.company_id = %s
                  AND p.is_company AND p.active AND NOT (m.partner_id = ANY(%s))
                  AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)
             GROUP BY m.partner_id ORDER BY count(*) DESC LIMIT %s""",
            [company.id, used or [0], count - len(users)],
        )
        partner_ids = [row[0] for row in env.cr.fetchall()]
        portal = env.ref("base.group_portal")
        for partner_id in partner_ids:
            login = f"load.portal{len(users) + 1}"
            users |= Users.create(
                {
                    "name": env["res.partner"].browse(partner_id).name,
                    "login": login,
                    "password": login,
                    "partner_id": partner_id,
                    "company_id": company.id,
                    "company_ids": [(6, 0, [company.id])],
                    "groups_id": [(6, 0, [portal.id])],
                }
            )
    accounts = [{"login": u.login, "id": u.id, "company_id": company.id} for u in users[:count]]
    invoices = {
        u.login: env["account.move"]
        .search(
            [
                ("partner_id", "=", u.partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ],
            limit=20,
        )
        .ids
        for u in users[:count]
    }
    return accounts, invoices


def ids(env, sql, params):
    env.cr.execute(sql, params)
    return [row[0] for row in env.cr.fetchall()]


def prepare(env, users):
    company = env.ref("base.main_company")
    per_role = max(2, users // 4)
    data = {"users": {role: ensure_users(env, role, per_role, company) for role in ROLES}}
    data["users"]["portal"], data["portal_invoices"] = ensure_portal_users(env, per_role, company)
    # agents see the tickets of their teams (record rule): the load agents are in every team
    agents = [account["id"] for account in data["users"]["service"]]
    for team in env["crm_ext.service.team"].search([("company_id", "in", [company.id, False])]):
        team.member_ids = [(4, user_id) for user_id in agents]
    # each load sales rep owns opportunities, as a rep does: their "My Pipeline" (the filter the
    # Pipeline opens with) holds 400 of the company's latest opportunities, open and closed
    reps = [account["id"] for account in data["users"]["sales"]]
    env.cr.execute(
        """UPDATE crm_lead lead SET user_id = (%(reps)s::int[])[1 + (lead.id %% %(count)s)]
            WHERE lead.id IN (
                  SELECT id FROM crm_lead
                   WHERE type = 'opportunity' AND company_id = %(company)s
                     AND (user_id IS NULL OR user_id <> ALL(%(reps)s::int[]))
                ORDER BY id DESC
                   LIMIT GREATEST(0, 400 * %(count)s - (
                         SELECT count(*) FROM crm_lead WHERE user_id = ANY(%(reps)s::int[]))))""",
        {"reps": reps, "count": len(reps), "company": company.id},
    )
    env["crm.lead"].invalidate_model(["user_id"])
    opportunities = env["crm.lead"].search(
        [
            ("type", "=", "opportunity"),
            ("partner_id", "!=", False),
            ("company_id", "in", [company.id, False]),
        ],
        limit=500,
        order="id desc",
    )
    invoices = ids(
        env,
        """SELECT id FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'
              AND payment_state = 'not_paid' AND company_id = %s ORDER BY id DESC LIMIT 4000""",
        [company.id],
    )
    data["pools"] = {
        "opportunities": opportunities.ids,
        "products": env["product.product"]
        .search([("sale_ok", "=", True), ("type", "=", "consu")], limit=200)
        .ids,
        "tickets": env["crm_ext.ticket"]
        .search([("is_closed", "=", False), ("company_id", "=", company.id)], limit=3000)
        .ids,
        "orders_to_invoice": ids(
            env,
            """SELECT o.id FROM sale_order o WHERE o.state = 'sale' AND o.invoice_status = 'to invoice'
                  AND o.company_id = %s ORDER BY o.id DESC LIMIT 3000""",
            [company.id],
        ),
        "invoices_to_pay": invoices[0::2],
        "invoices_to_refund": invoices[1::2],
        "segments": env["crm_ext.segment"].search([("company_id", "in", [company.id, False])], limit=20).ids,
    }
    data["lead_partner"] = {str(lead.id): lead.partner_id.id for lead in opportunities}
    data["close_stage"] = env["crm_ext.ticket.stage"].search([("is_closed", "=", True)], limit=1).id
    data["sale_journal"] = (
        env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1).id
    )
    data["reports"] = {"sales": SALES_REPORTS}
    # the segments as the nightly cron leaves them (the generator leaves them unrefreshed): a
    # user's refresh then writes what changed since, not every member
    env["crm_ext.segment"]._cron_refresh_segments()
    env.cr.commit()
    return data


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_odoo_arguments(parser)
    parser.add_argument("--output", required=True)
    parser.add_argument("--users", type=int, default=50, help="the most simulated users of the runs")
    args = parser.parse_args(argv)
    with odoo_environment(args) as env:
        data = prepare(env, args.users)
    with open(args.output, "w") as output:
        json.dump(data, output)
    sizes = ", ".join(f"{name} {len(pool)}" for name, pool in data["pools"].items())
    print(f"load data: {sum(len(u) for u in data['users'].values())} users; pools: {sizes}")
    empty = [name for name in ("opportunities", "products", "tickets", "segments") if not data["pools"][name]]
    empty += [f"{role} users" for role, accounts in data["users"].items() if not accounts]
    if empty:
        print(f"empty pools: {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
