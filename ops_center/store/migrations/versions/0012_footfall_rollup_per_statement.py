"""the footfall roll-ups are kept per statement on PostgreSQL (triggers with transition tables: one
grouped upsert per roll-up and statement instead of two per minute bucket); SQLite's row triggers
skip an update that changes nothing

Both roll-ups are exact before and after, so nothing is refilled.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 01:10:00
"""

from alembic import op

from ops_center.store import rollup

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    rollup.install(op.get_bind(), rollup.LEVELS, fill=())


def downgrade() -> None:
    rollup.install(op.get_bind(), rollup.LEVELS, fill=(), per_statement=False)
