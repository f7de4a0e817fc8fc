"""Sending the outboxes (change notices, `NoticeEmail`; invitations, `UserInvitation`) over
SMTP, from the jobs process only.

The standard library's `smtplib` and `email` do all of it (one connection per batch, STARTTLS
and login when the settings ask, a plain-text message with its HTML alternative): no library of
ours to keep, nothing a wrapper would add for one message type.

Each due row (`pending`, `next_attempt_at` reached) is tried in turn, and its outcome committed
in a unit of work of its own (`scheduler.uow`), so a crash loses at most the outcome of the row
being sent (it is then sent again: at least once, never silently lost). A failure of any kind
(a refused recipient, a server that hangs up or cannot be reached) counts an attempt; the next
one waits `mail_retry_base_s` doubled at each failure; after `mail_max_attempts` the row is
`failed`, with the server's last answer as its reason.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import models, uow
from scheduler.config import Settings
from scheduler.locks import job_lock
from scheduler.notices.invitation_mail import invitation_text, issue_link

log = logging.getLogger(__name__)

SEND_NOTICE_EMAILS = "send-notice-emails"
SEND_INVITATIONS = "send-invitations"
BATCH = 50
"""The most rows one run tries (the next run takes the rest)."""


@dataclass
class Delivery:
    """What one run of the sender did, by outbox row id."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: str | None = None


def build_message(row: models.NoticeEmail, sender: str, now: datetime) -> EmailMessage:
    """The message of an outbox row: plain text, with its HTML alternative when it has one."""
    assert row.recipient is not None
    return _message(
        sender, row.recipient, row.subject, row.body_text, row.body_html, f"notice-{row.id}", now
    )


