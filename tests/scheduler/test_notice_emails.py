"""Change notices that reach people, against a real SMTP server (aiosmtpd on 127.0.0.1).

Rules under test: a publication whose changes fall inside the notice window writes one e-mail
per assistant and per cabinet concerned to the outbox, in its own transaction (a publication
rolled back or refused writes none; changes outside the window write none); the sending job
delivers them with the right recipients, subject and French body; a recipient the server refuses
is retried with a growing wait, then marked failed with the server's answer; a recipient with no
address is failed at once with its reason and never tried; an unreachable server counts an
attempt; nothing is sent while no SMTP server is configured. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import email
import email.policy
import shutil
import smtplib
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models
from scheduler.config import Settings
from scheduler.db import make_engine, make_session_factory
from scheduler.errors import NoticeRequired
from scheduler.jobs import JobContext, send_notice_emails
from scheduler.locks import job_lock
from scheduler.migrations import upgrade_to_head
from scheduler.notices import SEND_NOTICE_EMAILS, send_due_notices
from scheduler.notices.delivery import connect_smtp
from scheduler.planning import MoveAssignment, edit_rota, publish_rota
from scheduler.uow import unit_of_work
from tests.conftest import DATABASES, fresh_database_url, missing_tool
from tests.live import free_port
from tests.scheduler.planning_world import EARLY, LATE, Mini, make_mini, plan

REFUSED = "refuse@example.fr"
CABINET_MAIL = "secretariat@cabinet-a.fr"
ASSISTANT_MAIL = "x.martin@example.fr"


@dataclass
class Inbox:
    """What the aiosmtpd handler received: each delivered message and every RCPT asked."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    rcpt: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        self.rcpt.append(address)
        if address == REFUSED:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpts, message in self.messages if address in rcpts]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class World:
    ctx: JobContext
    factory: sessionmaker[Session]
    ids: dict[str, int]


def _settings(url: str, tmp_path: Path, port: int | None, **extra: Any) -> Settings:
    return Settings(
        database_url=url,
        output_dir=tmp_path / "out",
        smtp_host="127.0.0.1" if port is not None else None,
        smtp_port=port or 25,
        smtp_sender="Partagenda <planning@ge-test.fr>",
        smtp_timeout_s=10,
        mail_max_attempts=3,
        mail_retry_base_s=60,
        **extra,
    )


@pytest.fixture(params=DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path: Path, smtp: tuple[Inbox, int]
) -> Iterator[World]:
    """A fresh, migrated database with the tiny groupement, its first week published early."""
    kind: str = request.param
    url = fresh_database_url(kind, "notices", tmp_path)
    upgrade_to_head(url)
    engine = make_engine(url)
    ctx = JobContext(_settings(url, tmp_path, smtp[1]), engine, make_session_factory(engine))
    with unit_of_work(ctx.factory) as session:
        mini = make_mini(session, "ntc")
        mini.cabinets["a"].contact_email = CABINET_MAIL
        mini.assistants["x"].email = ASSISTANT_MAIL
        first = plan(session, mini)
        publish_rota(session, first.id, actor=mini.users["coordinator"], now=EARLY)
        ids = {
            "groupement": mini.groupement.id,
            "a": mini.cabinets["a"].id,
            "b": mini.cabinets["b"].id,
            "x": mini.assistants["x"].id,
            "y": mini.assistants["y"].id,
            "coordinator": mini.users["coordinator"].id,
        }
    yield World(ctx, ctx.factory, ids)
    ctx.engine.dispose()


def _replan_moving_x(session: Session, world: World, *, now: Any = LATE) -> models.Rota:
    """A new draft in which x's first assignment starts and ends 15 minutes later."""
    groupement = session.get(models.Groupement, world.ids["groupement"])
    assert groupement is not None
    mini = Mini(groupement, {}, {}, {})
    draft = plan(session, mini, now=now)
    row = min(
        (a for a in draft.assignments if a.assistant_id == world.ids["x"]),
        key=lambda a: a.start_at,
    )
    delta = timedelta(minutes=15)
    edit_rota(
        session,
        draft.id,
        MoveAssignment(row.id, start=row.start_at + delta, end=row.end_at + delta),
        actor=None,
    )
    return draft


