"""What the commands share: the settings, the database, the output files, weeks and groupements,
and the progress bar; each ends the command with one French line when it cannot do its part."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.cli.messages import (
    database_message,
    fail,
    os_reason,
    settings_message,
    stderr_console,
)
from solver import FIRST_YEAR, LAST_YEAR

# The database, the settings and Rich are imported where they are used: `solve` needs none.
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from scheduler import models
    from scheduler.config import Settings
    from solver import Progress as SolveProgress


def load_settings() -> Settings:
    """The settings, or one French line naming the first bad `PARTAGENDA_*` variable."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from scheduler.config import get_settings

    try:
        return get_settings()
    except ValidationError as error:
        more = f" (et {error.error_count() - 1} autre(s))" if error.error_count() > 1 else ""
        fail(f"{settings_message(error.errors()[0])}{more}")
    except SettingsError as error:
        # pydantic-settings could not even decode the value (a list that is not JSON).
        field = re.search(r'field "(\w+)"', str(error))
        name = f"PARTAGENDA_{field[1].upper()}" if field else "configuration"
        fail(
            f'{name} : valeur illisible : une liste JSON est attendue, par exemple ["pdf", "json"]'
        )


def checked_engine(settings: Settings, *, migrated: bool = True) -> Engine:
    """An engine on a database that answers (and, when `migrated`, has the schema)."""
    from sqlalchemy import inspect

    from scheduler import uow
    from scheduler.db import make_engine
    from scheduler.errors import DatabaseUnavailable

    try:
        engine = uow.engine_for(settings.database_url, make_engine)
    except ValueError as error:
        fail(f"PARTAGENDA_DATABASE_URL : URL illisible ({error})")
    where = safe_url(settings.database_url)  # readable: the engine was made from it
    has_schema = False

    def read_catalogue() -> None:
        nonlocal has_schema
        with engine.connect() as connection:
            has_schema = inspect(connection).has_table("alembic_version")

    refused = uow.refusal(read_catalogue)
    if refused is not None:
        engine.dispose()
        # Refused while connecting or reading the catalogue: a refusal the unit of work names
        # otherwise, or not at all (a file that is no database), leaves it as unusable.
        refusal = uow.translate(refused)
        if not isinstance(refusal, DatabaseUnavailable):
            refusal = DatabaseUnavailable()
        fail(database_message(refusal, where, refused))
    if migrated and not has_schema:
        engine.dispose()
        fail(
            f"PARTAGENDA_DATABASE_URL : la base {where} n'a pas de schéma : lancez partagenda migrate"
        )
    return engine


@contextmanager
def command_session(
    settings: Settings, fields: Mapping[str, str] | None = None
) -> Iterator[Session]:
    """A unit of work; a domain error ends the command with its message, naming the option
    (`fields` maps an error's field to the option that carries it), and a refusal of the
    database, as the unit of work translates it, with its one line."""
    from scheduler import uow
    from scheduler.db import make_session_factory
    from scheduler.errors import DatabaseRefusal, PartagendaError

    engine = checked_engine(settings)
    where = safe_url(settings.database_url)
    try:
        with uow.unit_of_work(make_session_factory(engine)) as session:
            yield session
    except DatabaseRefusal as refusal:
        fail(database_message(refusal, where, refusal.__cause__ or refusal))
    except PartagendaError as error:
        field = getattr(error, "field", None)
        if fields and isinstance(field, str) and field in fields:
            fail(f"{fields[field]} : {getattr(error, 'message', error)}")
        entity = getattr(error, "entity", None)
        if fields and isinstance(entity, str) and entity in fields:
            fail(f"{fields[entity]} : {error}")
        fail(str(error))
    except Exception as error:
        translated = uow.translate(error)
        if translated is None:
            raise  # not the database's refusal: a bug, with its traceback
        fail(database_message(translated, where, error))
    finally:
        engine.dispose()


_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.IGNORECASE)


