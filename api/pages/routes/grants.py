"""The auditors' access to a contract: the coordinator lets a CPAM auditor's account (created
with the CLI, in whatever groupement) read one of her contracts' reports, and withdraws it.

Through `scheduler.services.grants`; a refusal is shown next to the e-mail input.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.pages import forms
from api.pages.routes.contracts_setup import BASE
from api.pages.routes.setup import Info, Posted
from api.pages.web import CoordinatorPage, CsrfChecked, render
from scheduler import models
from scheduler.services import grants, resources

router = APIRouter(include_in_schema=False)

INFO = {
    "accorde": "Accès accordé : l'auditeur lit désormais les rapports de ce contrat.",
    "retire": "Accès retiré.",
}
GRANT_LABELS = forms.Labels({"email": "Adresse e-mail de l'auditeur"})
GRANT_WORDING = forms.Wording(stale="Cet accès a été modifié", duplicate_field="email")


def _grants_page(
    request: Request,
    session: Session,
    user: models.User,
    contract_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    info: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    contract = resources.CONTRACTS.get(session, user, contract_id)
    context = {
        "nav": "contrats",
        "contract": contract,
        "grants": grants.contract_grants(session, user, contract.id),
        "form": form or {},
        "errors": errors or {},
        "info": INFO.get(info or ""),
        "base": BASE,
    }
    return render(request, "setup/grants.html", context, user=user, status_code=status_code)


@router.get(BASE + "/{contract_id}/acces")
def grants_page(
    request: Request,
    session: SessionDep,
    user: CoordinatorPage,
    contract_id: int,
    info: Info = None,
) -> HTMLResponse:
    """The auditors who read the contract, and the form to let one more read it."""
    return _grants_page(request, session, user, contract_id, info=info)


@router.post(BASE + "/{contract_id}/acces", dependencies=[CsrfChecked])
def grant_access(
    request: Request, session: SessionDep, user: CoordinatorPage, contract_id: int, posted: Posted
) -> Response:
    """Let the auditor with this e-mail read the contract."""
    resources.CONTRACTS.get(session, user, contract_id)  # another groupement's: 404
    email = posted.get("email", "")
    errors: dict[str, str] = {}
    if not email.strip():
        errors = {"email": "« Adresse e-mail de l'auditeur » est obligatoire."}
    else:
        _, errors = forms.attempt(
            lambda: grants.grant(session, user, contract_id, email), GRANT_LABELS, GRANT_WORDING
        )
    if not errors:
        return RedirectResponse(f"{BASE}/{contract_id}/acces?info=accorde", status_code=303)
    return _grants_page(
        request, session, user, contract_id, form=posted, errors=errors, status_code=422
    )


@router.post(BASE + "/{contract_id}/acces/{grant_id}/retrait", dependencies=[CsrfChecked])
def revoke_access(
    session: SessionDep, user: CoordinatorPage, contract_id: int, grant_id: int
) -> Response:
    """Withdraw an auditor's access to the contract."""
    grants.revoke(session, user, contract_id, grant_id)
    return RedirectResponse(f"{BASE}/{contract_id}/acces?info=retire", status_code=303)
