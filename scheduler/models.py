"""The domain data model (SQLAlchemy 2, typed).

Invariants live in the database as well as in code: CHECK constraints for ranges and ordering,
unique natural keys, and, for the shares of a contract, a total kept by triggers and verified at
commit by a deferred foreign key (see the migration). Date-times are stored in UTC and come back
aware; minutes of the day are integers 0..1440; shares are basis points (hundredths of a percent).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    delete,
    event,
    false,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    declared_attr,
    mapped_column,
    relationship,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SHARE_TOTAL_BP = 10_000


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware date-time stored as UTC; SQLite keeps no offset, so it is normalised here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive date-time given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


APSCHEDULER_JOB_TABLE = "apscheduler_job"
"""The table of APScheduler's job store: the library's own, so no model and no migration."""


class Base(DeclarativeBase):
    """Declarative base with fixed constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Versioned:
    """Optimistic concurrency: `version` grows on each update and backs the ETag."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def _minutes_of_day(prefix: str = "") -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint(
            f"{prefix}start_minute >= 0 AND {prefix}start_minute < 1440", "start_in_day"
        ),
        CheckConstraint(f"{prefix}end_minute > 0 AND {prefix}end_minute <= 1440", "end_in_day"),
        CheckConstraint(f"{prefix}end_minute > {prefix}start_minute", "ordered"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", "weekday"),
    )


class Role(enum.StrEnum):
    """What a user may do in a groupement."""

    COORDINATOR = "coordinator"
    CABINET = "cabinet"
    ASSISTANT = "assistant"
    AUDITOR = "auditor"
    # An Assurance maladie reader of every contract's figures, across the groupements.
    NATIONAL = "national"


class ContractKind(enum.StrEnum):
    """Collective (2026, one pooled target) or individual contracts sharing an assistant."""

    COLLECTIVE = "collective"
    INDIVIDUAL = "individual"


class BalancingPeriod(enum.StrEnum):
    """The period over which a member's share balance is carried before it is settled: a deficit
    not made up by its end is left uncompensated (and shown in the reports)."""

    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    CONTRACT_YEAR = "contract_year"


class CostSplit(enum.StrEnum):
    """How the members share the net cost, as the group's statutes say."""

    BY_SHARE = "by_share"
    BY_HOURS = "by_hours"


class AbsenceKind(enum.StrEnum):
    """Why an assistant is away."""

    LEAVE = "leave"
    SICKNESS = "sickness"
    TRAINING = "training"
    OTHER = "other"


class RotaStatus(enum.StrEnum):
    """Life of a rota version."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class RunState(enum.StrEnum):
    """Life of a plan run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EmailState(enum.StrEnum):
    """Life of an e-mail of the outbox (`NoticeEmail`)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class EmailAudience(enum.StrEnum):
    """Who an e-mail of the outbox is for."""

    CABINET = "cabinet"
    ASSISTANT = "assistant"


class FeedKind(enum.StrEnum):
    """The kinds of feed the core names itself (the access policy's rules on one's own feed).

    Every kind, these and any other, is an entry of `scheduler.feeds.kinds.FEED_KINDS`; a token
    stores its kind as a plain name (`FeedToken.kind`)."""

    CABINET = "cabinet"
    ASSISTANT = "assistant"
    GROUPEMENT = "groupement"


class ImportKind(enum.StrEnum):
    """What a CSV import previewed on the pages holds (`ImportPreview`)."""

    PATIENTELE = "patientele"  # the groupement's patientèle statements
    REFERENCE_DOCTORS = "ref_doctors"  # non-member doctors' quarterly statements
    REFERENCE_SERIES = "ref_series"  # a published reference series


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


class Groupement(Versioned, Base):
    """The tenant: a groupement d'employeurs, an MSP or a group company."""

    __tablename__ = "groupement"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Travel between cabinets: counted in the contracts' hours and shared by their members (true,
    # the default of a new groupement), or paid beyond them, as overtime or, for a part-time
    # contract, heures complémentaires within a tenth of its hours, or a third where an accord
    # allows it (docs/rules.md). The server default stays false: the groupements that were there
    # before travel could count in the contracts paid it beyond them, and keep that choice.
    travel_in_contract: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=false()
    )
    complementary_accord: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    __table_args__ = (CheckConstraint("length(slug) > 0", "slug_not_empty"),)


