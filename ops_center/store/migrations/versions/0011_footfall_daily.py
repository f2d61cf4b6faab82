"""the exact daily roll-up of footfall (per UTC day), kept by the same triggers as the hourly one

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 21:40:00
"""

import sqlalchemy as sa
from alembic import op

from ops_center.store import rollup

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('footfall_daily',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('utc_minute', sa.BigInteger(), nullable=False),
    sa.Column('count_in', sa.Integer(), nullable=False),
    sa.Column('count_out', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'day', 'source')
    )
    op.create_index('ix_footfall_daily_day', 'footfall_daily', ['day'], unique=False)
    rollup.install(op.get_bind(), (rollup.HOURLY, rollup.DAILY), fill=(rollup.DAILY,),
                   per_statement=False)  # the hourly one is exact


def downgrade() -> None:
    rollup.install(op.get_bind(), (rollup.HOURLY,), fill=(), per_statement=False)
    op.drop_index('ix_footfall_daily_day', table_name='footfall_daily')
    op.drop_table('footfall_daily')
