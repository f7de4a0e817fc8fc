"""Request and response bodies of the API: `<Entity>Create`, `<Entity>Update`, `<Entity>Read`,
`<Entity>Page`. Updates have every field optional and are applied with `exclude_unset`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from scheduler import models
from scheduler.feeds import FEED_KINDS, offered_kinds
from scheduler.planning import FIRST_DAY, FIRST_YEAR, LAST_DAY, LAST_YEAR

# Whole numbers are JSON integers only (`strict`): `false`, `1.0` or `"1"` are refused, not taken
# for 0 or 1. PostgreSQL `integer` bounds and strings without control characters keep every
# accepted value storable and printable.
Id = Annotated[int, Field(ge=1, le=2_147_483_647, strict=True)]
Weekday = Annotated[int, Field(ge=0, le=6, strict=True, description="0 = Monday ... 6 = Sunday")]
StartMinute = Annotated[
    int, Field(ge=0, le=1439, strict=True, description="Minutes after midnight")
]
EndMinute = Annotated[int, Field(ge=1, le=1440, strict=True, description="Minutes after midnight")]
_NO_NUL = r"^[^\x00]*$"
_NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
# Free text may hold tabs and line breaks, no other control character.
_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*", re.DOTALL)


def _iso_day(value: object) -> object:
    """Only a "YYYY-MM-DD" text (or a date) is a day: not 0, nor a count of seconds."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date written YYYY-MM-DD")


def _plannable_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_range",
            "Input should be a date from {first} to {last}, the years the service can plan",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


def _iso_moment(value: object) -> object:
    """Only an ISO 8601 text (or a datetime) is a moment: not 0, nor a count of seconds."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.fullmatch(value)):
        return value
    raise PydanticCustomError(
        "datetime_type", "Input should be an ISO 8601 date-time with its UTC offset"
    )


# Days and moments the service can plan (solver.model's years, the CLI's too): far-off years
# would overflow the date arithmetic of plans, feeds and reports. `Day` also types the date
# parameters of the query and of the pages' forms.
Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_plannable_day)]

_ISO_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})")


def _iso_day_or_week(value: object) -> object:
    """A day as `Day` reads it, or the Monday of an ISO week written as the CLI writes weeks
    (`2026-W51`)."""
    match = _ISO_WEEK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        if isinstance(value, date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
            return value
        raise PydanticCustomError(
            "iso_week", "Input should be a date written YYYY-MM-DD or an ISO week YYYY-Www"
        )
    year, week = int(match[1]), int(match[2])
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PydanticCustomError(
            "iso_week_number",
            "Year {year} has no week {week}",
            {"year": year, "week": week},
        ) from None


WeekDay = Annotated[date, BeforeValidator(_iso_day_or_week), AfterValidator(_plannable_day)]
"""A day of the week wanted (the pages read its Monday): `2026-12-14` or `2026-W51`."""
Moment = Annotated[
    AwareDatetime,
    Field(
        ge=datetime(FIRST_YEAR, 1, 1, tzinfo=UTC),
        le=datetime(LAST_YEAR, 12, 31, tzinfo=UTC),
        description="With its UTC offset",
    ),
    BeforeValidator(_iso_moment),
]


class _FeedKindName(str):
    """A kind of calendar feed, checked against the registry (`scheduler.feeds.kinds`) at each
    call, so that a kind registered once is taken here too. The OpenAPI document names it as the
    `FeedKind` component, its values in the order they are offered."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            _known_feed_kind,
            core_schema.str_schema(),
            ref="FeedKind",
            metadata={"pydantic_js_functions": [_feed_kind_schema]},
        )


def _feed_kind_schema(
    _schema: core_schema.CoreSchema, _handler: GetJsonSchemaHandler
) -> JsonSchemaValue:
    # Written when the OpenAPI document is, from the registry.
    return {
        "description": "Whose calendar a feed shows.",
        "enum": offered_kinds(),
        "title": "FeedKind",
        "type": "string",
    }


def _known_feed_kind(value: str) -> str:
    if value not in FEED_KINDS:
        *names, last = (f"'{name}'" for name in offered_kinds())
        expected = f"{', '.join(names)} or {last}" if names else last
        raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
    return value


