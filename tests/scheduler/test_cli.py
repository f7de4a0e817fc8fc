"""The command line: `partagenda solve` exits 0 with a rota, 1 when infeasible (explanation on
stderr and in the JSON), 2 on invalid input with one readable line naming the field, never a
traceback; the other commands refuse bad options the same way. Usage errors (missing, unknown or
badly used options, unknown commands, bad values) and bad `PARTAGENDA_*` settings are one French
line naming the option or variable; an output file that is replaced keeps its mode."""

from __future__ import annotations

import copy
import json
import os
import stat
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
import typer
from pydantic import AnyUrl, Field, HttpUrl, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.cli.context import write_file
from scheduler.cli.messages import OneLineErrors, pydantic_rule, settings_message
from scheduler.demo_history import history_data
from solver.instance_io import parse_instance, parse_rota
from solver.validation import check_rota

runner = CliRunner()

VALID: dict[str, Any] = {
    "format": "partagenda-instance/1",
    "timezone": "Europe/Paris",
    "start": "2026-11-30",
    "days": 7,
    "slot_minutes": 15,
    "assistants": [
        {
            "id": "julie",
            "name": "Julie Martin",
            "availability": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)],
        }
    ],
    "cabinets": [
        {
            "id": "tilleuls",
            "name": "Cabinet des Tilleuls",
            "department": "54",
            "opening": [{"weekday": d, "start": "08:00", "end": "19:00"} for d in range(5)],
        },
        {
            "id": "parc",
            "name": "Cabinet du Parc",
            "department": "57",
            "opening": [{"weekday": d, "start": "08:00", "end": "19:00"} for d in range(5)],
        },
    ],
    "contracts": [
        {
            "id": "pool-1",
            "assistant": "julie",
            "weekly_hours": 20,
            "shares": {"tilleuls": 60, "parc": 40},
        }
    ],
    "travel_minutes": [{"from": "tilleuls", "to": "parc", "minutes": 20}],
    "rules": {},
}


def _write(tmp_path: Path, document: dict[str, Any] | str) -> Path:
    path = tmp_path / "instance.json"
    path.write_text(
        document if isinstance(document, str) else json.dumps(document), encoding="utf-8"
    )
    return path


def _variant(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    contract, assistant, cabinet = doc["contracts"][0], doc["assistants"][0], doc["cabinets"][0]
    if change == "shares":
        contract["shares"] = {"tilleuls": 60, "parc": 30}
    elif change == "unknown-id":
        contract["shares"] = {"tilleuls": 60, "gare": 40}
    elif change == "duplicate-id":
        doc["cabinets"][1]["id"] = "tilleuls"
    elif change == "negative-minutes":
        doc["travel_minutes"][0]["minutes"] = -5
    elif change == "fractional-minutes":
        doc["travel_minutes"][0]["minutes"] = 12.5
    elif change == "malformed-time":
        cabinet["opening"][0]["start"] = "8h00"
    elif change == "end-before-start":
        assistant["availability"][0]["end"] = "07:00"
    elif change == "weekday":
        cabinet["opening"][0]["weekday"] = 7
    elif change == "timezone":
        doc["timezone"] = "Europe/Nancy"
    elif change == "grain":
        doc["slot_minutes"] = 25
    elif change == "horizon":
        doc["days"] = 400
    return doc


BAD_INPUTS = {
    "shares": "contracts[0].shares",
    "unknown-id": "contracts[0].shares",
    "duplicate-id": "cabinets[1].id",
    "negative-minutes": "travel_minutes[0].minutes",
    "fractional-minutes": "travel_minutes[0].minutes",
    "malformed-time": "cabinets[0].opening[0].start",
    "end-before-start": "assistants[0].availability[0]",
    "weekday": "cabinets[0].opening[0].weekday",
    "timezone": "timezone",
    "grain": "slot_minutes",
    "horizon": "days",
}


@pytest.mark.parametrize(("change", "path"), BAD_INPUTS.items(), ids=list(BAD_INPUTS))
def test_solve_invalid_input_exits_2_naming_the_field(
    tmp_path: Path, change: str, path: str
) -> None:
    result = runner.invoke(app, ["solve", str(_write(tmp_path, _variant(change)))])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and path in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_solve_malformed_json_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["solve", str(_write(tmp_path, '{"format": "partagenda-instance/1",'))]
    )
    assert result.exit_code == 2
    assert "$" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_solve_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(tmp_path / "absent.json")])
    assert result.exit_code == 2 and "INSTANCE.json" in result.stderr