class Assistant(Versioned, Base):
    """A medical assistant employed by the groupement."""

    __tablename__ = "assistant"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_days_off: Mapped[list[Any]] = mapped_column(default=list)
    earliest_start_minute: Mapped[int | None] = mapped_column(Integer)
    latest_end_minute: Mapped[int | None] = mapped_column(Integer)

    availability: Mapped[list[AvailabilityWindow]] = relationship(
        back_populates="assistant",
        cascade="all, delete-orphan",
        order_by="AvailabilityWindow.weekday",
    )
    absences: Mapped[list[Absence]] = relationship(
        back_populates="assistant", cascade="all, delete-orphan", order_by="Absence.start_at"
    )

    __table_args__ = (
        UniqueConstraint("groupement_id", "code"),
        CheckConstraint(
            "earliest_start_minute IS NULL OR (earliest_start_minute >= 0 AND earliest_start_minute < 1440)",
            "earliest_start",
        ),
        CheckConstraint(
            "latest_end_minute IS NULL OR (latest_end_minute > 0 AND latest_end_minute <= 1440)",
            "latest_end",
        ),
    )

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


class AvailabilityWindow(Base):
    """A recurring weekly window in which an assistant can work."""

    __tablename__ = "availability_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    assistant: Mapped[Assistant] = relationship(back_populates="availability")

    __table_args__ = _minutes_of_day()


class Absence(Versioned, Base):
    """Leave or another absence of an assistant, from `start_at` to `end_at`."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AbsenceKind] = mapped_column(_enum(AbsenceKind, "absence_kind"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    assistant: Mapped[Assistant] = relationship(back_populates="absences")

    __table_args__ = (CheckConstraint("end_at > start_at", "ordered"),)


class Cabinet(Versioned, Base):
    """A medical practice at one address, member of pooled contracts."""

    __tablename__ = "cabinet"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(3))
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    places: Mapped[int] = mapped_column(Integer, default=1)
    # Where the notices of changes to the assistant's presence in the cabinet are sent.
    contact_email: Mapped[str | None] = mapped_column(String(254))

    opening: Mapped[list[OpeningWindow]] = relationship(
        back_populates="cabinet", cascade="all, delete-orphan", order_by="OpeningWindow.weekday"
    )
    sessions: Mapped[list[ConsultationSession]] = relationship(
        back_populates="cabinet",
        cascade="all, delete-orphan",
        order_by="ConsultationSession.weekday",
    )
    doctors: Mapped[list[Doctor]] = relationship(
        back_populates="cabinet", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("groupement_id", "code"),
        CheckConstraint("latitude >= -90 AND latitude <= 90", "latitude"),
        CheckConstraint("longitude >= -180 AND longitude <= 180", "longitude"),
        CheckConstraint("places >= 1 AND places <= 50", "places"),
        CheckConstraint("length(postcode) = 5", "postcode"),
    )


class OpeningWindow(Base):
    """A recurring weekly window in which a cabinet is open."""

    __tablename__ = "opening_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)

    cabinet: Mapped[Cabinet] = relationship(back_populates="opening")

    __table_args__ = _minutes_of_day()


class ConsultationSession(Base):
    """A weekly consultation session of a cabinet's doctors, when the assistant helps most."""

    __tablename__ = "consultation_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("doctor.id", ondelete="SET NULL"))
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)

    cabinet: Mapped[Cabinet] = relationship(back_populates="sessions")

    __table_args__ = (
        *_minutes_of_day(),
        CheckConstraint("weight >= 0 AND weight <= 100", "weight"),
    )


class PresenceRequest(Base):
    """A member's request for the assistant on one date (a vaccination or screening session)."""

    __tablename__ = "presence_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    request_date: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        CheckConstraint("start_minute >= 0 AND start_minute < 1440", "start_in_day"),
        CheckConstraint("end_minute > start_minute AND end_minute <= 1440", "ordered"),
        CheckConstraint("weight >= 0 AND weight <= 100", "weight"),
    )


