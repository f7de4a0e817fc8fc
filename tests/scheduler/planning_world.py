"""A tiny groupement that the planner solves in a fraction of a second, for the workflow tests.

Two cabinets (`a` in Moselle, `b`), two assistants (`x` works for `a` only, `y` for `b` only, 35 h
each), 15 minutes by road between the cabinets, and one user per role. The week planned is the one
of Monday 7 June 2027 (no public holiday), far enough ahead of today for the notice window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduler import models
from scheduler.planning import plan_period
from tests.api.factories import make_assistant, make_cabinet, make_contract, make_user

WEEK = date(2027, 6, 7)
EARLY = datetime(2027, 5, 1, 9, tzinfo=UTC)
"""Five weeks ahead of WEEK: outside the 15-day notice window."""
LATE = datetime(2027, 6, 3, 9, tzinfo=UTC)
"""Four days ahead of WEEK: inside the notice window."""
LIMIT = 2.0


@dataclass
class Mini:
    """The rows of a tiny groupement, by short name."""

    groupement: models.Groupement
    cabinets: dict[str, models.Cabinet]
    assistants: dict[str, models.Assistant]
    contracts: dict[str, models.PooledContract]
    users: dict[str, models.User] = field(default_factory=dict)


def make_mini(session: Session, slug: str) -> Mini:
    """Stage the tiny groupement `slug` of this module's docstring."""
    groupement = models.Groupement(slug=slug, name=f"GE {slug}")
    session.add(groupement)
    session.flush()
    a = make_cabinet(session, groupement, f"{slug}-a", "49.119300", "6.175700")
    b = make_cabinet(session, groupement, f"{slug}-b", "49.200000", "6.100000")
    x = make_assistant(session, groupement, f"{slug}-x")
    y = make_assistant(session, groupement, f"{slug}-y")
    cx = make_contract(session, groupement, f"{slug}-cx", x, {a: 10000})
    cy = make_contract(session, groupement, f"{slug}-cy", y, {b: 10000})
    session.add(
        models.TravelTime(
            groupement_id=groupement.id, origin_id=a.id, destination_id=b.id, minutes=15
        )
    )
    session.flush()
    mini = Mini(groupement, {"a": a, "b": b}, {"x": x, "y": y}, {"x": cx, "y": cy})
    mini.users = {
        "coordinator": make_user(session, groupement, f"coord@{slug}.fr", models.Role.COORDINATOR),
        "cabinet": make_user(session, groupement, f"cab@{slug}.fr", models.Role.CABINET, cabinet=a),
        "assistant": make_user(
            session, groupement, f"am@{slug}.fr", models.Role.ASSISTANT, assistant=x
        ),
        "auditor": make_user(
            session, groupement, f"cpam@{slug}.fr", models.Role.AUDITOR, grants=[cx]
        ),
    }
    return mini


def plan(
    session: Session,
    mini: Mini,
    *,
    now: datetime = EARLY,
    based_on_id: int | None = None,
    start: date = WEEK,
    days: int = 7,
) -> models.Rota:
    """A draft of the period, solved deterministically within LIMIT seconds."""
    rota = plan_period(
        session,
        mini.groupement.id,
        start,
        days,
        time_limit_s=LIMIT,
        deterministic=True,
        based_on_id=based_on_id,
        now=now,
    )
    assert rota.solver_status in ("optimal", "feasible"), rota.explanation
    return rota


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware Europe/Paris date-time on `day` (the groupement's time zone)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


def minutes(rows: list[models.Assignment]) -> int:
    """The total minutes of assignments."""
    return sum(int((r.end_at - r.start_at) / timedelta(minutes=1)) for r in rows)