def test_solve_valid_instance_writes_a_checked_rota(tmp_path: Path) -> None:
    output = tmp_path / "rota.json"
    source = _write(tmp_path, VALID)
    result = runner.invoke(
        app, ["solve", str(source), "-o", str(output), "--time-limit", "10", "--deterministic"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["format"] == "partagenda-rota/1" and document["status"] in (
        "optimal",
        "feasible",
    )
    instance = parse_instance(source.read_bytes())
    assert check_rota(instance, parse_rota(document, instance)) == []
    assert sum(document["minutes"]["pool-1"].values()) == 20 * 60


def test_solve_infeasible_instance_exits_1_with_explanation(tmp_path: Path) -> None:
    doc = copy.deepcopy(VALID)
    doc["cabinets"][1]["opening"] = [
        {"weekday": 2, "start": "08:00", "end": "10:00"}
    ]  # parc: 2 h a week
    output = tmp_path / "rota.json"
    result = runner.invoke(
        app,
        [
            "solve",
            str(_write(tmp_path, doc)),
            "-o",
            str(output),
            "--time-limit",
            "10",
            "--deterministic",
        ],
    )
    assert result.exit_code == 1, result.output
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["status"] == "infeasible" and document["explanation"]
    assert "Cabinet du Parc" in result.stderr


def test_plan_with_a_malformed_week_exits_2() -> None:
    result = runner.invoke(app, ["plan", "--week", "2026-49"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("partagenda: --week :")


def test_report_with_an_unknown_format_exits_2() -> None:
    result = runner.invoke(app, ["report", "pool-1", "--period", "2026-Q4", "--format", "xls"])
    assert result.exit_code == 2 and "--format" in result.stderr


def test_import_patientele_with_a_bad_line_exits_2_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.config import get_settings

    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        assert runner.invoke(app, ["load-demo"]).exit_code == 0
        csv_file = tmp_path / "releves.csv"
        csv_file.write_text(
            "rpps;date;pmt;file_active;source\n12345678901;2026-11-01;900;1300;CPAM\n"
        )
        result = runner.invoke(app, ["import-patientele", str(csv_file)])
        assert result.exit_code == 2
        assert "ligne 2" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    finally:
        get_settings.cache_clear()


# --- Bad input on every command: one line naming the option, exit code 2, nothing written ------


def _one_line(result: Any, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return str(lines[0])


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A migrated SQLite database with the demo, as the configured database of the commands."""
    from scheduler.config import get_settings

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", url)
    get_settings.cache_clear()
    assert runner.invoke(app, ["load-demo"]).exit_code == 0
    yield url
    get_settings.cache_clear()


def _count(url: str, table: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_a_refusal_of_the_database_mid_command_is_one_line(
    cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal raised while a command works is named by the unit of work and worded as one
    line, exit code 2; anything else is a bug and keeps its traceback."""
    import sqlite3

    from sqlalchemy.exc import DataError, IntegrityError, OperationalError

    import scheduler.demo

    refusals: list[tuple[Exception, str]] = [
        (
            OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
            "injoignable ou illisible : database is locked",
        ),
        (
            IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
            "contredit des données existantes",
        ),
        (DataError("INSERT", {}, sqlite3.DataError("too big")), "dépasse ce que la base"),
    ]
    for refusal, words in refusals:

        def refused(*args: object, error: Exception = refusal) -> bool:
            raise error

        monkeypatch.setattr(scheduler.demo, "demo_loaded", refused)
        _one_line(runner.invoke(app, ["load-demo"]), words)

    def broken(*args: object) -> bool:
        raise RuntimeError("a bug")

    monkeypatch.setattr(scheduler.demo, "demo_loaded", broken)
    result = runner.invoke(app, ["load-demo"])
    assert isinstance(result.exception, RuntimeError)


def test_a_file_that_is_no_database_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.config import get_settings

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{garbage}")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["migrate"])
    finally:
        get_settings.cache_clear()
    _one_line(result, "PARTAGENDA_DATABASE_URL", "injoignable ou illisible", "not a database")


def test_usage_error_is_one_line_naming_the_option() -> None:
    result = runner.invoke(app, ["plan", "--week", "2026-W49", "--weeks", "0"])
    _one_line(result, "--weeks : « 0 » : doit être entre 1 et 8")
    _one_line(runner.invoke(app, ["solve", "x.json", "--time-limit", "-1"]), "--time-limit")


def test_plan_week_outside_the_supported_years_exits_2() -> None:
    _one_line(runner.invoke(app, ["plan", "--week", "9999-W52"]), "--week", "2000 à 2099")
    _one_line(runner.invoke(app, ["plan", "--week", "10000-W01"]), "--week", "2026-W49")


def test_solve_into_a_missing_directory_exits_2_before_solving(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "rota.json"
    result = runner.invoke(app, ["solve", str(_write(tmp_path, VALID)), "-o", str(target)])
    _one_line(result, "--output", "n'existe pas")
    assert not target.parent.exists()


def test_report_with_a_period_out_of_range_or_an_unknown_contract_exits_2(
    cli_db: str, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    args = ["--format", "json", "-o", str(target)]
    result = runner.invoke(app, ["report", "pool-corny", "--period", "9999-12", *args])
    _one_line(result, "--period", "2000 à 2099")
    result = runner.invoke(app, ["report", "pool-corny", "--period", "2026-Q5", *args])
    _one_line(result, "--period", "2026-Q5")
    result = runner.invoke(app, ["report", "nope", "--period", "2026-Q4", *args])
    _one_line(result, "CONTRACT", "introuvable")
    result = runner.invoke(app, ["report", "99999999999999999999", "--period", "2026-Q4", *args])
    _one_line(result, "CONTRACT", "introuvable")
    assert not target.exists()


def test_export_into_a_directory_exits_2(cli_db: str, tmp_path: Path) -> None:
    _one_line(runner.invoke(app, ["export-national", "-o", str(tmp_path)]), "--output", "dossier")


def test_export_writes_its_sha256_beside_it_as_sha256sum_reads_it(
    cli_db: str, tmp_path: Path
) -> None:
    import hashlib

    target = tmp_path / "national.csv"
    result = runner.invoke(app, ["export-national", "-o", str(target), "--as-of", "2026-12-07"])
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert (tmp_path / "national.csv.sha256").read_text() == f"{digest}  national.csv\n"
    assert f"SHA-256 : {digest}" in result.stderr
    # The same day gives the same bytes: the digest is reproducible.
    again = tmp_path / "again.csv"
    rerun = runner.invoke(app, ["export-national", "-o", str(again), "--as-of", "2026-12-07"])
    assert rerun.exit_code == 0, rerun.output
    assert again.read_bytes() == target.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_evaluation_writes_its_sha256_beside_it(
    cli_db: str, tmp_path: Path, fmt: str
) -> None:
    import hashlib

    target = tmp_path / f"evaluation.{fmt}"
    args = ["export-evaluation", "--format", fmt, "-o", str(target), "--as-of", "2026-12-07"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert (tmp_path / f"evaluation.{fmt}.sha256").read_text() == f"{digest}  evaluation.{fmt}\n"
    assert f"SHA-256 : {digest}" in result.stderr
    if fmt == "json":
        document = json.loads(target.read_bytes())
        assert document["as_of"] == "2026-12-07" and set(document["indicators"]) == {
            "pmt",
            "file_active",
        }
    else:
        assert target.read_text(encoding="utf-8").startswith("indicateur;niveau;groupe;")
    again = runner.invoke(app, [*args[:3], "-o", str(tmp_path / "again"), *args[5:]])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again").read_bytes() == target.read_bytes()


@pytest.mark.parametrize(
    ("option", "value"), [("--format", "xml"), ("--as-of", "07/12/2026"), ("--as-of", "1999-01-01")]
)
def test_export_evaluation_with_bad_input_exits_2_and_writes_nothing(
    cli_db: str, tmp_path: Path, option: str, value: str
) -> None:
    target = tmp_path / "evaluation.csv"
    _one_line(runner.invoke(app, ["export-evaluation", "-o", str(target), option, value]), option)
    assert not target.exists()
    assert not (tmp_path / "evaluation.csv.sha256").exists()


@pytest.mark.parametrize("value", ["07/12/2026", "2026-13-01", "1789-07-14"])
def test_export_with_a_bad_as_of_date_exits_2_and_writes_nothing(
    cli_db: str, tmp_path: Path, value: str
) -> None:
    target = tmp_path / "national.csv"
    _one_line(
        runner.invoke(app, ["export-national", "-o", str(target), "--as-of", value]),
        "--as-of",
        value,
    )
    assert not target.exists()
    assert not (tmp_path / "national.csv.sha256").exists()


def test_create_groupement_with_bad_values_exits_2_and_stores_nothing(cli_db: str) -> None:
    before = _count(cli_db, "groupement")
    result = runner.invoke(app, ["create-groupement", "--slug", "Bad Slug!", "--name", "X"])
    _one_line(result, "--slug", "a-z")
    result = runner.invoke(app, ["create-groupement", "--slug", "ok", "--name", "  "])
    _one_line(result, "--name")
    result = runner.invoke(
        app, ["create-groupement", "--slug", "ok", "--name", "X", "--timezone", "Mars/Olympus"]
    )
    _one_line(result, "--timezone", "Mars/Olympus")
    result = runner.invoke(app, ["create-groupement", "--slug", "val-de-moselle", "--name", "X"])
    _one_line(result, "--slug", "existe déjà")
    assert _count(cli_db, "groupement") == before


def test_create_coordinator_with_bad_values_exits_2_and_stores_nothing(cli_db: str) -> None:
    before = _count(cli_db, "app_user")
    base = ["create-coordinator", "--groupement", "val-de-moselle", "--name", "Camille"]
    result = runner.invoke(
        app, [*base, "--email", "pas-une-adresse", "--password-stdin"], input="x" * 12 + "\n"
    )
    _one_line(result, "--email", "pas-une-adresse")
    result = runner.invoke(
        app,
        ["create-coordinator", "--groupement", "nope", "--name", "C", "--email", "c@d.fr"]
        + ["--password-stdin"],
        input="x" * 12 + "\n",
    )
    _one_line(result, "--groupement", "nope")
    result = runner.invoke(app, [*base, "--email", "c@d.fr", "--password-stdin"], input="court\n")
    _one_line(result, "mot de passe", "8 à 200")
    result = runner.invoke(app, [*base, "--email", "c@d.fr", "--password-stdin"], input="")
    _one_line(result, "--password-stdin", "vide")
    assert _count(cli_db, "app_user") == before


def test_create_coordinator_takes_no_password_on_the_command_line(cli_db: str) -> None:
    # A command line is visible to every user of the machine (`ps`): no --password option.
    before = _count(cli_db, "app_user")
    base = ["create-coordinator", "--groupement", "val-de-moselle", "--name", "Camille"]
    result = runner.invoke(app, [*base, "--email", "c@d.fr", "--password", "x" * 12])
    _one_line(result, "--password")
    # Without a terminal and without --password-stdin, nothing is asked and nothing stored.
    result = runner.invoke(app, [*base, "--email", "c@d.fr"], input="x" * 12 + "\n")
    _one_line(result, "--password-stdin", "terminal")
    assert _count(cli_db, "app_user") == before


def test_create_coordinator_reads_the_password_from_standard_input(cli_db: str) -> None:
    from scheduler.auth import authenticate
    from scheduler.db import make_engine, make_session_factory

    result = runner.invoke(
        app,
        ["create-coordinator", "--groupement", "val-de-moselle", "--name", "Camille Roux"]
        + ["--email", "camille@example.fr", "--password-stdin"],
        input="un mot de passe sûr\n",
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(cli_db)
    try:
        with make_session_factory(engine)() as session:
            user = authenticate(session, "camille@example.fr", "un mot de passe sûr")
            assert user.role.value == "coordinator"
    finally:
        engine.dispose()


def test_create_national_reader_makes_a_reader_of_every_groupements_contracts(
    cli_db: str,
) -> None:
    from sqlalchemy import select

    from scheduler import access, models
    from scheduler.auth import authenticate
    from scheduler.db import make_engine, make_session_factory

    before = _count(cli_db, "app_user")
    base = ["create-national-reader", "--groupement", "val-de-moselle", "--name", "CNAM"]
    result = runner.invoke(app, [*base, "--email", "pas-une-adresse", "--password-stdin"])
    _one_line(result, "--email", "pas-une-adresse")
    assert _count(cli_db, "app_user") == before
    result = runner.invoke(
        app, [*base, "--email", "cnam@example.fr", "--password-stdin"], input="un mot sûr 2026\n"
    )
    assert result.exit_code == 0, result.output
    assert "Lecteur national créé : cnam@example.fr" in result.output
    engine = make_engine(cli_db)
    try:
        with make_session_factory(engine)() as session:
            user = authenticate(session, "cnam@example.fr", "un mot sûr 2026")
            assert user.role is models.Role.NATIONAL
            readable = select(models.PooledContract.id).where(
                access.visible(user, models.PooledContract)
            )
            every = select(models.PooledContract.id)
            assert set(session.scalars(readable)) == set(session.scalars(every))
    finally:
        engine.dispose()


def test_grant_contract_opens_another_groupements_contract_to_an_auditor(cli_db: str) -> None:
    from sqlalchemy import select

    from scheduler import access, models
    from scheduler.auth import find_user_by_email
    from scheduler.db import make_engine, make_session_factory
    from scheduler.uow import unit_of_work
    from tests.api.factories import make_world

    engine = make_engine(cli_db)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            make_world(session, "beta")
        before = _count(cli_db, "auditor_grant")
        grant = ["grant-contract", "--groupement", "beta", "--contract"]
        # Only an auditor reads by grant; an unknown contract is named as such.
        result = runner.invoke(app, [*grant, "beta-c1", "--email", "julie.martin@example.fr"])
        _one_line(result, "--email", "auditeur")
        result = runner.invoke(app, [*grant, "nope", "--email", "audit@cpam-54.example.fr"])
        _one_line(result, "--contract", "nope")
        assert _count(cli_db, "auditor_grant") == before
        for _ in range(2):  # granting again changes nothing
            result = runner.invoke(app, [*grant, "beta-c1", "--email", "audit@cpam-54.example.fr"])
            assert result.exit_code == 0, result.output
        assert _count(cli_db, "auditor_grant") == before + 1
        with make_session_factory(engine)() as session:
            auditor = find_user_by_email(session, "audit@cpam-54.example.fr")
            readable = select(models.PooledContract.code).where(
                access.visible(auditor, models.PooledContract)
            )
            codes = set(session.scalars(readable))
            assert "beta-c1" in codes and "beta-c2" not in codes
    finally:
        engine.dispose()


def test_import_with_an_overlong_source_or_cell_exits_2_and_imports_nothing(
    cli_db: str, tmp_path: Path
) -> None:
    before = _count(cli_db, "patientele_snapshot")
    csv_file = tmp_path / "releves.csv"
    header = "rpps;date;pmt;file_active;source\n"
    csv_file.write_text(f"{header}10152338389;2026-09-15;900;1300;{'x' * 500}\n")
    _one_line(runner.invoke(app, ["import-patientele", str(csv_file)]), "ligne 2, source")
    csv_file.write_text(f'{header}10152338389;2026-09-15;900;1300;"{"x" * 200_000}"\n')
    _one_line(runner.invoke(app, ["import-patientele", str(csv_file)]), "CSV illisible")
    assert _count(cli_db, "patientele_snapshot") == before


def test_import_reference_stores_all_lines_or_says_the_first_bad_one(
    cli_db: str, tmp_path: Path
) -> None:
    csv_file = tmp_path / "reference.csv"
    before = _count(cli_db, "reference_statement"), _count(cli_db, "reference_series")
    csv_file.write_text(
        "department;rpps;quarter;pmt;file_active;source\n"
        "54;10547879162;2019-Q1;900;1300;CPAM\n54;10547879162;2019-Q2;910;1320;CPAM\n"
    )
    result = runner.invoke(app, ["import-reference", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "2 relevé(s)" in result.stdout
    csv_file.write_text(
        "department;quarter;pmt;file_active;doctors;source\n54;2019-Q1;812.5;1204;640;CPAM\n"
        "54;2019-Q2;812.5;1204;0;CPAM\n"
    )
    _one_line(
        runner.invoke(app, ["import-reference", "--series", str(csv_file)]), "ligne 3, doctors"
    )
    assert (_count(cli_db, "reference_statement"), _count(cli_db, "reference_series")) == (
        before[0] + 2,
        before[1],
    )


def test_unmigrated_or_unreachable_database_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.config import get_settings

    try:
        monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
        get_settings.cache_clear()
        _one_line(runner.invoke(app, ["export-national"]), "PARTAGENDA_DATABASE_URL", "migrate")
        monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{tmp_path / 'no' / 'x.db'}")
        get_settings.cache_clear()
        _one_line(runner.invoke(app, ["migrate"]), "PARTAGENDA_DATABASE_URL", "injoignable")
        monkeypatch.setenv("PARTAGENDA_SOLVER_TIME_LIMIT_S", "-3")
        get_settings.cache_clear()
        _one_line(
            runner.invoke(app, ["plan", "--week", "2026-W49"]), "PARTAGENDA_SOLVER_TIME_LIMIT_S"
        )
        monkeypatch.delenv("PARTAGENDA_SOLVER_TIME_LIMIT_S")
        monkeypatch.setenv("PARTAGENDA_METRICS_TOKEN", "short-secret")
        get_settings.cache_clear()
        line = _one_line(runner.invoke(app, ["migrate"]), "PARTAGENDA_METRICS_TOKEN", "16")
        assert "short-secret" not in line  # a secret is never echoed, even a refused one
        monkeypatch.setenv("PARTAGENDA_METRICS_TOKEN", "x" * 16)
        monkeypatch.setenv("PARTAGENDA_METRICS_ADDRESS", "nope")
        get_settings.cache_clear()
        _one_line(runner.invoke(app, ["migrate"]), "PARTAGENDA_METRICS_ADDRESS", "hôte:port")
    finally:
        get_settings.cache_clear()


# --- Usage errors from click and settings errors from pydantic, in French ----------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["plan"], "partagenda: --week : option obligatoire manquante"),
        (["report", "--period", "2026-Q4"], "partagenda: CONTRACT : argument obligatoire manquant"),
        (["solve"], "partagenda: INSTANCE.json : argument obligatoire manquant"),
    ],
    ids=["option", "argument", "argument-metavar"],
)
def test_missing_option_or_argument_is_one_french_line(args: list[str], line: str) -> None:
    assert _one_line(runner.invoke(app, args)) == line


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["plan", "--wek", "2026-W49"],
            "partagenda: option inconnue : --wek (vouliez-vous dire --week ou --weeks ?)",
        ),
        (["plan", "--week", "2026-W49", "--zzz"], "partagenda: option inconnue : --zzz"),
        (["--bogus"], "partagenda: option inconnue : --bogus"),
        (["nosuchcmd"], "partagenda: commande inconnue : nosuchcmd"),
        (
            ["pln", "--week", "2026-W49"],
            "partagenda: commande inconnue : pln (vouliez-vous dire plan ?)",
        ),
    ],
    ids=["suggested", "unknown", "group-option", "command", "command-suggested"],
)
def test_unknown_option_or_command_is_one_french_line(args: list[str], line: str) -> None:
    assert _one_line(runner.invoke(app, args)) == line


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["plan", "--week", "2026-W49", "--time-limit", "abc"],
            "--time-limit : « abc » n'est pas un nombre",
        ),
        (
            ["plan", "--week", "2026-W49", "--weeks", "1.5"],
            "--weeks : « 1.5 » n'est pas un nombre entier",
        ),
        (
            ["solve", "x.json", "--time-limit", "9999"],
            "--time-limit : « 9999 » : doit être entre 0,1 et 3600",
        ),
        (["plan", "--week"], "--week : une valeur est attendue"),
        (
            ["plan", "--week", "2026-W49", "--deterministic=yes"],
            "--deterministic : cette option ne prend pas de valeur",
        ),
        (["plan", "--week", "2026-W49", "extra"], "argument(s) en trop : extra"),
    ],
    ids=["float", "int", "range", "no-value", "flag-value", "extra-argument"],
)
def test_bad_value_is_one_french_line_naming_the_option(args: list[str], line: str) -> None:
    assert _one_line(runner.invoke(app, args)) == f"partagenda: {line}"


def test_help_still_works_and_exits_0() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "plan" in result.stdout, result.output
    result = runner.invoke(app, ["plan", "--help"])
    assert result.exit_code == 0 and "--week" in result.stdout, result.output


class _Format(StrEnum):
    pdf = "pdf"
    csv = "csv"
    json = "json"


def _typed_app() -> typer.Typer:
    """A command with the parameter types the application's commands may come to use."""
    typed = typer.Typer(cls=OneLineErrors, add_completion=False, pretty_exceptions_enable=False)

    @typed.command()
    def run(
        fmt: Annotated[_Format, typer.Option("--format")] = _Format.pdf,
        kind: Annotated[Literal["a", "b"], typer.Option()] = "a",
        day: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
        source: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
        folder: Annotated[Path | None, typer.Option(exists=True, file_okay=False)] = None,
        text: Annotated[typer.FileText | None, typer.Option()] = None,
    ) -> None:
        """Accept everything valid."""

    @typed.command()
    def other() -> None:
        """A second command, so that `run` keeps its name."""

    return typed


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--format", "xls"], "--format : « xls » : valeurs possibles : pdf, csv, json"),
        (["--kind", "c"], "--kind : « c » : valeurs possibles : a, b"),
        (["--day", "30/11/2026"], "--day : « 30/11/2026 » n'est pas une date comme 2026-11-30"),
        (["--source", "{tmp}/absent.json"], "--source : fichier introuvable : {tmp}/absent.json"),
        (["--source", "{tmp}"], "--source : {tmp} est un dossier, pas un fichier"),
        (["--folder", "{tmp}/f.txt"], "--folder : {tmp}/f.txt est un fichier, pas un dossier"),
        (
            ["--text", "{tmp}/absent.txt"],
            "--text : ouverture impossible de {tmp}/absent.txt : fichier introuvable",
        ),
    ],
    ids=["enum", "literal", "date", "missing-file", "not-a-file", "not-a-dir", "file"],
)
def test_choice_date_and_path_errors_are_french(tmp_path: Path, args: list[str], line: str) -> None:
    (tmp_path / "f.txt").write_text("x")
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = runner.invoke(_typed_app(), ["run", *args])
    assert _one_line(result) == f"partagenda: {line.format(tmp=tmp_path)}"


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "SOLVER_TIME_LIMIT_S",
            "abc",
            "PARTAGENDA_SOLVER_TIME_LIMIT_S : « abc » n'est pas un nombre",
        ),
        (
            "SOLVER_TIME_LIMIT_S",
            "0",
            "PARTAGENDA_SOLVER_TIME_LIMIT_S : « 0 » : doit être supérieur à 0 et au plus 3600",
        ),
        ("PLAN_HOUR", "25", "PARTAGENDA_PLAN_HOUR : « 25 » : doit être entre 0 et 23"),
        ("PLAN_HOUR", "six", "PARTAGENDA_PLAN_HOUR : « six » n'est pas un nombre entier"),
        ("LOG_JSON", "peut-être", "PARTAGENDA_LOG_JSON : « peut-être » n'est pas un booléen"),
        (
            "TIMEZONE",
            "Mars/Olympus",
            "PARTAGENDA_TIMEZONE : « Mars/Olympus » : fuseau horaire inconnu",
        ),
        (
            "DATABASE_URL",
            "mysql://x",
            "PARTAGENDA_DATABASE_URL : « mysql://x » : doit être une URL",
        ),
        ("PLAN_DAY", "lundi", "PARTAGENDA_PLAN_DAY : « lundi » : jour inconnu"),
        (
            "REPORT_FORMATS",
            '["xls"]',
            "PARTAGENDA_REPORT_FORMATS : « ['xls'] » : format de rapport",
        ),
        ("REPORT_FORMATS", "pdf", "PARTAGENDA_REPORT_FORMATS : valeur illisible : une liste JSON"),
        (
            "PLAN_RUN_STALE_AFTER_S",
            "1",
            (
                "PARTAGENDA_PLAN_RUN_STALE_AFTER_S : doit valoir au moins 3 fois "
                "PARTAGENDA_PLAN_RUN_HEARTBEAT_S"
            ),
        ),
    ],
)
def test_bad_setting_is_one_french_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, line: str
) -> None:
    from scheduler.config import get_settings

    monkeypatch.setenv(f"PARTAGENDA_{variable}", value)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["plan", "--week", "2026-W49"])
    finally:
        get_settings.cache_clear()
    assert _one_line(result).startswith(f"partagenda: {line}")


