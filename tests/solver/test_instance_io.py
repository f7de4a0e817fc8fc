"""Reading and writing `partagenda-instance/1` and `partagenda-rota/1`.

Rule under test: an instance is read only when every field follows the format
(docs/instance-format-v1.md and solver/schema/*.json); otherwise every problem is
reported with its field path and rule id. Written documents read back equal, follow the JSON
Schemas, and the format document's examples are accepted.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

import solver
from solver.errors import InvalidInstance, InvalidRota, Problem
from solver.instance_io import dump_instance, dump_rota, load_instance, parse_instance, parse_rota
from solver.model import (
    Change,
    ContractId,
    DatedRequest,
    Preferences,
    Replan,
    Rota,
    Rules,
    Session,
    Status,
    Weights,
)
from tests.solver.builders import (
    GARE,
    JULIE,
    MONDAY,
    PARC,
    POOL,
    TILLEULS,
    assign,
    at,
    day,
    leave_period,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    make_rota,
    pause,
    travel_week,
    whole_days,
    window,
    windows,
)

SCHEMAS = Path(solver.__file__).parent / "schema"

FORMAT_EXAMPLE: dict[str, Any] = {
    "format": "partagenda-instance/1",
    "timezone": "Europe/Paris",
    "start": "2026-11-30",
    "days": 7,
    "slot_minutes": 15,
    "assistants": [
        {
            "id": "julie",
            "name": "Julie Martin",
            "availability": [{"weekday": 0, "start": "08:00", "end": "19:00"}],
            "leave": [{"date": "2026-12-02"}],
        }
    ],
    "cabinets": [
        {
            "id": "tilleuls",
            "name": "Cabinet des Tilleuls",
            "department": "57",
            "opening": [{"weekday": 0, "start": "08:00", "end": "19:00"}],
            "sessions": [{"weekday": 0, "start": "08:30", "end": "12:00", "weight": 1}],
        }
    ],
    "contracts": [
        {
            "id": "pool-1",
            "assistant": "julie",
            "weekly_hours": 35,
            "shares": {"tilleuls": 40, "parc": 35, "gare": 25},
            "balance_minutes": {"tilleuls": -30, "parc": 15, "gare": 15},
        }
    ],
    "travel_minutes": [{"from": "tilleuls", "to": "parc", "minutes": 20}],
    "rules": {},
}
"""The instance example of docs/instance-format-v1.md, verbatim (it names cabinets it does not list)."""

ROTA_EXAMPLE: dict[str, Any] = {
    "format": "partagenda-rota/1",
    "status": "optimal",
    "objective": {"total": 1234, "terms": {"share_deviation": 0, "travel_minutes": 40}},
    "bound": 1234,
    "solve_seconds": 0.41,
    "assignments": [
        {
            "assistant": "julie",
            "contract": "pool-1",
            "cabinet": "tilleuls",
            "start": "2026-11-30T08:00:00+01:00",
            "end": "2026-11-30T12:00:00+01:00",
        }
    ],
    "travel": [
        {
            "assistant": "julie",
            "from": "tilleuls",
            "to": "parc",
            "start": "2026-11-30T12:00:00+01:00",
            "end": "2026-11-30T12:20:00+01:00",
        }
    ],
    "breaks": [],
    "minutes": {"pool-1": {"tilleuls": 840, "parc": 735, "gare": 525}},
    "explanation": [],
}
"""The rota example of docs/instance-format-v1.md, verbatim."""


def completed_example() -> dict[str, Any]:
    """The format example with the two cabinets it names but does not list."""
    document = copy.deepcopy(FORMAT_EXAMPLE)
    for ident, name in (("parc", "Cabinet du Parc"), ("gare", "Cabinet de la Gare")):
        document["cabinets"].append(
            {
                "id": ident,
                "name": name,
                "opening": [{"weekday": 0, "start": "08:00", "end": "19:00"}],
            }
        )
    return document


def valid_document() -> dict[str, Any]:
    """The builders' default instance as a document."""
    return dump_instance(make_instance())


