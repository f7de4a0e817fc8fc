"""The coordinator's set-up of the pooled contracts: the list, a contract's form (its assistants
and their weekly hours, dates, aid, cost and balancing period) and its share plans, each in force
from a date, with one share per member cabinet.

As in `setup`: writes through the contract service under the version the page was read at, each
refusal next to its input with what was typed kept. The rules are the service's and the API
schemas' (shares summing to 100 %, a plan from the contract's start on, one per date); this
module only reads what a person types (hours as `35 h 30`, shares as `33,33`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import forms
from api.pages.routes.setup import (
    Info,
    PageNumber,
    Posted,
    Search,
    ShowForm,
    errors_shown,
    expected_version,
    paging,
    save_edit,
)
from api.pages.routes.shared import MAX_ROWS, today_in, user_zone
from api.pages.web import CoordinatorPage, CsrfChecked, render
from api.schemas import (
    ContractAssistantItem,
    ContractCreate,
    ContractUpdate,
    ShareItem,
    SharePlanCreate,
)
from scheduler import french, membership, models
from scheduler.errors import PartagendaError, ShareTotalInvalid
from scheduler.services import resources

router = APIRouter(include_in_schema=False)
R = TypeVar("R")

BASE = "/contrats/gestion"
PER_PAGE = 20
ASSISTANT_ROWS = 3
"""The assistants' rows a contract's form offers beyond those it has (the API takes 10)."""

INFO = {
    "enregistre": "Modifications enregistrées.",
    "cree": "Contrat créé, avec son premier plan de parts.",
    "plan": "Plan de parts ajouté.",
    "plan-retire": "Plan de parts retiré.",
}

KINDS = [
    (models.ContractKind.COLLECTIVE.value, "collectif (objectif commun)"),
    (models.ContractKind.INDIVIDUAL.value, "individuel (assistante partagée)"),
]
POLICIES = [
    ("collective-2026", "contrat collectif 2026 (+260 PMT et +110 file active par ETP)"),
    ("individual-2024", "contrats individuels 2024 (objectif par médecin)"),
]
COST_SPLITS = [
    (models.CostSplit.BY_SHARE.value, "selon les parts contractuelles"),
    (models.CostSplit.BY_HOURS.value, "selon les heures reçues"),
]
BALANCING = [
    (models.BalancingPeriod.QUARTER.value, "le trimestre"),
    (models.BalancingPeriod.HALF_YEAR.value, "le semestre"),
    (models.BalancingPeriod.CONTRACT_YEAR.value, "l'année de contrat"),
]

SHARES_RULE = "les parts des cabinets membres doivent totaliser exactement 100 %"

CONTRACT_LABELS = forms.Labels(
    {
        "code": "Code",
        "name": "Nom",
        "kind": "Type de contrat",
        "start_date": "Début du contrat",
        "duration_years": "Durée (années)",
        "funded_etp": "ETP financés",
        "target_policy_code": "Règle d'objectif",
        "cost_split": "Partage du coût net",
        "annual_employer_cost_eur": "Coût employeur annuel (€)",
        "balancing_period": "Période d'équilibrage des parts",
        "assistants": "Assistantes du contrat",
        "shares": "Parts des cabinets",
    },
    patterns={
        "code": "doit commencer par une lettre ou un chiffre, puis lettres, chiffres, « _ », "
        "« . » ou « - » seulement (par exemple contrat-nancy-1)",
        "name": "ne doit pas contenir de caractère de contrôle",
    },
    # The service names an assistant or a cabinet of the lists: shown beside the list.
    aliases={"assistant_id": "assistants", "cabinet_id": "shares"},
)
CONTRACT_WORDING = forms.Wording(stale="Ce contrat a été modifié")
PLAN_LABELS = forms.Labels({"valid_from": "En vigueur à partir du", "shares": "Parts des cabinets"})
PLAN_WORDING = forms.Wording(stale="Ce contrat a été modifié")
ITEM_LABELS = forms.Labels(
    {
        "assistant_id": "Assistante",
        "weekly_minutes": "Heures par semaine",
        "cabinet_id": "Cabinet",
        "share_bp": "Part",
    }
)
CONTRACT_FIELDS = ("code", "name", "kind", "start_date", "target_policy_code")
EDITED = (
    "name",
    "duration_years",
    "funded_etp",
    "cost_split",
    "annual_employer_cost_eur",
    "balancing_period",
)
_HOURS = re.compile(r"\s*(\d{1,2})\s*(?:(?:h|:)\s*(\d{2})?)?\s*", re.IGNORECASE)
_SHARE = re.compile(r"\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*%?\s*")


# --- Reading what a person types -------------------------------------------------------------------


def weekly_minutes(text: str) -> int | None:
    """`35`, `35 h`, `17h30` or `17:30` as minutes; None when unreadable."""
    match = _HOURS.fullmatch(text)
    if match is None or int(match[2] or 0) > 59:
        return None
    return int(match[1]) * 60 + int(match[2] or 0)


def share_points(text: str) -> int | None:
    """A share typed in percent (`40`, `33,33`, `12.5 %`) as basis points; None when it is no
    percentage to the hundredth."""
    match = _SHARE.fullmatch(text)
    if match is None:
        return None
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


def percent_text(points: int) -> str:
    """Basis points as the form shows a share: `33,33`, `40`."""
    return french.plain_number(Decimal(points) / 100)


def _hours_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}" if rest else str(hours)


def _read_assistants(
    posted: dict[str, str], rows: int
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The assistants' rows filled in, each checked by the API's item schema; the message of
    each refused input (`assistant_0`, `weekly_0`...)."""
    items: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index in range(rows):
        chosen = posted.get(f"assistant_{index}", "").strip()
        typed = posted.get(f"weekly_{index}", "").strip()
        if not chosen and not typed:
            continue
        minutes = weekly_minutes(typed) if typed else None
        if not chosen:
            errors[f"assistant_{index}"] = "« Assistante » : choisissez-la dans la liste."
            continue
        if minutes is None:
            errors[f"weekly_{index}"] = (
                "« Heures par semaine » est obligatoire, en heures (par exemple 35 ou 17:30)."
                if not typed
                else f"« Heures par semaine » : « {typed} » n'est pas une durée "
                "(attendu : 35 ou 17:30)."
            )
            continue
        item = {"assistant_id": forms.whole_number(chosen), "weekly_minutes": minutes}
        body, refused = forms.validate(ContractAssistantItem, item, ITEM_LABELS)
        if body is None:
            for name, message in refused.items():
                target = "assistant" if name == "assistant_id" else "weekly"
                if name == "weekly_minutes":
                    message = (
                        "« Heures par semaine » doit être entre 0:01 et 48:00 "
                        "(le plafond légal d'une semaine)."
                    )
                errors.setdefault(f"{target}_{index}", message)
            continue
        items.append(body.model_dump())
    return items, errors


