"""Domain errors of the application core: one class per failure, message built in `__init__`.

The HTTP edge maps each to an RFC 9457 problem (api/errors.py); the CLI prints its message.
Classes are grouped by area; add new ones at the end of their area.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from scheduler.french import duration, long_date


class PartagendaError(Exception):
    """Base of every domain error; `status` hints the HTTP status at the edge."""

    status: int = 400
    title: str = "Requête invalide"


# --- Lookups -------------------------------------------------------------------------------------


class NotFound(PartagendaError, LookupError):
    """A resource that does not exist (or that the caller may not see: the answer is the same);
    `field` names the request field that referred to it (`path.contract_id`, `body.cabinet_id`,
    `query.rota_id`...) when there is one."""

    status = 404
    title = "Ressource introuvable"

    def __init__(self, entity: str, key: object, *, field: str | None = None) -> None:
        super().__init__(f"{entity} {key!s} introuvable")
        self.entity = entity
        self.key = key
        if field is not None:
            self.field = field
            self.rule = "not_found"
            self.message = f"{entity} {key!s} introuvable"


class Forbidden(PartagendaError):
    """The caller's role does not allow this action."""

    status = 403
    title = "Accès refusé"

    def __init__(self, reason: str = "votre rôle ne permet pas cette action") -> None:
        super().__init__(reason)


class InvalidField(PartagendaError, ValueError):
    """A field breaks a rule; `field` is its path."""

    status = 422
    title = "Donnée invalide"

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.rule = rule
        self.message = message


# --- Planning ------------------------------------------------------------------------------------


class PeriodOverlap(PartagendaError):
    """A period overlaps a published rota of another period."""

    status = 409
    title = "Période en conflit"

    def __init__(self, period: str, other: str) -> None:
        super().__init__(f"la période {period} chevauche le planning publié {other}")


class NothingToPlan(PartagendaError):
    """No active contract covers the period."""

    status = 422
    title = "Rien à planifier"

    def __init__(self, period: str) -> None:
        super().__init__(f"aucun contrat actif sur la période {period}")


class RotaNotDraft(PartagendaError):
    """A published or superseded rota cannot change."""

    status = 409
    title = "Planning figé"

    def __init__(self, rota_id: int, status: str) -> None:
        super().__init__(f"le planning {rota_id} est {status} : il ne peut plus être modifié")


class RotaNotPublishable(PartagendaError):
    """The draft breaks hard rules or has no valid solution."""

    status = 422
    title = "Planning non publiable"

    def __init__(self, rota_id: int, reasons: Sequence[str]) -> None:
        shown = "; ".join(reasons[:3]) + (
            f" (et {len(reasons) - 3} autres)" if len(reasons) > 3 else ""
        )
        super().__init__(f"le planning {rota_id} ne peut pas être publié : {shown}")
        self.reasons = list(reasons)


class NoticeRequired(PartagendaError):
    """A change inside the 15-day notice window needs an acknowledged reason."""

    status = 409
    title = "Délai de prévenance"

    def __init__(self, changes: Sequence[str], notice_days: int) -> None:
        listed = "; ".join(changes[:3]) + (
            f" (et {len(changes) - 3} autres)" if len(changes) > 3 else ""
        )
        super().__init__(
            f"{len(changes)} changement(s) dans le délai de prévenance de {notice_days} jours "
            f"demandent l'accord de l'assistante et un motif : {listed}"
        )
        self.changes = list(changes)


class LatePublication(PartagendaError):
    """A rota whose period has begun is published after the fact: a reason is needed, and the
    weeks are flagged (the hours they record were not planned ahead)."""

    status = 409
    title = "Publication après coup"

    def __init__(self, period_start: date) -> None:
        super().__init__(
            f"La période du {long_date(period_start)} a déjà commencé : la publier après coup "
            "demande un motif."
        )
        self.field = "body.acknowledged_reason"
        self.rule = "required"
        self.message = "motif requis pour publier une période déjà commencée"


class InvalidEdit(PartagendaError):
    """An edit that cannot be applied (unknown assignment, times off the grain...); `field` and
    `rule` name the field at fault when it is one (a cabinet outside the contract)."""

    status = 422
    title = "Modification impossible"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field
            self.rule = rule or "value_error"
            self.message = message


class PlanningInputsChanged(PartagendaError):
    """What a draft hangs on changed while the solver worked: the plan must be run again."""

    status = 409
    title = "Données modifiées pendant le calcul"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} a changé pendant le calcul : aucun planning n'a été enregistré, relancez-le"
        )