class Doctor(Versioned, Base):
    """A doctor of a member cabinet, identified by RPPS."""

    __tablename__ = "doctor"

    id: Mapped[int] = mapped_column(primary_key=True)
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    rpps: Mapped[str] = mapped_column(String(11), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    specialty: Mapped[str] = mapped_column(String(100), default="médecine générale")
    installed_on: Mapped[date | None] = mapped_column(Date)
    # A PAMSU (maître de stage universitaire) hosting a docteur junior: from November 2026 a
    # collective contract may fund 0.5 ETP more per such member doctor.
    pamsu_junior: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Patients already gained under his earlier individual contract (PMT, file active): they are
    # taken off the target of the collective contract he joins.
    earlier_gain_pmt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    earlier_gain_fa: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    cabinet: Mapped[Cabinet] = relationship(back_populates="doctors")

    __table_args__ = (
        CheckConstraint("length(rpps) = 11", "rpps_length"),
        CheckConstraint("earlier_gain_pmt >= 0 AND earlier_gain_pmt <= 100000", "earlier_gain_pmt"),
        CheckConstraint("earlier_gain_fa >= 0 AND earlier_gain_fa <= 100000", "earlier_gain_fa"),
    )


class TargetPolicy(Base):
    """A versioned target and aid rule (the 2026 collective rule, individual percentile bands...)."""

    __tablename__ = "target_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ContractKind] = mapped_column(_enum(ContractKind, "contract_kind"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]]

    __table_args__ = (
        UniqueConstraint("code", "policy_version"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", "validity"),
    )


class PooledContract(Versioned, Base):
    """A contract pooling assistants' hours between member cabinets, with a target rule."""

    __tablename__ = "pooled_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ContractKind] = mapped_column(_enum(ContractKind, "contract_kind"))
    start_date: Mapped[date] = mapped_column(Date)
    duration_years: Mapped[int] = mapped_column(Integer, default=5)
    funded_etp: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    target_policy_id: Mapped[int] = mapped_column(ForeignKey("target_policy.id"))
    cost_split: Mapped[CostSplit] = mapped_column(
        _enum(CostSplit, "cost_split"), default=CostSplit.BY_SHARE
    )
    annual_employer_cost_eur: Mapped[Decimal] = mapped_column(
        Numeric(10, 2), default=Decimal("50000")
    )
    # A `BalancingPeriod` value (a plain string column: a CHECK would need a copy of the table,
    # and its rows' children, on SQLite; the API and the CLI accept only the enum's values).
    balancing_period: Mapped[str] = mapped_column(
        String(16), nullable=False, default=BalancingPeriod.QUARTER.value, server_default="quarter"
    )

    # The signatory structure is an approved training site: from November 2026 the contract may
    # fund 0.5 ETP more per member doctor.
    training_site: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    target_policy: Mapped[TargetPolicy] = relationship()
    assistants: Mapped[list[ContractAssistant]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractAssistant.id"
    )
    share_plans: Mapped[list[SharePlan]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="SharePlan.valid_from"
    )
    member_doctors: Mapped[list[ContractMemberDoctor]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractMemberDoctor.doctor_id",
    )

    __table_args__ = (
        UniqueConstraint("groupement_id", "code"),
        CheckConstraint("funded_etp > 0 AND funded_etp <= 20", "funded_etp"),
        CheckConstraint("duration_years >= 1 AND duration_years <= 10", "duration"),
        CheckConstraint("annual_employer_cost_eur >= 0", "cost"),
    )


class ContractMemberDoctor(Base):
    """A doctor's membership of a contract (the bulletin d'adhésion) over [valid_from, valid_to):
    only member doctors count in the contract's figures, and a doctor is a member of at most one
    contract at a time (checked by `scheduler.services.resources.contracts`). An associate of a
    member cabinet may stay out."""

    __tablename__ = "contract_member_doctor"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("pooled_contract.id", ondelete="CASCADE"), index=True
    )
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctor.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # exclusive; None: still a member
    # A membership of a collective contract that begins or ends on another day than one of the
    # contract's anniversaries (a doctor joins and leaves on anniversaries): kept from before the
    # rule, and flagged.
    off_anniversary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    contract: Mapped[PooledContract] = relationship(back_populates="member_doctors")
    doctor: Mapped[Doctor] = relationship()

    __table_args__ = (
        UniqueConstraint("contract_id", "doctor_id"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", "validity"),
    )


class ContractAssistant(Base):
    """An assistant's weekly minutes under a contract."""

    __tablename__ = "contract_assistant"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("pooled_contract.id", ondelete="CASCADE"), index=True
    )
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    weekly_minutes: Mapped[int] = mapped_column(Integer)

    contract: Mapped[PooledContract] = relationship(back_populates="assistants")
    assistant: Mapped[Assistant] = relationship()

    __table_args__ = (
        UniqueConstraint("contract_id", "assistant_id"),
        CheckConstraint("weekly_minutes > 0 AND weekly_minutes <= 2880", "weekly_minutes"),
    )


class SharePlan(Base):
    """The members' shares of a contract from `valid_from` on; a new plan when a member joins.

    `share_total_bp` is kept by triggers and must be 10,000 at commit (a deferred foreign key to
    `share_total_rule` checks it), so shares always sum to 100 %.
    """

    __tablename__ = "share_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("pooled_contract.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[date] = mapped_column(Date)
    share_total_bp: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("share_total_rule.total_bp", deferrable=True, initially="DEFERRED"),
        default=0,
    )
    # A plan of a collective contract that does not start on an anniversary of the contract
    # (members join and leave on anniversaries): kept from before the rule, and flagged.
    off_anniversary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    contract: Mapped[PooledContract] = relationship(back_populates="share_plans")
    shares: Mapped[list[Share]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Share.cabinet_id"
    )

    __table_args__ = (UniqueConstraint("contract_id", "valid_from"),)


