"""The demo groupement shipped with the product: loaded from `scheduler/data/demo.json`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler import membership, models
from scheduler.demo_evaluation import add_evaluation_history
from scheduler.demo_history import add_delivered_history
from scheduler.security import hash_password

DEMO_SLUG = "val-de-moselle"


def _data(name: str) -> dict[str, Any]:
    text = resources.files("scheduler.data").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def ensure_policies(session: Session) -> dict[str, models.TargetPolicy]:
    """Insert the shipped target policies that are missing; return them by code (latest version)."""
    existing = {(p.code, p.policy_version): p for p in session.scalars(select(models.TargetPolicy))}
    for item in _data("policies.json")["policies"]:
        key = (item["code"], item["version"])
        if key in existing:
            continue
        policy = models.TargetPolicy(
            code=item["code"],
            policy_version=item["version"],
            kind=models.ContractKind(item["kind"]),
            valid_from=date.fromisoformat(item["valid_from"]),
            valid_to=date.fromisoformat(item["valid_to"]) if item["valid_to"] else None,
            source=item["source"],
            parameters=item["parameters"],
        )
        session.add(policy)
        existing[key] = policy
    session.flush()
    latest: dict[str, models.TargetPolicy] = {}
    for (code, version), policy in sorted(existing.items()):
        if code not in latest or version > latest[code].policy_version:
            latest[code] = policy
    return latest


def demo_loaded(session: Session) -> bool:
    """True when the demo groupement is already in the database."""
    return (
        session.scalar(select(models.Groupement.id).where(models.Groupement.slug == DEMO_SLUG))
        is not None
    )


def load_demo(session: Session, *, history_until: date | None = None) -> models.Groupement:
    """Stage the demo groupement (cabinets, assistants, contracts, doctors, patientèle, users).

    With `history_until`, also the weeks delivered since the first contract's start, published
    on time, that begin before that day (`scheduler.demo_history`), and the calendar feeds
    rendered from them.
    """
    data = _data("demo.json")
    policies = ensure_policies(session)
    head = data["groupement"]
    zone = ZoneInfo(head["timezone"])
    # Travel counted in the contracts' hours, as a new groupement has it (docs/rules.md).
    groupement = models.Groupement(
        slug=head["slug"], name=head["name"], timezone=head["timezone"], travel_in_contract=True
    )
    session.add(groupement)
    session.flush()

    cabinets: dict[str, models.Cabinet] = {}
    for item in data["cabinets"]:
        cabinet = models.Cabinet(
            groupement_id=groupement.id,
            code=item["code"],
            name=item["name"],
            address=item["address"],
            postcode=item["postcode"],
            city=item["city"],
            department=item["department"],
            latitude=Decimal(str(item["latitude"])),
            longitude=Decimal(str(item["longitude"])),
            places=item["places"],
            contact_email=item.get("contact_email"),
            opening=[
                models.OpeningWindow(
                    weekday=w["weekday"],
                    start_minute=_minutes(w["start"]),
                    end_minute=_minutes(w["end"]),
                )
                for w in item["opening"]
            ],
            sessions=[
                models.ConsultationSession(
                    weekday=s["weekday"],
                    start_minute=_minutes(s["start"]),
                    end_minute=_minutes(s["end"]),
                    weight=s["weight"],
                )
                for s in item["sessions"]
            ],
        )
        session.add(cabinet)
        cabinets[item["code"]] = cabinet
    session.flush()

    for item in data["travel_minutes"]:
        a, b = sorted((cabinets[item["from"]].id, cabinets[item["to"]].id))
        session.add(
            models.TravelTime(
                groupement_id=groupement.id, origin_id=a, destination_id=b, minutes=item["minutes"]
            )
        )

    assistants: dict[str, models.Assistant] = {}
    for item in data["assistants"]:
        preferences = item["preferences"]
        assistant = models.Assistant(
            groupement_id=groupement.id,
            code=item["code"],
            first_name=item["first_name"],
            last_name=item["last_name"],
            email=item["email"],
            preferred_days_off=list(preferences.get("days_off", [])),
            earliest_start_minute=_minutes(preferences["earliest_start"])
            if "earliest_start" in preferences
            else None,
            latest_end_minute=_minutes(preferences["latest_end"])
            if "latest_end" in preferences
            else None,
            availability=[
                models.AvailabilityWindow(
                    weekday=w["weekday"],
                    start_minute=_minutes(w["start"]),
                    end_minute=_minutes(w["end"]),
                )
                for w in item["availability"]
            ],
        )
        session.add(assistant)
        assistants[item["code"]] = assistant
    session.flush()

    contracts: dict[str, models.PooledContract] = {}
    for item in data["contracts"]:
        contract = models.PooledContract(
            groupement_id=groupement.id,
            code=item["code"],
            name=item["name"],
            kind=models.ContractKind(item["kind"]),
            start_date=date.fromisoformat(item["start_date"]),
            funded_etp=Decimal(item["funded_etp"]),
            target_policy=policies[item["target_policy"]],
            cost_split=models.CostSplit(item["cost_split"]),
            annual_employer_cost_eur=Decimal(item["annual_employer_cost_eur"]),
            assistants=[
                models.ContractAssistant(
                    assistant=assistants[a["assistant"]],
                    weekly_minutes=round(Decimal(str(a["weekly_hours"])) * 60),
                )
                for a in item["assistants"]
            ],
            share_plans=[
                models.SharePlan(
                    off_anniversary=item["kind"] == "collective"
                    and not membership.is_anniversary(
                        date.fromisoformat(item["start_date"]),
                        date.fromisoformat(plan["valid_from"]),
                    ),
                    valid_from=date.fromisoformat(plan["valid_from"]),
                    shares=[
                        models.Share(
                            cabinet=cabinets[code], share_bp=round(Decimal(str(percent)) * 100)
                        )
                        for code, percent in plan["shares"].items()
                    ],
                )
                for plan in item["share_plans"]
            ],
        )
        session.add(contract)
        contracts[item["code"]] = contract
    session.flush()

    for item in data["doctors"]:
        doctor = models.Doctor(
            cabinet=cabinets[item["cabinet"]],
            rpps=item["rpps"],
            first_name=item["first_name"],
            last_name=item["last_name"],
            specialty=item["specialty"],
            installed_on=date.fromisoformat(item["installed_on"]),
        )
        session.add(doctor)
        membership.enrol_new_doctor(session, doctor)
        session.flush()
        for snap in item["snapshots"]:
            session.add(
                models.PatienteleSnapshot(
                    doctor_id=doctor.id,
                    snapshot_date=date.fromisoformat(snap["date"]),
                    pmt=snap["pmt"],
                    file_active=snap["file_active"],
                    source=snap["source"],
                )
            )

    session.flush()
    add_evaluation_history(session, list(contracts.values()))

    for item in data["absences"]:
        session.add(
            models.Absence(
                assistant=assistants[item["assistant"]],
                kind=models.AbsenceKind(item["kind"]),
                start_at=datetime.fromisoformat(item["start"]).replace(tzinfo=zone),
                end_at=datetime.fromisoformat(item["end"]).replace(tzinfo=zone),
                reason=item["reason"],
            )
        )

    for item in data["users"]:
        user = models.User(
            groupement_id=groupement.id,
            email=item["email"],
            full_name=item["full_name"],
            # Hashed once when the demo was written: Argon2 is slow by design.
            password_hash=item.get("password_hash") or hash_password(item["password"]),
            role=models.Role(item["role"]),
            cabinet_id=cabinets[item["cabinet"]].id if "cabinet" in item else None,
            assistant_id=assistants[item["assistant"]].id if "assistant" in item else None,
        )
        session.add(user)
        session.flush()
        for code in item.get("grants", []):
            session.add(models.AuditorGrant(user_id=user.id, contract_id=contracts[code].id))
    session.flush()
    if history_until is not None:
        from scheduler.feeds import refresh_feeds

        add_delivered_history(session, groupement, until=history_until)
        refresh_feeds(session, groupement.id, now=datetime.now(UTC))
        session.flush()
    return groupement