class PlanningStopped(PartagendaError):
    """The solve was stopped on request (its run was cancelled): nothing was planned."""

    status = 409
    title = "Calcul interrompu"

    def __init__(self) -> None:
        super().__init__("le calcul a été arrêté à la demande : aucun planning n'a été enregistré")


class PlanRunConflict(PartagendaError):
    """An active run (queued or running) of the groupement already covers part of the period;
    `run_id` is its id."""

    status = 409
    title = "Calcul déjà demandé"

    def __init__(self, run_id: int, period_start: str) -> None:
        super().__init__(
            f"le calcul {run_id} couvre déjà une partie de la période du {period_start} : "
            "attendez sa fin ou annulez-le avant d'en demander un autre"
        )
        self.field = "period_start"
        self.rule = "one_active_run"
        self.message = f"le calcul {run_id}, en attente ou en cours, couvre déjà cette période"
        self.run_id = run_id
        self.extensions = {"run_id": run_id}


# --- Feeds ---------------------------------------------------------------------------------------


class FeedNotFound(NotFound):
    """No live calendar feed behind a subscription URL (unknown or revoked token, or not yet
    rendered); the message never contains the token."""

    def __init__(self) -> None:
        super().__init__("flux de calendrier", "demandé")


# --- Access and concurrency (API) ----------------------------------------------------------------


class AuthenticationFailed(PartagendaError):
    """The credentials or the access token are wrong, expired or revoked."""

    status = 401
    title = "Authentification requise"

    def __init__(self, reason: str = "identifiants invalides") -> None:
        super().__init__(reason)


class SignInThrottled(PartagendaError):
    """Too many sign-in attempts: the caller must wait `retry_after_s` seconds."""

    status = 429
    title = "Trop de tentatives de connexion"

    def __init__(self, reason: str, retry_after_s: int) -> None:
        self.retry_after_s = max(1, retry_after_s)
        super().__init__(f"{reason} : réessayez dans {french_wait(self.retry_after_s)}")


class AccountLocked(SignInThrottled):
    """Too many failed sign-ins on one account: it is locked, even for the right password."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("trop d'échecs de connexion, ce compte est verrouillé", retry_after_s)


class TooManySignInAttempts(SignInThrottled):
    """Too many sign-in attempts from one client address."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("trop de tentatives de connexion depuis cette adresse", retry_after_s)


def french_wait(seconds: int) -> str:
    """A wait in French, rounded up to the minute: `1 minute`, `15 minutes`, `1 h 30`, `2 h`."""
    minutes = max(1, -(-seconds // 60))
    if minutes < 60:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return duration(minutes)


class PreconditionFailed(PartagendaError):
    """The client's version (If-Match) is not the stored one: someone changed it meanwhile."""

    status = 412
    title = "Version périmée"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!s} a été modifié entre-temps : relisez-le")
        self.entity = entity
        self.key = key


class DuplicateResource(PartagendaError):
    """A resource with the same natural key already exists."""

    status = 409
    title = "Doublon"

    def __init__(self, entity: str, detail: str) -> None:
        super().__init__(f"{entity} existe déjà : {detail}")
        self.entity = entity


class ResourceInUse(PartagendaError):
    """A resource cannot be deleted while others refer to it."""

    status = 409
    title = "Ressource utilisée"

    def __init__(
        self, entity: str, key: object, detail: str = "elle est encore référencée"
    ) -> None:
        super().__init__(f"{entity} {key!s} ne peut pas être supprimé : {detail}")


class AccountStateConflict(PartagendaError):
    """A user's account is not in the state the action needs (inviting an active account again,
    deactivating one's own)."""

    status = 409
    title = "Compte dans un autre état"


class IdempotencyKeyReused(PartagendaError):
    """The Idempotency-Key was already used with a different request."""

    status = 422
    title = "Clé d'idempotence réutilisée"

    def __init__(self, key: str) -> None:
        super().__init__(f"la clé d'idempotence {key!r} a déjà servi pour une autre requête")
        self.field = "header.Idempotency-Key"
        self.message = "déjà utilisée avec une autre requête"


class IdempotencyInFlight(PartagendaError):
    """A request with the same Idempotency-Key is still being processed."""

    status = 409
    title = "Requête en cours"

    def __init__(self, key: str) -> None:
        super().__init__(f"une requête avec la clé d'idempotence {key!r} est encore en cours")


class ShareTotalInvalid(InvalidField):
    """A share plan's shares do not sum to 100 % (10,000 basis points)."""

    def __init__(self, total_bp: int, field: str = "body.shares") -> None:
        super().__init__(
            field,
            "share_total",
            f"les parts totalisent {total_bp} points de base au lieu de 10000 (100 %)",
        )
        self.total_bp = total_bp


class DoctorInAnotherContract(InvalidField):
    """A doctor is a member of at most one contract at a time (his bulletin d'adhésion)."""

    status = 409
    title = "Médecin déjà membre d'un autre contrat"

    def __init__(
        self, doctor: str, other_contract: str, since: date, until: date | None, field: str
    ) -> None:
        spell = (
            f"depuis le {long_date(since)}"
            if until is None
            else (f"du {long_date(since)} au {long_date(until)}")
        )
        super().__init__(
            field,
            "one_contract",
            f"le médecin {doctor} est membre du contrat {other_contract} {spell} : un médecin "
            "n'adhère qu'à un contrat à la fois",
        )
        self.doctor = doctor
        self.other_contract = other_contract


# --- Patientèle and reports ----------------------------------------------------------------------


class InvalidPeriod(PartagendaError, ValueError):
    """A report period string that cannot be read."""

    status = 422
    title = "Période invalide"

    def __init__(self, text: str, reason: str | None = None) -> None:
        detail = (
            f"période {text!r} illisible : attendu AAAA-MM (mois), AAAA-Tn ou AAAA-Qn (trimestre),"
            " Yn (année n du contrat) ou AAAA-Y (année civile)"
        )
        super().__init__(detail if reason is None else f"période {text!r} : {reason}")
        self.text = text


class SnapshotRejected(PartagendaError, ValueError):
    """A patientèle snapshot breaks a rule (unknown doctor, duplicate date, bad count...)."""

    status = 422
    title = "Relevé de patientèle invalide"

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field} : {message}")
        self.field = field
        self.rule = rule
        self.message = message


