"""The command line: `partagenda solve` exits 0 with a rota, 1 when infeasible (explanation on
stderr and in the JSON), 2 on invalid input with one readable line naming the field, never a
traceback; the other commands refuse bad options the same way."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
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


def test_usage_error_is_one_line_naming_the_option() -> None:
    result = runner.invoke(app, ["plan", "--week", "2026-W49", "--weeks", "0"])
    _one_line(result, "--weeks", "greater than or equal to 1")
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
    result = runner.invoke(app, [*base, "--email", "pas-une-adresse", "--password", "x" * 12])
    _one_line(result, "--email", "pas-une-adresse")
    result = runner.invoke(
        app,
        ["create-coordinator", "--groupement", "nope", "--name", "C", "--email", "c@d.fr"]
        + ["--password", "x" * 12],
    )
    _one_line(result, "--groupement", "nope")
    assert _count(cli_db, "app_user") == before


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
    finally:
        get_settings.cache_clear()