class ShareTotalRule(Base):
    """The one allowed total of a share plan (10,000 basis points), target of a deferred key."""

    __tablename__ = "share_total_rule"

    total_bp: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)

    __table_args__ = (CheckConstraint(f"total_bp = {SHARE_TOTAL_BP}", "only_full"),)


class Share(Base):
    """One member cabinet's contracted share, in basis points."""

    __tablename__ = "share"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("share_plan.id", ondelete="CASCADE"), index=True
    )
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    share_bp: Mapped[int] = mapped_column(Integer)

    plan: Mapped[SharePlan] = relationship(back_populates="shares")
    cabinet: Mapped[Cabinet] = relationship()

    __table_args__ = (
        UniqueConstraint("plan_id", "cabinet_id"),
        CheckConstraint("share_bp > 0 AND share_bp <= 10000", "share_range"),
    )


class TravelTime(Versioned, Base):
    """Road minutes between two cabinets, stored once per pair (lower id first)."""

    __tablename__ = "travel_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    origin_id: Mapped[int] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("origin_id", "destination_id"),
        CheckConstraint("origin_id < destination_id", "canonical_pair"),
        CheckConstraint("minutes > 0 AND minutes <= 240", "minutes"),
    )


class Rota(Base):
    """One version of the rota of a groupement for a period, with the solver's figures."""

    __tablename__ = "rota"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_days: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[RotaStatus] = mapped_column(
        _enum(RotaStatus, "rota_status"), default=RotaStatus.DRAFT
    )
    solver_status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[int | None] = mapped_column(Integer)
    bound: Mapped[int | None] = mapped_column(Integer)
    solve_seconds: Mapped[float] = mapped_column(default=0.0)
    objective_terms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    explanation: Mapped[list[Any]] = mapped_column(default=list)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rota.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None]
    # Published once its period had begun (after the fact), and why: such weeks are flagged in
    # the ledger, the reports and the national export.
    published_late: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    late_reason: Mapped[str | None] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="Assignment.start_at"
    )
    travel_legs: Mapped[list[TravelLeg]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="TravelLeg.start_at"
    )
    breaks: Mapped[list[RotaBreak]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="RotaBreak.start_at"
    )

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        UniqueConstraint("groupement_id", "period_start", "revision"),
        CheckConstraint("period_days >= 1 AND period_days <= 56", "period_days"),
        CheckConstraint("revision >= 1", "revision"),
        CheckConstraint(
            "solver_status IN ('optimal', 'feasible', 'infeasible', 'invalid', 'unknown', 'edited')",
            "solver_status",
        ),
        Index(
            "uq_rota_one_published",
            "groupement_id",
            "period_start",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
    )


class Assignment(Base):
    """An assistant at a cabinet under a contract, in one rota version.

    `uid` is the event's identity in the calendar feeds: it is carried over from the version this
    rota was based on, so a re-published assignment updates the subscribers' event; `sequence` grows
    each time a published event changes.
    """

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"), index=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("pooled_contract.id", ondelete="CASCADE"), index=True
    )
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    uid: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    rota: Mapped[Rota] = relationship(back_populates="assignments")

    __table_args__ = (
        CheckConstraint("end_at > start_at", "ordered"),
        CheckConstraint("sequence >= 0", "sequence"),
        UniqueConstraint("rota_id", "uid"),
    )


