"""The access policy's actions, role by role: who may take each action, and who may create whom
(the routes, pages, reports and feeds that ask it are in tests/api/test_access_matrix.py)."""

from __future__ import annotations

import pytest

from scheduler import access, models
from scheduler.access import Action
from scheduler.errors import Forbidden

Role = models.Role

# Each action, and the roles that may take it.
EXPECTED: dict[Action, set[Role]] = {
    Action.MANAGE: {Role.COORDINATOR},
    Action.PLAN: {Role.COORDINATOR},
    Action.READ_ROTAS: {Role.COORDINATOR, Role.CABINET, Role.ASSISTANT},
    Action.READ_NOTICES: {Role.COORDINATOR, Role.CABINET, Role.ASSISTANT},
    Action.READ_REPORTS: {Role.COORDINATOR, Role.CABINET, Role.AUDITOR, Role.NATIONAL},
    Action.REVIEW_CONTRACTS: {Role.AUDITOR, Role.NATIONAL},
    Action.ENTER_PATIENTELE: {Role.COORDINATOR},
    Action.IMPORT_REFERENCE: {Role.AUDITOR, Role.NATIONAL},
    Action.OWN_CABINET: {Role.CABINET},
    Action.OWN_ROTA: {Role.ASSISTANT},
    Action.ACKNOWLEDGE_NOTICE: {Role.ASSISTANT},
    Action.NATIONAL_REPLAN: {Role.NATIONAL},
    Action.READ_NATIONAL_EVALUATION: {Role.NATIONAL},
}


def _user(role: Role) -> models.User:
    return models.User(id=7, groupement_id=1, role=role, cabinet_id=3, assistant_id=5)


def test_every_action_is_in_the_table() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_who_may_take_each_action(role: Role, action: Action) -> None:
    user = _user(role)
    assert access.allowed(user, action) is (role in EXPECTED[action])
    if role in EXPECTED[action]:
        access.require(user, action)
    else:
        with pytest.raises(Forbidden):
            access.require(user, action)


def test_only_the_national_reader_may_launch_a_national_replan() -> None:
    allowed = {role for role in Role if access.allowed(_user(role), Action.NATIONAL_REPLAN)}
    assert allowed == {Role.NATIONAL}


@pytest.mark.parametrize("role", list(Role))
def test_the_cli_creates_every_role_a_coordinator_all_but_the_national_reader(role: Role) -> None:
    assert access.may_create_user(None, role)
    assert access.may_create_user(_user(Role.COORDINATOR), role) is (role is not Role.NATIONAL)
    for other in (Role.CABINET, Role.ASSISTANT, Role.AUDITOR, Role.NATIONAL):
        assert not access.may_create_user(_user(other), role)


@pytest.mark.parametrize(
    "model",
    [
        models.Assistant,
        models.Absence,
        models.Cabinet,
        models.Doctor,
        models.ConsultationSession,
        models.TravelTime,
        models.Rota,
        models.PlanRun,
        models.User,
        models.AuditLog,
        models.ChangeNotice,
        models.NoticeEmail,
    ],
)
def test_the_national_reader_reads_no_personal_or_planning_rows(model: type[models.Base]) -> None:
    with pytest.raises(Forbidden):
        access.visible(_user(Role.NATIONAL), model)


@pytest.mark.parametrize(
    ("role", "same_groupement", "view"),
    [
        (Role.COORDINATOR, True, access.ContractView.FULL),
        (Role.CABINET, True, access.ContractView.FULL),
        (Role.AUDITOR, True, access.ContractView.FULL),
        (Role.AUDITOR, False, access.ContractView.FIGURES),
        (Role.NATIONAL, True, access.ContractView.FIGURES),
        (Role.NATIONAL, False, access.ContractView.FIGURES),
    ],
)
def test_how_much_of_a_contract_each_role_reads(
    role: Role, same_groupement: bool, view: access.ContractView
) -> None:
    """In full within one's groupement; its report's figures only from outside it (an auditor's
    grant elsewhere) and for the national reader everywhere."""
    contract = models.PooledContract(id=11, groupement_id=1 if same_groupement else 2)
    assert access.contract_view(_user(role), contract) is view
