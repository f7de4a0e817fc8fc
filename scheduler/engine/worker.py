"""The worker process (PostgreSQL): `partagenda worker` runs procrastinate's worker on the
application's tasks, takes up the tasks of dead workers, and reconnects when it loses the
database.

Tasks:

- `plan-run` (`run_id`): one attempt at a plan run (`scheduler.runs.execute_plan_run`); a task
  that is a retry (its job has attempts) takes over the run its dead attempt left `running`. A
  database error fails the attempt's task, retried with back-off (`RETRY`); the planning's own
  failures end the run `failed` and are not retried.
- `periodic-job` (`job_id`): the work of one of the jobs process's periodic jobs, which the jobs
  process enqueues at each trigger instead of doing it (`scheduler.jobs.process`): the e-mail
  notices and invitations, the report renders and snapshots, the weekly planning, the feeds, the
  reminders and the purge. Each is idempotent and takes its own lock, as it did.
- `empty`: nothing, to measure the engine's own cost per task.

Each worker runs `concurrency` tasks side by side (default 1: a solve uses the cores it is given,
`solver_workers`). It beats every `plan_run_heartbeat_s`; every pass of the same period it also
retries the tasks of workers silent for `plan_run_stale_after_s` (`scheduler.engine.recovery`).

procrastinate's worker stops when it loses the database (a query fails, its heartbeat or its
listener breaks); this process then opens a new connection pool and starts a new worker, waiting
1, 2, 4 ... up to 30 s between tries, until SIGTERM or SIGINT. On those it lets the tasks under
way end (a solve lasts at most its time limit) and leaves; one killed before is taken up by
another worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time as clock
from collections.abc import Callable
from typing import Any

import procrastinate
import psycopg
import sqlalchemy.exc
from sqlalchemy import make_url

from scheduler.config import Settings
from scheduler.engine import EMPTY_TASK, JOB_TASK, JOBS_QUEUE, PLAN_RUN_TASK, PLANNING_QUEUE
from scheduler.engine.recovery import recover_stalled_tasks
from scheduler.jobs.frame import JobContext
from scheduler.observability import PLAN_RUNS, SOLVE_SECONDS, configure_logging
from scheduler.runs import MAX_ATTEMPTS, execute_plan_run

log = logging.getLogger(__name__)

RETRY = procrastinate.RetryStrategy(
    max_attempts=MAX_ATTEMPTS - 1,
    exponential_wait=2,
    retry_exceptions={psycopg.OperationalError, sqlalchemy.exc.OperationalError},
)
"""A task whose database went away is tried again after 2, then 4 s (3 attempts in all)."""
RECONNECT_MAX_WAIT_S = 30.0

_context: JobContext | None = None


def _ctx() -> JobContext:
    if _context is None:
        raise RuntimeError("the worker process is not started (scheduler.engine.worker)")
    return _context


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy URL (`postgresql+psycopg://...`)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def plan_run_task(context: procrastinate.JobContext, run_id: int) -> str | None:
    """One attempt at plan run `run_id`; its final state."""
    ctx = _ctx()
    job = context.job
    started = clock.monotonic()
    state = execute_plan_run(
        ctx.factory,
        run_id,
        deterministic=ctx.settings.solver_deterministic,
        progress_s=ctx.settings.plan_run_heartbeat_s,
        take_over=job.attempts > 0,
        solver_workers=ctx.settings.solver_workers,
    )
    if state is None:
        return None
    PLAN_RUNS.labels(state=state.value).inc()
    SOLVE_SECONDS.observe(clock.monotonic() - started)
    log.info("plan run %s ended %s", run_id, state.value)
    return state.value


def periodic_job_task(job_id: str) -> None:
    """The work of the periodic job `job_id`."""
    from scheduler.jobs.process import JOB_WORK

    JOB_WORK[job_id](_ctx())


def empty_task() -> None:
    """Nothing."""


def build_app(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    """The procrastinate app on `database_url`, with the application's tasks (procrastinate's
    pool checks a connection before lending it, so one broken while idle is replaced)."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url),
        min_size=1,
        max_size=pool_size,
    )
    app = procrastinate.App(connector=connector)
    app.task(name=PLAN_RUN_TASK, queue=PLANNING_QUEUE, pass_context=True, retry=RETRY)(
        plan_run_task
    )
    app.task(name=JOB_TASK, queue=JOBS_QUEUE, retry=RETRY)(periodic_job_task)
    app.task(name=EMPTY_TASK, queue=JOBS_QUEUE)(empty_task)
    return app


def run_worker(settings: Settings, *, concurrency: int = 1) -> None:
    """Run a worker process until SIGTERM or SIGINT (the `partagenda worker` command)."""
    global _context
    configure_logging(json_lines=settings.log_json)
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    _context = JobContext.from_settings(settings)
    try:
        asyncio.run(_serve(settings, concurrency))
    finally:
        _context.engine.dispose()


async def _serve(settings: Settings, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    running: list[asyncio.Task[None]] = []

    def stop() -> None:
        log.info("stopping the worker once its tasks under way end")
        stopping.set()
        for task in running:
            task.cancel()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
    wait_s = 1.0
    while not stopping.is_set():
        began = clock.monotonic()
        try:
            app = build_app(settings.database_url, pool_size=concurrency + 3)
            async with app.open_async():
                task = asyncio.create_task(_work(app, settings, concurrency))
                running[:] = [task]
                await task
        except asyncio.CancelledError:
            if not stopping.is_set():
                raise
        except Exception as error:
            log.warning("worker stopped: %s", error, exc_info=True)
        if stopping.is_set():
            break
        if clock.monotonic() - began > 60:
            wait_s = 1.0
        log.warning("worker reconnecting in %.0f s", wait_s)
        waiting = asyncio.create_task(stopping.wait())
        await asyncio.wait({waiting}, timeout=wait_s)
        waiting.cancel()
        wait_s = min(2 * wait_s, RECONNECT_MAX_WAIT_S)


async def _work(app: procrastinate.App, settings: Settings, concurrency: int) -> None:
    recovery = asyncio.create_task(_recover_forever(settings))
    try:
        await app.run_worker_async(
            concurrency=concurrency,
            name=f"{socket.gethostname()}-{os.getpid()}",
            install_signal_handlers=False,
            update_heartbeat_interval=settings.plan_run_heartbeat_s,
            stalled_worker_timeout=settings.plan_run_stale_after_s,
            fetch_job_polling_interval=settings.worker_poll_s,
        )
    finally:
        recovery.cancel()


async def _recover_forever(settings: Settings) -> None:
    ctx = _ctx()
    recover: Callable[[], Any] = lambda: recover_stalled_tasks(  # noqa: E731
        ctx.engine, ctx.factory, stalled_after_s=settings.plan_run_stale_after_s
    )
    while True:
        try:
            await asyncio.to_thread(recover)
        except Exception as error:
            log.warning("could not look for the tasks of dead workers: %s", error)
        await asyncio.sleep(settings.plan_run_heartbeat_s)