class ImportRejected(PartagendaError, ValueError):
    """A CSV import with at least one bad line: nothing was imported; `errors` lists them all."""

    status = 422
    title = "Import refusé"

    def __init__(self, errors: Sequence[tuple[int, str, str, str]]) -> None:
        first = "; ".join(
            f"ligne {line}, {column} : {message}" for line, column, _, message in errors[:3]
        )
        more = f" (et {len(errors) - 3} autres)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} erreur(s), rien n'a été importé : {first}{more}")
        self.errors = list(errors)


# --- The database (raised by `scheduler.uow` from the database's own refusals) ------------------
# Their wording and titles are those the HTTP edge always answered for them.


class DatabaseRefusal(PartagendaError):
    """A refusal of the database that no use case turned into an error of its own; `slug` names
    its problem type at the edge."""

    slug: str = "conflict"
    message_text: str = ""

    def __init__(self) -> None:
        super().__init__(self.message_text)


class DatabaseUnavailable(DatabaseRefusal):
    """The database could not serve the work (a lost or refused connection, a lock it gave up
    waiting for, a serialization failure): the same request may succeed when retried."""

    status = 503
    title = "Service Unavailable"
    slug = "unavailable"
    message_text = "the database is busy; retry"
    retry_after_s = 1


class DataConflict(DatabaseRefusal):
    """A constraint of the database that the use case did not check first."""

    status = 409
    title = "Conflict"
    slug = "conflict"
    message_text = "the change conflicts with existing data"


class DataOutOfRange(DatabaseRefusal):
    """A value the schemas let through but the database refuses (an out-of-range number...)."""

    status = 422
    title = "Unprocessable Entity"
    slug = "invalid-data"
    message_text = "a value is out of the range the database accepts"


class ChangedMeanwhile(DatabaseRefusal):
    """A versioned row changed by someone else between its read and this write."""

    status = 412
    title = "Precondition Failed"
    slug = "precondition-failed"
    message_text = "the resource was changed by someone else; read it again"


class ImportPreviewOutdated(PartagendaError):
    """The stored rows an import would change are no longer those its preview saw: nothing was
    imported, the preview is forgotten."""

    status = 409
    title = "Aperçu périmé"

    def __init__(self, key: str) -> None:
        super().__init__(
            "les données enregistrées ont changé depuis l'aperçu : rien n'a été importé ; "
            "déposez le fichier à nouveau pour voir ce qu'il changerait maintenant"
        )
        self.key = key