class TravelLeg(Base):
    """A trip between two cabinets inside a working day: effective work, credited to no member."""

    __tablename__ = "travel_leg"

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"), index=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    origin_id: Mapped[int] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    uid: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    rota: Mapped[Rota] = relationship(back_populates="travel_legs")

    __table_args__ = (
        CheckConstraint("end_at > start_at", "ordered"),
        CheckConstraint("origin_id <> destination_id", "two_sites"),
        UniqueConstraint("rota_id", "uid"),
    )


class RotaBreak(Base):
    """A declared pause inside a vacation."""

    __tablename__ = "rota_break"

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"), index=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistant.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]

    rota: Mapped[Rota] = relationship(back_populates="breaks")

    __table_args__ = (CheckConstraint("end_at > start_at", "ordered"),)


class CancelledEvent(Base):
    """An event withdrawn after publication; feeds keep it as STATUS:CANCELLED until it is past."""

    __tablename__ = "cancelled_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistant.id", ondelete="CASCADE"))
    cabinet_id: Mapped[int | None] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    sequence: Mapped[int] = mapped_column(Integer)
    cancelled_at: Mapped[datetime] = mapped_column(default=utcnow)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"))

    __table_args__ = (CheckConstraint("end_at > start_at", "ordered"),)


class PlanRun(Base):
    """A request to plan a period, executed by the jobs process; its progress is readable.

    A groupement has at most one active run (queued or running) over any day: the migration adds
    an exclusion constraint on PostgreSQL (`ex_plan_run_one_active`) and triggers on SQLite, which
    the ORM cannot declare for both.
    """

    __tablename__ = "plan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_days: Mapped[int] = mapped_column(Integer)
    state: Mapped[RunState] = mapped_column(
        _enum(RunState, "run_state"), default=RunState.QUEUED, index=True
    )
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rota.id", ondelete="SET NULL"))
    acknowledged_reason: Mapped[str | None] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    best_objective: Mapped[int | None] = mapped_column(Integer)
    bound: Mapped[int | None] = mapped_column(Integer)
    elapsed_seconds: Mapped[float] = mapped_column(default=0.0)
    time_limit_s: Mapped[float] = mapped_column(default=30.0)
    rota_id: Mapped[int | None] = mapped_column(ForeignKey("rota.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    # An Idempotency-Key is the caller's: unique within its groupement only.
    idempotency_key: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        CheckConstraint("period_days >= 1 AND period_days <= 56", "period_days"),
        CheckConstraint("attempts >= 0", "attempts"),
        UniqueConstraint("groupement_id", "idempotency_key"),
    )


class ChangeNotice(Base):
    """A change to a published rota, for the assistant and the cabinets it concerns."""

    __tablename__ = "change_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"), index=True)
    assistant_id: Mapped[int] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    cabinet_ids: Mapped[list[Any]] = mapped_column(default=list)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    within_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the assistant took note of the change on her page, and under which account (a plain
    # id, as in the audit log: the record outlives the account). Not to be confused with
    # `acknowledged_reason`, the coordinator's reason for a change inside the notice window.
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("within_notice = false OR acknowledged_reason IS NOT NULL", "acknowledged"),
    )


