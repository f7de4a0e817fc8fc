"""The jobs process: APScheduler 3.x `BlockingScheduler` with its job store in the database.

One module per seam: `frame` (the idempotent, locked frame of every job, and the periods), `tasks`
(the jobs), `process` (the scheduler and its process).

Jobs (kebab-case ids, registered with `replace_existing=True` at every start). On PostgreSQL a
trigger enqueues the job's work as a task of the engine, which a worker runs (`scheduler.engine`);
on SQLite the jobs process does it itself:

- `plan-upcoming-week`: for each groupement, queue a plan run (a draft) for the week about to
  enter the notice window; a worker (SQLite: `execute-plan-runs`) solves it.
- `publish-reviewed-week` (paused unless `auto_publish`): after the review deadline, publish the
  latest valid draft of that week where nothing is published yet.
- `execute-plan-runs` (SQLite only): every few seconds, execute the queued runs (those requested
  through the API too); the process's start first queues again the run it was running when it
  stopped.
- `remind-patientele`: record an audit reminder for the coordinators of each contract without a
  patientèle snapshot in the last `patientele_reminder_days`.
- `snapshot-monthly-reports`: write last month's report of each contract under
  `output_dir/reports`.
- `refresh-feeds`: re-render every groupement's feeds so past cancelled events drop out.
- `render-reports`: every `report_render_interval_s` (and at start), render ahead the PDF of each
  contract's current periods whose content digest has no stored PDF yet (`scheduler.report_cache`),
  so that a request after a publication or a ledger change finds its PDF ready. Idempotent by
  construction (content-addressed): no `JobRun` row, only the job's lock; one commit per contract.
- `send-notice-emails`: every `mail_poll_s`, send the outbox's change notices that are due over
  SMTP (`scheduler.notices`); each row keeps its state (pending, sent, failed), attempts, last
  error and next attempt time, so no `JobRun` row, only the job's lock.

Idempotency: a periodic job runs once per period key (ISO week, month or day) — one `JobRun` row
per (job id, period key); a key already `succeeded` is a no-op, a `failed` one is retried by the
next trigger (the cron triggers fire every hour of the chosen day, so a failure at 06:00 is
retried at 07:00, and the later triggers of a successful day do nothing). Concurrency: a job runs
under its lock (`scheduler.locks`), so two scheduler processes never run it at once. Atomicity:
each item (groupement, contract) is done in a SAVEPOINT and committed with the `JobRun` outcome;
an item that fails is rolled back alone and makes the run `failed`, so the retry redoes only it
(done items are recognised by their own state: a queued run, a published rota, a written file).
"""

from scheduler.jobs.frame import (
    EXECUTE_PLAN_RUNS,
    JOB_TABLE,
    PLAN_UPCOMING_WEEK,
    PUBLISH_REVIEWED_WEEK,
    PURGE_EXPIRED_RECORDS,
    REFRESH_FEEDS,
    REMIND_PATIENTELE,
    RENDER_REPORTS,
    SNAPSHOT_MONTHLY_REPORTS,
    JobContext,
    JobOutcome,
    previous_month,
    run_job,
    upcoming_week,
    week_key,
)
from scheduler.jobs.process import build_scheduler, run_scheduler
from scheduler.jobs.tasks import (
    execute_plan_runs,
    plan_upcoming_week,
    publish_reviewed_week,
    purge_expired_records,
    refresh_all_feeds,
    remind_patientele,
    render_reports,
    send_invitations,
    send_notice_emails,
    snapshot_monthly_reports,
)

__all__ = [
    "EXECUTE_PLAN_RUNS",
    "JOB_TABLE",
    "PLAN_UPCOMING_WEEK",
    "PUBLISH_REVIEWED_WEEK",
    "PURGE_EXPIRED_RECORDS",
    "REFRESH_FEEDS",
    "REMIND_PATIENTELE",
    "RENDER_REPORTS",
    "SNAPSHOT_MONTHLY_REPORTS",
    "JobContext",
    "JobOutcome",
    "build_scheduler",
    "execute_plan_runs",
    "plan_upcoming_week",
    "previous_month",
    "publish_reviewed_week",
    "purge_expired_records",
    "refresh_all_feeds",
    "remind_patientele",
    "render_reports",
    "run_job",
    "run_scheduler",
    "send_invitations",
    "send_notice_emails",
    "snapshot_monthly_reports",
    "upcoming_week",
    "week_key",
]
