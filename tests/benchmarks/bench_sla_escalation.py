"""SLA escalation of crm_ext_service: the batched cron vs a per-ticket ORM loop.

The data generator leaves SLA lines breached within the last week and not escalated yet
(as if the cron had been stopped). ``crm_ext.ticket.sla._cron_escalate`` claims a batch of
them with one ``UPDATE ... RETURNING`` and applies the policies' actions in bulk (breach
activities for the team leader, priorities raised, one chatter note per ticket); the
benchmark calls it until nothing is left, as the cron does batch after batch. The naive
baseline loops over the tickets and their breached lines with the ORM, on a sample of the
tickets, inside a savepoint rolled back afterwards, scaled to every breached ticket.

Before timing, every open line whose deadline is still ahead is marked as warned, so that
both sides do the same work (escalations only). The runner rolls everything back.
"""

from __future__ import annotations

import numpy as np
from markupsafe import Markup

import odoo.sql_db
from odoo import fields
from tests.benchmarks.registry import Result, benchmark

MODULES = ["crm_ext_service"]

BREACHED_SQL = """
    SELECT sla.id, sla.ticket_id
      FROM crm_ext_ticket_sla sla
      JOIN crm_ext_ticket ticket ON ticket.id = sla.ticket_id
     WHERE sla.status = 'ongoing' AND sla.deadline IS NOT NULL AND sla.deadline < %s
       AND sla.escalated IS NOT TRUE AND ticket.is_closed IS NOT TRUE
"""


def _breached(ctx):
    """Mark the warnings as sent; return the breached lines and their tickets (not timed)."""
    cr = ctx.env.cr
    ctx.env.flush_all()
    now = fields.Datetime.now()
    cr.execute(
        "UPDATE crm_ext_ticket_sla SET warned = TRUE"
        " WHERE status = 'ongoing' AND deadline >= %s AND warned IS NOT TRUE",
        [now],
    )
    cr.execute(BREACHED_SQL, [now])
    rows = cr.fetchall()
    ctx.env.invalidate_all()
    return {"now": now, "lines": {r[0] for r in rows}, "tickets": sorted({r[1] for r in rows})}


def _prepare_orm(ctx):
    prepared = _breached(ctx)
    tickets = prepared["tickets"]
    size = min(ctx.options.sample, len(tickets))
    rng = np.random.default_rng(0)
    prepared["sample"] = sorted(int(x) for x in rng.choice(tickets, size, replace=False)) if size else []
    return prepared


def _escalate_orm(env, ticket_ids, now):
    """Per ticket, per breached line: the escalation with plain ORM calls."""
    Sla = env["crm_ext.ticket.sla"]
    Activity = env["mail.activity"].with_context(mail_activity_quick_update=True)
    activity_type = env.ref("crm_ext_service.mail_activity_type_sla_breach")
    tickets = env["crm_ext.ticket"].with_context(tracking_disable=True).browse(ticket_ids)
    escalated = set()
    for ticket in tickets:
        lines = Sla.search(
            [
                ("ticket_id", "=", ticket.id),
                ("status", "=", "ongoing"),
                ("deadline", "<", now),
                ("escalated", "=", False),
            ]
        )
        raised = False
        for line in lines:
            line.write({"escalated": True, "status": "failed"})
            policy, leader = line.policy_id, ticket.team_id.user_id
            if policy.escalate_notify and leader:
                Activity.create(line._activity_values(activity_type, leader, f"SLA {policy.name} breached"))
            if policy.escalate_reassign and leader and ticket.user_id != leader:
                ticket.user_id = leader
            if policy.escalate_priority and ticket.priority < "3" and not raised:
                ticket.priority = str(int(ticket.priority) + 1)
                raised = True
            ticket._message_log(body=Markup("<p>SLA %s breached.</p>") % policy.name)
            escalated.add(line.id)
    env.flush_all()
    return escalated


