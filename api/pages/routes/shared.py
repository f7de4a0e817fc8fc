"""What the page routes share: the notices shown after an action, the list limits, and the day and
time zone of the signed-in user's groupement."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from api.deps import SessionDep
from scheduler import models
from scheduler.services import resources

INFO = {
    "calcul": "Calcul du planning demandé.",
    "publie": "Planning publié : les agendas des cabinets et des assistantes sont à jour.",
    "epingle": "Affectation épinglée : un nouveau calcul la gardera.",
    "desepingle": "Affectation désépinglée.",
    "deplace": "Affectation déplacée ; le planning a été vérifié et ses chiffres recalculés.",
    "ajoute": "Affectation ajoutée ; le planning a été vérifié et ses chiffres recalculés.",
    "supprime": "Affectation supprimée ; le planning a été vérifié et ses chiffres recalculés.",
    "annule": "Calcul annulé : aucun brouillon n'a été enregistré.",
    "avis": "Merci : la coordination voit que vous avez pris connaissance du changement.",
}
MAX_ROWS = 500
ABSENCE_WEEKS = 8  # how far ahead the assistant's page lists her absences


def today_in(zone: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(zone).date()


def user_zone(session: SessionDep, user: models.User) -> ZoneInfo:
    return ZoneInfo(resources.GROUPEMENTS.get(session, user, user.groupement_id).timezone)