class NoticeEmail(Base):
    """The outbox of change notices by e-mail: one message to a cabinet or an assistant about the
    changes of a publication inside the notice window.

    Written in the publication's own transaction (a publication rolled back leaves none) and
    sent by the jobs process (`send-notice-emails`), never by a web request. `pending` until
    sent (`sent`) or given up (`failed`: no address, or refused after the last attempt), with
    its attempts, the last error and when the next attempt is due.
    """

    __tablename__ = "notice_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    rota_id: Mapped[int] = mapped_column(ForeignKey("rota.id", ondelete="CASCADE"), index=True)
    audience: Mapped[EmailAudience] = mapped_column(_enum(EmailAudience, "email_audience"))
    cabinet_id: Mapped[int | None] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    assistant_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistant.id", ondelete="CASCADE"), index=True
    )
    # The ids of the change notices the message lists.
    notice_ids: Mapped[list[Any]] = mapped_column(default=list)
    recipient: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    state: Mapped[EmailState] = mapped_column(
        _enum(EmailState, "email_state"), default=EmailState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notice_email_due", "state", "next_attempt_at"),
        CheckConstraint("attempts >= 0", "attempts"),
        CheckConstraint(
            "(audience = 'cabinet' AND cabinet_id IS NOT NULL AND assistant_id IS NULL)"
            " OR (audience = 'assistant' AND assistant_id IS NOT NULL AND cabinet_id IS NULL)",
            "one_recipient",
        ),
        CheckConstraint(
            "state <> 'sent' OR (recipient IS NOT NULL AND sent_at IS NOT NULL)", "sent"
        ),
        CheckConstraint("state <> 'failed' OR last_error IS NOT NULL", "failed_has_reason"),
    )


class UserInvitation(Base):
    """An e-mailed invitation to set one's password: how a coordinator adds a user.

    The user is created inactive, with no password anyone knows, and this row is the outbox of
    her invitation: sent by the jobs process (`send-notice-emails`), never by a web request.
    The link's token is issued when the message is sent (only its hash is kept) and is valid
    `INVITATION_VALID` from then; it is spent when the password is set (`used_at`). A newer
    invitation of the same user, or her deactivation, revokes this one (`revoked_at`).
    """

    __tablename__ = "user_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    state: Mapped[EmailState] = mapped_column(
        _enum(EmailState, "email_state"), default=EmailState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_user_invitation_due", "state", "next_attempt_at"),
        CheckConstraint("attempts >= 0", "attempts"),
        CheckConstraint(
            "state <> 'sent' OR (sent_at IS NOT NULL AND token_hash IS NOT NULL"
            " AND expires_at IS NOT NULL)",
            "sent",
        ),
        CheckConstraint("state <> 'failed' OR last_error IS NOT NULL", "failed_has_reason"),
    )


class LedgerEntry(Base):
    """Minutes planned and delivered per contract, cabinet and week (the hours ledger).

    `delivered_minutes` are the planned minutes net of the absences recorded so far, written at
    publication: for a week still to come, a forecast. The reports (scheduler/contribution)
    count them as delivered only once the week is over. When the groupement counts travel in the
    contracts, both include the member's part of the legs leading to the contract's assignments
    (its share of each leg rounded up to the quarter hour, on the quarter hour), and
    `travel_minutes` says how much of the planned ones.
    """

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("pooled_contract.id", ondelete="CASCADE"), index=True
    )
    cabinet_id: Mapped[int] = mapped_column(
        ForeignKey("cabinet.id", ondelete="CASCADE"), index=True
    )
    assistant_id: Mapped[int] = mapped_column(ForeignKey("assistant.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    planned_minutes: Mapped[int] = mapped_column(Integer)
    delivered_minutes: Mapped[int] = mapped_column(Integer)
    # Of the planned minutes, the member's part of the travel when it counts in the contract.
    travel_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    # The week had begun when the rota that planned it was published (after the fact).
    published_late: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    rota_id: Mapped[int | None] = mapped_column(ForeignKey("rota.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("contract_id", "cabinet_id", "assistant_id", "week_start"),
        CheckConstraint("planned_minutes >= 0 AND planned_minutes <= 10080", "planned"),
        CheckConstraint("delivered_minutes >= 0 AND delivered_minutes <= 10080", "delivered"),
    )


class PatienteleSnapshot(Base):
    """A doctor's patientèle on a date, from a CPAM statement or an entry."""

    __tablename__ = "patientele_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctor.id", ondelete="CASCADE"), index=True)
    snapshot_date: Mapped[date] = mapped_column(Date)
    pmt: Mapped[int] = mapped_column(Integer)
    file_active: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("doctor_id", "snapshot_date"),
        CheckConstraint("pmt >= 0 AND pmt <= 100000", "pmt"),
        CheckConstraint("file_active >= 0 AND file_active <= 100000", "file_active"),
    )


