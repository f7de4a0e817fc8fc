"""Change notices that reach people: the e-mails of a publication's changes inside the notice
window, written to the outbox in the publication's transaction (`compose`) and sent over SMTP by
the jobs process (`delivery`)."""

from scheduler.notices.compose import ChangeLine, change_line, stage_notice_emails
from scheduler.notices.delivery import (
    SEND_NOTICE_EMAILS,
    Delivery,
    build_message,
    retry_delay,
    send_due_notices,
)

__all__ = [
    "SEND_NOTICE_EMAILS",
    "ChangeLine",
    "Delivery",
    "build_message",
    "change_line",
    "retry_delay",
    "send_due_notices",
    "stage_notice_emails",
]