FeedKindName = Annotated[str, _FeedKindName]


Code = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
Name100 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_NO_CONTROL),
]
Name200 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_NO_CONTROL),
]
Text300 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=_NO_CONTROL)
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=_TEXT)
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$",
    ),
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list, with the total count of matching items."""

    items: list[T]
    total: int
    limit: int
    offset: int


class RequestModel(BaseModel):
    """Base of request bodies: an unknown field (a typo) is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    """Base of read bodies: built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Window(BaseModel):
    """A recurring weekly window."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    weekday: Weekday
    start_minute: StartMinute
    end_minute: EndMinute

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_minute <= self.start_minute:
            raise ValueError("end_minute must be after start_minute")
        return self


# --- Auth and users ------------------------------------------------------------------------------


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserCreate(RequestModel):
    """A new user of the caller's groupement."""

    email: Email
    full_name: Name200
    password: Annotated[str, StringConstraints(min_length=8, max_length=200, pattern=_NO_NUL)]
    role: models.Role
    cabinet_id: Id | None = None
    assistant_id: Id | None = None
    granted_contract_ids: list[Id] = Field(default_factory=list, max_length=100)


class UserInvite(RequestModel):
    """A person to invite into the caller's groupement: she chooses her password from the
    e-mailed link (valid 72 h)."""

    email: Email
    full_name: Name200
    role: models.Role
    cabinet_id: Id | None = None
    assistant_id: Id | None = None
    granted_contract_ids: list[Id] = Field(default_factory=list, max_length=100)


class UserRead(ReadModel):
    """A user, without secrets."""

    id: int
    groupement_id: int
    email: str
    full_name: str
    role: models.Role
    cabinet_id: int | None
    assistant_id: int | None
    is_active: bool
    created_at: datetime


class UserPage(Page[UserRead]):
    """A page of users."""


# --- Groupements ---------------------------------------------------------------------------------


class GroupementRead(ReadModel):
    """A groupement d'employeurs."""

    id: int
    slug: str
    name: str
    timezone: str
    travel_in_contract: bool = Field(
        description="Travel between cabinets counts in the contracts' hours, shared by their "
        "members share by share (true, a new groupement's default); or it is paid beyond them "
        "(false): overtime, or for a part-time contract heures complémentaires within a tenth of "
        "its hours."
    )
    complementary_accord: bool = Field(
        description="An accord allows heures complémentaires up to a third of a part-time "
        "contract's hours (instead of a tenth)."
    )
    created_at: datetime
    version: int


class GroupementUpdate(RequestModel):
    """Changes to a groupement."""

    name: Name200 | None = None
    timezone: (
        Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_NO_NUL)] | None
    ) = None
    travel_in_contract: bool | None = None
    complementary_accord: bool | None = None


class GroupementPage(Page[GroupementRead]):
    """A page of groupements."""


# --- Assistants ----------------------------------------------------------------------------------


class AssistantCreate(RequestModel):
    """A new assistant, with her weekly availability."""

    code: Code
    first_name: Name100
    last_name: Name100
    email: Email | None = None
    preferred_days_off: list[Weekday] = Field(default_factory=list, max_length=7)
    earliest_start_minute: StartMinute | None = None
    latest_end_minute: EndMinute | None = None
    availability: list[Window] = Field(default_factory=list, max_length=50)


class AssistantUpdate(RequestModel):
    """Changes to an assistant; `availability`, when given, replaces the windows."""

    code: Code | None = None
    first_name: Name100 | None = None
    last_name: Name100 | None = None
    email: Email | None = None
    preferred_days_off: list[Weekday] | None = Field(default=None, max_length=7)
    earliest_start_minute: StartMinute | None = None
    latest_end_minute: EndMinute | None = None
    availability: list[Window] | None = Field(default=None, max_length=50)


class AssistantRead(ReadModel):
    """An assistant."""

    id: int
    groupement_id: int
    code: str
    first_name: str
    last_name: str
    email: str | None
    preferred_days_off: list[int]
    earliest_start_minute: int | None
    latest_end_minute: int | None
    availability: list[Window]
    version: int


