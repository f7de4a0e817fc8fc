"""What each member was left owed, or owed back, at the end of each balancing period.

A member's share balance (minutes delivered less its share of what was delivered) is carried by
the planner from week to week within the contract's balancing period (`PooledContract.
balancing_period`: civil quarter, half-year or contract year; `planning.instance.
balancing_start`). At the period's end what is left is not carried further: a deficit not made
up is uncompensated. This module reads, for each period ended, what was left, from the ledger's
delivered minutes, as the planner counted it. Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.contribution import add_years, monday_of
from scheduler.planning.instance import balancing_start, share_plan_at


@dataclass(frozen=True, slots=True)
class MemberBalance:
    """A member's balance when a period ended: minutes delivered less its share of the total
    (negative: a deficit left uncompensated; positive: a surplus)."""

    cabinet_id: int
    cabinet_code: str
    cabinet_name: str
    minutes: int


@dataclass(frozen=True, slots=True)
class SettledPeriod:
    """A balancing period ended, from `start` to the day before `end`, and its members' balances."""

    start: date
    end: date
    delivered_minutes: int
    members: tuple[MemberBalance, ...]

    @property
    def last_day(self) -> date:
        """The period's last day."""
        return self.end - timedelta(days=1)


def settled_periods(
    session: Session, contract: models.PooledContract, *, until: date
) -> list[SettledPeriod]:
    """The contract's balancing periods that ended on or before `until`, oldest first, each with
    what its members were left (the balance the planner would no longer carry)."""
    out: list[SettledPeriod] = []
    start = balancing_start(contract, contract.start_date)
    while True:
        end = _period_end(contract, start)
        if end > until:
            return out
        rows = session.execute(
            select(models.LedgerEntry.cabinet_id, func.sum(models.LedgerEntry.delivered_minutes))
            .where(
                models.LedgerEntry.contract_id == contract.id,
                models.LedgerEntry.week_start >= monday_of(start),
                models.LedgerEntry.week_start < monday_of(end),
            )
            .group_by(models.LedgerEntry.cabinet_id)
        ).all()
        delivered = {cabinet_id: int(total or 0) for cabinet_id, total in rows}
        total = sum(delivered.values())
        plan = share_plan_at(contract, max(start, contract.start_date))
        members = tuple(
            MemberBalance(
                share.cabinet_id,
                share.cabinet.code,
                share.cabinet.name,
                delivered.get(share.cabinet_id, 0) - round(total * share.share_bp / 10_000),
            )
            for share in sorted(plan.shares, key=lambda s: s.cabinet.code)
        )
        out.append(SettledPeriod(start, end, total, members))
        start = end


def _period_end(contract: models.PooledContract, start: date) -> date:
    """The first day after the balancing period that starts on `start`."""
    period = models.BalancingPeriod(contract.balancing_period)
    if period is models.BalancingPeriod.CONTRACT_YEAR:
        years = 1
        while add_years(contract.start_date, years) <= start:
            years += 1
        return add_years(contract.start_date, years)
    months = 3 if period is models.BalancingPeriod.QUARTER else 6
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)
