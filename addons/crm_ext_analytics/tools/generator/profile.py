"""What the generator makes: the size and shape of the data set, as a ``Profile``."""

from __future__ import annotations

import dataclasses

from .vocabulary import SECOND_COMPANY_NAME

SIZES = {
    "small": {"customers": 1_000, "products": 300},
    "large": {"customers": 100_000, "products": 5_000},
}


@dataclasses.dataclass(frozen=True)
class Profile:
    """The data set to generate. ``Profile.of("small", customers=300)`` starts from a size;
    ``Profile(customers=300, years=2)`` from the defaults. The same profile (seed included)
    on the same database gives the same data."""

    customers: int = 1_000
    products: int = 300
    orders: int | None = None  # default: orders_per_customer * customers
    orders_per_customer: float = 2.0
    lines_per_order: float = 10.0
    contacts_per_customer: float = 1.5
    years: int = 3
    serial_share: float = 0.05
    categories: int = 8
    salespeople: int = 6
    campaigns: int = 6
    second_company_share: float = 0.25
    cross_company_share: float = 0.05
    foreign_currency_share: float = 0.10
    quotation_share: float = 0.08
    cancel_share: float = 0.04
    refund_share: float = 0.05
    extra_lead_share: float = 0.35
    advance_payment_share: float = 0.01
    # the second company (found by name, created with the generic chart when missing)
    second_company_name: str = SECOND_COMPANY_NAME
    # shape of the order dates over time, both 0 by default (uniform in each customer's
    # activity window, the draws unchanged): ``seasonality`` is the amplitude of a yearly cycle
    # (0.3: 30 % more orders at the peak, at the end of the year, 30 % fewer in mid-year) and
    # ``growth`` the yearly growth of the order rate (0.2: 20 % more orders each year)
    seasonality: float = 0.0
    growth: float = 0.0
    # marketing: mass mailings over the period, each sent to this share of the live customers
    mailings: int = 24
    mailing_share: float = 0.12
    # each mailing the e-mail step of its campaign (crm_ext_marketing) and its recipients the
    # step's targets, which the campaign funnel reads (off by default)
    campaign_targets: bool = False
    # service: customers with tickets, tickets per such customer (mean), tickets of the last
    # ticket_open_days days may still be open; breaches older than escalation_backlog_days
    # were escalated already, the more recent ones wait for the escalation cron
    ticket_share: float = 0.3
    tickets_per_customer: float = 2.0
    ticket_open_days: int = 21
    escalation_backlog_days: int = 7
    # what the service dashboard reads, none by default: the customers' ratings of this share of
    # the solved tickets, the tickets' working hours to the first answer and to the closing (ORM,
    # the team's calendar), a completed field order with labour on this share of the solved tickets
    ticket_rating_share: float = 0.0
    ticket_working_hours: bool = False
    field_order_share: float = 0.0
    # sales history before Odoo (crm_ext_sales): this share of the main company's customers of
    # before the period get a few documents of the former system (none by default)
    sales_history_share: float = 0.0
    # the opportunities' stage changes as Odoo tracks them (chatter messages with tracking
    # values), read by the stage conversion report's days in stage (none by default)
    lead_stage_history: bool = False
    # the open opportunities' expected closing dates spread over the coming months (up to this
    # many days ahead; 0: a few weeks after their creation), so that the forecast by month and
    # category has a pipeline ahead (the demo)
    open_deadline_days_ahead: int = 0
    copy_chunk_rows: int = 250_000
    # Drop the foreign keys of the tables being loaded and add them back (which validates
    # every row at once) at the end, in the same transaction: per-row foreign key triggers
    # are most of the cost of COPY. None: only from 50,000 orders on.
    fast_load: bool | None = None
    # seed of the numpy random generators
    seed: int = 42

    @classmethod
    def of(cls, size="small", **overrides):
        """The profile of a named size ("small", "large"), with ``overrides`` of any field."""
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; expected one of {sorted(SIZES)}")
        return cls.with_overrides(**{**SIZES[size], **overrides})

    @classmethod
    def with_overrides(cls, **overrides):
        unknown = set(overrides) - {field.name for field in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown overrides: {sorted(unknown)}")
        return cls(**overrides)

    def params(self):
        """The generator's parameters (every field but the seed), orders defaulted."""
        params = dataclasses.asdict(self)
        del params["seed"]
        if not params["orders"]:
            params["orders"] = max(1, round(params["customers"] * params["orders_per_customer"]))
        return params


DEFAULTS = {key: value for key, value in dataclasses.asdict(Profile()).items() if key != "seed"}