def _first_error(adapter: TypeAdapter[Any], value: object) -> ErrorDetails:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return caught.value.errors()[0]


def test_other_pydantic_errors_are_french_or_quoted() -> None:
    literal = _first_error(TypeAdapter(Literal["pdf", "csv"]), "xls")
    assert pydantic_rule(literal) == "« xls » : valeurs possibles : 'pdf' or 'csv'"
    assert pydantic_rule(_first_error(TypeAdapter(AnyUrl), "pas une url")) == (
        "« pas une url » n'est pas une URL valide"
    )
    scheme = pydantic_rule(_first_error(TypeAdapter(HttpUrl), "ftp://x.fr"))
    assert scheme is not None and scheme.startswith("« ftp://x.fr » : schéma d'URL non admis")
    below = _first_error(TypeAdapter(Annotated[int, Field(ge=1)]), 0)
    assert pydantic_rule(below) == "« 0 » : doit être au moins égal à 1"
    missing: ErrorDetails = {
        "type": "missing",
        "loc": ("secret_key",),
        "msg": "Field required",
        "input": None,
    }
    assert settings_message(missing) == "PARTAGENDA_SECRET_KEY : valeur obligatoire manquante"
    odd: ErrorDetails = {
        "type": "string_pattern_mismatch",
        "loc": ("secret_key",),
        "msg": "String should match pattern '^x'",
        "input": "y",
    }
    assert settings_message(odd) == (
        "PARTAGENDA_SECRET_KEY : valeur refusée (String should match pattern '^x')"
    )


