"""The French web pages: sign-in, the coordinator's week grid and contract dashboard, the
cabinet's page with its calendar subscription, the assistant's own week and calendar link, and
the auditor's reports.

Thin routes: each reads or writes through one `scheduler` service and renders a template;
domain errors of a form become a message on the page. One module per audience: `session`
(signing in and out), `planning` (the coordinator's week grid), `members` (the contract
dashboard, the cabinet's, the assistant's and the auditor's pages), `setup` (the coordinator's
set-up: the groupement's settings, the cabinets), `people` (the doctors and the assistants),
`absences` (an assistant's absences), `accounts` (the users page and the invited person's
password page), `contracts_setup` (the pooled contracts and their share plans), `travel_setup`
(the travel times between cabinets), `grants` (the auditors' access to a contract), `imports`
(the CSV imports, previewed then confirmed) and `national` (the national reader's evaluation);
`shared` holds what they share.
"""

from fastapi import APIRouter

from api.pages.routes import (
    absences,
    accounts,
    contracts_setup,
    grants,
    imports,
    members,
    national,
    people,
    planning,
    session,
    setup,
    travel_setup,
)

router = APIRouter(include_in_schema=False)
# In the order the routes were declared in: the first route that matches answers.
for module in (
    session,
    planning,
    members,
    setup,
    people,
    absences,
    accounts,
    contracts_setup,
    travel_setup,
    grants,
    imports,
    national,
):
    router.include_router(module.router)

__all__ = ["router"]
