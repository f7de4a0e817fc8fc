"""Initial schema: the whole domain model, its share-total and append-only triggers.

Revision ID: e7d3a262d39e
Revises:
Create Date: 2026-11-22 13:17:38.815969+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e7d3a262d39e"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Shares of a plan must total 10,000 basis points. A trigger keeps share_plan.share_total_bp up to
# date; the deferred foreign key to share_total_rule (whose only row is 10,000) checks it at commit,
# so a plan and its shares are written in one transaction and never half.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER share_total_after_insert AFTER INSERT ON share BEGIN
        UPDATE share_plan SET share_total_bp =
            (SELECT COALESCE(SUM(share_bp), 0) FROM share WHERE plan_id = NEW.plan_id)
        WHERE id = NEW.plan_id; END""",
    """CREATE TRIGGER share_total_after_update AFTER UPDATE ON share BEGIN
        UPDATE share_plan SET share_total_bp =
            (SELECT COALESCE(SUM(share_bp), 0) FROM share WHERE plan_id = share_plan.id)
        WHERE id IN (OLD.plan_id, NEW.plan_id); END""",
    """CREATE TRIGGER share_total_after_delete AFTER DELETE ON share BEGIN
        UPDATE share_plan SET share_total_bp =
            (SELECT COALESCE(SUM(share_bp), 0) FROM share WHERE plan_id = OLD.plan_id)
        WHERE id = OLD.plan_id; END""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER assignment_frozen_insert BEFORE INSERT ON assignment
        WHEN (SELECT status FROM rota WHERE id = NEW.rota_id) <> 'draft' BEGIN
        SELECT RAISE(ABORT, 'a published rota is immutable'); END""",
    """CREATE TRIGGER assignment_frozen_update BEFORE UPDATE ON assignment
        WHEN (SELECT status FROM rota WHERE id = OLD.rota_id) <> 'draft' BEGIN
        SELECT RAISE(ABORT, 'a published rota is immutable'); END""",
    """CREATE TRIGGER travel_leg_frozen_insert BEFORE INSERT ON travel_leg
        WHEN (SELECT status FROM rota WHERE id = NEW.rota_id) <> 'draft' BEGIN
        SELECT RAISE(ABORT, 'a published rota is immutable'); END""",
    """CREATE TRIGGER travel_leg_frozen_update BEFORE UPDATE ON travel_leg
        WHEN (SELECT status FROM rota WHERE id = OLD.rota_id) <> 'draft' BEGIN
        SELECT RAISE(ABORT, 'a published rota is immutable'); END""",
]
_SQLITE_TRIGGER_NAMES = [
    "share_total_after_insert",
    "share_total_after_update",
    "share_total_after_delete",
    "audit_log_no_update",
    "audit_log_no_delete",
    "assignment_frozen_insert",
    "assignment_frozen_update",
    "travel_leg_frozen_insert",
    "travel_leg_frozen_update",
]

