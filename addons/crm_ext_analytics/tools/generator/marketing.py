"""Marketing: mass mailings (ORM, a few) and one mailing trace per recipient (``COPY``)."""

from __future__ import annotations

import numpy as np

from .arrays import SECONDS_PER_DAY, datetimes, nullable


class MarketingMixin:
    """Mailings sent to the customers over the period: sent, opened, replied or bounced."""

    def _marketing(self):
        """Mass mailings sent to the customers over the period, with one trace per recipient.

        The mailings (a few) use the ORM; the traces are written with ``COPY``: sent, opened,
        replied or bounced, with their dates. Each mailing belongs to a bench campaign.
        """
        n_mail = self.p["mailings"]
        self.mailing_ids = np.zeros(0, dtype=np.int64)
        self.trace_ids = np.zeros(0, dtype=np.int64)
        self.campaign_target_ids = np.zeros(0, dtype=np.int64)
        if not n_mail or not len(self.cust_ids) or "mailing.mailing" not in self.env:
            return
        days = self.start64 + np.round(
            (np.arange(n_mail) + 0.5) * (self.today64 - self.start64).astype(np.int64) / n_mail
        ).astype("timedelta64[D]")
        sent_at = days.astype("datetime64[s]") + np.timedelta64(9 * 3600, "s")
        mailings = self._bench_mailings(n_mail, sent_at)
        self.mailing_ids = np.array(mailings.ids, dtype=np.int64)
        mailing_campaign = np.array([m.campaign_id.id or 0 for m in mailings], dtype=np.int64)
        cust, mail = self._mailing_recipients(days)
        if len(cust):
            self.trace_ids = self._write_traces(
                cust, sent_at[mail], self.mailing_ids[mail], mailing_campaign[mail]
            )
            if self.p["campaign_targets"]:
                self._campaign_targets(mailings, cust, mail, sent_at)

    def _bench_mailings(self, n_mail, sent_at):
        """The "Bench Mailing" mailings (made once, reused), done and sent at ``sent_at``."""
        env = self.env
        Mailing = env["mailing.mailing"]
        partner_model = env["ir.model"]._get_id("res.partner")
        existing = Mailing.with_context(active_test=False).search(
            [("subject", "=like", "Bench Mailing %")], order="id"
        )
        by_subject = {m.subject: m for m in existing}
        vals_list = []
        subjects = [f"Bench Mailing {k + 1}" for k in range(n_mail)]
        for k, subject in enumerate(subjects):
            if subject not in by_subject:
                vals_list.append(
                    {
                        "subject": subject,
                        "mailing_type": "mail",
                        "mailing_model_id": partner_model,
                        "mailing_domain": "[]",
                        "campaign_id": int(self.campaign_ids[k % len(self.campaign_ids)]),
                        "body_html": f"<p>{subject}: our news of the month.</p>",
                    }
                )
        if vals_list:
            for mailing in Mailing.create(vals_list):
                by_subject[mailing.subject] = mailing
        mailings = Mailing.browse([by_subject[s].id for s in subjects])
        self.cr.execute(
            """
            UPDATE mailing_mailing m SET state = 'done', sent_date = v.sent, schedule_type = 'now'
              FROM unnest(%s::int[], %s::timestamp[]) AS v(id, sent)
             WHERE m.id = v.id
            """,
            [mailings.ids, [str(x).replace("T", " ") for x in sent_at]],
        )
        mailings.invalidate_recordset()
        return mailings

    def _campaign_targets(self, mailings, cust, mail, sent_at):
        """With ``campaign_targets`` (off by default), each mailing is the e-mail step of its
        campaign (crm_ext_marketing, ORM, a few: made once, reused) launched when it was sent,
        and its recipients the step's processed targets (``COPY``), as a launched step leaves
        them: the campaign funnel reads them."""
        if "crm_ext.campaign.step" not in self.env:
            return
        Step = self.env["crm_ext.campaign.step"]
        existing = Step.search([("mailing_id", "in", mailings.ids)])
        by_mailing = {step.mailing_id.id: step for step in existing}
        Step.create(
            [
                {
                    "name": mailing.subject,
                    "campaign_id": mailing.campaign_id.id,
                    "sequence": k + 1,
                    "channel": "email",
                    "state": "launched",
                    "subject": mailing.subject,
                    "body_html": mailing.body_html,
                    "mailing_id": mailing.id,
                    "launch_date": str(sent_at[k]).replace("T", " "),
                }
                for k, mailing in enumerate(mailings)
                if mailing.campaign_id and mailing.id not in by_mailing
            ]
        )
        steps = Step.search([("mailing_id", "in", mailings.ids)])
        new = steps - existing
        step_of = {step.mailing_id.id: step for step in new}
        step_ids = np.array([step_of[m].id if m in step_of else 0 for m in mailings.ids], dtype=np.int64)
        keep = step_ids[mail] > 0
        if not keep.any():
            return
        cust, mail = cust[keep], mail[keep]
        campaign = np.array([step_of[m].campaign_id.id if m in step_of else 0 for m in mailings.ids])
        company = np.array([step_of[m].company_id.id if m in step_of else 0 for m in mailings.ids])
        when = sent_at[mail]
        ids = self._alloc_by_date("crm_ext_campaign_target", when)
        self._copy(
            "crm_ext_campaign_target",
            {
                "id": ids,
                "step_id": step_ids[mail],
                "campaign_id": campaign[mail],
                "channel": "email",
                "company_id": nullable(company[mail], company[mail] > 0),
                "partner_id": self.cust_ids[cust],
                "state": "processed",
                "date": datetimes(when),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(when),
                "write_date": self.now_str,
            },
        )
        self.campaign_target_ids = ids

    def _mailing_recipients(self, days):
        """``(customer index, mailing index)`` of every recipient: a share of the customers alive
        when the mailing went out."""
        rng = self.xrng
        share = self.p["mailing_share"]
        chosen_cust, chosen_mail = [], []
        for k, day in enumerate(days):
            alive = np.flatnonzero((self.cust_active_from <= day) & (self.cust_active_to >= day))
            picked = alive[rng.random(len(alive)) < share]
            chosen_cust.append(picked)
            chosen_mail.append(np.full(len(picked), k, dtype=np.int64))
        cust = np.concatenate(chosen_cust) if chosen_cust else np.zeros(0, dtype=np.int64)
        mail = np.concatenate(chosen_mail) if chosen_mail else np.zeros(0, dtype=np.int64)
        return cust, mail

    def _write_traces(self, cust, mail_sent_at, mailing_ids, campaign_ids):
        """One trace per recipient: bounced, replied (opened first), opened, or only sent; bounces
        are counted on the partner. Returns the trace ids."""
        rng = self.xrng
        n = len(cust)
        u = rng.random(n)
        status = np.where(
            u < 0.03, "bounce", np.where(u < 0.07, "reply", np.where(u < 0.35, "open", "sent"))
        ).astype(object)
        sent = mail_sent_at + rng.integers(0, 3600, n).astype("timedelta64[s]")
        opened = sent + (rng.exponential(0.8 * SECONDS_PER_DAY, n).astype(np.int64) + 60).astype(
            "timedelta64[s]"
        )
        replied = opened + (rng.exponential(0.5 * SECONDS_PER_DAY, n).astype(np.int64) + 60).astype(
            "timedelta64[s]"
        )
        has_open = np.isin(status, ["open", "reply"]) & (opened <= self.now)
        status[np.isin(status, ["open", "reply"]) & ~has_open] = "sent"
        has_reply = (status == "reply") & (replied <= self.now)
        status[(status == "reply") & ~has_reply] = "open"
        clicked = has_open & (rng.random(n) < 0.4)
        nat = np.datetime64("NaT", "s")
        ids = self._alloc_by_date("mailing_trace", sent)
        self._copy(
            "mailing_trace",
            {
                "id": ids,
                "trace_type": "mail",
                "model": "res.partner",
                "res_id": self.cust_ids[cust],
                "email": self.cust_emails[cust],
                "message_id": np.array([f"<bench-trace-{x}@example.com>" for x in ids], dtype=object),
                "mass_mailing_id": mailing_ids,
                "campaign_id": nullable(campaign_ids, campaign_ids > 0),
                "trace_status": status,
                "failure_type": np.where(status == "bounce", "mail_bounce", None).astype(object),
                "sent_datetime": datetimes(sent),
                "open_datetime": datetimes(np.where(has_open, opened, nat)),
                "reply_datetime": datetimes(np.where(has_reply, replied, nat)),
                "links_click_datetime": datetimes(np.where(clicked, opened, nat)),
                "create_uid": self.uid,
                "write_uid": self.uid,
                "create_date": datetimes(sent),
                "write_date": self.now_str,
            },
        )
        bounces = np.bincount(cust[status == "bounce"], minlength=len(self.cust_ids))
        if bounces.any():
            has = bounces > 0
            self.cr.execute(
                """
                UPDATE res_partner p SET message_bounce = COALESCE(p.message_bounce, 0) + v.n
                  FROM unnest(%s::int[], %s::int[]) AS v(id, n)
                 WHERE p.id = v.id
                """,
                [self.cust_ids[has].tolist(), bounces[has].tolist()],
            )
        return ids