class AssistantPage(Page[AssistantRead]):
    """A page of assistants."""


# --- Cabinets ------------------------------------------------------------------------------------

Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]
Postcode = Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")]
Department = Annotated[str, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]?$")]


class CabinetCreate(RequestModel):
    """A new member cabinet, with its opening hours."""

    code: Code
    name: Name200
    address: Text300
    postcode: Postcode
    city: Name100
    department: Department
    latitude: Latitude
    longitude: Longitude
    places: Annotated[int, Field(ge=1, le=50, strict=True)] = 1
    contact_email: Email | None = None
    opening: list[Window] = Field(default_factory=list, max_length=50)


class CabinetUpdate(RequestModel):
    """Changes to a cabinet; `opening`, when given, replaces the windows."""

    code: Code | None = None
    name: Name200 | None = None
    address: Text300 | None = None
    postcode: Postcode | None = None
    city: Name100 | None = None
    department: Department | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    places: Annotated[int, Field(ge=1, le=50, strict=True)] | None = None
    contact_email: Email | None = None
    opening: list[Window] | None = Field(default=None, max_length=50)


class CabinetRead(ReadModel):
    """A cabinet."""

    id: int
    groupement_id: int
    code: str
    name: str
    address: str
    postcode: str
    city: str
    department: str
    latitude: Decimal
    longitude: Decimal
    places: int
    contact_email: str | None
    opening: list[Window]
    version: int


class CabinetPage(Page[CabinetRead]):
    """A page of cabinets."""


# --- Doctors -------------------------------------------------------------------------------------

Rpps = Annotated[str, StringConstraints(pattern=r"^[0-9]{11}$")]


# Patients already gained under a doctor's earlier individual contract (PMT or file active): taken
# off the target of the collective contract he joins.
EarlierGain = Annotated[int, Field(ge=0, le=100_000, strict=True)]


class DoctorCreate(RequestModel):
    """A doctor of a member cabinet."""

    cabinet_id: Id
    rpps: Rpps
    first_name: Name100
    last_name: Name100
    specialty: Name100 = "médecine générale"
    installed_on: Day | None = None
    pamsu_junior: StrictBool = Field(
        default=False,
        description="A PAMSU hosting a docteur junior: a collective contract may fund 0.5 ETP "
        "more per such member doctor from November 2026.",
    )
    earlier_gain_pmt: EarlierGain = 0
    earlier_gain_fa: EarlierGain = 0


class DoctorUpdate(RequestModel):
    """Changes to a doctor."""

    cabinet_id: Id | None = None
    rpps: Rpps | None = None
    first_name: Name100 | None = None
    last_name: Name100 | None = None
    specialty: Name100 | None = None
    installed_on: Day | None = None
    pamsu_junior: StrictBool | None = None
    earlier_gain_pmt: EarlierGain | None = None
    earlier_gain_fa: EarlierGain | None = None


class DoctorRead(ReadModel):
    """A doctor."""

    id: int
    cabinet_id: int
    rpps: str
    first_name: str
    last_name: str
    specialty: str
    installed_on: date | None
    pamsu_junior: bool
    earlier_gain_pmt: int
    earlier_gain_fa: int
    version: int


class DoctorPage(Page[DoctorRead]):
    """A page of doctors."""


# --- Contracts -----------------------------------------------------------------------------------


class ContractAssistantItem(ReadModel):
    """An assistant's weekly minutes under a contract."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    assistant_id: Id
    weekly_minutes: Annotated[int, Field(ge=1, le=2880, strict=True)]


class ShareItem(ReadModel):
    """A member cabinet's share, in basis points (10000 = 100 %)."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    cabinet_id: Id
    share_bp: Annotated[int, Field(ge=1, le=10_000, strict=True)]


class SharePlanCreate(RequestModel):
    """A new share plan of a contract from `valid_from` on; shares must sum to 10000."""

    valid_from: Day
    shares: list[ShareItem] = Field(min_length=1, max_length=60)