_POSTGRESQL_FUNCTIONS = [
    """CREATE FUNCTION share_total_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE share_plan SET share_total_bp =
                (SELECT COALESCE(SUM(share_bp), 0) FROM share WHERE plan_id = OLD.plan_id)
            WHERE id = OLD.plan_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE share_plan SET share_total_bp =
                (SELECT COALESCE(SUM(share_bp), 0) FROM share WHERE plan_id = NEW.plan_id)
            WHERE id = NEW.plan_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$""",
    """CREATE FUNCTION refuse_published_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT status FROM rota WHERE id = NEW.rota_id) <> 'draft' THEN
            RAISE EXCEPTION 'a published rota is immutable' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$""",
]
_POSTGRESQL_TRIGGERS = [
    (
        "CREATE TRIGGER share_total AFTER INSERT OR UPDATE OR DELETE ON share"
        " FOR EACH ROW EXECUTE FUNCTION share_total_refresh()"
    ),
    (
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION refuse_change()"
    ),
    (
        "CREATE TRIGGER assignment_frozen BEFORE INSERT OR UPDATE ON assignment"
        " FOR EACH ROW EXECUTE FUNCTION refuse_published_change()"
    ),
    (
        "CREATE TRIGGER travel_leg_frozen BEFORE INSERT OR UPDATE ON travel_leg"
        " FOR EACH ROW EXECUTE FUNCTION refuse_published_change()"
    ),
]


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in [*_POSTGRESQL_FUNCTIONS, *_POSTGRESQL_TRIGGERS]:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    op.execute("INSERT INTO share_total_rule (total_bp) VALUES (10000)")


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS travel_leg_frozen ON travel_leg")
        op.execute("DROP TRIGGER IF EXISTS assignment_frozen ON assignment")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS share_total ON share")
        for function in ("refuse_published_change", "refuse_change", "share_total_refresh"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "groupement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(slug) > 0", name=op.f("ck_groupement_slug_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupement")),
        sa.UniqueConstraint("slug", name=op.f("uq_groupement_slug")),
    )
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("period_key", sa.String(length=64), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="run_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job_id", "period_key", name=op.f("uq_job_run_job_id_period_key")),
    )
    op.create_table(
        "share_total_rule",
        sa.Column("total_bp", sa.Integer(), autoincrement=False, nullable=False),
        sa.CheckConstraint("total_bp = 10000", name=op.f("ck_share_total_rule_only_full")),
        sa.PrimaryKeyConstraint("total_bp", name=op.f("pk_share_total_rule")),
    )
    op.create_table(
        "target_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "collective",
                "individual",
                name="contract_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from", name=op.f("ck_target_policy_validity")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_policy")),
        sa.UniqueConstraint(
            "code", "policy_version", name=op.f("uq_target_policy_code_policy_version")
        ),
    )
    op.create_table(
        "assistant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("preferred_days_off", sa.JSON(), nullable=False),
        sa.Column("earliest_start_minute", sa.Integer(), nullable=True),
        sa.Column("latest_end_minute", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "earliest_start_minute IS NULL OR (earliest_start_minute >= 0 AND earliest_start_minute < 1440)",
            name=op.f("ck_assistant_earliest_start"),
        ),
        sa.CheckConstraint(
            "latest_end_minute IS NULL OR (latest_end_minute > 0 AND latest_end_minute <= 1440)",
            name=op.f("ck_assistant_latest_end"),
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_assistant_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant")),
        sa.UniqueConstraint("groupement_id", "code", name=op.f("uq_assistant_groupement_id_code")),
    )
    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assistant_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "cabinet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=3), nullable=False),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("latitude >= -90 AND latitude <= 90", name=op.f("ck_cabinet_latitude")),
        sa.CheckConstraint("length(postcode) = 5", name=op.f("ck_cabinet_postcode")),
        sa.CheckConstraint(
            "longitude >= -180 AND longitude <= 180", name=op.f("ck_cabinet_longitude")
        ),
        sa.CheckConstraint("places >= 1 AND places <= 50", name=op.f("ck_cabinet_places")),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_cabinet_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cabinet")),
        sa.UniqueConstraint("groupement_id", "code", name=op.f("uq_cabinet_groupement_id_code")),
    )
    with op.batch_alter_table("cabinet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cabinet_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "pooled_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "collective",
                "individual",
                name="contract_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("duration_years", sa.Integer(), nullable=False),
        sa.Column("funded_etp", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("target_policy_id", sa.Integer(), nullable=False),
        sa.Column(
            "cost_split",
            sa.Enum(
                "by_share",
                "by_hours",
                name="cost_split",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("annual_employer_cost_eur", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("annual_employer_cost_eur >= 0", name=op.f("ck_pooled_contract_cost")),
        sa.CheckConstraint(
            "duration_years >= 1 AND duration_years <= 10", name=op.f("ck_pooled_contract_duration")
        ),
        sa.CheckConstraint(
            "funded_etp > 0 AND funded_etp <= 20", name=op.f("ck_pooled_contract_funded_etp")
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_pooled_contract_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_policy_id"],
            ["target_policy.id"],
            name=op.f("fk_pooled_contract_target_policy_id_target_policy"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pooled_contract")),
        sa.UniqueConstraint(
            "groupement_id", "code", name=op.f("uq_pooled_contract_groupement_id_code")
        ),
    )
    with op.batch_alter_table("pooled_contract", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pooled_contract_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "rendered_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("feed_key", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=80), nullable=False),
        sa.Column("last_modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_rendered_feed_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rendered_feed")),
        sa.UniqueConstraint("feed_key", name=op.f("uq_rendered_feed_feed_key")),
    )
    with op.batch_alter_table("rendered_feed", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rendered_feed_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "leave",
                "sickness",
                "training",
                "other",
                name="absence_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_absence_ordered")),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_absence_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
    )
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absence_assistant_id"), ["assistant_id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "coordinator",
                "cabinet",
                "assistant",
                "auditor",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("cabinet_id", sa.Integer(), nullable=True),
        sa.Column("assistant_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role <> 'assistant' OR assistant_id IS NOT NULL",
            name=op.f("ck_app_user_assistant_user_has_assistant"),
        ),
        sa.CheckConstraint(
            "role <> 'cabinet' OR cabinet_id IS NOT NULL",
            name=op.f("ck_app_user_cabinet_user_has_cabinet"),
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_app_user_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_app_user_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_app_user_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email", name=op.f("uq_app_user_email")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "availability_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "end_minute > 0 AND end_minute <= 1440", name=op.f("ck_availability_window_end_in_day")
        ),
        sa.CheckConstraint(
            "end_minute > start_minute", name=op.f("ck_availability_window_ordered")
        ),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440",
            name=op.f("ck_availability_window_start_in_day"),
        ),
        sa.CheckConstraint(
            "weekday >= 0 AND weekday <= 6", name=op.f("ck_availability_window_weekday")
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_availability_window_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_window")),
    )
    with op.batch_alter_table("availability_window", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_availability_window_assistant_id"), ["assistant_id"], unique=False
        )

    op.create_table(
        "contract_assistant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("weekly_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "weekly_minutes > 0 AND weekly_minutes <= 2880",
            name=op.f("ck_contract_assistant_weekly_minutes"),
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_contract_assistant_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_contract_assistant_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_assistant")),
        sa.UniqueConstraint(
            "contract_id",
            "assistant_id",
            name=op.f("uq_contract_assistant_contract_id_assistant_id"),
        ),
    )
    with op.batch_alter_table("contract_assistant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_assistant_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contract_assistant_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "doctor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("specialty", sa.String(length=100), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(rpps) = 11", name=op.f("ck_doctor_rpps_length")),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_doctor_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doctor")),
        sa.UniqueConstraint("rpps", name=op.f("uq_doctor_rpps")),
    )
    with op.batch_alter_table("doctor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doctor_cabinet_id"), ["cabinet_id"], unique=False)

    op.create_table(
        "feed_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cabinet",
                "assistant",
                "groupement",
                name="feed_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("cabinet_id", sa.Integer(), nullable=True),
        sa.Column("assistant_id", sa.Integer(), nullable=True),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'cabinet' AND cabinet_id IS NOT NULL AND assistant_id IS NULL) OR (kind = 'assistant' AND assistant_id IS NOT NULL AND cabinet_id IS NULL) OR (kind = 'groupement' AND cabinet_id IS NULL AND assistant_id IS NULL)",
            name=op.f("ck_feed_token_target"),
        ),
        sa.CheckConstraint("length(token_hash) = 64", name=op.f("ck_feed_token_sha256_hex")),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_feed_token_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_feed_token_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_feed_token_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_token_token_hash")),
    )
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feed_token_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "opening_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "end_minute > 0 AND end_minute <= 1440", name=op.f("ck_opening_window_end_in_day")
        ),
        sa.CheckConstraint("end_minute > start_minute", name=op.f("ck_opening_window_ordered")),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440", name=op.f("ck_opening_window_start_in_day")
        ),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f("ck_opening_window_weekday")),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_opening_window_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_window")),
    )
    with op.batch_alter_table("opening_window", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opening_window_cabinet_id"), ["cabinet_id"], unique=False
        )

    op.create_table(
        "presence_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("request_date", sa.Date(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "end_minute > start_minute AND end_minute <= 1440",
            name=op.f("ck_presence_request_ordered"),
        ),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440",
            name=op.f("ck_presence_request_start_in_day"),
        ),
        sa.CheckConstraint(
            "weight >= 0 AND weight <= 100", name=op.f("ck_presence_request_weight")
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_presence_request_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_request")),
    )
    with op.batch_alter_table("presence_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_presence_request_cabinet_id"), ["cabinet_id"], unique=False
        )

    op.create_table(
        "share_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("share_total_bp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_share_plan_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_total_bp"],
            ["share_total_rule.total_bp"],
            name=op.f("fk_share_plan_share_total_bp_share_total_rule"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_plan")),
        sa.UniqueConstraint(
            "contract_id", "valid_from", name=op.f("uq_share_plan_contract_id_valid_from")
        ),
    )
    with op.batch_alter_table("share_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_plan_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "travel_time",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("minutes > 0 AND minutes <= 240", name=op.f("ck_travel_time_minutes")),
        sa.CheckConstraint(
            "origin_id < destination_id", name=op.f("ck_travel_time_canonical_pair")
        ),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["cabinet.id"],
            name=op.f("fk_travel_time_destination_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_travel_time_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["cabinet.id"],
            name=op.f("fk_travel_time_origin_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_time")),
        sa.UniqueConstraint(
            "origin_id", "destination_id", name=op.f("uq_travel_time_origin_id_destination_id")
        ),
    )
    with op.batch_alter_table("travel_time", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_travel_time_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "auditor_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_auditor_grant_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_auditor_grant_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auditor_grant")),
        sa.UniqueConstraint(
            "user_id", "contract_id", name=op.f("uq_auditor_grant_user_id_contract_id")
        ),
    )
    with op.batch_alter_table("auditor_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditor_grant_user_id"), ["user_id"], unique=False)

    op.create_table(
        "consultation_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "end_minute > 0 AND end_minute <= 1440", name=op.f("ck_consultation_session_end_in_day")
        ),
        sa.CheckConstraint(
            "end_minute > start_minute", name=op.f("ck_consultation_session_ordered")
        ),
        sa.CheckConstraint(
            "start_minute >= 0 AND start_minute < 1440",
            name=op.f("ck_consultation_session_start_in_day"),
        ),
        sa.CheckConstraint(
            "weekday >= 0 AND weekday <= 6", name=op.f("ck_consultation_session_weekday")
        ),
        sa.CheckConstraint(
            "weight >= 0 AND weight <= 100", name=op.f("ck_consultation_session_weight")
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_consultation_session_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctor.id"],
            name=op.f("fk_consultation_session_doctor_id_doctor"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_session")),
    )
    with op.batch_alter_table("consultation_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_session_cabinet_id"), ["cabinet_id"], unique=False
        )

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_idempotency_record_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_record_user_id_key")),
    )
    op.create_table(
        "patientele_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("pmt", sa.Integer(), nullable=False),
        sa.Column("file_active", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "file_active >= 0 AND file_active <= 100000",
            name=op.f("ck_patientele_snapshot_file_active"),
        ),
        sa.CheckConstraint("pmt >= 0 AND pmt <= 100000", name=op.f("ck_patientele_snapshot_pmt")),
        sa.ForeignKeyConstraint(
            ["doctor_id"],
            ["doctor.id"],
            name=op.f("fk_patientele_snapshot_doctor_id_doctor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patientele_snapshot")),
        sa.UniqueConstraint(
            "doctor_id",
            "snapshot_date",
            name=op.f("uq_patientele_snapshot_doctor_id_snapshot_date"),
        ),
    )
    with op.batch_alter_table("patientele_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patientele_snapshot_doctor_id"), ["doctor_id"], unique=False
        )

    op.create_table(
        "rota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "superseded",
                name="rota_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("solver_status", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.Integer(), nullable=True),
        sa.Column("bound", sa.Integer(), nullable=True),
        sa.Column("solve_seconds", sa.Double(), nullable=False),
        sa.Column("objective_terms", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "solver_status IN ('optimal', 'feasible', 'infeasible', 'invalid', 'unknown', 'edited')",
            name=op.f("ck_rota_solver_status"),
        ),
        sa.CheckConstraint(
            "period_days >= 1 AND period_days <= 56", name=op.f("ck_rota_period_days")
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_rota_revision")),
        sa.ForeignKeyConstraint(
            ["based_on_id"], ["rota.id"], name=op.f("fk_rota_based_on_id_rota"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_rota_created_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_rota_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["app_user.id"],
            name=op.f("fk_rota_published_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota")),
        sa.UniqueConstraint(
            "groupement_id",
            "period_start",
            "revision",
            name=op.f("uq_rota_groupement_id_period_start_revision"),
        ),
    )
    with op.batch_alter_table("rota", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_groupement_id"), ["groupement_id"], unique=False)
        batch_op.create_index(
            "uq_rota_one_published",
            ["groupement_id", "period_start"],
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        )

    op.create_table(
        "share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.CheckConstraint("share_bp > 0 AND share_bp <= 10000", name=op.f("ck_share_share_range")),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_share_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["share_plan.id"],
            name=op.f("fk_share_plan_id_share_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share")),
        sa.UniqueConstraint("plan_id", "cabinet_id", name=op.f("uq_share_plan_id_cabinet_id")),
    )
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_cabinet_id"), ["cabinet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_share_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_assignment_ordered")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_assignment_sequence")),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_assignment_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_assignment_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_assignment_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rota.id"], name=op.f("fk_assignment_rota_id_rota"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint("rota_id", "uid", name=op.f("uq_assignment_rota_id_uid")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assignment_cabinet_id"), ["cabinet_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assignment_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assignment_rota_id"), ["rota_id"], unique=False)

    op.create_table(
        "cancelled_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=True),
        sa.Column("origin_id", sa.Integer(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_cancelled_event_ordered")),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_cancelled_event_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_cancelled_event_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_cancelled_event_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["cabinet.id"],
            name=op.f("fk_cancelled_event_origin_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"],
            ["rota.id"],
            name=op.f("fk_cancelled_event_rota_id_rota"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancelled_event")),
        sa.UniqueConstraint("uid", name=op.f("uq_cancelled_event_uid")),
    )
    with op.batch_alter_table("cancelled_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cancelled_event_groupement_id"), ["groupement_id"], unique=False
        )

    op.create_table(
        "change_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_ids", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("within_notice", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_reason", sa.String(length=500), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "within_notice = false OR acknowledged_reason IS NOT NULL",
            name=op.f("ck_change_notice_acknowledged"),
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_change_notice_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_change_notice_created_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_change_notice_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rota.id"], name=op.f("fk_change_notice_rota_id_rota"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_notice")),
    )
    with op.batch_alter_table("change_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_change_notice_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_change_notice_groupement_id"), ["groupement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_change_notice_rota_id"), ["rota_id"], unique=False)

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("cabinet_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("delivered_minutes", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "delivered_minutes >= 0 AND delivered_minutes <= 10080",
            name=op.f("ck_ledger_entry_delivered"),
        ),
        sa.CheckConstraint(
            "planned_minutes >= 0 AND planned_minutes <= 10080",
            name=op.f("ck_ledger_entry_planned"),
        ),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_ledger_entry_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cabinet_id"],
            ["cabinet.id"],
            name=op.f("fk_ledger_entry_cabinet_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["pooled_contract.id"],
            name=op.f("fk_ledger_entry_contract_id_pooled_contract"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rota.id"], name=op.f("fk_ledger_entry_rota_id_rota"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint(
            "contract_id",
            "cabinet_id",
            "assistant_id",
            "week_start",
            name=op.f("uq_ledger_entry_contract_id_cabinet_id_assistant_id_week_start"),
        ),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_cabinet_id"), ["cabinet_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "plan_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("groupement_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="run_state",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_reason", sa.String(length=500), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("best_objective", sa.Integer(), nullable=True),
        sa.Column("bound", sa.Integer(), nullable=True),
        sa.Column("elapsed_seconds", sa.Double(), nullable=False),
        sa.Column("time_limit_s", sa.Double(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_plan_run_attempts")),
        sa.CheckConstraint(
            "period_days >= 1 AND period_days <= 56", name=op.f("ck_plan_run_period_days")
        ),
        sa.ForeignKeyConstraint(
            ["based_on_id"],
            ["rota.id"],
            name=op.f("fk_plan_run_based_on_id_rota"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["groupement_id"],
            ["groupement.id"],
            name=op.f("fk_plan_run_groupement_id_groupement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_plan_run_requested_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rota.id"], name=op.f("fk_plan_run_rota_id_rota"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_run")),
        sa.UniqueConstraint(
            "groupement_id",
            "idempotency_key",
            name=op.f("uq_plan_run_groupement_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("plan_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_run_groupement_id"), ["groupement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_run_state"), ["state"], unique=False)

    op.create_table(
        "rota_break",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_rota_break_ordered")),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_rota_break_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rota.id"], name=op.f("fk_rota_break_rota_id_rota"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_break")),
    )
    with op.batch_alter_table("rota_break", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rota_break_rota_id"), ["rota_id"], unique=False)

    op.create_table(
        "travel_leg",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rota_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("origin_id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_travel_leg_ordered")),
        sa.CheckConstraint("origin_id <> destination_id", name=op.f("ck_travel_leg_two_sites")),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistant.id"],
            name=op.f("fk_travel_leg_assistant_id_assistant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["cabinet.id"],
            name=op.f("fk_travel_leg_destination_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["cabinet.id"],
            name=op.f("fk_travel_leg_origin_id_cabinet"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rota_id"], ["rota.id"], name=op.f("fk_travel_leg_rota_id_rota"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_leg")),
        sa.UniqueConstraint("rota_id", "uid", name=op.f("uq_travel_leg_rota_id_uid")),
    )
    with op.batch_alter_table("travel_leg", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_travel_leg_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_travel_leg_rota_id"), ["rota_id"], unique=False)

    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("travel_leg", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_travel_leg_rota_id"))
        batch_op.drop_index(batch_op.f("ix_travel_leg_assistant_id"))

    op.drop_table("travel_leg")
    with op.batch_alter_table("rota_break", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_break_rota_id"))

    op.drop_table("rota_break")
    with op.batch_alter_table("plan_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_run_state"))
        batch_op.drop_index(batch_op.f("ix_plan_run_groupement_id"))

    op.drop_table("plan_run")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_contract_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_cabinet_id"))

    op.drop_table("ledger_entry")
    with op.batch_alter_table("change_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_notice_rota_id"))
        batch_op.drop_index(batch_op.f("ix_change_notice_groupement_id"))
        batch_op.drop_index(batch_op.f("ix_change_notice_assistant_id"))

    op.drop_table("change_notice")
    with op.batch_alter_table("cancelled_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cancelled_event_groupement_id"))

    op.drop_table("cancelled_event")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_rota_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_contract_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_cabinet_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_assistant_id"))

    op.drop_table("assignment")
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_plan_id"))
        batch_op.drop_index(batch_op.f("ix_share_cabinet_id"))

    op.drop_table("share")
    with op.batch_alter_table("rota", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_rota_one_published",
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        )
        batch_op.drop_index(batch_op.f("ix_rota_groupement_id"))

    op.drop_table("rota")
    with op.batch_alter_table("patientele_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patientele_snapshot_doctor_id"))

    op.drop_table("patientele_snapshot")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("consultation_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_session_cabinet_id"))

    op.drop_table("consultation_session")
    with op.batch_alter_table("auditor_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditor_grant_user_id"))

    op.drop_table("auditor_grant")
    with op.batch_alter_table("travel_time", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_travel_time_groupement_id"))

    op.drop_table("travel_time")
    with op.batch_alter_table("share_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_plan_contract_id"))

    op.drop_table("share_plan")
    with op.batch_alter_table("presence_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presence_request_cabinet_id"))

    op.drop_table("presence_request")
    with op.batch_alter_table("opening_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_window_cabinet_id"))

    op.drop_table("opening_window")
    with op.batch_alter_table("feed_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_token_groupement_id"))

    op.drop_table("feed_token")
    with op.batch_alter_table("doctor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doctor_cabinet_id"))

    op.drop_table("doctor")
    with op.batch_alter_table("contract_assistant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_assistant_contract_id"))
        batch_op.drop_index(batch_op.f("ix_contract_assistant_assistant_id"))

    op.drop_table("contract_assistant")
    with op.batch_alter_table("availability_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_window_assistant_id"))

    op.drop_table("availability_window")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_groupement_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absence_assistant_id"))

    op.drop_table("absence")
    with op.batch_alter_table("rendered_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rendered_feed_groupement_id"))

    op.drop_table("rendered_feed")
    with op.batch_alter_table("pooled_contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pooled_contract_groupement_id"))

    op.drop_table("pooled_contract")
    with op.batch_alter_table("cabinet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cabinet_groupement_id"))

    op.drop_table("cabinet")
    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistant_groupement_id"))

    op.drop_table("assistant")
    op.drop_table("target_policy")
    op.drop_table("share_total_rule")
    op.drop_table("job_run")
    op.drop_table("groupement")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_groupement_id"))

    op.drop_table("audit_log")
