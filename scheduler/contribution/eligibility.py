"""The collective contract's eligibility, checked and shown: the group's average PMT at signature,
the funded ETP against the member doctors (the cap) and against the hours actually employed.

The rules are stated in the package's docstring (`scheduler.contribution`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from scheduler.contribution.periods import round_to, value_at
from scheduler.contribution.records import ZERO, ContractInput, DoctorInput, Eligibility


def member_on(doctor: DoctorInput, joined: date, day: date) -> bool:
    """Whether `doctor` (his cabinet joined on `joined`) is a member of the contract on `day`."""
    since = joined if doctor.member_from is None else max(joined, doctor.member_from)
    return since <= day and (doctor.member_to is None or day < doctor.member_to)


def eligibility(
    contract: ContractInput,
    doctors: Sequence[DoctorInput],
    joined: Mapping[int, date],
    read_on: date,
) -> Eligibility:
    """The contract's conditions on `read_on`; `doctors` have their snapshots sorted by date and
    `joined` gives each member cabinet's joining day."""
    policy = contract.policy
    signature = contract.start_date
    at_signature = [
        snap.pmt
        for doctor in doctors
        if doctor.cabinet_id in joined and member_on(doctor, joined[doctor.cabinet_id], signature)
        for snap in (value_at(doctor.snapshots, signature),)
        if snap is not None
    ]
    average = round_to(Decimal(sum(at_signature)) / len(at_signature), 2) if at_signature else None
    members = [
        d for d in doctors if d.cabinet_id in joined and member_on(d, joined[d.cabinet_id], read_on)
    ]
    pamsu = sum(1 for d in members if d.pamsu_junior)
    bonus = ZERO
    if policy.etp_bonus_from is not None and read_on >= policy.etp_bonus_from:
        bonus = policy.etp_bonus_per_member * (len(members) if contract.training_site else pamsu)
    cap = len(members) + bonus
    full_time = policy.full_time_weekly_minutes
    employed = Decimal(contract.weekly_minutes) / full_time
    return Eligibility(
        signature=signature,
        signature_doctors=len(at_signature),
        average_pmt_at_signature=average,
        min_average_pmt=policy.min_average_pmt,
        average_pmt_ok=None if average is None else average >= policy.min_average_pmt,
        member_doctors=len(members),
        pamsu_junior_doctors=pamsu,
        training_site=contract.training_site,
        etp_bonus=bonus,
        etp_cap=cap,
        funded_etp=contract.funded_etp,
        etp_ok=contract.funded_etp <= cap,
        employed_etp=round_to(employed, 3),
        etp_gap=round_to(contract.funded_etp - employed, 3),
        employed_ok=contract.funded_etp * full_time <= contract.weekly_minutes,
    )