class ReferenceStatement(Base):
    """A reference (non-member) doctor's patientèle in one quarter, imported by the CPAM: the
    control group of a contract's evaluation, per département. Doctors are named by RPPS only."""

    __tablename__ = "reference_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(3), index=True)
    rpps: Mapped[str] = mapped_column(String(11))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    pmt: Mapped[int] = mapped_column(Integer)
    file_active: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("rpps", "year", "quarter"),
        CheckConstraint("length(rpps) = 11", "rpps_length"),
        CheckConstraint("year >= 2000 AND year <= 2099", "year"),
        CheckConstraint("quarter >= 1 AND quarter <= 4", "quarter"),
        CheckConstraint("pmt >= 0 AND pmt <= 100000", "pmt"),
        CheckConstraint("file_active >= 0 AND file_active <= 100000", "file_active"),
    )


class ReferenceSeries(Base):
    """A published reference series: a département's average PMT and file active per general
    practitioner in one quarter (the control of an evaluation when no doctor's statements are
    on file)."""

    __tablename__ = "reference_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    pmt: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    file_active: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    doctors: Mapped[int] = mapped_column(Integer)  # how many doctors the averages are over
    source: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("department", "year", "quarter"),
        CheckConstraint("year >= 2000 AND year <= 2099", "year"),
        CheckConstraint("quarter >= 1 AND quarter <= 4", "quarter"),
        CheckConstraint("pmt >= 0 AND pmt <= 100000", "pmt"),
        CheckConstraint("file_active >= 0 AND file_active <= 100000", "file_active"),
        CheckConstraint("doctors >= 1 AND doctors <= 1000000", "doctors"),
    )


class ImportPreview(Base):
    """A CSV import checked line by line and kept on the server until its uploader confirms it
    (`scheduler.services.import_previews`): the file's text, the rows it would add as they are
    shown, and the digest of the stored rows the import would change, at the time of the
    preview. It expires `PREVIEW_VALID` after it was made; the jobs process purges it then."""

    __tablename__ = "import_preview"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The preview's name in its page's address: drawn at random, never reused (SQLite may reuse a
    # deleted row's id, and an old page must not confirm a newer file).
    key: Mapped[str] = mapped_column(String(32), unique=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ImportKind] = mapped_column(_enum(ImportKind, "import_kind"))
    file_name: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)  # the file's text, as decoded
    rows: Mapped[list[Any]] = mapped_column(JSON)  # the rows it would add, as shown
    row_count: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the stored rows it would change
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (
        CheckConstraint("row_count >= 0", "row_count"),
        CheckConstraint("expires_at > created_at", "expires_after_creation"),
    )


class User(Base):
    """A person who signs in, with one role scoped to a groupement."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    cabinet_id: Mapped[int | None] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    assistant_id: Mapped[int | None] = mapped_column(ForeignKey("assistant.id", ondelete="CASCADE"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Tokens issued before this moment are refused: set when the account is deactivated and
    # when a password is chosen from an invitation, so a reopened account's old sessions stay dead.
    sessions_valid_after: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("role <> 'cabinet' OR cabinet_id IS NOT NULL", "cabinet_user_has_cabinet"),
        CheckConstraint(
            "role <> 'assistant' OR assistant_id IS NOT NULL", "assistant_user_has_assistant"
        ),
    )


class AuditorGrant(Base):
    """A contract an auditor may read."""

    __tablename__ = "auditor_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("pooled_contract.id", ondelete="CASCADE"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "contract_id"),)


class SignInThrottle(Base):
    """Failed sign-ins of one account and its lock, shared by every API process.

    Keyed by the SHA-256 of the normalised e-mail rather than by user: an e-mail that names no
    account is counted and locked the same way, so a lock never tells that an account exists.
    `recent_failures` holds the times (ISO 8601, UTC) of the failures of the last
    `auth.FAILURE_WINDOW`, a moving window; `lock_count` the locks since the last successful
    sign-in (each new lock lasts twice the previous one).
    """

    __tablename__ = "sign_in_throttle"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    recent_failures: Mapped[list[Any]] = mapped_column(default=list)
    locked_until: Mapped[datetime | None]
    lock_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("length(account_key) = 64", "sha256_hex"),
        CheckConstraint("lock_count >= 0", "counts"),
    )


class FeedToken(Base):
    """A capability to read one calendar feed; only the SHA-256 of the token is kept.

    The feed is named by its kind and its target's id, whatever the kind: `kind` is a name of the
    feed kinds' registry (`scheduler.feeds.kinds`, checked there, not by the database) and
    `target_id` the id of the row the feed is about. The registry's entry keeps what a foreign
    key would: a token is issued for an existing row of the groupement only, and deleting the
    row deletes its tokens (`_forget_feed_tokens`).
    """

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]
    subscriber: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        # One live token per feed and subscriber label: handing a link out again replaces it.
        Index(
            "uq_feed_token_live",
            "kind",
            "target_id",
            "subscriber",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        # A feed's tokens, found when its target is deleted or a link is handed out again.
        Index("ix_feed_token_target", "kind", "target_id"),
        CheckConstraint("length(token_hash) = 64", "sha256_hex"),
    )


@event.listens_for(Base, "after_delete", propagate=True)
def _forget_feed_tokens(mapper: Mapper[Any], connection: Connection, row: Base) -> None:
    """A deleted row takes the tokens of its feeds along, as a cascading foreign key would (the
    registry of feed kinds says which models feeds are about)."""
    from scheduler.feeds.kinds import kinds_about  # the registry reads the models

    kinds = kinds_about(type(row))
    if kinds:
        connection.execute(
            delete(FeedToken).where(
                FeedToken.kind.in_(kinds),
                FeedToken.target_id == mapper.primary_key_from_instance(row)[0],
            )
        )


class RenderedFeed(Base):
    """A feed's bytes as rendered at the last publication, with its validators."""

    __tablename__ = "rendered_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(
        ForeignKey("groupement.id", ondelete="CASCADE"), index=True
    )
    feed_key: Mapped[str] = mapped_column(String(100), unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))
    last_modified_at: Mapped[datetime]


