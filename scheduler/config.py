"""Settings, read from the environment (prefix `PARTAGENDA_`) and an optional `.env` file."""

from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the service, with safe local defaults.

    Attributes:
        database_url: SQLAlchemy URL; a SQLite file by default, any PostgreSQL URL
            (`postgresql+psycopg://...`, or `postgresql://...`, which is mapped to psycopg 3).
        timezone: default time zone of new groupements.
        solver_time_limit_s: wall-clock limit of one plan run.
        secret_key: signs access tokens; must be set in production.
        feed_weeks_past / feed_weeks_ahead: the window of weeks a calendar feed shows.
        feed_refresh_hours: REFRESH-INTERVAL and X-PUBLISHED-TTL of the feeds.
        public_base_url: base of the subscribe links handed out.
        output_dir: where `partagenda demo` writes its artefacts.
        plan_day / plan_hour: when `plan-upcoming-week` runs (day of week `mon`..`sun`, local
            hour in `timezone`); it plans, as drafts, the week about to enter the notice window.
        plan_on_start: also run `plan-upcoming-week` once when the jobs process starts.
        auto_publish: enable `publish-reviewed-week` (off by default).
        review_day / review_hour: the review deadline after which `publish-reviewed-week`
            publishes the latest valid draft of that week; it must come before the week enters
            the notice window.
        worker_poll_s: how often `execute-plan-runs` looks for queued plan runs.
        solver_deterministic: plan runs use one CP-SAT worker and a fixed seed (reproducible).
        solver_workers: the CP-SAT workers of one plan run (unset: the machine's cores); with
            several task workers on a machine, 1 keeps them from competing for the cores.
        plan_run_heartbeat_s / plan_run_stale_after_s: a task worker (PostgreSQL) writes its
            heartbeat every `plan_run_heartbeat_s`, and a running plan run its figures; a
            worker silent for `plan_run_stale_after_s` (its process died, its machine was lost)
            has its tasks taken up by another worker.
        patientele_reminder_days: a contract with no patientèle snapshot for this many days
            gets a reminder for its coordinators (`remind-patientele`).
        report_formats: formats written by `snapshot-monthly-reports` under
            `output_dir/reports`.
        report_render_interval_s: how often `render-reports` renders ahead the PDFs of the
            contracts' current periods whose content changed (a publication, a ledger change).
        evaluation_render_interval_s: how often `render-national-evaluation` looks whether the
            national evaluation's inputs changed, and computes it again ahead if so.
        job_misfire_grace_s: how late a missed trigger may still run (APScheduler).
        idempotency_retention_hours: how long the answer to an Idempotency-Key is kept for a
            retry (`purge-expired-records` deletes older ones, daily).
        log_json: log lines as JSON objects (else plain text).
        metrics_token: the bearer token that `/metrics` asks for (at least 16 characters);
            unset, the service's port serves no metrics.
        metrics_address: `host:port` where `partagenda serve` also serves the metrics, with no
            token, for a scraper on a network the public cannot reach (e.g. `127.0.0.1:9108`).
        smtp_host: the SMTP server that change notices by e-mail go through (`send-notice-emails`
            in the jobs process); unset, no e-mail leaves and the outbox keeps them pending.
        smtp_port: its port (25, or 587 with `smtp_starttls`).
        smtp_sender: the From address of the notices, e.g. `Partagenda <planning@example.fr>`.
        smtp_starttls: upgrade the connection with STARTTLS before anything else is said.
        smtp_ca_file: a PEM file of the authorities that sign the SMTP server's certificate,
            for a relay with a certificate of its own (unset: the system's authorities).
        smtp_username / smtp_password: the account to log in with (both, or neither).
        smtp_timeout_s: how long a connection or an answer of the server may take.
        mail_max_attempts: how many times a notice is tried before it is marked failed.
        mail_retry_base_s: the wait after the first failed attempt; it doubles at each one.
        mail_poll_s: how often `send-notice-emails` looks for notices due.
        rate_limit_storage: where the per-address sign-in limit counts attempts, as a `limits`
            storage URI: `memory://` (the default) counts in each API process, so N workers
            allow N times the limit; `redis://host:6379/0` (needs the `redis` package) shares
            the count between processes and hosts.
    """

    model_config = SettingsConfigDict(env_prefix="PARTAGENDA_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///partagenda.db"
    timezone: str = "Europe/Paris"
    solver_time_limit_s: float = Field(default=30.0, gt=0, le=3600)
    secret_key: str = "change-me-in-production-this-is-not-a-secret"
    access_token_minutes: int = Field(default=60, gt=0, le=24 * 60)
    feed_weeks_past: int = Field(default=2, ge=0, le=52)
    feed_weeks_ahead: int = Field(default=8, ge=1, le=52)
    feed_refresh_hours: int = Field(default=6, ge=1, le=48)
    public_base_url: str = "http://127.0.0.1:8000"
    output_dir: Path = Path("demo-output")
    log_json: bool = True
    metrics_token: SecretStr | None = Field(default=None, min_length=16)
    metrics_address: str | None = None

    # The jobs process (scheduler.jobs).
    plan_day: str = "mon"
    plan_hour: int = Field(default=6, ge=0, le=23)
    plan_on_start: bool = False
    auto_publish: bool = False
    review_day: str = "fri"
    review_hour: int = Field(default=18, ge=0, le=23)
    worker_poll_s: float = Field(default=5.0, gt=0, le=300)
    solver_deterministic: bool = False
    solver_workers: int | None = Field(default=None, ge=1, le=64)
    plan_run_heartbeat_s: float = Field(default=2.0, gt=0, le=60)
    plan_run_stale_after_s: float = Field(default=60.0, gt=0, le=3600)
    patientele_reminder_days: int = Field(default=90, ge=1, le=730)
    report_formats: list[str] = Field(default_factory=lambda: ["pdf", "json"])
    report_render_interval_s: int = Field(default=300, ge=10, le=24 * 3600)
    evaluation_render_interval_s: int = Field(default=120, ge=10, le=24 * 3600)
    job_misfire_grace_s: int = Field(default=3600, ge=1, le=7 * 24 * 3600)
    idempotency_retention_hours: int = Field(default=24, ge=1, le=30 * 24)

    # Change notices by e-mail (scheduler.notices, sent by the jobs process).
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "Partagenda <ne-pas-repondre@partagenda.localhost>"
    smtp_starttls: bool = False
    smtp_ca_file: Path | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = Field(default=30.0, gt=0, le=600)
    mail_max_attempts: int = Field(default=5, ge=1, le=50)
    mail_retry_base_s: int = Field(default=60, ge=1, le=24 * 3600)
    mail_poll_s: int = Field(default=30, ge=1, le=3600)

    # The API's per-address sign-in limit (api.throttle).
    rate_limit_storage: str = "memory://"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg")):
            raise ValueError("database_url must be a SQLite or a PostgreSQL URL")
        return value

    @field_validator(
        "metrics_token",
        "metrics_address",
        "smtp_host",
        "smtp_username",
        "smtp_password",
        "smtp_ca_file",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # docker-compose passes an unset variable on as an empty string.
        return None if value == "" else value

    @field_validator("metrics_address")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(
                f"metrics_address must be host:port, e.g. 127.0.0.1:9108, not {value!r}"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("plan_day", "review_day")
    @classmethod
    def _known_day(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"unknown day {value!r}: one of {', '.join(WEEKDAYS)}")
        return day

    @field_validator("rate_limit_storage")
    @classmethod
    def _known_rate_limit_storage(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme not in RATE_LIMIT_SCHEMES:
            raise ValueError(
                f"unknown rate limit storage {value.split('://', 1)[0]!r}: memory:// or redis://..."
            )
        return value

    @field_validator("report_formats")
    @classmethod
    def _known_formats(cls, value: list[str]) -> list[str]:
        from scheduler.reports.formats import FORMATS, either_of  # late: the settings load first

        unknown = sorted(set(value) - set(FORMATS))
        if unknown:
            raise ValueError(f"unknown report formats {unknown}: {either_of(tuple(FORMATS), 'or')}")
        return value

    @field_validator("smtp_sender")
    @classmethod
    def _sender_address(cls, value: str) -> str:
        _, address = parseaddr(value)
        if "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError(
                f"smtp_sender must be an e-mail address, e.g. Partagenda <planning@example.fr>, "
                f"not {value!r}"
            )
        return value

    @field_validator("smtp_ca_file")
    @classmethod
    def _readable_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"smtp_ca_file {str(value)!r} is not a file")
        return value

    @model_validator(mode="after")
    def _smtp_login_whole(self) -> Settings:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("smtp_username and smtp_password go together: set both or neither")
        return self

    @model_validator(mode="after")
    def _heartbeat_before_stale(self) -> Settings:
        # A live run must get several chances to write its heartbeat before it looks dead.
        if self.plan_run_stale_after_s < 3 * self.plan_run_heartbeat_s:
            raise ValueError("plan_run_stale_after_s must be at least 3 x plan_run_heartbeat_s")
        return self


# `limits` storages that keep a moving window (memcached does not).
RATE_LIMIT_SCHEMES = frozenset(
    f"{family}{variant}"
    for family in ("redis", "valkey")
    for variant in ("", "s", "+unix", "+cluster", "+sentinel")
) | {"memory"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
