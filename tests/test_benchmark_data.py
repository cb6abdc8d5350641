"""The benchmark data generator writes data that Odoo itself accepts and reports correctly.

Run with pytest-odoo on a database that has the crm_ext dependencies installed::

    .venv/bin/pytest --odoo-database=DB --odoo-log-level=warn tests/test_benchmark_data.py
"""

from collections import Counter

from odoo import fields
from odoo.tests import TransactionCase, tagged
from tests.benchmarks.generator import SECOND_COMPANY_NAME, generate


@tagged("post_install", "-at_install")
class TestBenchmarkData(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.summary = generate(cls.env, size="small", seed=7, customers=300)
        cls.Move = cls.env["account.move"]
        cls.move_ids = [int(x) for x in cls.summary["move_ids"]]
        cls.invoice_ids = [int(x) for x in cls.summary["invoice_ids"]]
        cls.refund_ids = [int(x) for x in cls.summary["refund_ids"]]
        cls.states = {k: [int(x) for x in v] for k, v in cls.summary["invoice_payment_states"].items()}

    def test_volumes(self):
        rows = self.summary["rows"]
        self.assertEqual(
            rows["res_partner"], len(self.summary["customer_ids"]) + len(self.summary["contact_ids"])
        )
        self.assertEqual(len(self.summary["customer_ids"]), 300)
        for table in (
            "crm_lead",
            "sale_order",
            "sale_order_line",
            "stock_picking",
            "stock_move",
            "stock_move_line",
            "stock_quant",
            "stock_lot",
            "account_move",
            "account_move_line",
            "account_payment",
            "account_partial_reconcile",
            "account_full_reconcile",
        ):
            self.assertGreater(rows.get(table, 0), 0, table)
        self.assertEqual(len(self.summary["company_ids"]), 2)
        second = self.env["res.company"].browse(self.summary["company_ids"][1])
        self.assertEqual(second.name, SECOND_COMPANY_NAME)
        self.assertEqual(second.currency_id, self.env.ref("base.EUR"))
        self.assertTrue(self.summary["foreign_invoice_ids"].size, "some invoices are in a foreign currency")
        # every state of the pipeline is present
        leads = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .browse([int(x) for x in self.summary["lead_ids"]])
        )
        self.assertTrue(leads.filtered(lambda lead: lead.stage_id.is_won and lead.active))
        self.assertTrue(leads.filtered(lambda lead: not lead.active and lead.lost_reason_id))
        self.assertTrue(leads.filtered(lambda lead: lead.active and not lead.stage_id.is_won))
        orders = self.env["sale.order"].browse([int(x) for x in self.summary["order_ids"]])
        self.assertEqual(set(orders.mapped("state")), {"draft", "sent", "sale", "cancel"})

    def test_a_moves_posted_and_balanced(self):
        cr = self.env.cr
        cr.execute(
            """
            SELECT m.id, m.state, m.company_id, m.currency_id,
                   ROUND(SUM(l.debit), 2), ROUND(SUM(l.credit), 2), ROUND(SUM(l.balance), 2),
                   BOOL_AND(l.parent_state = m.state AND l.company_id = m.company_id AND l.date = m.date
                            AND l.journal_id = m.journal_id AND l.move_name = m.name
                            AND l.debit - l.credit = l.balance
                            AND SIGN(l.balance) * SIGN(l.amount_currency) >= 0
                            AND l.currency_id = m.currency_id
                            AND l.account_id IS NOT NULL)
              FROM account_move m
              JOIN account_move_line l ON l.move_id = m.id
             WHERE m.id = ANY(%s)
          GROUP BY m.id
            """,
            [self.move_ids],
        )
        rows = cr.fetchall()
        self.assertEqual(len(rows), len(self.move_ids), "every generated move has lines")
        for move_id, state, _company, _currency, debit, credit, balance, consistent in rows:
            self.assertEqual(state, "posted", move_id)
            self.assertEqual(debit, credit, f"move {move_id} is not balanced")
            self.assertEqual(balance, 0, f"move {move_id} is not balanced")
            self.assertTrue(consistent, f"lines of move {move_id} disagree with their move")
        # names are unique per journal (Odoo's own constraint) and follow the journal sequences
        cr.execute(
            "SELECT name, journal_id FROM account_move WHERE state = 'posted'"
            " GROUP BY name, journal_id HAVING COUNT(*) > 1"
        )
        self.assertFalse(cr.fetchall())
        moves = self.Move.browse(self.move_ids)
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        for move in moves.filtered(lambda m: m.move_type == "out_invoice"):
            prefix = f"{move.journal_id.code}/{move.date.year}/"
            self.assertEqual(move.sequence_prefix, prefix)
            self.assertEqual(move.name, f"{prefix}{move.sequence_number:05d}")

    def test_b_invoice_report_matches_generated_lines(self):
        Report = self.env["account.invoice.report"]
        documents = self.invoice_ids + self.refund_ids
        for company_id, expected in self.summary["revenue_by_company"].items():
            company = self.env["res.company"].browse(company_id)
            [(total,)] = Report.with_company(company)._read_group(
                [("company_id", "=", company_id), ("move_id", "in", documents)], [], ["price_subtotal:sum"]
            )
            self.assertAlmostEqual(total, expected, places=2, msg=f"company {company.name}")
            self.assertGreater(expected, 0)
        # credit notes count negatively
        [(refunds,)] = Report.with_company(self.summary["company_ids"][0])._read_group(
            [("move_id", "in", self.refund_ids), ("company_id", "=", self.summary["company_ids"][0])],
            [],
            ["price_subtotal:sum"],
        )
        self.assertLess(refunds, 0)

    def test_c_partner_balances_and_payment_states(self):
        balances = self.summary["open_balances"]
        self.assertTrue((balances["amount"] > 0).any())
        payments = self.env["account.payment"].browse([int(x) for x in self.summary["payment_ids"]])
        self.assertTrue(
            payments.filtered(lambda p: not p.is_reconciled), "some advance payments are unapplied"
        )
        sample = balances.sample(n=min(40, len(balances)), random_state=3)
        zero = {int(x) for x in self.summary["customer_ids"]} - {int(x) for x in balances["partner_id"]}
        Partner = self.env["res.partner"]
        for row in sample.itertuples():
            partner = Partner.browse(int(row.partner_id)).with_company(int(row.company_id))
            self.assertAlmostEqual(partner.credit, row.amount, places=2, msg=f"partner {partner.id}")
        for partner_id in sorted(zero)[:10]:
            for company_id in self.summary["company_ids"]:
                self.assertAlmostEqual(
                    Partner.browse(partner_id).with_company(company_id).credit, 0.0, places=2
                )
        # payment states as Odoo computes them
        paid = self.Move.browse(self.states["paid"])
        self.assertTrue(paid)
        self.assertEqual(set(paid.mapped("payment_state")) - {"paid", "in_payment"}, set())
        self.assertTrue(all(m.currency_id.is_zero(m.amount_residual) for m in paid))
        partial = self.Move.browse(self.states["partial"])
        self.assertEqual(set(partial.mapped("payment_state")), {"partial"})
        self.assertTrue(all(m.amount_residual > 0 for m in partial))
        self.assertEqual(set(self.Move.browse(self.states["not_paid"]).mapped("payment_state")), {"not_paid"})
        # Odoo recomputes the same stored values from the generated lines and reconciliations
        sample_ids = (
            self.states["paid"][:40]
            + self.states["partial"][:20]
            + self.states["not_paid"][:20]
            + self.states["reversed"][:5]
            + self.refund_ids[:20]
            + [int(x) for x in self.summary["foreign_invoice_ids"][:20]]
        )
        moves = self.Move.browse(sample_ids)
        move_fields = [
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "amount_residual",
            "amount_residual_signed",
        ]
        line_fields = [
            "amount_residual",
            "amount_residual_currency",
            "reconciled",
            "price_subtotal",
            "price_total",
        ]
        before = {m.id: [m[f] for f in [*move_fields, "payment_state"]] for m in moves}
        lines_before = {line.id: [line[f] for f in line_fields] for line in moves.line_ids}
        Line = self.env["account.move.line"]
        for fname in line_fields:
            self.env.add_to_compute(Line._fields[fname], moves.line_ids)
        for fname in [*move_fields, "payment_state"]:
            self.env.add_to_compute(self.Move._fields[fname], moves)
        self.env.flush_all()
        self.env.invalidate_all()
        diffs = Counter()
        for move in moves:
            if [move[f] for f in [*move_fields, "payment_state"]] != before[move.id]:
                diffs[move.id] += 1
        for line in moves.line_ids:
            if [line[f] for f in line_fields] != lines_before[line.id]:
                diffs[line.id] += 1
        self.assertFalse(diffs, "Odoo recomputes different values for these records")

    def test_d_orm_can_handle_generated_invoices(self):
        today = fields.Date.context_today(self.env.user)
        c1, c2 = self.summary["company_ids"]
        open_invoices = self.Move.browse(self.states["not_paid"])
        foreign = {int(x) for x in self.summary["foreign_invoice_ids"]}
        # reverse an open invoice of the main company with the reversal wizard, post the credit note
        invoice = open_invoices.filtered(lambda m: m.company_id.id == c1 and m.id not in foreign)[:1]
        self.assertTrue(invoice)
        wizard = (
            self.env["account.move.reversal"]
            .with_company(c1)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "benchmark test", "date": today})
        )
        action = wizard.refund_moves()
        refund = self.Move.browse(action["res_id"])
        if refund.state == "draft":
            refund.action_post()
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertAlmostEqual(refund.amount_total, invoice.amount_total, places=2)
        self.assertTrue(refund.name.startswith("R"))
        # register payments: an open invoice of the EUR company, a foreign-currency invoice
        # (exchange difference), the rest of a partly paid invoice
        targets = [
            open_invoices.filtered(lambda m: m.company_id.id == c2)[:1],
            open_invoices.filtered(lambda m: m.id in foreign)[:1]
            or self.Move.browse(self.states["partial"]).filtered(lambda m: m.id in foreign)[:1],
            self.Move.browse(self.states["partial"]).filtered(lambda m: m.id not in foreign)[:1],
        ]
        for target in targets:
            self.assertTrue(target)
            residual = target.amount_residual
            register = (
                self.env["account.payment.register"]
                .with_company(target.company_id)
                .with_context(active_model="account.move", active_ids=target.ids)
                .create({"payment_date": today})
            )
            self.assertAlmostEqual(register.amount, residual, places=2)
            payments = register._create_payments()
            self.assertEqual(target.payment_state, self.env["account.move"]._get_invoice_in_payment_state())
            self.assertTrue(target.currency_id.is_zero(target.amount_residual))
            self.assertIn(payments.state, ("paid", "in_process"))
        # a new invoice for a generated customer takes the next number of the sequence
        customer = self.env["res.partner"].browse(int(self.summary["customer_ids"][0]))
        product = self.env["product.product"].browse(int(self.summary["product_ids"][0]))
        new_invoice = self.Move.with_company(c2).create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": today,
                "invoice_line_ids": [(0, 0, {"product_id": product.id, "quantity": 2, "price_unit": 10.0})],
            }
        )
        new_invoice.action_post()
        self.assertEqual(new_invoice.state, "posted")
        same_prefix = self.Move.search(
            [
                ("journal_id", "=", new_invoice.journal_id.id),
                ("sequence_prefix", "=", new_invoice.sequence_prefix),
            ],
        )
        self.assertEqual(new_invoice.sequence_number, max(same_prefix.mapped("sequence_number")))
        self.assertEqual(
            new_invoice.sequence_number, len(same_prefix.filtered(lambda m: m.state == "posted"))
        )

    def test_e_mailings_and_traces(self):
        mailings = self.env["mailing.mailing"].browse([int(x) for x in self.summary["mailing_ids"]])
        traces = self.env["mailing.trace"].browse([int(x) for x in self.summary["trace_ids"]])
        self.assertEqual(len(mailings), 24)
        self.assertEqual(set(mailings.mapped("state")), {"done"})
        self.assertTrue(all(m.campaign_id and m.sent_date for m in mailings))
        self.assertGreater(len(traces), 300)
        self.assertEqual(set(traces.mapped("model")), {"res.partner"})
        self.assertLessEqual(set(traces.mapped("res_id")), {int(x) for x in self.summary["customer_ids"]})
        statuses = Counter(traces.mapped("trace_status"))
        self.assertLessEqual({"sent", "open", "reply", "bounce"}, set(statuses), statuses)
        for trace in traces:
            self.assertEqual(trace.campaign_id, trace.mass_mailing_id.campaign_id)
            self.assertTrue(trace.sent_datetime)
            self.assertEqual(bool(trace.open_datetime), trace.trace_status in ("open", "reply"), trace.id)
            self.assertEqual(bool(trace.reply_datetime), trace.trace_status == "reply", trace.id)
            if trace.open_datetime:
                self.assertGreaterEqual(trace.open_datetime, trace.sent_datetime)
            if trace.reply_datetime:
                self.assertGreaterEqual(trace.reply_datetime, trace.open_datetime)
        # Odoo's own mailing statistics read the traces (of this run and of earlier ones)
        mailing = traces[:1].mass_mailing_id
        every = mailing.mailing_trace_ids
        self.assertLessEqual(traces.filtered(lambda t: t.mass_mailing_id == mailing), every)
        count = Counter(every.mapped("trace_status"))
        self.assertEqual(mailing.delivered, count["sent"] + count["open"] + count["reply"])
        self.assertEqual(mailing.opened, count["open"] + count["reply"])
        self.assertEqual(mailing.replied, count["reply"])
        self.assertEqual(mailing.bounced, count["bounce"])
        self.assertGreater(mailing.opened, 0)

    def test_f_tickets_and_slas(self):
        tickets = self.env["crm_ext.ticket"].browse([int(x) for x in self.summary["ticket_ids"]])
        lines = self.env["crm_ext.ticket.sla"].browse([int(x) for x in self.summary["ticket_sla_ids"]])
        self.assertGreater(len(tickets), 50)
        self.assertEqual(lines.ticket_id, tickets, "every ticket has SLA lines")
        self.assertTrue(tickets.filtered("is_closed") and tickets.filtered(lambda t: not t.is_closed))
        self.assertEqual(len(set(tickets.mapped("number"))), len(tickets))
        self.assertTrue(all(t.number.startswith("TCK/") for t in tickets))
        for ticket in tickets:
            self.assertEqual(ticket.is_closed, ticket.stage_id.is_closed)
            self.assertEqual(ticket.commercial_partner_id, ticket.partner_id.commercial_partner_id)
            self.assertEqual(ticket.team_id.company_id, ticket.company_id)
            self.assertEqual(bool(ticket.closed_date), ticket.is_closed)
        for line in lines:
            self.assertEqual(line.sla_type, line.policy_id.sla_type)
            self.assertEqual(line.company_id, line.ticket_id.company_id)
            self.assertTrue(line.policy_id._matches(line.ticket_id), line.id)
            if line.ticket_id.is_closed:
                self.assertIn(line.status, ("reached", "failed"))
        statuses = Counter(lines.mapped("status"))
        self.assertLessEqual({"ongoing", "reached", "failed"}, set(statuses), statuses)
        # the stage history, as Odoo tracks it: read back through the ticket's chatter
        stage_field = self.env["ir.model.fields"]._get("crm_ext.ticket", "stage_id")
        changes = 0
        for ticket in tickets:
            messages = ticket.message_ids.filtered("tracking_value_ids").sorted(lambda m: (m.date, m.id))
            values = messages.tracking_value_ids.filtered(lambda v: v.field_id == stage_field)
            changes += len(values)
            if ticket.is_closed:
                self.assertIn(len(values), (1, 2), ticket.number)
                self.assertEqual(values[-1:].new_value_integer, ticket.stage_id.id)
                self.assertFalse(
                    self.env["crm_ext.ticket.stage"].browse(values[0].old_value_integer).is_closed
                )
                self.assertLessEqual(messages[-1].date, ticket.closed_date)
            elif values:
                self.assertEqual(values.new_value_integer, ticket.stage_id.id)
                self.assertEqual(values.new_value_char, ticket.stage_id.name)
            self.assertTrue(all(m.date >= ticket.create_date for m in messages))
            self.assertTrue(all(m.author_id == ticket.user_id.partner_id for m in messages))
        self.assertEqual(changes, self.summary["ticket_stage_messages"])
        self.assertGreater(changes, len(tickets.filtered("is_closed")))
        # Odoo recomputes the same ticket summary
        stored = {t.id: (t.sla_deadline, t.sla_failed) for t in tickets}
        tickets._compute_sla_summary()
        self.assertEqual({t.id: (t.sla_deadline, t.sla_failed) for t in tickets}, stored)
        # the escalation cron escalates the breached lines, each once
        Sla = self.env["crm_ext.ticket.sla"]
        escalated = Sla
        for _batch in range(50):
            done = Sla._cron_escalate()
            if not done:
                break
            escalated |= done.filtered("escalated")
        self.assertGreater(len(escalated & lines), 0, "some generated lines were waiting for escalation")
        self.assertGreaterEqual(len(escalated & lines), self.summary["ticket_backlog"])
        self.assertFalse(
            Sla.search_count(
                [
                    ("id", "in", lines.ids),
                    ("status", "=", "ongoing"),
                    ("deadline", "<", fields.Datetime.now()),
                ]
            )
        )