class MemberDoctorSet(RequestModel):
    """A doctor's membership of a contract (his bulletin d'adhésion) from `valid_from` to
    `valid_to` (exclusive; none: still a member)."""

    valid_from: Day
    valid_to: Day | None = None


class MemberDoctorRead(ReadModel):
    """A doctor's membership of a contract."""

    contract_id: int
    doctor_id: int
    valid_from: date
    valid_to: date | None
    off_anniversary: bool = Field(
        description="A collective contract's membership that begins or ends off an anniversary "
        "(doctors join and leave on anniversaries), kept from before the rule."
    )


class SharePlanRead(ReadModel):
    """A share plan."""

    id: int
    valid_from: date
    shares: list[ShareItem]
    off_anniversary: bool = Field(
        description="A collective contract's plan that does not start on an anniversary (its "
        "members join and leave on anniversaries), kept from before the rule."
    )


class AuditorGrantCreate(RequestModel):
    """Let a CPAM auditor's account (in whatever groupement) read the contract."""

    email: Email


class AuditorGrantRead(ReadModel):
    """An auditor who reads the contract."""

    id: int
    contract_id: int
    email: str
    full_name: str
    granted_at: datetime


class AuditorGrantList(BaseModel):
    """The auditors who read a contract, by e-mail."""

    items: list[AuditorGrantRead]


Etp = Annotated[Decimal, Field(gt=0, le=20, max_digits=4, decimal_places=2)]
Euros = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=10, decimal_places=2)]


class ContractCreate(RequestModel):
    """A pooled contract with its assistants and its first share plan (from `start_date`)."""

    code: Code
    name: Name200
    kind: models.ContractKind = models.ContractKind.COLLECTIVE
    start_date: Day
    duration_years: Annotated[int, Field(ge=1, le=10, strict=True)] = 5
    funded_etp: Etp
    target_policy_code: Code = "collective-2026"
    cost_split: models.CostSplit = models.CostSplit.BY_SHARE
    annual_employer_cost_eur: Euros = Decimal("50000")
    balancing_period: models.BalancingPeriod = Field(
        default=models.BalancingPeriod.QUARTER,
        description="Over which period a member's share balance is carried before it is "
        "settled: a deficit not made up by its end is left uncompensated.",
    )
    training_site: StrictBool = Field(
        default=False,
        description="The signatory structure is an approved training site: the contract may "
        "fund 0.5 ETP more per member doctor from November 2026.",
    )
    assistants: list[ContractAssistantItem] = Field(min_length=1, max_length=10)
    shares: list[ShareItem] = Field(min_length=1, max_length=60)


class ContractUpdate(RequestModel):
    """Changes to a contract; `assistants`, when given, replaces the list."""

    name: Name200 | None = None
    duration_years: Annotated[int, Field(ge=1, le=10, strict=True)] | None = None
    funded_etp: Etp | None = None
    cost_split: models.CostSplit | None = None
    annual_employer_cost_eur: Euros | None = None
    balancing_period: models.BalancingPeriod | None = None
    training_site: StrictBool | None = None
    assistants: list[ContractAssistantItem] | None = Field(
        default=None, min_length=1, max_length=10
    )


class ContractRead(ReadModel):
    """A pooled contract, in full: what its groupement's coordinator, its member cabinets and the
    groupement's auditors read."""

    view: Literal["full"] = Field(
        default="full", description="`full`: the contract as it is managed"
    )
    id: int
    groupement_id: int
    code: str
    name: str
    kind: models.ContractKind
    start_date: date
    duration_years: int
    funded_etp: Decimal
    target_policy_id: int
    cost_split: models.CostSplit
    annual_employer_cost_eur: Decimal
    balancing_period: models.BalancingPeriod
    training_site: bool
    assistants: list[ContractAssistantItem]
    share_plans: list[SharePlanRead]
    version: int