def _publish_late(world: World, *, reason: str = "Rendez-vous médical") -> int:
    with unit_of_work(world.factory) as session:
        draft = _replan_moving_x(session, world)
        coordinator = session.get(models.User, world.ids["coordinator"])
        publish_rota(session, draft.id, actor=coordinator, acknowledged_reason=reason, now=LATE)
        return draft.id


def _outbox(world: World) -> list[models.NoticeEmail]:
    with world.factory() as session:
        return list(session.scalars(select(models.NoticeEmail).order_by(models.NoticeEmail.id)))


def _set(world: World, model: type[Any], key: int, **values: Any) -> None:
    with unit_of_work(world.factory) as session:
        row = session.get(model, key)
        for name, value in values.items():
            setattr(row, name, value)


def test_a_publication_inside_the_window_stages_then_sends_french_notices(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    rota_id = _publish_late(world)

    rows = _outbox(world)
    assert [(r.audience, r.recipient, r.state, r.attempts) for r in rows] == [
        (models.EmailAudience.ASSISTANT, ASSISTANT_MAIL, models.EmailState.PENDING, 0),
        (models.EmailAudience.CABINET, CABINET_MAIL, models.EmailState.PENDING, 0),
    ]
    assert all(r.rota_id == rota_id and r.notice_ids for r in rows)
    assert inbox.messages == []  # nothing leaves before the jobs process sends it

    done = send_notice_emails(world.ctx, now=LATE)
    assert sorted(done.sent) == [r.id for r in rows] and not done.failed and not done.retried

    (to_x,) = inbox.to(ASSISTANT_MAIL)
    (to_a,) = inbox.to(CABINET_MAIL)
    assert len(inbox.messages) == 2
    assert to_x["From"] == "Partagenda <planning@ge-test.fr>"
    assert to_x["To"] == ASSISTANT_MAIL
    assert to_x["Message-ID"].endswith("@ge-test.fr>") and to_x["Content-Language"] == "fr"
    assert to_x["Subject"] == "Changement de votre planning — semaine du lundi 7 juin 2027"
    assert to_a["Subject"] == (
        "Changement des présences de l'assistante au cabinet Cabinet ntc-a — "
        "semaine du lundi 7 juin 2027"
    )
    body_x = to_x.get_body(("plain",))
    assert body_x is not None
    text_x = body_x.get_content()
    assert text_x.startswith("Bonjour Ntc-X Martin,")
    assert "moins de 15 jours avant les dates concernées" in text_x
    # The first slot of the week, 15 minutes later, with the cabinet named before and after.
    line = next(t for t in text_x.splitlines() if t.startswith("- "))
    assert line.startswith("- lundi 7 juin 2027 — avant : ")
    assert "au cabinet Cabinet ntc-a ; après : " in line
    assert "Motif donné par la coordination : Rendez-vous médical" in text_x
    assert "Mon planning" in text_x
    html_x = to_x.get_body(("html",))
    assert html_x is not None and "<li>lundi 7 juin 2027 — avant : " in html_x.get_content()
    body_a = to_a.get_body(("plain",))
    assert body_a is not None
    assert "- lundi 7 juin 2027 — Ntc-X Martin, avant : " in body_a.get_content()

    sent = _outbox(world)
    assert all(r.state is models.EmailState.SENT and r.attempts == 1 for r in sent)
    assert all(r.sent_at == LATE and r.last_error is None for r in sent)
    # A second run sends nothing again.
    assert send_notice_emails(world.ctx, now=LATE + timedelta(hours=1)).sent == []
    assert len(inbox.messages) == 2


def test_a_refused_recipient_is_retried_with_a_growing_wait_then_failed(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    _set(world, models.Assistant, world.ids["x"], email=REFUSED)
    _publish_late(world)

    first = send_notice_emails(world.ctx, now=LATE)
    assert len(first.sent) == 1 and len(first.retried) == 1  # the cabinet's went through
    (refused,) = [r for r in _outbox(world) if r.recipient == REFUSED]
    assert refused.state is models.EmailState.PENDING and refused.attempts == 1
    assert refused.next_attempt_at == LATE + timedelta(seconds=60)
    assert refused.last_error is not None and "550" in refused.last_error

    # Not due yet: nothing is tried.
    assert send_notice_emails(world.ctx, now=LATE + timedelta(seconds=59)).retried == []
    assert inbox.rcpt.count(REFUSED) == 1
    second = send_notice_emails(world.ctx, now=LATE + timedelta(seconds=60))
    assert second.retried == [refused.id]
    again = next(r for r in _outbox(world) if r.id == refused.id)
    assert again.attempts == 2
    # The wait doubles: 120 s after the second attempt.
    assert again.next_attempt_at == LATE + timedelta(seconds=180)
    assert send_notice_emails(world.ctx, now=LATE + timedelta(seconds=179)).failed == []
    third = send_notice_emails(world.ctx, now=LATE + timedelta(seconds=180))
    assert third.failed == [refused.id]

    failed = next(r for r in _outbox(world) if r.id == refused.id)
    assert failed.state is models.EmailState.FAILED and failed.attempts == 3
    assert failed.last_error == (f"{REFUSED} refusé par le serveur : 550 5.1.1 Mailbox unavailable")
    assert inbox.rcpt.count(REFUSED) == 3 and inbox.to(REFUSED) == []
    # Failed for good: never tried again.
    send_notice_emails(world.ctx, now=LATE + timedelta(days=1))
    assert inbox.rcpt.count(REFUSED) == 3


def test_a_recipient_without_an_address_is_failed_at_once_with_its_reason(
    world: World, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    _set(world, models.Cabinet, world.ids["a"], contact_email=None)
    _publish_late(world)

    cabinet_row = next(r for r in _outbox(world) if r.audience is models.EmailAudience.CABINET)
    assert cabinet_row.state is models.EmailState.FAILED and cabinet_row.attempts == 0
    assert cabinet_row.recipient is None
    assert cabinet_row.last_error == "le cabinet Cabinet ntc-a n'a pas d'adresse e-mail de contact"

    done = send_notice_emails(world.ctx, now=LATE)
    assert cabinet_row.id not in done.sent + done.retried + done.failed
    assert [rcpts for rcpts, _ in inbox.messages] == [[ASSISTANT_MAIL]]


def test_a_rolled_back_publication_leaves_no_outbox_row(world: World) -> None:
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), unit_of_work(world.factory) as session:
        draft = _replan_moving_x(session, world)
        publish_rota(session, draft.id, actor=None, acknowledged_reason="Motif", now=LATE)
        assert session.scalar(select(func.count(models.NoticeEmail.id))) == 2  # staged...
        raise Abandoned
    assert _outbox(world) == []  # ...and gone with the publication

    # Refused for want of a reason: nothing either.
    with unit_of_work(world.factory) as session:
        draft = _replan_moving_x(session, world)
        draft_id = draft.id
    with pytest.raises(NoticeRequired), unit_of_work(world.factory) as session:
        publish_rota(session, draft_id, actor=None, now=LATE)
    assert _outbox(world) == []


def test_changes_outside_the_window_send_no_e_mail(world: World) -> None:
    with unit_of_work(world.factory) as session:
        draft = _replan_moving_x(session, world, now=EARLY)
        publish_rota(session, draft.id, actor=None, now=EARLY)
    with world.factory() as session:
        notices = session.scalars(select(models.ChangeNotice)).all()
        assert notices and not any(n.within_notice for n in notices)
    assert _outbox(world) == []


def test_an_unreachable_server_counts_an_attempt_and_no_server_sends_nothing(
    world: World, tmp_path: Path
) -> None:
    _publish_late(world)
    url = world.ctx.settings.database_url
    closed = free_port()  # nothing listens there
    world.ctx.settings = _settings(url, tmp_path, closed)
    tries: list[int] = []

    def connect(settings: Settings) -> smtplib.SMTP:
        tries.append(settings.smtp_port)
        return connect_smtp(settings)

    done = send_due_notices(
        world.ctx.engine, world.factory, world.ctx.settings, now=LATE, connect=connect
    )
    assert len(done.retried) == 2
    assert tries == [closed]  # one connection tried for the run, not one per message
    rows = _outbox(world)
    assert all(r.attempts == 1 and r.state is models.EmailState.PENDING for r in rows)
    assert all("serveur d'envoi injoignable" in (r.last_error or "") for r in rows)

    world.ctx.settings = _settings(url, tmp_path, None)
    done = send_notice_emails(world.ctx, now=LATE + timedelta(days=1))
    assert done.skipped == "disabled" and done.sent == done.retried == done.failed == []
    assert all(r.attempts == 1 for r in _outbox(world))


def _authenticator(
    _server: Any, _session: Any, _envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"planning",
        b"secret-smtp",
    )
    return AuthResult(success=ok, handled=False)


# A login without TLS, on 127.0.0.1 only, to test the login itself; aiosmtpd warns of both.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("password", "sent"), [("secret-smtp", True), ("wrong", False)])
def test_the_sender_logs_in_when_the_settings_name_an_account(
    world: World, tmp_path: Path, password: str, sent: bool
) -> None:
    _publish_late(world)
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        world.ctx.settings = _settings(
            world.ctx.settings.database_url,
            tmp_path,
            port,
            smtp_username="planning",
            smtp_password=password,
        )
        done = send_notice_emails(world.ctx, now=LATE)
    finally:
        controller.stop()
    if sent:
        assert len(done.sent) == 2 and len(inbox.messages) == 2
    else:
        assert done.sent == [] and len(done.retried) == 2 and inbox.messages == []
        assert all("535" in (r.last_error or "") for r in _outbox(world))


def test_the_smtp_settings_are_checked() -> None:
    # docker-compose passes unset variables on as empty strings: unset, not an empty host.
    assert Settings(smtp_host="", smtp_username="", smtp_password="").smtp_host is None
    with pytest.raises(ValueError, match="smtp_sender must be an e-mail address"):
        Settings(smtp_sender="Partagenda")
    with pytest.raises(ValueError, match="smtp_sender must be an e-mail address"):
        Settings(smtp_sender="a@b.fr\r\nBcc: x@y.fr")
    with pytest.raises(ValueError, match="set both or neither"):
        Settings(smtp_username="planning")
    assert Settings(mail_max_attempts=1).mail_max_attempts == 1
    with pytest.raises(ValueError, match="mail_max_attempts"):
        Settings(mail_max_attempts=0)
    with pytest.raises(ValueError, match="smtp_port"):
        Settings(smtp_port=65536)
    with pytest.raises(ValueError, match="is not a file"):
        Settings(smtp_ca_file="/nonexistent/ca.pem")
    assert Settings(smtp_ca_file="").smtp_ca_file is None


def test_two_senders_never_send_at_once(world: World, smtp: tuple[Inbox, int]) -> None:
    inbox, _ = smtp
    _publish_late(world)
    with job_lock(world.ctx.engine, f"job-{SEND_NOTICE_EMAILS}") as held:
        assert held
        done = send_notice_emails(world.ctx, now=LATE)
    assert done.skipped == "locked" and done.sent == [] and inbox.messages == []
    assert all(r.attempts == 0 for r in _outbox(world))
    assert len(send_notice_emails(world.ctx, now=LATE).sent) == 2


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl)."""
    if shutil.which("openssl") is None:
        missing_tool("openssl is absent: no certificate for the STARTTLS test")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize(
    ("starttls", "trusted", "sent", "error"),
    [
        (True, True, True, None),
        (False, True, False, "530"),  # the server asks for STARTTLS first
        (True, False, False, "CERTIFICATE_VERIFY_FAILED"),  # a certificate nobody vouches for
    ],
)
def test_the_sender_upgrades_to_tls_and_checks_the_certificate(
    world: World,
    tmp_path: Path,
    certificate: tuple[Path, Path],
    starttls: bool,
    trusted: bool,
    sent: bool,
    error: str | None,
) -> None:
    _publish_late(world)
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        world.ctx.settings = _settings(
            world.ctx.settings.database_url,
            tmp_path,
            port,
            smtp_starttls=starttls,
            smtp_ca_file=cert if trusted else None,
        )
        done = send_notice_emails(world.ctx, now=LATE)
    finally:
        controller.stop()
    if sent:
        assert len(done.sent) == 2 and len(inbox.messages) == 2
    else:
        assert error is not None
        assert done.sent == [] and len(done.retried) == 2 and inbox.messages == []
        assert all(error in (r.last_error or "") for r in _outbox(world))