def _message(
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    ident: str,
    now: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(now.astimezone(UTC))
    # The sender's domain, not the host's name: no DNS look-up for each message.
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(idstring=ident, domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    # After the parts: `add_alternative` moves the Content-* headers into the first part.
    message["Content-Language"] = "fr"
    return message


def _invitation_message(
    session: Session, row: models.UserInvitation, settings: Settings, now: datetime
) -> EmailMessage:
    # The link's token is issued now and its hash committed before the message leaves: a link
    # that was sent always opens the form (a retry issues a new one, the old one then fails).
    link = issue_link(row, settings.public_base_url, now)
    text = invitation_text(session, row, link)
    return _message(
        settings.smtp_sender,
        row.recipient,
        text.subject,
        text.body,
        None,
        f"invitation-{row.id}",
        now,
    )


def _notice_message(
    _session: Session, row: models.NoticeEmail, settings: Settings, now: datetime
) -> EmailMessage:
    return build_message(row, settings.smtp_sender, now)


_Row = TypeVar("_Row", models.NoticeEmail, models.UserInvitation)


@dataclass(frozen=True, slots=True)
class _Outbox(Generic[_Row]):
    """One outbox table: its rows, its job's name and how a row becomes a message (in a unit
    of work of its own, committed before the message is sent)."""

    job: str
    model: type[_Row]
    compose: Callable[[Session, _Row, Settings, datetime], EmailMessage]
    # Which pending rows are still to send (SQL, so that rows given up never fill a batch).
    live: Callable[[], tuple[ColumnElement[bool], ...]] = lambda: ()


NOTICES = _Outbox(SEND_NOTICE_EMAILS, models.NoticeEmail, _notice_message)
INVITATIONS = _Outbox(
    SEND_INVITATIONS,
    models.UserInvitation,
    _invitation_message,
    live=lambda: (
        models.UserInvitation.revoked_at.is_(None),
        models.UserInvitation.used_at.is_(None),
    ),
)


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones (at least one)."""
    return timedelta(seconds=settings.mail_retry_base_s * 2 ** max(attempts - 1, 0))


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address} refusé par le serveur : {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        ]
        return "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"refusé par le serveur : {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, OSError | smtplib.SMTPException):
        return f"serveur d'envoi injoignable ou interrompu : {type(error).__name__}: {error}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def connect_smtp(settings: Settings) -> smtplib.SMTP:
    """A connection to the settings' SMTP server, greeted, upgraded by STARTTLS and logged in
    as they ask."""
    assert settings.smtp_host is not None
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
    try:
        client.ehlo()
        if settings.smtp_starttls:
            authorities = settings.smtp_ca_file
            context = ssl.create_default_context(
                cafile=str(authorities) if authorities is not None else None
            )
            client.starttls(context=context)
            client.ehlo()
        if settings.smtp_username is not None and settings.smtp_password is not None:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except BaseException:
        client.close()
        raise
    return client


def _due(factory: sessionmaker[Session], outbox: _Outbox[_Row], now: datetime) -> list[int]:
    model = outbox.model
    with factory() as session:
        return list(
            session.scalars(
                select(model.id)
                .where(
                    model.state == models.EmailState.PENDING,
                    model.next_attempt_at <= now,
                    *outbox.live(),
                )
                .order_by(model.next_attempt_at, model.id)
                .limit(BATCH)
            )
        )


def send_due_notices(
    engine: Engine,
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    connect: Callable[[Settings], smtplib.SMTP] = connect_smtp,
) -> Delivery:
    """Send the change notices that are due, under the job's lock (one sender at a time)."""
    return _send_due(NOTICES, engine, factory, settings, now=now, connect=connect)


def send_due_invitations(
    engine: Engine,
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    connect: Callable[[Settings], smtplib.SMTP] = connect_smtp,
) -> Delivery:
    """Send the invitations that are due, each with a new link, under the job's lock. An
    invitation revoked or spent meanwhile is not sent."""
    return _send_due(INVITATIONS, engine, factory, settings, now=now, connect=connect)


def _send_due(
    outbox: _Outbox[_Row],
    engine: Engine,
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None,
    connect: Callable[[Settings], smtplib.SMTP],
) -> Delivery:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    done = Delivery()
    if settings.smtp_host is None:
        done.skipped = "disabled"
        return done
    with job_lock(engine, f"job-{outbox.job}") as acquired:
        if not acquired:
            done.skipped = "locked"
            return done
        ids = _due(factory, outbox, moment)
        if not ids:
            return done
        client: smtplib.SMTP | None = None
        unreachable: Exception | None = None
        try:
            for row_id in ids:
                error: Exception | None = unreachable
                if error is None:
                    try:
                        if client is None:
                            try:
                                client = connect(settings)
                            except (OSError, smtplib.SMTPException) as failure:
                                # No server to talk to: every row due counts this attempt, none
                                # waits for another connection timeout.
                                unreachable = failure
                                raise
                        with uow.unit_of_work(factory) as session:
                            row = session.scalar(
                                select(outbox.model).where(
                                    outbox.model.id == row_id,
                                    outbox.model.state == models.EmailState.PENDING,
                                    *outbox.live(),
                                )
                            )
                            if row is None:  # sent, given up or revoked meanwhile
                                continue
                            message = outbox.compose(session, row, settings, moment)
                        client.send_message(message)
                    except (OSError, smtplib.SMTPException, ValueError) as failure:
                        # ValueError: a message that cannot be written (an address the e-mail
                        # headers refuse): the row fails, the others go on.
                        error = failure
                        if not isinstance(failure, smtplib.SMTPRecipientsRefused | ValueError):
                            # The connection may be unusable: a fresh one for the next row.
                            _quit(client)
                            client = None
                _record(factory, outbox, settings, row_id, moment, error, done)
        finally:
            _quit(client)
    if done.sent or done.failed or done.retried:
        log.info(
            "%s: %d sent, %d to retry, %d failed",
            outbox.job,
            len(done.sent),
            len(done.retried),
            len(done.failed),
        )
    return done


def _quit(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _record(
    factory: sessionmaker[Session],
    outbox: _Outbox[_Row],
    settings: Settings,
    row_id: int,
    moment: datetime,
    error: Exception | None,
    done: Delivery,
) -> None:
    with uow.unit_of_work(factory) as session:
        row = session.get(outbox.model, row_id)
        if row is None:
            return
        row.attempts += 1
        if error is None:
            row.state = models.EmailState.SENT
            row.sent_at = moment
            row.last_error = None
            done.sent.append(row_id)
            return
        row.last_error = _describe(error)[:1000]
        if row.attempts >= settings.mail_max_attempts:
            row.state = models.EmailState.FAILED
            done.failed.append(row_id)
            log.warning("%s: row %s failed for good: %s", outbox.job, row_id, row.last_error)
        else:
            row.next_attempt_at = moment + retry_delay(settings, row.attempts)
            done.retried.append(row_id)
            log.info("%s: row %s to retry: %s", outbox.job, row_id, row.last_error)