class ContractFiguresRead(ReadModel):
    """A pooled contract as its allocation report shows it: what an auditor reads of a contract
    granted to her in another groupement, and the national reader of every contract. No
    assistant, no cabinet id, no cost: the member cabinets by name."""

    view: Literal["figures"] = Field(
        default="figures", description="`figures`: the contract as its reports show it"
    )
    id: int
    code: str
    name: str
    kind: models.ContractKind
    start_date: date
    duration_years: int
    funded_etp: Decimal
    weekly_minutes: int = Field(description="The minutes a week its assistants work for it")
    target_policy_code: str
    target_policy_version: int
    members: list[str] = Field(description="Its member cabinets' names, in the order they joined")


ContractShown = Annotated[ContractRead | ContractFiguresRead, Field(discriminator="view")]
"""A contract as the caller reads it: in full, or its report's figures (the access policy)."""


class ContractPage(Page[ContractShown]):
    """A page of contracts, each as the caller reads it."""


# --- Travel times --------------------------------------------------------------------------------


# Road minutes between two cabinets of one groupement: four hours at most (well within a week).
TravelMinutes = Annotated[int, Field(ge=1, le=240, strict=True)]


class TravelTimeCreate(RequestModel):
    """Road minutes between two cabinets (either order)."""

    origin_id: Id
    destination_id: Id
    minutes: TravelMinutes


class TravelTimeUpdate(RequestModel):
    """A confirmed number of minutes (clears `estimated`)."""

    minutes: TravelMinutes | None = None


class TravelTimeRead(ReadModel):
    """Road minutes between two cabinets; `estimated` until a coordinator confirms them."""

    id: int
    origin_id: int
    destination_id: int
    minutes: int
    estimated: bool
    version: int


class TravelTimePage(Page[TravelTimeRead]):
    """A page of travel times."""


class TravelEstimateResult(BaseModel):
    """The pairs that were missing and got an estimate."""

    created: list[TravelTimeRead]


# --- Consultation sessions -----------------------------------------------------------------------


class ConsultationSessionCreate(Window):
    """A weekly consultation session of a cabinet's doctors."""

    cabinet_id: Id
    doctor_id: Id | None = None
    weight: Annotated[int, Field(ge=0, le=100, strict=True)] = 1


class ConsultationSessionUpdate(RequestModel):
    """Changes to a consultation session."""

    doctor_id: Id | None = None
    weekday: Weekday | None = None
    start_minute: StartMinute | None = None
    end_minute: EndMinute | None = None
    weight: Annotated[int, Field(ge=0, le=100, strict=True)] | None = None


class ConsultationSessionRead(ReadModel):
    """A consultation session; `version` is a digest of its content."""

    id: int
    cabinet_id: int
    doctor_id: int | None
    weekday: int
    start_minute: int
    end_minute: int
    weight: int
    version: int


class ConsultationSessionPage(Page[ConsultationSessionRead]):
    """A page of consultation sessions."""


# --- Absences ------------------------------------------------------------------------------------


class AbsenceCreate(RequestModel):
    """An absence of an assistant."""

    assistant_id: Id
    kind: models.AbsenceKind
    start_at: Moment
    end_at: Moment
    replaced: StrictBool = False
    reason: Reason | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


class AbsenceUpdate(RequestModel):
    """Changes to an absence."""

    kind: models.AbsenceKind | None = None
    start_at: Moment | None = None
    end_at: Moment | None = None
    replaced: StrictBool | None = None
    reason: Reason | None = None


class AbsenceRead(ReadModel):
    """An absence."""

    id: int
    assistant_id: int
    kind: models.AbsenceKind
    start_at: datetime
    end_at: datetime
    replaced: bool
    reason: str | None
    recorded_at: datetime
    version: int


class AbsencePage(Page[AbsenceRead]):
    """A page of absences."""


# --- Audit ---------------------------------------------------------------------------------------


class AuditEntryRead(ReadModel):
    """One audit log row."""

    id: int
    actor_id: int | None
    actor: str
    at: datetime
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


class AuditEntryPage(Page[AuditEntryRead]):
    """A page of the audit log."""


# --- Planning workflow ---------------------------------------------------------------------------


