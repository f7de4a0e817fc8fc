"""CSV imports previewed before they are stored (scheduler/services/import_previews.py): the preview
keeps the checked rows for 30 minutes, the confirm imports them all or none, only while the
stored rows are those the preview saw, once, for its uploader only; expired previews are purged."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models
from scheduler.db import make_engine, make_session_factory
from scheduler.errors import Forbidden, ImportPreviewOutdated, ImportRejected, NotFound
from scheduler.jobs import JobContext, purge_expired_records
from scheduler.migrations import downgrade_to, upgrade_to_head
from scheduler.services import import_previews
from scheduler.services.import_previews import PREVIEW_VALID, Kind
from scheduler.uow import unit_of_work
from tests.api.factories import World, api_settings, make_world
from tests.conftest import DATABASES, fresh_database_url

T = TypeVar("T")
OURS_1, OURS_2 = "10198864158", "10830776943"  # Luhn-valid RPPS
STATEMENTS = (
    "rpps;date;pmt;file_active;source\n"
    f"{OURS_1};2026-04-01;812;1304;CPAM 57\n"
    f"{OURS_2};2026-04-01;640;990;CPAM 57\n"
)
DOCTORS = (
    "department;rpps;quarter;pmt;file_active;source\n57;10547879162;2026-Q1;1012;1630;CPAM 57\n"
)
SERIES = "department;quarter;pmt;file_active;doctors;source\n57;2026-T1;905,5;1402,25;212;DCIR\n"
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _doctors(session: Session, world: World) -> tuple[models.Doctor, models.Doctor]:
    first, second = world.doctors
    first.rpps, second.rpps = OURS_1, OURS_2
    session.flush()
    return first, second


@pytest.fixture
def world(session: Session) -> World:
    made = make_world(session, "apercu")
    _doctors(session, made)
    return made


def _count(session: Session, model: type[models.Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_preview_shows_the_rows_and_stores_none_of_them(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    row = import_previews.preview(
        session, coordinator, Kind.PATIENTELE, STATEMENTS, file_name="t2.csv", now=T0
    )
    assert row.row_count == 2
    assert [r["rpps"] for r in row.rows] == [OURS_1, OURS_2]
    assert row.rows[0]["doctor"] == "Jeanne Roux" and row.rows[0]["pmt"] == 812
    assert row.expires_at == T0 + timedelta(minutes=30)
    assert _count(session, models.PatienteleSnapshot) == 0


def test_a_bad_line_refuses_the_preview_by_line_field_and_rule(
    session: Session, world: World
) -> None:
    bad = STATEMENTS + f"{OURS_1};2026-13-01;-4;12;CPAM 57\n"
    with pytest.raises(ImportRejected) as refused:
        import_previews.preview(session, world.users["coordinator"], Kind.PATIENTELE, bad, now=T0)
    assert [(line, column, rule) for line, column, rule, _ in refused.value.errors] == [
        (4, "date", "date_format"),
        (4, "pmt", "non_negative"),
    ]
    assert "AAAA-MM-JJ" in refused.value.errors[0][3]
    assert _count(session, models.ImportPreview) == 0


def test_confirm_imports_every_row_once(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    row = import_previews.preview(session, coordinator, Kind.PATIENTELE, STATEMENTS, now=T0)
    assert import_previews.confirm(session, coordinator, Kind.PATIENTELE, row.key, now=T0) == 2
    assert _count(session, models.PatienteleSnapshot) == 2
    assert _count(session, models.ImportPreview) == 0
    with pytest.raises(NotFound):
        import_previews.confirm(session, coordinator, Kind.PATIENTELE, row.key, now=T0)
    assert _count(session, models.PatienteleSnapshot) == 2


@pytest.mark.parametrize(
    ("after", "imported"),
    [
        (PREVIEW_VALID - timedelta(seconds=1), True),
        (PREVIEW_VALID, False),
        (PREVIEW_VALID + timedelta(seconds=1), False),
    ],
    ids=["1s-before-30min", "at-30min", "1s-after-30min"],
)
def test_a_preview_is_confirmed_within_30_minutes_only(
    session: Session, world: World, after: timedelta, imported: bool
) -> None:
    coordinator = world.users["coordinator"]
    row = import_previews.preview(session, coordinator, Kind.PATIENTELE, STATEMENTS, now=T0)
    if imported:
        assert import_previews.get(session, coordinator, Kind.PATIENTELE, row.key, now=T0 + after)
        count = import_previews.confirm(
            session, coordinator, Kind.PATIENTELE, row.key, now=T0 + after
        )
        assert count == 2
    else:
        with pytest.raises(NotFound):
            import_previews.get(session, coordinator, Kind.PATIENTELE, row.key, now=T0 + after)
        with pytest.raises(NotFound):
            import_previews.confirm(session, coordinator, Kind.PATIENTELE, row.key, now=T0 + after)
    assert _count(session, models.PatienteleSnapshot) == (2 if imported else 0)


def test_data_changed_since_the_preview_refuses_the_confirm(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    row = import_previews.preview(session, coordinator, Kind.PATIENTELE, STATEMENTS, now=T0)
    # Another statement of a doctor the file names, entered meanwhile (another date).
    session.add(
        models.PatienteleSnapshot(
            doctor_id=world.doctors[0].id,
            snapshot_date=date(2026, 1, 1),
            pmt=800,
            file_active=1300,
            source="saisie",
        )
    )
    session.flush()
    with pytest.raises(ImportPreviewOutdated, match="ont changé depuis l'aperçu"):
        import_previews.confirm(session, coordinator, Kind.PATIENTELE, row.key, now=T0)
    assert _count(session, models.PatienteleSnapshot) == 1
    # The stale preview is forgotten: the file is to be previewed again.
    assert _count(session, models.ImportPreview) == 0


def test_a_statement_of_another_doctor_leaves_the_preview_valid(
    session: Session, world: World
) -> None:
    coordinator = world.users["coordinator"]
    only_first = STATEMENTS.rsplit("\n", 2)[0] + "\n"
    row = import_previews.preview(session, coordinator, Kind.PATIENTELE, only_first, now=T0)
    session.add(
        models.PatienteleSnapshot(
            doctor_id=world.doctors[1].id,
            snapshot_date=date(2026, 1, 1),
            pmt=1,
            file_active=1,
            source="saisie",
        )
    )
    session.flush()
    assert import_previews.confirm(session, coordinator, Kind.PATIENTELE, row.key, now=T0) == 1


def test_another_users_or_groupements_preview_answers_as_missing(
    session: Session, world: World
) -> None:
    row = import_previews.preview(
        session, world.users["coordinator"], Kind.PATIENTELE, STATEMENTS, now=T0
    )
    other_world = make_world(session, "ailleurs")
    colleague = models.User(
        groupement_id=world.groupement.id,
        email="coord2@apercu.fr",
        full_name="Autre coordinatrice",
        password_hash="x",
        role=models.Role.COORDINATOR,
    )
    session.add(colleague)
    session.flush()
    for someone in (colleague, other_world.users["coordinator"]):
        with pytest.raises(NotFound) as missing:
            import_previews.confirm(session, someone, Kind.PATIENTELE, row.key, now=T0)
        assert str(missing.value) == f"aperçu d'import {row.key} introuvable"
    # Nor under another kind of import, nor an id that exists nowhere.
    with pytest.raises(NotFound):
        import_previews.get(session, world.users["national"], Kind.REFERENCE_SERIES, row.key)
    with pytest.raises(NotFound):
        import_previews.get(session, world.users["coordinator"], Kind.PATIENTELE, "inconnu")
    assert _count(session, models.PatienteleSnapshot) == 0
    assert _count(session, models.ImportPreview) == 1


def test_only_the_coordinator_previews_statements(session: Session, world: World) -> None:
    for role in ("cabinet", "assistant", "auditor", "national"):
        with pytest.raises(Forbidden):
            import_previews.preview(session, world.users[role], Kind.PATIENTELE, STATEMENTS)


def test_reference_imports_are_previewed_and_confirmed_the_same_way(
    session: Session, world: World
) -> None:
    auditor = world.users["auditor"]  # granted the first contract, whose members are in 57
    doctors = import_previews.preview(session, auditor, Kind.REFERENCE_DOCTORS, DOCTORS, now=T0)
    series = import_previews.preview(session, auditor, Kind.REFERENCE_SERIES, SERIES, now=T0)
    assert doctors.rows == [
        {
            "department": "57",
            "rpps": "10547879162",
            "quarter": "2026-T1",
            "pmt": 1012,
            "file_active": 1630,
            "source": "CPAM 57",
        }
    ]
    assert series.rows[0]["pmt"] == "905.50"
    assert _count(session, models.ReferenceStatement) == 0
    with pytest.raises(Forbidden):
        import_previews.preview(session, world.users["coordinator"], Kind.REFERENCE_SERIES, SERIES)
    with pytest.raises(ImportRejected) as refused:
        import_previews.preview(
            session, auditor, Kind.REFERENCE_SERIES, SERIES.replace("\n57;", "\n54;")
        )
    assert refused.value.errors[0][1:3] == ("department", "not_granted")
    assert (
        import_previews.confirm(session, auditor, Kind.REFERENCE_DOCTORS, doctors.key, now=T0) == 1
    )
    # A series of the département entered meanwhile: the series' preview is stale.
    import_previews.confirm(
        session,
        world.users["national"],
        Kind.REFERENCE_SERIES,
        import_previews.preview(
            session,
            world.users["national"],
            Kind.REFERENCE_SERIES,
            SERIES.replace("T1", "T2"),
            now=T0,
        ).key,
        now=T0,
    )
    with pytest.raises(ImportPreviewOutdated):
        import_previews.confirm(session, auditor, Kind.REFERENCE_SERIES, series.key, now=T0)
    assert _count(session, models.ReferenceSeries) == 1


def test_expired_previews_are_purged_on_access_and_by_the_jobs_process(
    session: Session, world: World
) -> None:
    coordinator = world.users["coordinator"]
    old = import_previews.preview(session, coordinator, Kind.PATIENTELE, STATEMENTS, now=T0)
    import_previews.preview(
        session, coordinator, Kind.PATIENTELE, STATEMENTS, now=T0 + PREVIEW_VALID
    )
    left = session.scalars(select(models.ImportPreview.key)).all()
    assert old.key not in left and len(left) == 1
    # Just before its end, the job keeps it; at its end, the job deletes it.
    assert import_previews.purge_expired(session, now=T0 + 2 * PREVIEW_VALID - timedelta(0, 1)) == 0
    assert import_previews.purge_expired(session, now=T0 + 2 * PREVIEW_VALID) == 1


# --- On a committed database: the job, two confirms at once, the migration ---------------------


@dataclass(frozen=True)
class Committed:
    factory: sessionmaker[Session]
    coordinator_id: int
    url: str


@pytest.fixture(scope="module", params=DATABASES)
def committed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Committed]:
    url = fresh_database_url(request.param, "previews", tmp_path_factory.mktemp("previews"))
    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        made = make_world(session, "course")
        _doctors(session, made)
        coordinator_id = made.users["coordinator"].id
    yield Committed(factory, coordinator_id, url)
    engine.dispose()


def _all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    barrier = threading.Barrier(count)

    def released(i: int) -> T:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(released, range(count), timeout=120))


def test_two_confirms_of_one_preview_at_once_import_it_once(committed: Committed) -> None:
    with unit_of_work(committed.factory) as session:
        coordinator = session.get(models.User, committed.coordinator_id)
        assert coordinator is not None
        preview_key = import_previews.preview(session, coordinator, Kind.PATIENTELE, STATEMENTS).key

    def confirm(_: int) -> str:
        with committed.factory() as session:
            user = session.get(models.User, committed.coordinator_id)
            assert user is not None
            try:
                return str(import_previews.confirm(session, user, Kind.PATIENTELE, preview_key))
            except NotFound:
                return "missing"

    assert sorted(_all_at_once(2, confirm)) == ["2", "missing"]
    with committed.factory() as session:
        assert _count(session, models.PatienteleSnapshot) == 2
        assert _count(session, models.ImportPreview) == 0


def test_the_purge_job_deletes_expired_previews(committed: Committed) -> None:
    moment = datetime(2031, 1, 6, 9, tzinfo=UTC)
    with unit_of_work(committed.factory) as session:
        coordinator = session.get(models.User, committed.coordinator_id)
        assert coordinator is not None
        other = STATEMENTS.replace("2026-04-01", "2026-07-01")
        kept = import_previews.preview(session, coordinator, Kind.PATIENTELE, other, now=moment)
        gone = import_previews.preview(
            session, coordinator, Kind.PATIENTELE, other, now=moment - PREVIEW_VALID
        )
        kept_key, gone_key = kept.key, gone.key
    engine = committed.factory.kw["bind"]
    ctx = JobContext(engine=engine, factory=committed.factory, settings=api_settings())
    purge_expired_records(ctx, now=moment)
    with committed.factory() as session:
        left = session.scalars(select(models.ImportPreview.key)).all()
        assert gone_key not in left and kept_key in left


@pytest.mark.parametrize("kind", DATABASES)
def test_the_preview_table_migrates_down_and_up(kind: str, tmp_path: Path) -> None:
    url = fresh_database_url(kind, "preview_migration", tmp_path)
    upgrade_to_head(url)
    downgrade_to(url, "c3d9e1f4a6b2")
    engine = make_engine(url)
    assert "import_preview" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade_to_head(url)
    engine = make_engine(url)
    assert "import_preview" in inspect(engine).get_table_names()
    engine.dispose()