def problems(document: object) -> list[tuple[str, str]]:
    """(path, rule) of every problem that reading `document` reports."""
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(document)  # type: ignore[arg-type]
    return [(p.path, p.rule) for p in caught.value.problems]


def validator(name: str) -> jsonschema_rs.Validator:
    """A draft 2020-12 validator of one of the shipped schemas."""
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / name).read_text()))


# --- The format document's examples -----------------------------------------------------------------


def test_parse_instance_format_example_completed_parses() -> None:
    instance = parse_instance(json.dumps(completed_example()))
    contract = instance.contracts[0]
    assert contract.weekly_minutes == 2100
    assert dict(contract.shares) == {TILLEULS: 4000, PARC: 3500, GARE: 2500}
    assert dict(contract.balance_minutes) == {TILLEULS: -30, PARC: 15, GARE: 15}
    assert instance.assistants[0].leave == (whole_days(date(2026, 12, 2)),)
    assert instance.assistants[0].availability == (window(0, "08:00", "19:00"),)
    assert instance.cabinets[0].sessions == (Session(0, 8 * 60 + 30, 12 * 60, 1),)
    assert dict(instance.travel_minutes) == {(TILLEULS, PARC): 20}
    assert instance.rules == Rules()
    assert instance.slot_minutes == 15


def test_parse_instance_format_example_verbatim_names_missing_cabinets() -> None:
    assert problems(FORMAT_EXAMPLE) == [
        ("contracts[0].shares.parc", "unknown-id"),
        ("contracts[0].shares.gare", "unknown-id"),
        ("contracts[0].balance_minutes.parc", "unknown-id"),
        ("contracts[0].balance_minutes.gare", "unknown-id"),
        ("travel_minutes[0].to", "unknown-id"),
    ]


def test_parse_rota_format_example_parses() -> None:
    instance = parse_instance(completed_example())
    rota = parse_rota(json.dumps(ROTA_EXAMPLE), instance)
    assert rota.status is Status.OPTIMAL
    assert rota.objective == 1234 and rota.bound == 1234
    assert rota.assignments == (assign(MONDAY, "08:00", "12:00"),)
    assert rota.travel[0].origin == TILLEULS and rota.travel[0].minutes == 20
    assert rota.minutes[ContractId("pool-1")][GARE] == 525


def test_schema_accepts_format_examples() -> None:
    assert list(validator("instance.schema.json").iter_errors(FORMAT_EXAMPLE)) == []
    assert list(validator("rota.schema.json").iter_errors(ROTA_EXAMPLE)) == []