class PlanRunCreate(RequestModel):
    """Ask for a rota of a period (it starts on a Monday)."""

    period_start: Day
    days: Annotated[int, Field(ge=1, le=56, strict=True)] = 7
    based_on_id: Id | None = None
    acknowledged_reason: Reason | None = None
    time_limit_s: Annotated[float, Field(gt=0, le=3600, strict=True)] | None = None


class PlanRunRead(ReadModel):
    """A plan run and its progress."""

    id: int
    state: models.RunState
    period_start: date
    period_days: int
    based_on_id: int | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    best_objective: int | None
    bound: int | None
    elapsed_seconds: float
    time_limit_s: float
    cancel_requested: bool
    rota_id: int | None
    error: str | None


class PlanRunPage(Page[PlanRunRead]):
    """A page of plan runs."""


class NationalReplanCreate(RequestModel):
    """Plan a week (it starts on a Monday) in every groupement at once."""

    week: Day
    time_limit_s: Annotated[float, Field(gt=0, le=3600, strict=True)] | None = None


class NationalReplanRead(ReadModel):
    """Where the national re-plan of a week stands: its runs by state, and their throughput."""

    week: date
    total: int
    queued: int
    running: int
    succeeded: int
    failed: int
    cancelled: int
    throughput_per_s: float | None = Field(description="Runs ended per second since the request.")
    busy_elsewhere: list[str] = Field(
        default_factory=list,
        description="Groupements (slugs) whose week was already being planned: left to that run.",
    )


class AssignmentRead(ReadModel):
    """An assistant at a cabinet under a contract."""

    id: int
    assistant_id: int
    contract_id: int
    cabinet_id: int
    start_at: datetime
    end_at: datetime
    pinned: bool
    uid: str
    sequence: int


class TravelLegRead(ReadModel):
    """A trip between two cabinets inside a working day."""

    id: int
    assistant_id: int
    origin_id: int
    destination_id: int
    start_at: datetime
    end_at: datetime


class CabinetMinutesRead(ReadModel):
    """A member's planned minutes under a contract against its share."""

    contract_id: int
    cabinet_id: int
    share_bp: int
    planned_minutes: int
    target_minutes: int


class RotaSummary(ReadModel):
    """A rota version without its rows."""

    id: int
    period_start: date
    period_days: int
    revision: int
    status: models.RotaStatus
    solver_status: str
    objective: int | None
    bound: int | None
    based_on_id: int | None
    created_at: datetime
    published_at: datetime | None
    published_late: bool = Field(
        description="Published once its period had begun (after the fact): its hours were not "
        "planned ahead, and the ledger, the reports and the national export flag its weeks."
    )
    late_reason: str | None = Field(description="Why it was published after the fact.")
    lock_version: int


class RotaRead(RotaSummary):
    """A rota with its objective term by term, its rows and each cabinet's minutes vs share."""

    objective_terms: dict[str, Any]
    explanation: list[Any]
    assignments: list[AssignmentRead]
    travel_legs: list[TravelLegRead]
    cabinet_minutes: list[CabinetMinutesRead]


class RotaPage(Page[RotaSummary]):
    """A page of rotas."""


class ViolationRead(BaseModel):
    """A hard rule the rota breaks."""

    rule: str
    assistant: str | None
    day: date | None
    message: str


class MoveEdit(RequestModel):
    """Move an assignment to other times (and optionally another cabinet)."""

    op: Literal["move"]
    assignment_id: Id
    start: Moment
    end: Moment
    cabinet_id: Id | None = None


class AddEdit(RequestModel):
    """Add an assignment."""

    op: Literal["add"]
    assistant_id: Id
    contract_id: Id
    cabinet_id: Id
    start: Moment
    end: Moment
    pinned: StrictBool = False


class DeleteEdit(RequestModel):
    """Remove an assignment."""

    op: Literal["delete"]
    assignment_id: Id


class PinEdit(RequestModel):
    """Pin or unpin an assignment so that re-planning keeps it."""

    op: Literal["pin"]
    assignment_id: Id
    pinned: StrictBool = True


RotaEdit = Annotated[MoveEdit | AddEdit | DeleteEdit | PinEdit, Field(discriminator="op")]


