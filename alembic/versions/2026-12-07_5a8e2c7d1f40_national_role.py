"""The national role: an Assurance maladie reader of every contract's figures.

Revision ID: 5a8e2c7d1f40
Revises: c41d7e2a9b53
Create Date: 2026-12-07 03:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5a8e2c7d1f40"
down_revision: str | None = "c41d7e2a9b53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = ("coordinator", "cabinet", "assistant", "auditor")
_AFTER = (*_BEFORE, "national")


def _role(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="user_role", native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column(
            "role", existing_type=_role(_BEFORE), type_=_role(_AFTER), existing_nullable=False
        )


def downgrade() -> None:
    # A national account has no role to fall back to: it goes with the role.
    op.execute("DELETE FROM app_user WHERE role = 'national'")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column(
            "role", existing_type=_role(_AFTER), type_=_role(_BEFORE), existing_nullable=False
        )