@benchmark(
    "sla_escalation_orm",
    baseline_only=True,
    prepare=_prepare_orm,
    requires=MODULES,
    description="naive ORM: per breached ticket, its lines escalated one by one, sample scaled",
)
def sla_escalation_orm(ctx):
    """Per ticket: search its breached SLA lines, write, activity, priority, chatter note."""
    cr = ctx.env.cr
    cr.execute("SAVEPOINT bench_sla_orm")
    escalated = _escalate_orm(ctx.env, ctx.prepared["sample"], ctx.prepared["now"])
    cr.execute("ROLLBACK TO SAVEPOINT bench_sla_orm")
    ctx.env.invalidate_all()
    sample, population = len(ctx.prepared["sample"]), len(ctx.prepared["tickets"])
    return Result(
        rows=len(escalated),
        value={"sample": set(ctx.prepared["sample"]), "lines": escalated},
        scale=population / sample if sample else 1.0,
        note=f"{sample} of {population} breached tickets",
    )


@benchmark(
    "sla_escalation",
    baseline="sla_escalation_orm",
    prepare=_breached,
    requires=MODULES,
    check=lambda value, baseline: _same_escalations(value, baseline),
)
def sla_escalation(ctx):
    """The escalation cron, batch after batch, until no breached SLA line is left."""
    Sla = ctx.env["crm_ext.ticket.sla"]
    escalated, per_batch = [], []
    while True:
        before = odoo.sql_db.sql_counter
        lines = Sla._cron_escalate()
        if not lines:
            break
        escalated += lines.ids
        per_batch.append(odoo.sql_db.sql_counter - before)
    ctx.env.flush_all()
    # lines whose deadline passed while the benchmark ran are escalated too: say which
    extra = sorted(set(escalated) - ctx.prepared["lines"])
    late = []
    if extra:
        ctx.env.cr.execute(
            "SELECT id FROM crm_ext_ticket_sla WHERE id IN %s AND deadline < %s",
            [
                tuple(extra),
                ctx.prepared["now"],
            ],
        )
        late = [row[0] for row in ctx.env.cr.fetchall()]
    ctx.env.cr.execute("SELECT id, ticket_id FROM crm_ext_ticket_sla WHERE id = ANY(%s)", [escalated])
    ticket_of = dict(ctx.env.cr.fetchall())
    batches = len(per_batch)
    mean = sum(per_batch) / batches if batches else 0
    note = (
        f"{len(escalated):,} lines of {len(set(ticket_of.values())):,} tickets in {batches} batches,"
        f" {mean:.0f} queries per batch (min {min(per_batch, default=0)}, max {max(per_batch, default=0)})"
    )
    return Result(
        rows=len(escalated),
        value={
            "lines": escalated,
            "ticket_of": ticket_of,
            "expected": ctx.prepared["lines"],
            "unexpected": late,
        },
        note=note,
    )


def _same_escalations(value, baseline):
    lines = value["lines"]
    if len(lines) != len(set(lines)):
        raise AssertionError(f"{len(lines) - len(set(lines))} lines escalated more than once")
    missing = value["expected"] - set(lines)
    if missing:
        raise AssertionError(f"{len(missing)} breached lines not escalated, e.g. {sorted(missing)[:5]}")
    if value["unexpected"]:
        raise AssertionError(f"lines escalated that were not breached: {value['unexpected'][:5]}")
    on_sample = {line for line in lines if value["ticket_of"][line] in baseline["sample"]}
    if on_sample != baseline["lines"]:
        raise AssertionError(
            f"the cron and the ORM loop escalate different lines of the sampled tickets:"
            f" {sorted(on_sample ^ baseline['lines'])[:10]}"
        )
    return (
        f"every breached line escalated exactly once ({len(lines):,});"
        f" same {len(on_sample)} lines as the ORM loop on {len(baseline['sample'])} sampled tickets"
    )
