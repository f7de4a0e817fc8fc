"""Plan-run requests are idempotent per groupement: the same key gives back the same run there,
a different request under that key is refused, and another groupement's use of the key is its own."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.demo import load_demo
from scheduler.errors import InvalidField
from scheduler.runs import request_plan_run

MONDAY = date(2026, 12, 7)


def test_same_key_same_request_gives_the_same_run(session: Session) -> None:
    groupement = load_demo(session)
    first = request_plan_run(session, groupement.id, MONDAY, 7, actor=None, idempotency_key="k1")
    again = request_plan_run(session, groupement.id, MONDAY, 7, actor=None, idempotency_key="k1")
    assert again.id == first.id


def test_same_key_other_request_is_refused(session: Session) -> None:
    groupement = load_demo(session)
    request_plan_run(session, groupement.id, MONDAY, 7, actor=None, idempotency_key="k1")
    with pytest.raises(InvalidField) as refused:
        request_plan_run(session, groupement.id, MONDAY, 14, actor=None, idempotency_key="k1")
    assert refused.value.field == "Idempotency-Key"


def test_another_groupement_may_use_the_same_key(session: Session) -> None:
    demo = load_demo(session)
    other = models.Groupement(slug="autre", name="Autre groupement")
    session.add(other)
    session.flush()
    mine = request_plan_run(session, demo.id, MONDAY, 7, actor=None, idempotency_key="weekly")
    theirs = request_plan_run(session, other.id, MONDAY, 7, actor=None, idempotency_key="weekly")
    assert mine.id != theirs.id and theirs.groupement_id == other.id


def test_a_period_must_start_on_a_monday(session: Session) -> None:
    groupement = load_demo(session)
    with pytest.raises(InvalidField) as refused:
        request_plan_run(session, groupement.id, date(2026, 12, 8), 7, actor=None)
    assert refused.value.field == "period_start"
