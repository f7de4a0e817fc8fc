"""E-mails that reach people: the change notices of a publication inside the notice window,
written to the outbox in the publication's transaction (`compose`), and the invitations of new
users (`invitation_mail`), both sent over SMTP by the jobs process (`delivery`)."""

from scheduler.notices.compose import ChangeLine, change_line, stage_notice_emails
from scheduler.notices.delivery import (
    SEND_INVITATIONS,
    SEND_NOTICE_EMAILS,
    Delivery,
    build_message,
    retry_delay,
    send_due_invitations,
    send_due_notices,
)

__all__ = [
    "SEND_INVITATIONS",
    "SEND_NOTICE_EMAILS",
    "ChangeLine",
    "Delivery",
    "build_message",
    "change_line",
    "retry_delay",
    "send_due_invitations",
    "send_due_notices",
    "stage_notice_emails",
]
