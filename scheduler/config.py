"""Settings, read from the environment (prefix `PARTAGENDA_`) and an optional `.env` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
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

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg")):
            raise ValueError("database_url must be a SQLite or a PostgreSQL URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