def test_schema_files_are_valid_draft_2020_12() -> None:
    for name in ("instance.schema.json", "rota.schema.json"):
        schema = json.loads((SCHEMAS / name).read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert jsonschema_rs.meta.is_valid(schema)


def test_schema_rejects_unknown_field() -> None:
    document = valid_document()
    document["assistants"][0]["colour"] = "blue"
    assert not validator("instance.schema.json").is_valid(document)


# --- Round trips ------------------------------------------------------------------------------------


def rich_instance() -> Any:
    """An instance using every optional field."""
    julie = make_assistant(
        availability=(*windows(), window(0, "18:00", "24:00")),
        leave=[whole_days(day(2)), leave_period(day(3), "08:00", "12:30"), whole_days(day(8), 2)],
        preferences=Preferences(days_off=(4,), earliest_start=9 * 60, latest_end=24 * 60),
        worked_minutes_before=[2100, 0, 1980],
    )
    tilleuls = make_cabinet(
        TILLEULS,
        sessions=[Session(0, 510, 720, 2)],
        requests=[DatedRequest(day(1), 840, 1020, 3)],
        places=2,
    )
    return make_instance(
        assistants=[julie, make_assistant("marie")],
        cabinets=[
            tilleuls,
            make_cabinet(PARC, department="2A"),
            make_cabinet(GARE, department=None),
        ],
        contracts=[
            make_contract(
                shares={TILLEULS: 3333, PARC: 3333, GARE: 3334}, balance_minutes={PARC: -45}
            ),
            make_contract("pool-2", "marie", weekly_minutes=1001, shares={GARE: 10_000}),
        ],
        travel={(TILLEULS, PARC): 20, (GARE, PARC): 12},
        days=14,
        slot_minutes=30,
        rules=Rules(share_tolerance_minutes=0, sunday_rest=False, max_horizon_days=28),
        weights=Weights(share_deviation=7, pattern_changes=0),
        replan=Replan(
            published=(assign(MONDAY, "08:00", "12:00"),),
            pinned=(assign(day(1), "13:00", "16:00", PARC),),
            protected_until=at(day(1), "00:00"),
        ),
    )


def test_dump_instance_default_round_trips() -> None:
    instance = make_instance()
    assert parse_instance(json.dumps(dump_instance(instance))) == instance


def test_dump_instance_every_optional_field_round_trips() -> None:
    instance = rich_instance()
    assert parse_instance(json.dumps(dump_instance(instance))) == instance


def test_dump_instance_follows_schema() -> None:
    assert list(validator("instance.schema.json").iter_errors(dump_instance(rich_instance()))) == []


def test_dump_instance_odd_minutes_written_as_minutes() -> None:
    contracts = dump_instance(rich_instance())["contracts"]
    assert contracts[0]["weekly_hours"] == 35
    assert contracts[0]["shares"] == {"tilleuls": 33.33, "parc": 33.33, "gare": 33.34}
    assert contracts[1]["weekly_minutes"] == 1001 and "weekly_hours" not in contracts[1]


def test_dump_rota_matches_format_example() -> None:
    instance = parse_instance(completed_example())
    rota = parse_rota(ROTA_EXAMPLE, instance)
    assert dump_rota(rota, instance) == {**ROTA_EXAMPLE, "changes": []}


def test_dump_rota_writes_offsets_and_round_trips() -> None:
    instance = rich_instance()
    assignments, legs = travel_week()
    moved = assign(MONDAY, "08:00", "12:00", PARC)
    rota = Rota(
        status=Status.FEASIBLE,
        assignments=assignments,
        travel=legs,
        breaks=(pause(day(1), "12:00", "12:30"),),
        objective=120,
        objective_terms={"travel_minutes": 80, "site_changes": 40},
        bound=100,
        solve_seconds=1.5,
        minutes={POOL: {TILLEULS: 1260, PARC: 840}},
        explanation=("Rien à signaler.",),
        changes=(
            Change(JULIE, (PARC, TILLEULS), moved, assignments[0], "Lundi matin aux Tilleuls."),
        ),
    )
    document = dump_rota(rota, instance)
    assert document["assignments"][0]["start"] == "2026-11-30T08:00:00+01:00"
    assert document["travel"][0]["from"] == TILLEULS and document["travel"][0]["to"] == PARC
    assert list(validator("rota.schema.json").iter_errors(document)) == []
    assert parse_rota(json.dumps(document), instance) == rota


def test_dump_rota_summer_time_offset() -> None:
    summer = date(2026, 6, 1)
    instance = make_instance(start=summer)
    document = dump_rota(make_rota([assign(summer, "08:00", "12:00")]), instance)
    assert document["assignments"][0]["end"] == "2026-06-01T12:00:00+02:00"


def test_load_instance_reads_file(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(valid_document()), encoding="utf-8")
    assert load_instance(path) == make_instance()


def test_parse_instance_mapping_with_float_shares_is_exact() -> None:
    document = valid_document()
    document["cabinets"].append({"id": "gare", "opening": []})
    document["contracts"][0]["shares"] = {"tilleuls": 33.33, "parc": 33.33, "gare": 33.34}
    instance = parse_instance(document)
    assert dict(instance.contracts[0].shares) == {TILLEULS: 3333, PARC: 3333, GARE: 3334}
    assert instance.cabinets[2].name == "gare"


# --- Errors: the document as a whole ----------------------------------------------------------------


def test_parse_instance_malformed_json_reported_at_root() -> None:
    assert problems('{"format": ') == [("$", "json")]


def test_parse_instance_nan_rejected_as_json() -> None:
    assert problems('{"days": NaN}') == [("$", "json")]


def test_parse_instance_not_an_object_reported_at_root() -> None:
    assert problems("[]") == [("$", "type")]


def test_parse_instance_wrong_format_reported() -> None:
    document = valid_document()
    document["format"] = "partagenda-instance/2"
    assert problems(document) == [("format", "format")]


def test_parse_instance_unknown_top_field_reported() -> None:
    document = valid_document()
    document["colour"] = "blue"
    assert problems(document) == [("colour", "unknown-field")]


def test_parse_instance_unknown_nested_field_reported() -> None:
    document = valid_document()
    document["assistants"][0]["availability"][1]["colour"] = "blue"
    assert problems(document) == [("assistants[0].availability[1].colour", "unknown-field")]


def test_parse_instance_missing_required_field_reported() -> None:
    document = valid_document()
    del document["timezone"]
    del document["assistants"][0]["availability"]
    assert problems(document) == [
        ("timezone", "required"),
        ("assistants[0].availability", "required"),
    ]


def test_parse_instance_wrong_types_reported() -> None:
    document = valid_document()
    document["days"] = "7"
    document["cabinets"] = {"tilleuls": {}}
    document["assistants"][0]["name"] = 42
    found = problems(document)
    assert ("days", "type") in found
    assert ("cabinets", "type") in found
    assert ("assistants[0].name", "type") in found


def test_parse_instance_collects_every_problem() -> None:
    document = valid_document()
    document["slot_minutes"] = 7
    document["cabinets"][0]["department"] = "99"
    document["travel_minutes"][0]["minutes"] = -5
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(document)
    assert [(p.path, p.rule) for p in caught.value.problems] == [
        ("slot_minutes", "slot-minutes"),
        ("cabinets[0].department", "department"),
        ("travel_minutes[0].minutes", "minutes"),
    ]
    assert str(caught.value).startswith("slot_minutes [slot-minutes]: ")
    assert str(caught.value).endswith("(and 2 more)")


def test_invalid_instance_single_problem_message() -> None:
    error = InvalidInstance([Problem("days", "horizon", "horizon trop long")])
    assert str(error) == "days [horizon]: horizon trop long"
    assert isinstance(error, ValueError)


# --- Errors: ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["assistants", "cabinets", "contracts"])
def test_parse_instance_duplicate_id_reported(kind: str) -> None:
    document = valid_document()
    document[kind].append(copy.deepcopy(document[kind][0]))
    if kind == "contracts":
        document["contracts"][1]["assistant"] = "julie"
    found = problems(document)
    assert found[0] == (f"{kind}[{len(document[kind]) - 1}].id", "duplicate-id")
    assert all(rule == "duplicate-id" for _, rule in found)


def test_parse_instance_contract_unknown_assistant_reported() -> None:
    document = valid_document()
    document["contracts"][0]["assistant"] = "zoe"
    assert problems(document) == [("contracts[0].assistant", "unknown-id")]


def test_parse_instance_share_unknown_cabinet_reported() -> None:
    document = valid_document()
    document["contracts"][0]["shares"] = {"tilleuls": 60, "nulle-part": 40}
    assert problems(document) == [("contracts[0].shares.nulle-part", "unknown-id")]


def test_parse_instance_balance_of_non_member_reported() -> None:
    document = valid_document()
    document["cabinets"].append({"id": "gare", "opening": []})
    document["contracts"][0]["balance_minutes"] = {"gare": 30}
    assert problems(document) == [("contracts[0].balance_minutes.gare", "not-member")]


def test_parse_instance_travel_unknown_cabinet_reported() -> None:
    document = valid_document()
    document["travel_minutes"][0]["to"] = "gare"
    assert problems(document) == [("travel_minutes[0].to", "unknown-id")]


# --- Errors: shares and contract hours -------------------------------------------------------------


def test_parse_instance_shares_not_summing_to_100_reported() -> None:
    document = valid_document()
    document["contracts"][0]["shares"] = {"tilleuls": 60, "parc": 30}
    assert problems(document) == [("contracts[0].shares", "shares-sum")]


def test_parse_instance_share_with_three_decimals_reported() -> None:
    document = valid_document()
    document["contracts"][0]["shares"] = {"tilleuls": 60.005, "parc": 39.995}
    assert problems(document) == [
        ("contracts[0].shares.tilleuls", "precision"),
        ("contracts[0].shares.parc", "precision"),
    ]


def test_parse_instance_share_two_decimals_become_basis_points() -> None:
    text = (
        json.dumps(valid_document())
        .replace('"tilleuls": 60', '"tilleuls": 60.25')
        .replace('"parc": 40', '"parc": 39.75')
    )
    assert dict(parse_instance(text).contracts[0].shares) == {TILLEULS: 6025, PARC: 3975}


def test_parse_instance_share_not_positive_reported() -> None:
    document = valid_document()
    document["contracts"][0]["shares"] = {"tilleuls": 100, "parc": 0}
    assert problems(document) == [("contracts[0].shares.parc", "share")]


@pytest.mark.parametrize("hours", [0, -35, 49])
def test_parse_instance_weekly_hours_out_of_range_reported(hours: int) -> None:
    document = valid_document()
    document["contracts"][0]["weekly_hours"] = hours
    assert ("contracts[0].weekly_hours", "weekly-hours") in problems(document)


def test_parse_instance_weekly_hours_decimal_accepted() -> None:
    document = valid_document()
    document["contracts"][0]["weekly_hours"] = 17.5
    assert parse_instance(json.dumps(document)).contracts[0].weekly_minutes == 1050


def test_parse_instance_weekly_hours_not_whole_minutes_reported() -> None:
    document = valid_document()
    document["contracts"][0]["weekly_hours"] = 17.01
    assert problems(json.dumps(document)) == [("contracts[0].weekly_hours", "precision")]


def test_parse_instance_weekly_hours_and_minutes_together_reported() -> None:
    document = valid_document()
    document["contracts"][0]["weekly_minutes"] = 2100
    assert problems(document) == [("contracts[0].weekly_minutes", "weekly-hours")]


def test_parse_instance_weekly_hours_missing_reported() -> None:
    document = valid_document()
    del document["contracts"][0]["weekly_hours"]
    assert problems(document) == [("contracts[0].weekly_hours", "required")]


def test_parse_instance_below_part_time_minimum_reported() -> None:
    document = valid_document()
    document["contracts"][0]["weekly_hours"] = 15.5
    assert problems(document) == [("assistants[0]", "part-time-minimum")]


def test_parse_instance_part_time_minimum_counts_all_contracts() -> None:
    document = valid_document()
    document["contracts"][0]["weekly_hours"] = 8
    second = {"id": "pool-2", "assistant": "julie", "weekly_hours": 8, "shares": {"parc": 100}}
    document["contracts"].append(second)
    assert [c.weekly_minutes for c in parse_instance(document).contracts] == [480, 480]


# --- Errors: minutes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [-5, 12.5, 0, "20"])
def test_parse_instance_travel_minutes_not_positive_integer_reported(minutes: object) -> None:
    document = valid_document()
    document["travel_minutes"][0]["minutes"] = minutes
    assert problems(document) == [("travel_minutes[0].minutes", "minutes")]


def test_parse_instance_balance_not_integer_reported() -> None:
    document = valid_document()
    document["contracts"][0]["balance_minutes"] = {"parc": 7.5}
    assert problems(document) == [("contracts[0].balance_minutes.parc", "minutes")]


def test_parse_instance_worked_minutes_before_negative_reported() -> None:
    document = valid_document()
    document["assistants"][0]["worked_minutes_before"] = [2100, -60]
    assert problems(document) == [("assistants[0].worked_minutes_before[1]", "minutes")]


# --- Errors: times, windows, dates and zones ---------------------------------------------------------


@pytest.mark.parametrize("text", ["8:00", "25:00", "12:60", "24:00", "midi"])
def test_parse_instance_malformed_start_time_reported(text: str) -> None:
    document = valid_document()
    document["assistants"][0]["availability"][0]["start"] = text
    assert problems(document) == [("assistants[0].availability[0].start", "time")]


def test_parse_instance_end_at_midnight_accepted() -> None:
    document = valid_document()
    document["cabinets"][0]["opening"][0]["end"] = "24:00"
    assert parse_instance(document).cabinets[0].opening[0].end == 1440


def test_parse_instance_end_not_after_start_reported() -> None:
    document = valid_document()
    document["cabinets"][1]["opening"][2] = {"weekday": 2, "start": "14:00", "end": "14:00"}
    assert problems(document) == [("cabinets[1].opening[2].end", "order")]


def test_parse_instance_overlapping_windows_accepted() -> None:
    document = valid_document()
    document["assistants"][0]["availability"].append(
        {"weekday": 0, "start": "12:00", "end": "20:00"}
    )
    assert len(parse_instance(document).assistants[0].availability) == 6


@pytest.mark.parametrize("weekday", [7, -1, 2.5])
def test_parse_instance_weekday_out_of_range_reported(weekday: object) -> None:
    document = valid_document()
    document["assistants"][0]["availability"][0]["weekday"] = weekday
    rule = "type" if weekday == 2.5 else "weekday"
    assert problems(document) == [("assistants[0].availability[0].weekday", rule)]


def test_parse_instance_unknown_timezone_reported() -> None:
    document = valid_document()
    document["timezone"] = "Europe/Lutèce"
    assert problems(document) == [("timezone", "timezone")]


@pytest.mark.parametrize("slot", [7, 0, -15, 90])
def test_parse_instance_slot_not_divisor_of_60_reported(slot: int) -> None:
    document = valid_document()
    document["slot_minutes"] = slot
    assert problems(document) == [("slot_minutes", "slot-minutes")]


def test_parse_instance_days_below_one_reported() -> None:
    document = valid_document()
    document["days"] = 0
    assert problems(document) == [("days", "horizon")]


def test_parse_instance_horizon_too_long_reported() -> None:
    document = valid_document()
    document["days"] = 57
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(document)
    assert [(p.path, p.rule) for p in caught.value.problems] == [("days", "horizon")]
    assert "horizon trop long" in caught.value.problems[0].message


def test_parse_instance_horizon_limit_follows_rules() -> None:
    document = valid_document()
    document["days"] = 84
    document["rules"]["max_horizon_days"] = 84
    assert parse_instance(document).days == 84


@pytest.mark.parametrize("text", ["30/11/2026", "2026-02-30", "2026-11-30T00:00"])
def test_parse_instance_start_not_a_date_reported(text: str) -> None:
    document = valid_document()
    document["start"] = text
    assert problems(document) == [("start", "date")]


# --- Errors: leave -----------------------------------------------------------------------------------


def test_parse_instance_leave_period_made_aware() -> None:
    document = valid_document()
    document["assistants"][0]["leave"] = [{"start": "2026-12-03T08:00", "end": "2026-12-03T12:30"}]
    leave = parse_instance(document).assistants[0].leave[0]
    assert leave == leave_period(day(3), "08:00", "12:30")
    assert leave.start.utcoffset() is not None


def test_parse_instance_leave_date_and_period_together_reported() -> None:
    document = valid_document()
    document["assistants"][0]["leave"] = [{"date": "2026-12-02", "start": "2026-12-02T08:00"}]
    assert problems(document) == [("assistants[0].leave[0]", "leave")]


def test_parse_instance_leave_empty_reported() -> None:
    document = valid_document()
    document["assistants"][0]["leave"] = [{}]
    assert problems(document) == [("assistants[0].leave[0]", "leave")]


def test_parse_instance_leave_end_before_start_reported() -> None:
    document = valid_document()
    document["assistants"][0]["leave"] = [{"start": "2026-12-03T12:00", "end": "2026-12-03T08:00"}]
    assert problems(document) == [("assistants[0].leave[0].end", "order")]


@pytest.mark.parametrize("text", ["2026-12-03T08:00+01:00", "2026-12-03 08:00", "2026-12-03"])
def test_parse_instance_leave_not_local_datetime_reported(text: str) -> None:
    document = valid_document()
    document["assistants"][0]["leave"] = [{"start": text, "end": "2026-12-03T18:00"}]
    assert problems(document) == [("assistants[0].leave[0].start", "datetime")]


def test_parse_instance_leave_bad_date_reported() -> None:
    document = valid_document()
    document["assistants"][0]["leave"] = [{"date": "2 décembre"}]
    assert problems(document) == [("assistants[0].leave[0].date", "date")]


# --- Errors: travel ----------------------------------------------------------------------------------


def test_parse_instance_travel_to_itself_reported() -> None:
    document = valid_document()
    document["travel_minutes"] = [{"from": "parc", "to": "parc", "minutes": 5}]
    assert problems(document) == [("travel_minutes[0]", "travel")]


def test_parse_instance_travel_pair_twice_with_different_minutes_reported() -> None:
    document = valid_document()
    document["travel_minutes"].append({"from": "parc", "to": "tilleuls", "minutes": 25})
    assert problems(document) == [("travel_minutes[1]", "travel")]


def test_parse_instance_travel_pair_twice_with_same_minutes_accepted() -> None:
    document = valid_document()
    document["travel_minutes"].append({"from": "parc", "to": "tilleuls", "minutes": 20})
    assert dict(parse_instance(document).travel_minutes) == {(TILLEULS, PARC): 20}


# --- Errors: cabinets, rules, weights, preferences and re-plan --------------------------------------


@pytest.mark.parametrize(
    ("value", "rule"), [("99", "department"), ("20", "department"), (57, "type")]
)
def test_parse_instance_department_not_french_reported(value: object, rule: str) -> None:
    document = valid_document()
    document["cabinets"][0]["department"] = value
    assert problems(document) == [("cabinets[0].department", rule)]


def test_parse_instance_places_below_one_reported() -> None:
    document = valid_document()
    document["cabinets"][0]["places"] = 0
    assert problems(document) == [("cabinets[0].places", "places")]


def test_parse_instance_negative_session_weight_reported() -> None:
    document = valid_document()
    document["cabinets"][0]["sessions"] = [
        {"weekday": 0, "start": "08:30", "end": "12:00", "weight": -1}
    ]
    assert problems(document) == [("cabinets[0].sessions[0].weight", "weight")]


def test_parse_instance_negative_request_weight_reported() -> None:
    document = valid_document()
    request = {"date": "2026-12-01", "start": "14:00", "end": "17:00", "weight": -2}
    document["cabinets"][0]["requests"] = [request]
    assert problems(document) == [("cabinets[0].requests[0].weight", "weight")]


def test_parse_instance_unknown_rule_reported() -> None:
    document = valid_document()
    document["rules"] = {"max_fun_minutes": 10}
    assert problems(document) == [("rules.max_fun_minutes", "unknown-field")]


@pytest.mark.parametrize("value", [0, -600])
def test_parse_instance_non_positive_rule_reported(value: int) -> None:
    document = valid_document()
    document["rules"] = {"max_daily_minutes": value}
    assert problems(document) == [("rules.max_daily_minutes", "positive")]


def test_parse_instance_rule_of_wrong_type_reported() -> None:
    document = valid_document()
    document["rules"] = {"sunday_rest": "oui", "max_weekly_minutes": True}
    assert problems(document) == [
        ("rules.sunday_rest", "type"),
        ("rules.max_weekly_minutes", "type"),
    ]


def test_parse_instance_zero_share_tolerance_accepted() -> None:
    document = valid_document()
    document["rules"] = {"share_tolerance_minutes": 0}
    assert parse_instance(document).rules.share_tolerance_minutes == 0


def test_parse_instance_bad_weights_reported() -> None:
    document = valid_document()
    document["weights"] = {"travel_minutes": -1, "beauty": 3}
    assert problems(document) == [
        ("weights.beauty", "unknown-field"),
        ("weights.travel_minutes", "weight"),
    ]


def test_parse_instance_bad_preferences_reported() -> None:
    document = valid_document()
    document["assistants"][0]["preferences"] = {"days_off": [9], "earliest_start": "9h"}
    assert problems(document) == [
        ("assistants[0].preferences.days_off[0]", "weekday"),
        ("assistants[0].preferences.earliest_start", "time"),
    ]


def test_parse_instance_replan_read_in_instance_zone() -> None:
    document = valid_document()
    published = {
        "assistant": "julie",
        "contract": "pool-1",
        "cabinet": "tilleuls",
        "start": "2026-11-30T07:00:00Z",
        "end": "2026-11-30T12:00:00+01:00",
    }
    document["replan"] = {"published": [published], "protected_until": "2026-12-15T00:00:00+01:00"}
    replan = parse_instance(document).replan
    assert replan.published == (assign(MONDAY, "08:00", "12:00"),)
    assert replan.protected_until == at(date(2026, 12, 15), "00:00")


def test_parse_instance_replan_naive_datetime_reported() -> None:
    document = valid_document()
    published = {
        "assistant": "julie",
        "contract": "pool-1",
        "cabinet": "tilleuls",
        "start": "2026-11-30T08:00:00",
        "end": "2026-11-30T12:00:00+01:00",
    }
    document["replan"] = {"published": [published], "protected_until": "2026-12-15T00:00"}
    assert problems(document) == [
        ("replan.published[0].start", "datetime"),
        ("replan.protected_until", "datetime"),
    ]


def test_parse_instance_replan_unknown_contract_reported() -> None:
    document = valid_document()
    pinned = {
        "assistant": "julie",
        "contract": "pool-9",
        "cabinet": "tilleuls",
        "start": "2026-11-30T08:00:00+01:00",
        "end": "2026-11-30T12:00:00+01:00",
    }
    document["replan"] = {"pinned": [pinned]}
    assert problems(document) == [("replan.pinned[0].contract", "unknown-id")]


# --- Reading a rota ----------------------------------------------------------------------------------


def test_parse_rota_problems_named_by_path() -> None:
    document = copy.deepcopy(ROTA_EXAMPLE)
    document["status"] = "done"
    document["assignments"][0]["start"] = "2026-11-30T08:00:00"
    document["travel"][0]["colour"] = "blue"
    with pytest.raises(InvalidRota) as caught:
        parse_rota(document, make_instance())
    assert [(p.path, p.rule) for p in caught.value.problems] == [
        ("status", "status"),
        ("assignments[0].start", "datetime"),
        ("travel[0].colour", "unknown-field"),
    ]


def test_parse_rota_malformed_json_reported() -> None:
    with pytest.raises(InvalidRota) as caught:
        parse_rota(b"{", make_instance())
    assert caught.value.problems[0].path == "$"


def test_parse_rota_keeps_unknown_ids_for_the_checker() -> None:
    document = copy.deepcopy(ROTA_EXAMPLE)
    document["assignments"][0]["cabinet"] = "ailleurs"
    rota = parse_rota(document, make_instance())
    assert rota.assignments[0].cabinet == "ailleurs"