def _read_shares(
    posted: dict[str, str], cabinets: list[tuple[int, str]]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The shares typed for the member cabinets (an empty one: not a member), each checked by
    the API's item schema; the message of each refused input (`share_<cabinet id>`)."""
    items: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for cabinet_id, name in cabinets:
        key = f"share_{cabinet_id}"
        typed = posted.get(key, "").strip()
        if not typed:
            continue
        points = share_points(typed)
        if points is None:
            errors[key] = (
                f"« Part de {name} » : « {typed} » n'est pas un pourcentage au centième "
                "(attendu : 40 ou 33,33)."
            )
            continue
        body, refused = forms.validate(
            ShareItem, {"cabinet_id": cabinet_id, "share_bp": points}, ITEM_LABELS
        )
        if body is None:
            errors[key] = (
                f"« Part de {name} » doit être comprise entre 0,01 et 100 % "
                "(laissez vide un cabinet qui n'est pas membre)."
            )
            continue
        items.append(body.model_dump())
    return items, errors


def _shares_refusal(error: ShareTotalInvalid) -> dict[str, str]:
    total = percent_text(error.total_bp)
    return {
        "shares": f"« Parts des cabinets » : les parts totalisent {total} % au lieu de 100 % ; "
        f"{SHARES_RULE}."
    }


def _attempt(
    call: Callable[[], R], labels: forms.Labels, wording: forms.Wording
) -> tuple[R | None, dict[str, str]]:
    """`forms.attempt`, with the total of the shares said in percent."""
    try:
        return call(), {}
    except ShareTotalInvalid as error:
        return None, _shares_refusal(error)
    except PartagendaError as error:
        return None, forms.service_errors(error, labels, wording)


# --- What the pages show ----------------------------------------------------------------------------


def _cabinets(session: Session, user: models.User) -> list[tuple[int, str]]:
    found = resources.CABINETS.list(session, user, limit=MAX_ROWS, offset=0).items
    return sorted(((c.id, c.name) for c in found), key=lambda option: option[1])


def _assistant_options(session: Session, user: models.User) -> list[tuple[int, str]]:
    found = resources.ASSISTANTS.list(session, user, limit=MAX_ROWS, offset=0).items
    return sorted(
        ((a.id, f"{a.first_name} {a.last_name}") for a in found), key=lambda option: option[1]
    )


def _plans(
    contract: models.PooledContract, names: dict[int, str], today: date
) -> list[dict[str, Any]]:
    """The share plans, newest first, each with its state (in force, past, to come)."""
    plans = sorted(contract.share_plans, key=lambda p: p.valid_from)
    in_force = max((p.valid_from for p in plans if p.valid_from <= today), default=None)
    shown = []
    for plan in plans:
        if plan.valid_from > today:
            state = "à venir"
        elif plan.valid_from == in_force:
            state = "en vigueur"
        else:
            state = "antérieur"
        shown.append(
            {
                "id": plan.id,
                "valid_from": plan.valid_from,
                "state": state,
                "shares": [
                    (names.get(s.cabinet_id, f"cabinet {s.cabinet_id}"), percent_text(s.share_bp))
                    for s in sorted(plan.shares, key=lambda s: -s.share_bp)
                ],
                "removable": plan.valid_from > today and plan.valid_from > contract.start_date,
            }
        )
    return list(reversed(shown))


def _contract_form(row: models.PooledContract) -> dict[str, str]:
    form = {
        "code": row.code,
        "name": row.name,
        "kind": models.ContractKind(row.kind).value,
        "start_date": row.start_date.isoformat(),
        "duration_years": str(row.duration_years),
        "funded_etp": french.plain_number(row.funded_etp),
        "target_policy_code": row.target_policy.code,
        "cost_split": models.CostSplit(row.cost_split).value,
        "annual_employer_cost_eur": french.plain_number(row.annual_employer_cost_eur),
        "balancing_period": row.balancing_period,
    }
    for index, item in enumerate(row.assistants):
        form[f"assistant_{index}"] = str(item.assistant_id)
        form[f"weekly_{index}"] = _hours_text(item.weekly_minutes)
    return form


def _plan_form(row: models.PooledContract, today: date) -> dict[str, str]:
    """A new plan's form, with the shares of the plan in force (or the latest) typed in; for a
    collective contract, from its next anniversary (its members join and leave then)."""
    plans = sorted(row.share_plans, key=lambda p: p.valid_from)
    current = [p for p in plans if p.valid_from <= today] or plans
    form: dict[str, str] = {}
    if row.kind is models.ContractKind.COLLECTIVE:
        following = membership.next_anniversary(row.start_date, today + timedelta(days=1))
        form["valid_from"] = following.isoformat()
    if current:
        for share in current[-1].shares:
            form[f"share_{share.cabinet_id}"] = percent_text(share.share_bp)
    return form


def _contract_page(
    request: Request,
    session: Session,
    user: models.User,
    row: models.PooledContract | None,
    form: dict[str, str],
    errors: dict[str, str],
    *,
    version: int = 0,
    info: str | None = None,
    plan_form: dict[str, str] | None = None,
    plan_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cabinets = _cabinets(session, user)
    today = today_in(user_zone(session, user))
    rows = ASSISTANT_ROWS + (len(row.assistants) if row is not None else 0)
    context: dict[str, Any] = {
        "nav": "contrats",
        "contract": row,
        "form": form,
        "errors": errors,
        "version": version,
        "info": INFO.get(info or ""),
        "cabinets": cabinets,
        "assistant_options": _assistant_options(session, user),
        "assistant_rows": range(rows),
        "kinds": KINDS,
        "policies": POLICIES,
        "cost_splits": COST_SPLITS,
        "balancing": BALANCING,
        "plans": _plans(row, dict(cabinets), today) if row is not None else [],
        "plan_form": plan_form if plan_form is not None else {},
        "plan_errors": plan_errors or {},
        "today": today,
    }
    if row is not None and plan_form is None:
        context["plan_form"] = _plan_form(row, today)
    return render(request, "setup/contract.html", context, user=user, status_code=status_code)


def _contract_shown(request: Request, session: Session, user: models.User) -> ShowForm:
    def show(
        row: models.PooledContract,
        form: dict[str, str],
        errors: dict[str, str],
        version: int,
        status: int,
    ) -> Response:
        return _contract_page(
            request, session, user, row, form, errors, version=version, status_code=status
        )

    return show


# --- The list -----------------------------------------------------------------------------------------


@router.get(BASE)
def contracts_setup_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    q: Search = "",
    page: PageNumber = 1,
    info: Info = None,
) -> HTMLResponse:
    """The groupement's pooled contracts, searched by name or code, a page at a time."""
    found = resources.CONTRACTS.list(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, q=q.strip() or None
    )
    names = dict(_assistant_options(session, user))
    cabinet_names = dict(_cabinets(session, user))
    today = today_in(user_zone(session, user))
    rows = []
    for contract in found.items:
        plans = _plans(contract, cabinet_names, today)
        current = next(
            (p for p in plans if p["state"] == "en vigueur"), plans[-1] if plans else None
        )
        rows.append(
            {
                "contract": contract,
                "assistants": [
                    f"{names.get(a.assistant_id, '?')} ({french.duration(a.weekly_minutes)})"
                    for a in contract.assistants
                ],
                "shares": current["shares"] if current else [],
                "coming": sum(1 for p in plans if p["state"] == "à venir"),
            }
        )
    context = {
        "nav": "contrats",
        "rows": rows,
        "q": q.strip(),
        "paging": paging(found.total, page),
        "info": INFO.get(info or ""),
        "base": BASE,
    }
    return render(request, "setup/contracts.html", context, user=user)


# --- A contract ---------------------------------------------------------------------------------------


def _contract_data(
    posted: dict[str, str], rows: int, cabinets: list[tuple[int, str]] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as the API's `ContractCreate` (with `cabinets`) or `ContractUpdate` reads it."""
    data: dict[str, Any] = {name: posted.get(name, "").strip() for name in EDITED}
    data["duration_years"] = forms.whole_number(data["duration_years"] or "5")
    for name in ("funded_etp", "annual_employer_cost_eur"):
        data[name] = forms.decimal_text(data[name]) or None
    assistants, errors = _read_assistants(posted, rows)
    data["assistants"] = assistants
    if cabinets is not None:
        data |= {name: posted.get(name, "").strip() for name in CONTRACT_FIELDS}
        if not data["start_date"]:
            del data["start_date"]  # missing: « est obligatoire »
        shares, share_errors = _read_shares(posted, cabinets)
        data["shares"] = shares
        errors |= share_errors
    for name in ("cost_split", "balancing_period", "kind"):
        if name in data and not data[name]:
            del data[name]  # the schema's default
    if data.get("annual_employer_cost_eur") is None:
        data.pop("annual_employer_cost_eur", None)
    return data, errors


@router.get(f"{BASE}/nouveau")
def new_contract_page(request: Request, session: SessionDep, user: CoordinatorPage) -> HTMLResponse:
    """The form of a new contract, its assistants and its first share plan."""
    form = {
        "kind": models.ContractKind.COLLECTIVE.value,
        "duration_years": "5",
        "target_policy_code": "collective-2026",
        "cost_split": models.CostSplit.BY_SHARE.value,
        "annual_employer_cost_eur": "50000",
        "balancing_period": models.BalancingPeriod.QUARTER.value,
        "weekly_0": "35",
    }
    return _contract_page(request, session, user, None, form, {})


@router.post(f"{BASE}/nouveau", dependencies=[CsrfChecked])
def create_contract(
    request: Request, session: SessionDep, user: CoordinatorPage, posted: Posted
) -> Response:
    """Create a contract with its assistants and its first share plan (from its start)."""
    cabinets = _cabinets(session, user)
    data, errors = _contract_data(posted, ASSISTANT_ROWS, cabinets)
    body, schema_errors = forms.validate(ContractCreate, data, CONTRACT_LABELS)
    errors = schema_errors | errors
    if "shares" in errors and not data["shares"]:
        errors["shares"] = (
            f"« Parts des cabinets » : donnez la part d'au moins un cabinet ; {SHARES_RULE}."
        )
    if "assistants" in errors and not data["assistants"]:
        errors["assistants"] = "« Assistantes du contrat » : choisissez au moins une assistante."
    if body is not None and not errors:
        row, errors = _attempt(
            lambda: resources.CONTRACTS.create(session, user, body.model_dump()),
            CONTRACT_LABELS,
            CONTRACT_WORDING,
        )
        if row is not None:
            return RedirectResponse(f"{BASE}/{row.id}?info=cree", status_code=303)
    return _contract_page(request, session, user, None, posted, errors, status_code=422)


@router.get(BASE + "/{contract_id}")
def contract_setup_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    contract_id: int,
    info: Info = None,
) -> HTMLResponse:
    """A contract's form and its share plans."""
    row = resources.CONTRACTS.get(session, user, contract_id)
    version = resources.CONTRACTS.version(row)
    return _contract_page(
        request, session, user, row, _contract_form(row), {}, version=version, info=info
    )


@router.post(BASE + "/{contract_id}", dependencies=[CsrfChecked])
def update_contract(
    request: Request, session: SessionDep, user: CoordinatorPage, contract_id: int, posted: Posted
) -> Response:
    """Change a contract under the version the form was read at (its assistants replaced)."""
    row = resources.CONTRACTS.get(session, user, contract_id)  # another groupement's: 404
    data, errors = _contract_data(posted, ASSISTANT_ROWS + len(row.assistants), None)
    if not data["assistants"] and not errors:
        errors["assistants"] = "« Assistantes du contrat » : choisissez au moins une assistante."
    body, schema_errors = forms.validate(ContractUpdate, data, CONTRACT_LABELS)
    errors = schema_errors | errors
    show = _contract_shown(request, session, user)
    if body is None or errors:
        return errors_shown(resources.CONTRACTS, session, user, contract_id, posted, errors, show)
    return save_edit(
        resources.CONTRACTS,
        session,
        user,
        contract_id,
        body.model_dump(),
        posted,
        (CONTRACT_LABELS, CONTRACT_WORDING),
        saved=f"{BASE}/{contract_id}?info=enregistre",
        show=show,
    )


# --- Share plans --------------------------------------------------------------------------------------


def _plan_refused(
    request: Request,
    session: Session,
    user: models.User,
    contract_id: int,
    posted: dict[str, str],
    errors: dict[str, str],
    status: int,
) -> HTMLResponse:
    row = resources.CONTRACTS.get(session, user, contract_id)
    return _contract_page(
        request,
        session,
        user,
        row,
        _contract_form(row),
        {},
        version=resources.CONTRACTS.version(row),
        plan_form=posted,
        plan_errors=errors,
        status_code=status,
    )


@router.post(BASE + "/{contract_id}/parts", dependencies=[CsrfChecked])
def add_share_plan(
    request: Request, session: SessionDep, user: CoordinatorPage, contract_id: int, posted: Posted
) -> Response:
    """Add a share plan in force from a date, one share per member cabinet, totalling 100 %."""
    resources.CONTRACTS.get(session, user, contract_id)  # another groupement's: 404
    shares, errors = _read_shares(posted, _cabinets(session, user))
    data: dict[str, Any] = {"shares": shares}
    if posted.get("valid_from", "").strip():
        data["valid_from"] = posted["valid_from"].strip()
    body, schema_errors = forms.validate(SharePlanCreate, data, PLAN_LABELS)
    errors = schema_errors | errors
    if "shares" in errors and not shares:
        errors["shares"] = (
            f"« Parts des cabinets » : donnez la part d'au moins un cabinet ; {SHARES_RULE}."
        )
    if body is not None and not errors:
        _, errors = _attempt(
            lambda: resources.CONTRACTS.add_share_plan(
                session, user, contract_id, body.model_dump(), expected=expected_version(posted)
            ),
            PLAN_LABELS,
            PLAN_WORDING,
        )
        if not errors:
            return RedirectResponse(f"{BASE}/{contract_id}?info=plan#parts", status_code=303)
    status = 409 if forms.FORM in errors else 422
    return _plan_refused(request, session, user, contract_id, posted, errors, status)


@router.post(BASE + "/{contract_id}/parts/{plan_id}/supprimer", dependencies=[CsrfChecked])
def delete_share_plan(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    contract_id: int,
    plan_id: int,
    posted: Posted,
) -> Response:
    """Withdraw a share plan that has not yet come into force."""
    row = resources.CONTRACTS.get(session, user, contract_id)  # another groupement's: 404
    if all(plan.id != plan_id for plan in row.share_plans):
        raise HTTPException(status_code=404, detail="plan de parts introuvable dans ce contrat")
    _, errors = forms.attempt(
        lambda: resources.CONTRACTS.delete_share_plan(
            session,
            user,
            contract_id,
            plan_id,
            expected=expected_version(posted),
            today=today_in(user_zone(session, user)),
        ),
        PLAN_LABELS,
        PLAN_WORDING,
    )
    if not errors:
        return RedirectResponse(f"{BASE}/{contract_id}?info=plan-retire#parts", status_code=303)
    if "valid_from" in errors:
        errors = {forms.FORM: errors["valid_from"]}
    return _plan_refused(request, session, user, contract_id, {}, errors, 409)
