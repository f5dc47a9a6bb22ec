"""user roles, per-client grants, token revocation and TOTP two-factor

``users.is_admin`` becomes ``users.role`` (administrator, analyst or viewer): admins become
administrators, everyone else an analyst, which is what they could do before. Users may be
disabled, and carry a token generation that revokes all their tokens when bumped. Non-admins see
only the clients of ``client_users``; every existing user is granted the clients of their tenant,
so nobody loses sight of anything on upgrade. ``revoked_tokens`` holds logged-out tokens until
they expire; ``mfa_challenges`` the single-use codes of a two-factor login.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import scanlift.db.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False, server_default="analyst"))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("mfa_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mfa_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE users SET role = 'administrator' WHERE is_admin"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_admin")

    op.create_table(
        "client_users",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", scanlift.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_users_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_client_users_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("client_id", "user_id", name=op.f("pk_client_users")),
    )
    with op.batch_alter_table("client_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_users_user_id"), ["user_id"], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO client_users (client_id, user_id, created_at) "
            "SELECT clients.id, users.id, CURRENT_TIMESTAMP FROM clients "
            "JOIN users ON users.tenant_id = clients.tenant_id WHERE users.role <> 'administrator'"
        )
    )

    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", scanlift.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_revoked_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    with op.batch_alter_table("revoked_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revoked_tokens_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_revoked_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mfa_challenges",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", scanlift.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_challenges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_mfa_challenges")),
    )
    with op.batch_alter_table("mfa_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mfa_challenges_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mfa_challenges_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("mfa_challenges")
    op.drop_table("revoked_tokens")
    op.drop_table("client_users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE users SET is_admin = (role = 'administrator')"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("mfa_enabled")
        batch_op.drop_column("mfa_secret")
        batch_op.drop_column("token_generation")
        batch_op.drop_column("disabled")
        batch_op.drop_column("role")
