"""The planning workflow's use cases (scheduler/services/workflow.py), on both databases.

Each use case: who may call it (coordinators plan, edit and publish; other roles read what is
theirs), If-Match on rotas (`lock_version`) and its refusal, publication with and without a notice
reason, and a foreign or missing id answered as NotFound naming the request field.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import models
from scheduler.errors import (
    Forbidden,
    InvalidEdit,
    InvalidField,
    LatePublication,
    NotFound,
    NoticeRequired,
    PreconditionFailed,
    RotaNotDraft,
)
from scheduler.planning import (
    AddAssignment,
    DeleteAssignment,
    MoveAssignment,
    PinAssignment,
    evaluate_stored_rota,
    ledger,
    term_counts,
)
from scheduler.reports import build_report, national_export_lines, parse_period
from scheduler.reports.formats import FORMATS
from scheduler.reports.formats.as_csv import STATUS_COLUMN
from scheduler.services import workflow
from tests.scheduler.planning_world import EARLY, LATE, WEEK, Mini, local, make_mini, plan


@pytest.fixture
def mini(session: Session) -> Mini:
    return make_mini(session, "wf")


@pytest.fixture
def other(session: Session) -> Mini:
    return make_mini(session, "wf-other")


def _first(rota: models.Rota, assistant: models.Assistant) -> models.Assignment:
    return min(
        (a for a in rota.assignments if a.assistant_id == assistant.id), key=lambda a: a.start_at
    )


def _shifted(row: models.Assignment, minutes: int = 15) -> MoveAssignment:
    delta = timedelta(minutes=minutes)
    return MoveAssignment(row.id, start=row.start_at + delta, end=row.end_at + delta)


# --- Plan runs ------------------------------------------------------------------------------


def test_a_coordinator_queues_a_run_and_the_same_key_replays_it(
    session: Session, mini: Mini
) -> None:
    coordinator = mini.users["coordinator"]
    run = workflow.request_run(
        session, coordinator, period_start=WEEK, days=7, time_limit_s=3, idempotency_key="k-1"
    )
    assert (run.state, run.period_start, run.period_days) == (models.RunState.QUEUED, WEEK, 7)
    assert run.groupement_id == mini.groupement.id and run.requested_by_id == coordinator.id
    again = workflow.request_run(
        session, coordinator, period_start=WEEK, days=7, time_limit_s=3, idempotency_key="k-1"
    )
    assert again.id == run.id
    assert workflow.get_run(session, coordinator, run.id).id == run.id
    items, total = workflow.list_runs(session, coordinator, limit=10, offset=0)
    assert ([r.id for r in items], total) == ([run.id], 1)


@pytest.mark.parametrize("role", ["cabinet", "assistant", "auditor"])
def test_only_coordinators_request_runs(session: Session, mini: Mini, role: str) -> None:
    with pytest.raises(Forbidden):
        workflow.request_run(session, mini.users[role], period_start=WEEK, days=7, time_limit_s=3)


def test_a_run_must_start_on_a_monday(session: Session, mini: Mini) -> None:
    with pytest.raises(InvalidField) as caught:
        workflow.request_run(
            session,
            mini.users["coordinator"],
            period_start=WEEK + timedelta(days=1),
            days=7,
            time_limit_s=3,
        )
    assert caught.value.field == "period_start"


def test_a_run_based_on_another_groupements_rota_is_not_found_naming_the_field(
    session: Session, mini: Mini, other: Mini
) -> None:
    foreign = plan(session, other)
    with pytest.raises(NotFound) as caught:
        workflow.request_run(
            session,
            mini.users["coordinator"],
            period_start=WEEK,
            days=7,
            time_limit_s=3,
            based_on_id=foreign.id,
        )
    assert caught.value.field == "body.based_on_id"


def test_another_groupements_run_is_not_found(session: Session, mini: Mini, other: Mini) -> None:
    run = workflow.request_run(
        session, other.users["coordinator"], period_start=WEEK, days=7, time_limit_s=3
    )
    with pytest.raises(NotFound) as caught:
        workflow.get_run(session, mini.users["coordinator"], run.id)
    assert caught.value.field == "path.run_id"
    assert workflow.list_runs(session, mini.users["coordinator"], limit=10, offset=0) == ([], 0)


# --- Rotas ----------------------------------------------------------------------------------


def test_drafts_are_listed_for_coordinators_only_and_auditors_list_nothing(
    session: Session, mini: Mini
) -> None:
    draft = plan(session, mini)
    coordinator_rows, total = workflow.list_rotas(
        session, mini.users["coordinator"], limit=5, offset=0
    )
    assert ([r.id for r in coordinator_rows], total) == ([draft.id], 1)
    for role in ("cabinet", "assistant"):
        assert workflow.list_rotas(session, mini.users[role], limit=5, offset=0) == ([], 0)
    with pytest.raises(Forbidden):
        workflow.list_rotas(session, mini.users["auditor"], limit=5, offset=0)
    with pytest.raises(NotFound):
        workflow.get_rota(session, mini.users["assistant"], draft.id)


def test_a_published_rota_shows_each_role_its_own_rows(session: Session, mini: Mini) -> None:
    draft = plan(session, mini)
    published = workflow.publish(
        session,
        mini.users["coordinator"],
        draft.id,
        acknowledged_reason=None,
        expected=None,
        now=EARLY,
    )
    x, y = mini.assistants["x"], mini.assistants["y"]
    a = mini.cabinets["a"]

    whole = workflow.view_rota(session, mini.users["coordinator"], published.id)
    assert {row.assistant_id for row in whole.assignments} == {x.id, y.id}
    assert whole.objective_terms and {b.cabinet_id for b in whole.cabinet_minutes} == {
        a.id,
        mini.cabinets["b"].id,
    }

    hers = workflow.view_rota(session, mini.users["assistant"], published.id)
    assert hers.assignments and {row.assistant_id for row in hers.assignments} == {x.id}
    assert (hers.cabinet_minutes, hers.objective_terms, hers.explanation) == ([], {}, [])

    cabinet = workflow.view_rota(session, mini.users["cabinet"], published.id)
    assert cabinet.assignments and {row.cabinet_id for row in cabinet.assignments} == {a.id}
    assert [b.cabinet_id for b in cabinet.cabinet_minutes] == [a.id]
    assert cabinet.objective_terms == {}
    listed, total = workflow.list_rotas(
        session, mini.users["assistant"], limit=5, offset=0, status=models.RotaStatus.PUBLISHED
    )
    assert ([r.id for r in listed], total) == ([published.id], 1)


def test_cabinet_minutes_compare_planned_minutes_with_the_share(
    session: Session, mini: Mini
) -> None:
    draft = plan(session, mini)
    balance = workflow.cabinet_minutes(session, draft)
    x_rows = [r for r in draft.assignments if r.assistant_id == mini.assistants["x"].id]
    planned = sum(int((r.end_at - r.start_at).total_seconds()) // 60 for r in x_rows)
    assert planned == 35 * 60
    x_balance = [b for b in balance if b.contract_id == mini.contracts["x"].id]
    assert [(b.cabinet_id, b.share_bp, b.planned_minutes, b.target_minutes) for b in x_balance] == [
        (mini.cabinets["a"].id, 10000, planned, planned)
    ]


def test_another_groupements_rota_is_not_found_naming_the_path(
    session: Session, mini: Mini, other: Mini
) -> None:
    foreign = plan(session, other)
    with pytest.raises(NotFound) as caught:
        workflow.view_rota(session, mini.users["coordinator"], foreign.id)
    assert caught.value.field == "path.rota_id"


# --- Edits ----------------------------------------------------------------------------------


def test_an_edit_with_the_current_version_applies_and_makes_the_old_one_stale(
    session: Session, mini: Mini
) -> None:
    draft = plan(session, mini)
    row = _first(draft, mini.assistants["x"])
    version = draft.lock_version
    rota, violations = workflow.edit(
        session, mini.users["coordinator"], draft.id, PinAssignment(row.id), expected=version
    )
    assert violations == []
    assert row.pinned and rota.solver_status == "edited"
    assert rota.lock_version != version
    # The version read before the edit is now stale; the one it answered is current.
    unpin = PinAssignment(row.id, pinned=False)
    with pytest.raises(PreconditionFailed):
        workflow.edit(session, mini.users["coordinator"], draft.id, unpin, expected=version)
    workflow.edit(session, mini.users["coordinator"], draft.id, unpin, expected=rota.lock_version)
    assert not row.pinned


def test_an_edit_with_a_stale_version_is_refused_and_changes_nothing(
    session: Session, mini: Mini
) -> None:
    draft = plan(session, mini)
    row = _first(draft, mini.assistants["x"])
    with pytest.raises(PreconditionFailed):
        workflow.edit(
            session,
            mini.users["coordinator"],
            draft.id,
            PinAssignment(row.id),
            expected=draft.lock_version + 1,
        )
    assert not row.pinned and draft.solver_status != "edited"


def test_an_edit_breaking_a_rule_is_applied_and_reported(session: Session, mini: Mini) -> None:
    draft = plan(session, mini)
    row = _first(draft, mini.assistants["x"])
    _, violations = workflow.edit(
        session,
        mini.users["coordinator"],
        draft.id,
        MoveAssignment(row.id, start=row.start_at - timedelta(hours=3), end=row.end_at),
        expected=None,
    )
    assert violations  # 05:00 is outside her availability and the cabinet's opening
    assert {v.rule for v in violations} >= {"availability"}


def test_an_edit_naming_a_foreign_cabinet_is_not_found_naming_the_field(
    session: Session, mini: Mini, other: Mini
) -> None:
    draft = plan(session, mini)
    row = _first(draft, mini.assistants["x"])
    change = MoveAssignment(
        row.id, start=row.start_at, end=row.end_at, cabinet_id=other.cabinets["a"].id
    )
    with pytest.raises(NotFound) as caught:
        workflow.edit(session, mini.users["coordinator"], draft.id, change, expected=None)
    assert caught.value.field == "body.cabinet_id"


def test_an_edit_of_an_assignment_of_another_rota_is_not_found_naming_the_field(
    session: Session, mini: Mini, other: Mini
) -> None:
    draft = plan(session, mini)
    foreign = plan(session, other)
    with pytest.raises(NotFound) as caught:
        workflow.edit(
            session,
            mini.users["coordinator"],
            draft.id,
            DeleteAssignment(foreign.assignments[0].id),
            expected=None,
        )
    assert caught.value.field == "body.assignment_id"


@pytest.mark.parametrize("role", ["cabinet", "assistant", "auditor"])
def test_only_coordinators_edit(session: Session, mini: Mini, role: str) -> None:
    draft = plan(session, mini)
    with pytest.raises(Forbidden):
        workflow.edit(
            session,
            mini.users[role],
            draft.id,
            PinAssignment(draft.assignments[0].id),
            expected=None,
        )


@pytest.mark.parametrize(("cabinet", "allowed"), [("a", True), ("b", False)])
def test_a_move_goes_only_to_a_cabinet_of_the_assignments_contract(
    session: Session, mini: Mini, cabinet: str, allowed: bool
) -> None:
    # x's contract shares her with cabinet a only; b is a member of y's contract, not of hers.
    draft = plan(session, mini)
    row = _first(draft, mini.assistants["x"])
    change = MoveAssignment(
        row.id, start=row.start_at, end=row.end_at, cabinet_id=mini.cabinets[cabinet].id
    )
    if allowed:
        workflow.edit(session, mini.users["coordinator"], draft.id, change, expected=None)
        assert row.cabinet_id == mini.cabinets["a"].id
        return
    with pytest.raises(InvalidEdit) as caught:
        workflow.edit(session, mini.users["coordinator"], draft.id, change, expected=None)
    assert caught.value.field == "body.cabinet_id"
    assert caught.value.rule == "contract_member"
    assert str(caught.value) == (
        f"le cabinet « {mini.cabinets['b'].name} » n'est pas membre du contrat "
        f"« {mini.contracts['x'].name} » de cette affectation ; cabinets possibles : "
        f"{mini.cabinets['a'].name}"
    )
    assert row.cabinet_id == mini.cabinets["a"].id and draft.solver_status != "edited"


def test_an_added_assignment_goes_only_to_a_cabinet_of_its_contract(
    session: Session, mini: Mini
) -> None:
    draft = plan(session, mini)
    change = AddAssignment(
        mini.assistants["x"].id,
        mini.contracts["x"].id,
        mini.cabinets["b"].id,
        local(WEEK + timedelta(days=5), 9),
        local(WEEK + timedelta(days=5), 12),
    )
    with pytest.raises(InvalidEdit) as caught:
        workflow.edit(session, mini.users["coordinator"], draft.id, change, expected=None)
    assert caught.value.field == "body.cabinet_id"


def test_an_edit_re_evaluates_the_objective_and_its_terms(session: Session, mini: Mini) -> None:
    draft = plan(session, mini)
    before = dict(draft.objective_terms)
    assert draft.objective == sum(before.values())
    row = _first(draft, mini.assistants["x"])
    lost = int((row.end_at - row.start_at) / timedelta(minutes=1))
    rota, _ = workflow.edit(
        session, mini.users["coordinator"], draft.id, DeleteAssignment(row.id), expected=None
    )
    after = dict(rota.objective_terms)
    _, expected = evaluate_stored_rota(session, rota)
    assert after == expected
    assert rota.objective == sum(after.values())
    # The minutes taken off cabinet a widen its gap to its share by as much (100 points each).
    assert term_counts(after)["share_deviation"] - term_counts(before)["share_deviation"] == lost
    assert rota.objective > sum(before.values())


# --- Publication and notices ----------------------------------------------------------------


def test_publish_refuses_a_stale_version_then_publishes_once(session: Session, mini: Mini) -> None:
    draft = plan(session, mini)
    coordinator = mini.users["coordinator"]
    with pytest.raises(PreconditionFailed):
        workflow.publish(
            session, coordinator, draft.id, acknowledged_reason=None, expected=99, now=EARLY
        )
    assert draft.status is models.RotaStatus.DRAFT
    published = workflow.publish(
        session,
        coordinator,
        draft.id,
        acknowledged_reason=None,
        expected=draft.lock_version,
        now=EARLY,
    )
    assert published.status is models.RotaStatus.PUBLISHED
    assert published.published_by_id == coordinator.id and published.published_at == EARLY
    with pytest.raises(RotaNotDraft):
        workflow.publish(
            session, coordinator, draft.id, acknowledged_reason=None, expected=None, now=EARLY
        )


def test_a_week_already_begun_is_published_after_the_fact_only_with_a_reason(
    session: Session, mini: Mini
) -> None:
    coordinator = mini.users["coordinator"]
    draft = plan(session, mini)
    begun = local(WEEK, 0)  # the period's first minute: it has begun
    with pytest.raises(LatePublication) as refused:
        workflow.publish(
            session, coordinator, draft.id, acknowledged_reason="  ", expected=None, now=begun
        )
    assert refused.value.field == "body.acknowledged_reason"
    assert "a déjà commencé" in str(refused.value)
    assert draft.status is models.RotaStatus.DRAFT
    published = workflow.publish(
        session,
        coordinator,
        draft.id,
        acknowledged_reason=" rota papier du lundi, saisi le mardi ",
        expected=None,
        now=begun,
    )
    assert (
        published.published_late and published.late_reason == "rota papier du lundi, saisi le mardi"
    )
    entries = ledger(session, mini.groupement.id)
    assert entries and all(e.published_late for e in entries)
    # The national export says so for each member's week.
    lines = national_export_lines(session, today=WEEK + timedelta(days=1))
    rows = [line.rstrip("\n").split(";") for line in list(lines)[1:]]
    assert {r[-1] for r in rows if r[3] == WEEK.isoformat()} == {"oui"}
    assert {r[-1] for r in rows if r[3] < WEEK.isoformat()} <= {"non"}
    # So does each report of the contracts that week: its versions, the CSV and the JSON.
    contract = session.get_one(models.PooledContract, entries[0].contract_id)
    report = build_report(session, contract, parse_period(f"{WEEK:%Y-%m}"), today=WEEK)
    late = [v for v in report.rota_versions if v.published_late]
    assert [(v.period_start, v.late_reason) for v in late] == [
        (WEEK, "rota papier du lundi, saisi le mardi")
    ]
    csv_rows = [
        row.split(";") for row in FORMATS["csv"].render(report).decode("utf-8-sig").splitlines()
    ]
    (late_row,) = [row for row in csv_rows if row[0] == "publie_apres_coup"]
    assert late_row[2] == WEEK.isoformat()
    # The reason stands in the status column; the columns after it are the evaluation's.
    assert late_row[STATUS_COLUMN] == "rota papier du lundi, saisi le mardi"
    assert len(late_row) == len(csv_rows[0])
    assert '"published_late": true' in FORMATS["json"].render(report).decode()


def test_a_week_published_a_minute_before_it_begins_is_not_late(
    session: Session, mini: Mini
) -> None:
    draft = plan(session, mini)
    published = workflow.publish(
        session,
        mini.users["coordinator"],
        draft.id,
        acknowledged_reason=None,
        expected=None,
        now=local(WEEK, 0) - timedelta(minutes=1),
    )
    assert not published.published_late and published.late_reason is None
    assert not any(e.published_late for e in ledger(session, mini.groupement.id))


def test_a_change_inside_the_notice_window_needs_a_reason_and_writes_notices(
    session: Session, mini: Mini
) -> None:
    coordinator = mini.users["coordinator"]
    first = plan(session, mini)
    workflow.publish(
        session, coordinator, first.id, acknowledged_reason=None, expected=None, now=EARLY
    )
    second = plan(session, mini, now=LATE)
    row = _first(second, mini.assistants["x"])
    _, violations = workflow.edit(session, coordinator, second.id, _shifted(row), expected=None)
    assert violations == []

    with pytest.raises(NoticeRequired) as caught:
        workflow.publish(
            session, coordinator, second.id, acknowledged_reason=None, expected=None, now=LATE
        )
    assert len(caught.value.changes) == 1 and "remplacé par" in caught.value.changes[0]
    with pytest.raises(NoticeRequired):
        workflow.publish(
            session, coordinator, second.id, acknowledged_reason="  ", expected=None, now=LATE
        )

    workflow.publish(
        session,
        coordinator,
        second.id,
        acknowledged_reason=" Rendez-vous médical ",
        expected=None,
        now=LATE,
    )
    assert first.status is models.RotaStatus.SUPERSEDED
    notices, total = workflow.change_notices(
        session, coordinator, rota_id=second.id, limit=10, offset=0
    )
    assert total == 1
    notice = notices[0]
    assert notice.assistant_id == mini.assistants["x"].id
    assert notice.within_notice and notice.acknowledged_reason == "Rendez-vous médical"
    assert notice.cabinet_ids == [mini.cabinets["a"].id]

    # Each role reads the notices that concern it; auditors none.
    assert workflow.change_notices(session, mini.users["assistant"], limit=10, offset=0)[1] == 1
    assert workflow.change_notices(session, mini.users["cabinet"], limit=10, offset=0)[1] == 1
    with pytest.raises(Forbidden):
        workflow.change_notices(session, mini.users["auditor"], limit=10, offset=0)


def test_a_change_outside_the_notice_window_publishes_without_a_reason(
    session: Session, mini: Mini
) -> None:
    coordinator = mini.users["coordinator"]
    first = plan(session, mini)
    workflow.publish(
        session, coordinator, first.id, acknowledged_reason=None, expected=None, now=EARLY
    )
    second = plan(session, mini)
    workflow.edit(
        session,
        coordinator,
        second.id,
        _shifted(_first(second, mini.assistants["y"])),
        expected=None,
    )
    workflow.publish(
        session, coordinator, second.id, acknowledged_reason=None, expected=None, now=EARLY
    )
    notices = session.scalars(
        select(models.ChangeNotice).where(models.ChangeNotice.rota_id == second.id)
    ).all()
    assert [(n.assistant_id, n.within_notice, n.acknowledged_reason) for n in notices] == [
        (mini.assistants["y"].id, False, None)
    ]
    # The assistant x and the cabinet a see none of y's change at b.
    assert workflow.change_notices(session, mini.users["assistant"], limit=10, offset=0) == ([], 0)
    assert workflow.change_notices(session, mini.users["cabinet"], limit=10, offset=0) == ([], 0)


def test_notices_of_a_foreign_rota_are_not_found_naming_the_query(
    session: Session, mini: Mini, other: Mini
) -> None:
    foreign = plan(session, other)
    with pytest.raises(NotFound) as caught:
        workflow.change_notices(
            session, mini.users["coordinator"], rota_id=foreign.id, limit=10, offset=0
        )
    assert caught.value.field == "query.rota_id"


# --- Ledger ---------------------------------------------------------------------------------


def test_the_ledger_shows_each_role_its_rows_and_a_foreign_filter_is_not_found(
    session: Session, mini: Mini, other: Mini
) -> None:
    draft = plan(session, mini)
    workflow.publish(
        session,
        mini.users["coordinator"],
        draft.id,
        acknowledged_reason=None,
        expected=None,
        now=EARLY,
    )
    x, y = mini.assistants["x"], mini.assistants["y"]
    everything = workflow.ledger(session, mini.users["coordinator"])
    assert {row.assistant_id for row in everything.entries} == {x.id, y.id}
    assert everything.totals == [(WEEK, 70 * 60, 70 * 60)]

    cabinet = workflow.ledger(session, mini.users["cabinet"])
    assert {row.cabinet_id for row in cabinet.entries} == {mini.cabinets["a"].id}
    assert cabinet.totals == everything.totals  # a cabinet sees the group's totals

    hers = workflow.ledger(session, mini.users["assistant"])
    assert {row.assistant_id for row in hers.entries} == {x.id} and hers.totals == []

    auditor = workflow.ledger(session, mini.users["auditor"])
    assert {row.contract_id for row in auditor.entries} == {mini.contracts["x"].id}
    assert auditor.totals == [(WEEK, 35 * 60, 35 * 60)]

    with pytest.raises(NotFound) as caught:
        workflow.ledger(session, mini.users["coordinator"], cabinet_id=other.cabinets["a"].id)
    assert caught.value.field == "query.cabinet_id"
    with pytest.raises(NotFound) as caught:
        workflow.ledger(session, mini.users["coordinator"], contract_id=other.contracts["x"].id)
    assert caught.value.field == "query.contract_id"