# --- Replacing an output file keeps its mode ---------------------------------------------------


def test_write_file_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_file(target, [b"new"])
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.csv"
    umask = os.umask(0o027)
    try:
        write_file(fresh, [b"x"])
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


def test_export_over_a_private_file_keeps_it_private(cli_db: str, tmp_path: Path) -> None:
    target = tmp_path / "national.csv"
    target.write_text("")
    target.chmod(0o600)
    result = runner.invoke(app, ["export-national", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_unlock_user_lifts_the_lock_or_exits_2_for_an_unknown_email(cli_db: str) -> None:
    from datetime import UTC, timedelta

    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from scheduler import models
    from scheduler.auth import account_key

    email = "coordination@val-de-moselle.example.fr"
    engine = create_engine(cli_db)
    try:
        with Session(engine) as session, session.begin():
            locked_until = datetime.now(UTC) + timedelta(minutes=15)
            session.add(
                models.SignInThrottle(
                    account_key=account_key(email), recent_failures=[], locked_until=locked_until
                )
            )
        _one_line(runner.invoke(app, ["unlock-user", "--email", "x@y.fr"]), "--email", "x@y.fr")
        result = runner.invoke(app, ["unlock-user", "--email", email.upper()])
        assert result.exit_code == 0, result.output
        assert f"Utilisateur débloqué : {email}" in result.output
        with Session(engine) as session:
            row = session.get(models.SignInThrottle, account_key(email))
            assert row is not None and row.locked_until is None and row.lock_count == 0
            audit = session.scalars(
                select(models.AuditLog).where(models.AuditLog.action == "unlock")
            ).one()
            assert audit.actor == "system" and audit.entity == "user"
    finally:
        engine.dispose()


def test_plan_lets_another_process_write_during_the_solve(
    cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`partagenda plan` holds no transaction while the solver works: another process writes
    meanwhile without waiting, and the draft is stored after (on SQLite a transaction held
    through the solve either kept that writer out or failed with "database is locked")."""
    import sqlite3

    from scheduler.planning import plan
    from solver import model as sm

    wrote: list[str] = []

    def solve_while_another_process_writes(*args: object, **kwargs: object) -> sm.Rota:
        other = sqlite3.connect(cli_db.removeprefix("sqlite:///"), timeout=1, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE cabinet SET name = name || ' (renommé)' WHERE id = 1")
            other.execute("COMMIT")
        finally:
            other.close()
        wrote.append("cabinet")
        return sm.Rota(status=sm.Status.UNKNOWN)

    monkeypatch.setattr(plan, "solve", solve_while_another_process_writes)
    before = _count(cli_db, "rota")  # the demo's delivered history
    result = runner.invoke(app, ["plan", "--week", "2026-W49", "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert wrote == ["cabinet"] and _count(cli_db, "rota") == before + 1


@pytest.mark.slow
def test_demo_plans_publishes_and_writes_every_artefact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's first command on a fresh SQLite file: the demo loaded, the coming week planned
    and published (one week rather than the two by default: each is some fifteen seconds of CPU),
    its rota, the feeds and the reports written, and the summary printed (after the session is
    closed: it once read a rota's assignments from a closed session)."""
    from scheduler.config import get_settings

    monkeypatch.setenv("PARTAGENDA_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("PARTAGENDA_OUTPUT_DIR", str(tmp_path / "out"))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["demo", "--weeks", "1", "--time-limit", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Plannings publiés" in result.output
    out_dir = tmp_path / "out"
    assert len(list(out_dir.glob("rota-*.json"))) == 1
    assert list((out_dir / "feeds").glob("*.ics"))
    assert list((out_dir / "reports").glob("*.pdf"))
    # The week planned, after every week since the first shipped one (shipped, or replayed once
    # the shipped ones are over).
    today = datetime.now(UTC).date()
    first = today + timedelta(days=7 - today.weekday())
    since = date.fromisoformat(history_data()["weeks"][0]["period_start"])
    assert _count(f"sqlite:///{tmp_path / 'demo.db'}", "rota") == (first - since).days // 7 + 1
