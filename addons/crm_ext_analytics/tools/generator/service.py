"""Service (crm_ext_service): a bench team and SLA policies per company (ORM), tickets with
their SLA lines and stage history (``COPY``)."""

from __future__ import annotations

import logging
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .arrays import SECONDS_PER_DAY, datetimes
from .vocabulary import TICKET_SUBJECTS

_logger = logging.getLogger(__name__)


class ServiceMixin:
    """Tickets of the last year, closed or open, with SLA deadlines reached, failed or ongoing."""

    def _setup_service(self):
        """A bench service team per company with two SLA policies (ORM, a few records)."""
        env = self.env
        Team = env["crm_ext.service.team"].with_context(active_test=False)
        Policy = env["crm_ext.sla.policy"].with_context(active_test=False)
        Stage = env["crm_ext.ticket.stage"]
        stages = Stage.search([], order="sequence, id")
        closed = stages.filtered("is_closed")
        if not closed:
            closed = Stage.create({"name": "Solved", "sequence": 90, "is_closed": True})
        shared = stages.filtered(lambda s: not s.team_ids)
        self.ticket_solved_stage = closed[0]
        self.ticket_cancel_stage = closed[1] if len(closed) > 1 else closed[0]
        leader = int(self.user_ids[0])
        self.service = []
        for company in self.companies:
            team = Team.search([("name", "=", "Bench Service"), ("company_id", "=", company.id)], limit=1)
            if not team:
                team = Team.create({"name": "Bench Service", "company_id": company.id, "user_id": leader})
            names = {
                "first_response": "Bench: first answer within 8 hours",
                "resolution": "Bench: solved within 40 hours",
            }
            for sla_type, name in names.items():
                if not Policy.search_count([("team_id", "=", team.id), ("sla_type", "=", sla_type)]):
                    Policy.create(
                        {
                            "name": name,
                            "company_id": company.id,
                            "team_id": team.id,
                            "sla_type": sla_type,
                            "time_hours": 8.0 if sla_type == "first_response" else 40.0,
                            "warn_hours": 2.0 if sla_type == "first_response" else 8.0,
                            "stage_id": self.ticket_solved_stage.id if sla_type == "resolution" else False,
                            "escalate_notify": True,
                            "escalate_priority": sla_type == "resolution",
                        }
                    )
            # the policies a bench ticket matches: same company, its team or none; policies with
            # category, tag or customer tier criteria are left out (see the README)
            policies = Policy.search(
                [
                    ("active", "=", True),
                    ("company_id", "=", company.id),
                    ("team_id", "in", [team.id, False]),
                    ("category_ids", "=", False),
                    ("tag_ids", "=", False),
                    ("partner_category_ids", "=", False),
                ],
                order="id",
            )
            team_stages = shared | stages.filtered(lambda s, t=team: t in s.team_ids)
            excluded = policies.exclude_stage_ids
            open_stages = team_stages.filtered(lambda s, ex=excluded: not s.is_closed and s not in ex)
            if not open_stages:
                open_stages = team_stages.filtered(lambda s: not s.is_closed)[:1]
            self.service.append(
                {
                    "team": team.id,
                    "policies": policies,
                    "open_stages": np.array(open_stages.ids[:2], dtype=np.int64),
                }
            )

    def _service(self):
        """Tickets for a share of the customers in their home company, with their SLA lines.

        Tickets of the last year; old ones are closed (solved, a few cancelled) with their
        SLAs reached or failed; recent ones are open. Open SLA lines past their deadline for
        more than ``escalation_backlog_days`` are failed and escalated; the more recent breaches
        are still ongoing and not escalated (the escalation cron's work). Deadlines are counted
        in calendar hours, not in the team's working hours.
        """
        self.ticket_ids = np.zeros(0, dtype=np.int64)
        self.ticket_sla_ids = np.zeros(0, dtype=np.int64)
        self.ticket_backlog = 0
        self.ticket_stage_messages = 0
        self.ticket_rating_ids = np.zeros(0, dtype=np.int64)
        self.field_order_ids = np.zeros(0, dtype=np.int64)
        if "crm_ext.ticket" not in self.env:
            _logger.info("benchmark data: crm_ext_service is not installed, no tickets")
            return
        self._setup_service()
        T = self._ticket_rows()
        if T is None:
            return
        sla = self._ticket_sla_lines(T)
        self._write_tickets(T, sla)
        self._ticket_stage_history(T.ids, T.created, T.answered, T.closed_at, T.is_open, T.stage, T.user)
        self._ticket_outcomes(T)
        self.ticket_ids = T.ids
        self.ticket_sla_ids = sla.ids
        self.ticket_backlog = int((sla.ongoing & (sla.deadline < self.now)).sum())

    def _ticket_rows(self):
        """Who writes in and when; open or closed (solved or cancelled), answer and closing
        times, stage, priority, channel and agent. None when no customer has a ticket."""
        rng = self.xrng
        n_c = len(self.cust_ids)
        with_tickets = np.flatnonzero(rng.random(n_c) < self.p["ticket_share"])
        counts = 1 + rng.poisson(max(self.p["tickets_per_customer"] - 1, 0), len(with_tickets))
        T = SimpleNamespace(cust=np.repeat(with_tickets, counts))
        n = T.n = len(T.cust)
        if not n:
            return None
        year_ago = self.now - np.timedelta64(365 * SECONDS_PER_DAY, "s")
        start = np.maximum(self.cust_active_from[T.cust].astype("datetime64[s]"), year_ago)
        span = np.maximum((self.now - start).astype(np.int64), 3600)
        created = start + (rng.random(n) * span).astype(np.int64).astype("timedelta64[s]")
        T.created = np.minimum(created, self.now - np.timedelta64(600, "s"))
        age_days = (self.now - T.created).astype(np.int64) / SECONDS_PER_DAY
        T.is_open = (age_days < self.p["ticket_open_days"]) & (rng.random(n) < 0.7)
        cancelled = ~T.is_open & (rng.random(n) < 0.05)
        T.company = self.cust_home[T.cust]
        T.priority = rng.choice(["0", "1", "2", "3"], n, p=[0.2, 0.55, 0.2, 0.05]).astype(object)
        # answered and closed: a few hours to a few days after the ticket came in
        answered = T.created + (rng.exponential(5 * 3600, n).astype(np.int64) + 300).astype("timedelta64[s]")
        closed_at = answered + (rng.exponential(30 * 3600, n).astype(np.int64) + 600).astype("timedelta64[s]")
        T.closed_at = np.minimum(closed_at, self.now)
        T.answered = np.minimum(answered, T.closed_at)
        T.has_answer = ~T.is_open | ((T.answered <= self.now) & (rng.random(n) < 0.6))
        T.stage = np.empty(n, dtype=np.int64)
        T.stage[~T.is_open] = np.where(
            cancelled[~T.is_open], self.ticket_cancel_stage.id, self.ticket_solved_stage.id
        )
        for ci, info in enumerate(self.service):
            mask = T.is_open & (T.company == ci)
            T.stage[mask] = info["open_stages"][rng.integers(0, len(info["open_stages"]), mask.sum())]
        T.ids = self._alloc_by_date("crm_ext_ticket", T.created)
        order = np.argsort(T.ids)
        T.numbers = np.empty(n, dtype=object)
        T.numbers[order] = self._ticket_numbers(T.created[order])
        T.subjects = np.array(TICKET_SUBJECTS, dtype=object)[rng.integers(0, len(TICKET_SUBJECTS), n)]
        T.channels = rng.choice(["phone", "email", "chat", "web", "portal"], n, p=[0.3, 0.35, 0.1, 0.15, 0.1])
        T.user = self.user_ids[rng.integers(0, len(self.user_ids), n)]
        return T

    def _ticket_sla_lines(self, T):
        """One SLA line per ticket and matching policy: deadline, reached or failed, warned and
        escalated (old breaches) or ongoing (the escalation cron's backlog)."""
        sla_t, sla_p = [], []
        for ci, info in enumerate(self.service):
            for policy in info["policies"]:
                mask = T.company == ci
                if policy.priority:
                    mask &= T.priority >= policy.priority
                idx = np.flatnonzero(mask)
                sla_t.append(idx)
                sla_p.append(np.full(len(idx), policy.id, dtype=np.int64))
        t = np.concatenate(sla_t) if sla_t else np.zeros(0, dtype=np.int64)
        pol = np.concatenate(sla_p) if sla_p else np.zeros(0, dtype=np.int64)
        policy_info = {
            p.id: (p.sla_type, p.time_hours, p.stage_id.sequence if p.stage_id else 0)
            for info in self.service
            for p in info["policies"]
        }
        p_type = np.array([policy_info[p][0] for p in pol], dtype=object)
        p_hours = np.array([policy_info[p][1] for p in pol], dtype=np.float64)
        deadline = T.created[t] + (p_hours * 3600).astype(np.int64).astype("timedelta64[s]")
        first = p_type == "first_response"
        nat = np.datetime64("NaT", "s")
        # settled lines: first responses answered, every line of a closed ticket
        reached = np.where(first & T.has_answer[t], T.answered[t], nat)
        reached = np.where(~T.is_open[t] & np.isnat(reached), T.closed_at[t], reached)
        settled = ~np.isnat(reached)
        status = np.full(len(t), "ongoing", dtype=object)
        status[settled] = np.where(reached[settled] > deadline[settled], "failed", "reached")
        backlog = self.now - np.timedelta64(int(self.p["escalation_backlog_days"] * SECONDS_PER_DAY), "s")
        old_breach = ~settled & (deadline < backlog)
        status[old_breach] = "failed"  # escalated by earlier cron runs
        return SimpleNamespace(
            ids=self._alloc("crm_ext_ticket_sla", len(t)),
            ticket=t,
            policy=pol,
            type=p_type,
            deadline=deadline,
            reached=reached,
            status=status,
            ongoing=status == "ongoing",
            escalated=old_breach.copy(),
            warned=(~settled & (deadline < self.now)) | old_breach,
        )

    def _write_tickets(self, T, sla):
        """The tickets, with their stored SLA summary (earliest ongoing deadline, any failed
        line), then their SLA lines."""
        n = T.n
        nat = np.datetime64("NaT", "s")
        co_ids = np.array([c.id for c in self.companies], dtype=np.int64)
        team = np.array([s["team"] for s in self.service], dtype=np.int64)[T.company]
        sla_deadline = np.full(n, nat)
        if sla.ongoing.any():
            frame = (
                pd.DataFrame({"t": sla.ticket[sla.ongoing], "d": sla.deadline[sla.ongoing]})
                .groupby("t")["d"]
                .min()
            )
            sla_deadline[frame.index.to_numpy()] = frame.to_numpy().astype("datetime64[s]")
        sla_failed = np.zeros(n, dtype=bool)
        sla_failed[sla.ticket[sla.status == "failed"]] = True
        partner = self.cust_ids[T.cust]  # the customer itself writes in (the contacts' ids are not kept)
        self._copy(
            "crm_ext_ticket",
            {
                "id": T.ids,
                "number": T.numbers,
                "name": T.subjects,
                "partner_id": partner,
                "commercial_partner_id": partner,
                "team_id": team,
                "user_id": T.user,
                "stage_id": T.stage,
                "is_closed": ~T.is_open,
                "closed_date": datetimes(np.where(T.is_open, nat, T.closed_at)),
                "priority": T.priority,
                "channel": T.channels,
                "company_id": co_ids[T.company],
                "color": 0,
                "sla_deadline": datetimes(sla_deadline),
                "sla_failed": sla_failed,
                "first_response_date": datetimes(np.where(T.has_answer, T.answered, nat)),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(T.created),
                "write_date": self.now_str,
            },
        )
        t = sla.ticket
        self._copy(
            "crm_ext_ticket_sla",
            {
                "id": sla.ids,
                "ticket_id": T.ids[t],
                "policy_id": sla.policy,
                "sla_type": sla.type,
                "company_id": co_ids[T.company[t]],
                "team_id": team[t],
                "status": sla.status,
                "deadline": datetimes(sla.deadline),
                "reached_date": datetimes(sla.reached),
                "warned": sla.warned,
                "escalated": sla.escalated,
                "remaining_hours": 0.0,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(T.created[t]),
                "write_date": self.now_str,
            },
        )

    def _ticket_outcomes(self, T):
        """What the service dashboard reads beyond the tickets themselves, each off by default:
        the customers' ratings of a share (``ticket_rating_share``) of the solved tickets, the
        working hours to the first answer and to the closing as the ticket computes them
        (``ticket_working_hours``, ORM: the team's calendar), and a completed field order with
        the technician's labour on a share (``field_order_share``) of the solved tickets. They
        draw from a random stream of their own: the rest of the data is the same with or
        without them."""
        rng = np.random.default_rng([self.seed, 3])
        solved = np.flatnonzero(~T.is_open & (T.stage == self.ticket_solved_stage.id))
        rated = solved[rng.random(len(solved)) < self.p["ticket_rating_share"]]
        if rated.size:
            self._write_ticket_ratings(T, rated, rng)
        if self.p["ticket_working_hours"]:
            tickets = self.env["crm_ext.ticket"].browse(T.ids.tolist())
            tickets.invalidate_recordset()
            self.env.add_to_compute(tickets._fields["first_response_hours"], tickets)
            self.env.add_to_compute(tickets._fields["resolution_hours"], tickets)
            tickets.flush_recordset(["first_response_hours", "resolution_hours"])
        visited = solved[rng.random(len(solved)) < self.p["field_order_share"]]
        if visited.size:
            self._write_field_orders(T, visited, rng)

    def _write_ticket_ratings(self, T, rated, rng):
        """One filled rating per ticket (5 satisfied, 3 okay, 1 not), given by the customer a
        few hours after the closing, of the ticket's agent; the ticket's last rating with it."""
        env = self.env
        n = len(rated)
        value = rng.choice([5, 3, 1], n, p=[0.72, 0.18, 0.10])
        text = np.select([value == 5, value == 3], ["top", "ok"], "ko").astype(object)
        delay = (rng.exponential(12 * 3600, n).astype(np.int64) + 600).astype("timedelta64[s]")
        when = np.minimum(T.closed_at[rated] + delay, self.now)
        stamps = datetimes(when)
        ids = self._alloc_by_date("rating_rating", when)
        self._copy(
            "rating_rating",
            {
                "id": ids,
                "res_model_id": env["ir.model"]._get_id("crm_ext.ticket"),
                "res_model": "crm_ext.ticket",
                "res_id": T.ids[rated],
                "res_name": T.numbers[rated] + " " + T.subjects[rated],
                "partner_id": self.cust_ids[T.cust[rated]],
                "rated_partner_id": self._user_partners(T.user[rated]),
                "rating": value.astype(np.float64),
                "rating_text": text,
                "consumed": True,
                "is_internal": False,
                "access_token": [f"{a:016x}{b:016x}" for a, b in rng.integers(0, 2**63, (n, 2)).tolist()],
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": stamps,
                "write_date": stamps,
            },
        )
        self.cr.execute(
            "UPDATE crm_ext_ticket t SET rating_last_value = v.rating"
            "  FROM unnest(%s::int[], %s::float8[]) AS v(id, rating) WHERE t.id = v.id",
            [T.ids[rated].tolist(), value.astype(np.float64).tolist()],
        )
        self.ticket_rating_ids = ids

    def _write_field_orders(self, T, visited, rng):
        """A completed field order per visited ticket: the technician (the ticket's agent) went
        between the first answer and the closing and worked a few hours, billed at the company's
        labour price (no parts)."""
        n = len(visited)
        companies = self.env["res.company"].browse([c.id for c in self.companies])
        labour_price = np.array([c._service_labour_product().lst_price for c in companies], dtype=np.float64)
        co_ids = np.array(companies.ids, dtype=np.int64)
        ci = T.company[visited]
        hours = np.round(np.clip(rng.gamma(2.0, 1.0, n), 0.5, 8.0) * 4) / 4
        span = np.maximum((T.closed_at[visited] - T.answered[visited]).astype(np.int64), 0)
        start = T.answered[visited] + (rng.random(n) * span * 0.5).astype(np.int64).astype("timedelta64[s]")
        ids = self._alloc_by_date("crm_ext_field_order", start)
        order = np.argsort(ids)
        names = np.empty(n, dtype=object)
        names[order] = self._ticket_numbers(start[order], code="crm_ext.field.order", fallback="FSO/BENCH/")
        partner = self.cust_ids[T.cust[visited]]
        stamps = datetimes(start)
        self._copy(
            "crm_ext_field_order",
            {
                "id": ids,
                "name": names,
                "ticket_id": T.ids[visited],
                "partner_id": partner,
                "commercial_partner_id": partner,
                "company_id": co_ids[ci],
                "user_id": T.user[visited],
                "scheduled_start": stamps,
                "duration": hours,
                "scheduled_end": datetimes(start + (hours * 3600).astype(np.int64).astype("timedelta64[s]")),
                "state": "done",
                "hours_worked": hours,
                "cover_parts": False,
                "cover_labour": False,
                "parts_amount": 0.0,
                "labour_amount": np.round(hours * labour_price[ci], 2),
                "color": 0,
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": stamps,
                "write_date": self.now_str,
            },
        )
        self.field_order_ids = ids

    def _ticket_stage_history(self, ids, created, answered, closed_at, is_open, stage, user):
        """The stage changes of the tickets as Odoo tracks them: one chatter message with one
        tracking value per change. A ticket starts in the first open stage; an answered one
        moves to its current open stage, or to the working stage then to its closing stage."""
        env = self.env
        Stage = env["crm_ext.ticket.stage"].with_context(lang="en_US")
        open_stages = Stage.search(
            [("is_closed", "=", False), ("team_ids", "=", False)], order="sequence, id"
        )
        self.ticket_stage_messages = 0
        if not open_stages:
            return
        first = open_stages[0].id
        working = open_stages[1].id if len(open_stages) > 1 else first
        names = {s.id: s.name for s in Stage.with_context(active_test=False).search([])}
        moved = np.flatnonzero(~is_open | (stage != first))
        to_first = np.where(is_open[moved], stage[moved], working)
        keep = to_first != first
        moved, to_first = moved[keep], to_first[keep]
        first_at = np.maximum(np.minimum(answered[moved], self.now), created[moved] + np.timedelta64(60, "s"))
        # a closed ticket was answered before it was closed (see _service), so the order holds
        closed = np.flatnonzero(~is_open)
        closed_at_ = closed_at[closed]
        if working == first:  # a single open stage: closed tickets left it once, to their closing stage
            keep = ~is_open[moved]
            moved, to_first, first_at = moved[~keep], to_first[~keep], first_at[~keep]
        ticket = np.concatenate([moved, closed])
        old = np.concatenate([np.full(len(moved), first), np.full(len(closed), working)]).astype(np.int64)
        new = np.concatenate([to_first, stage[closed]]).astype(np.int64)
        when = np.concatenate([first_at, closed_at_]).astype("datetime64[s]")
        n = len(ticket)
        if not n:
            return
        self._write_tracking_messages(
            "crm_ext.ticket",
            "stage_id",
            ids[ticket],
            user[ticket],
            old,
            new,
            when,
            names,
            env.ref("mail.mt_note"),
        )
        self.ticket_stage_messages = n

    def _ticket_numbers(self, created, code="crm_ext.ticket", fallback="TCK/BENCH/"):
        """Numbers from the sequence of ``code`` (tickets by default), in the order given (the
        sequence advances)."""
        seq = self.env["ir.sequence"].search([("code", "=", code)], limit=1)
        n = len(created)
        if not seq:
            return np.array([f"{fallback}{k + 1:06d}" for k in range(n)], dtype=object)
        if seq.implementation == "standard":
            self.cr.execute(
                "SELECT nextval(%s) FROM generate_series(1, %s)", [f"ir_sequence_{seq.id:03d}", n]
            )
            values = [row[0] for row in self.cr.fetchall()]
        else:
            self.cr.execute(
                "UPDATE ir_sequence SET number_next = number_next + %s WHERE id = %s"
                " RETURNING number_next - %s",
                [n * seq.number_increment, seq.id, n * seq.number_increment],
            )
            first = self.cr.fetchone()[0]
            values = [first + k * seq.number_increment for k in range(n)]
            seq.invalidate_recordset(["number_next"])
        years = np.asarray(created).astype("datetime64[Y]").astype(np.int64) + 1970
        affixes = {}
        out = np.empty(n, dtype=object)
        for k, (value, year) in enumerate(zip(values, years, strict=True)):
            if year not in affixes:
                affixes[year] = seq._get_prefix_suffix(date=date(int(year), 6, 30))
            prefix, suffix = affixes[year]
            out[k] = f"{prefix}{value:0{seq.padding}d}{suffix}"
        return out