def parse_week(value: str) -> date:
    """The Monday of an ISO week written `2026-W49`."""
    match = _WEEK.fullmatch(value.strip())
    if match is None:
        fail(f"--week : « {value} » n'est pas une semaine ISO comme 2026-W49")
    year, week = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        fail(f"--week : « {value} » : année hors de {FIRST_YEAR} à {LAST_YEAR}")
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        fail(f"--week : « {value} » : l'année {year} n'a pas de semaine {week}")


def parse_day(value: str, option: str) -> date:
    """A date written `2026-12-07`."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} : « {value} » n'est pas une date comme 2026-12-07")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        fail(f"{option} : « {value} » : année hors de {FIRST_YEAR} à {LAST_YEAR}")
    return day


def is_special_file(path: Path) -> bool:
    """True for an existing path that is not a regular file: a device (`/dev/null`), a pipe."""
    return _special_file(path)


def _special_file(path: Path) -> bool:
    """True for an existing path that is not a regular file: a device (`/dev/null`), a pipe."""
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not path.is_dir()
    except OSError:
        return False


def check_output(path: Path | None, option: str = "--output") -> None:
    """Refuse, before any work, an output path that cannot be written."""
    if path is None:
        return
    if path.is_dir():
        fail(f"{option} : {path} est un dossier, pas un fichier")
    if _special_file(path):
        if not os.access(path, os.W_OK):
            fail(f"{option} : pas le droit d'écrire {path}")
        return
    if not path.parent.is_dir():
        fail(f"{option} : le dossier {path.parent} n'existe pas")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(f"{option} : pas le droit d'écrire {path}")


def write_file(path: Path, chunks: Iterable[bytes], option: str = "--output") -> None:
    """Write `path` whole or not at all: into a temporary file beside it, renamed at the end.

    A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written to directly: renaming
    over it would replace it with a regular file. A link is written through, to the file it names
    (`-o /dev/stdout` with stdout sent to a file links to that file): the link itself stays."""
    if _special_file(path):
        try:
            with path.open("wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
        except OSError as error:
            fail(f"{option} : écriture impossible de {path} : {os_reason(error)}")
        return
    path = Path(os.path.realpath(path))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
        try:
            # Replacing a file keeps its mode: a 0600 export must not come back 0644.
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        fail(f"{option} : écriture impossible de {path} : {os_reason(error)}")
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def find_groupement(session: Session, slug: str | None) -> models.Groupement:
    from sqlalchemy import select

    from scheduler import models

    query = select(models.Groupement).order_by(models.Groupement.id)
    if slug is not None:
        query = query.where(models.Groupement.slug == slug)
    groupement = session.scalars(query).first()
    if groupement is None:
        fail(
            f"--groupement : aucun groupement « {slug} » dans la base"
            if slug
            else "aucun groupement dans la base : lancez partagenda load-demo"
        )
    return groupement


@contextmanager
def progress_bar(
    enabled: bool, time_limit: float
) -> Iterator[Callable[[SolveProgress], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]Résolution"),
        BarColumn(),
        TextColumn("{task.fields[figures]}"),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
    ) as bar:
        task = bar.add_task("solve", total=time_limit, figures="")

        def report(progress: SolveProgress) -> None:
            gap = abs(progress.best_objective - progress.bound) / max(
                1.0, abs(progress.best_objective)
            )
            bar.update(
                task,
                completed=min(progress.elapsed_s, time_limit),
                figures=f"objectif {progress.best_objective:.0f}, borne {progress.bound:.0f}, écart {gap:.1%}",
            )

        yield report


def migrate_database(settings: Settings) -> None:
    """Bring the database to the latest schema, once it answers."""
    from scheduler.migrations import upgrade_to_head

    checked_engine(settings, migrated=False).dispose()
    upgrade_to_head(settings.database_url)


def safe_url(url: str) -> str:
    """The database URL to show: its password hidden."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)