class RenderedReport(Base):
    """An allocation report's PDF, rendered ahead and keyed by the SHA-256 of the report's content.

    `renderer` fingerprints the template, the rendering code and WeasyPrint: a new release renders
    again rather than serve a PDF laid out by the old code. One row per contract, period and
    audience (`cabinet_id` set for a member's restricted version) is kept: storing a rendering
    removes the stale ones.
    """

    __tablename__ = "rendered_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("pooled_contract.id", ondelete="CASCADE"), index=True
    )
    period_label: Mapped[str] = mapped_column(String(16))
    cabinet_id: Mapped[int | None] = mapped_column(ForeignKey("cabinet.id", ondelete="CASCADE"))
    content_digest: Mapped[str] = mapped_column(String(64))
    renderer: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("content_digest", "renderer"),
        CheckConstraint("length(content_digest) = 64", "sha256_hex"),
    )


class RenderedNationalEvaluation(Base):
    """The national evaluation computed ahead for one day (`scheduler.evaluation_cache`): its CSV
    and JSON exports, the fingerprint of the inputs it read and of the code that computed it.
    A request serves it while both fingerprints still match, else computes it again."""

    __tablename__ = "rendered_national_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, unique=True)
    inputs_digest: Mapped[str] = mapped_column(String(64))
    renderer: Mapped[str] = mapped_column(String(64))
    csv_body: Mapped[bytes] = mapped_column(LargeBinary)
    json_body: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    compute_seconds: Mapped[float] = mapped_column(default=0.0)

    __table_args__ = (
        CheckConstraint("length(inputs_digest) = 64", "inputs_sha256_hex"),
        CheckConstraint("length(renderer) = 64", "renderer_sha256_hex"),
    )


class FirstRunToken(Base):
    """The one-time token of a service's first run: while no user exists, whoever holds it (the
    operator, to whom `partagenda serve` prints it) may create the first groupement and its
    coordinator. Stored hashed; spent once used."""

    __tablename__ = "first_run_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class AuditLog(Base):
    """An append-only record of every change: who, when, what, why (triggers refuse edits)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Plain ids, no foreign keys: the log outlives what it speaks of, and is never updated.
    groupement_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))


class IdempotencyRecord(Base):
    """The stored answer to a write (POST, PUT, PATCH, DELETE) made with an Idempotency-Key,
    committed with the write itself; `request_fingerprint` hashes method, path and body."""

    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]]
    # The headers a replay must repeat (Content-Type, ETag, Location); None on older records.
    response_headers: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


class JobRun(Base):
    """One execution of a scheduled job for a period key: the guard that makes jobs idempotent."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[RunState] = mapped_column(_enum(RunState, "run_state"), default=RunState.RUNNING)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("job_id", "period_key"),)