class RotaEditResult(BaseModel):
    """The edited rota's new version and the checker's violations."""

    rota_id: int
    lock_version: int
    violations: list[ViolationRead]


class PublishRequest(RequestModel):
    """Publish a draft; inside the notice window a reason (the assistant's agreement) is needed."""

    acknowledged_reason: Reason | None = None


class ChangeNoticeRead(ReadModel):
    """A change to a published rota."""

    id: int
    rota_id: int
    assistant_id: int
    cabinet_ids: list[int]
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    description: str
    within_notice: bool
    acknowledged_reason: str | None
    created_at: datetime
    acknowledged_at: datetime | None = Field(
        description="When the assistant confirmed on her page that she took note of the change."
    )
    acknowledged_by_id: int | None = Field(
        description="The account she confirmed it under (a user id, kept if the account goes)."
    )


class ChangeNoticePage(Page[ChangeNoticeRead]):
    """A page of change notices."""


DELIVERED = (
    "Planned minutes net of the absences recorded so far. For a week that is not over (its Monday "
    "is not before this week's), a forecast: the allocation reports count it as delivered only "
    "once the week is over."
)


class LedgerEntryRead(ReadModel):
    """Minutes planned and delivered per contract, cabinet, assistant and week."""

    contract_id: int
    cabinet_id: int
    assistant_id: int
    week_start: date
    planned_minutes: int
    delivered_minutes: int = Field(description=DELIVERED)
    rota_id: int | None


class LedgerWeekTotal(BaseModel):
    """The group's totals for a week."""

    week_start: date
    planned_minutes: int
    delivered_minutes: int = Field(description=DELIVERED)


class LedgerRead(BaseModel):
    """The hours ledger the caller may see."""

    entries: list[LedgerEntryRead]
    totals: list[LedgerWeekTotal]


class SubscriptionCreate(RequestModel):
    """A request for a calendar subscription: which feed, for whom."""

    kind: FeedKindName
    target_id: Id = Field(description="The cabinet, assistant or groupement whose feed it is")
    subscriber: Name200 = Field(description="Who will use the link (shown in the list)")


class SubscribeLinks(BaseModel):
    """The ways to subscribe to one feed; they carry the token and are shown once."""

    ics: str
    webcal: str
    google: str
    outlook: str


class SubscriptionCreated(BaseModel):
    """A new subscription: its id (to revoke it) and its links."""

    id: int
    links: SubscribeLinks


class SubscriptionRead(ReadModel):
    """A live subscription (the token itself is never shown again)."""

    id: int
    kind: FeedKindName
    target_id: int = Field(description="The row whose feed it is, of the kind `kind`")
    cabinet_id: int | None = Field(description="`target_id` when the kind is `cabinet`")
    assistant_id: int | None = Field(description="`target_id` when the kind is `assistant`")
    subscriber: str
    created_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _own_columns(cls, row: Any) -> Any:
        # A token names its target by kind and id; the cabinet's and assistant's ids are read as
        # they were when each had its own column.
        if not isinstance(row, models.FeedToken):
            return row
        return {
            "id": row.id,
            "kind": row.kind,
            "target_id": row.target_id,
            "cabinet_id": row.target_id if row.kind == models.FeedKind.CABINET else None,
            "assistant_id": row.target_id if row.kind == models.FeedKind.ASSISTANT else None,
            "subscriber": row.subscriber,
            "created_at": row.created_at,
        }


class PatienteleSnapshotCreate(RequestModel):
    """One doctor's patientèle on a date, from a CPAM statement."""

    doctor_id: Id
    snapshot_date: Day
    pmt: int = Field(ge=0, le=100_000, strict=True, description="Patientèle médecin traitant")
    file_active: int = Field(
        ge=0, le=100_000, strict=True, description="Distinct patients seen in 12 months"
    )
    source: Name100 = "relevé CPAM"


class PatienteleSnapshotRead(ReadModel):
    """A recorded patientèle statement."""

    id: int
    doctor_id: int
    snapshot_date: date
    pmt: int
    file_active: int
    source: str
    recorded_at: datetime


class ImportResult(BaseModel):
    """What an all-or-nothing import stored."""

    imported: int
